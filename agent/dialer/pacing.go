package dialer

import (
	"math"
	"time"
)

// Predictive pacing.
//
// Each tick the predictor asks, for one more call at a time: if this call
// were answered, how likely is it that no agent takes it within the grace
// time? It answers with a normal approximation of
//
//	supply(r+g) - demand(r)
//
// at several answer delays r drawn from the measured answer-delay
// distribution, where supply counts agents free by then (ready now, wrap-up
// ending, or talk ending, from the measured talk-time distribution given
// how long each call has lasted) and demand counts customers waiting now,
// calls already ringing that will have answered by then (from the measured
// answer rate and how long each has rung), and the calls placed before it
// in this tick. Calls are placed while that risk stays below a threshold
// theta; theta is driven by the abandonment meter: the controller keeps the
// abandoned count over the regulatory window on a slightly lower setpoint
// than the target, so the rate over the window stays under it. Because it
// measures the risk of each call it dials harder when the outcome is
// predictable (many agents about to free) and softer when it is not,
// which a fixed spare or safety margin cannot do.

// controller turns the abandonment meter into the risk threshold theta.
type controller struct {
	target   float64 // abandonment target (e.g. 0.03)
	setpoint float64 // share of the target aimed at
	theta0   float64 // threshold with no slack
	gain     float64 // log-theta per abandoned call of slack
	maxSlack float64 // cap on positive slack, in abandoned calls
	// recentAllowance is the slack, in abandoned calls, allowed over the
	// last recentWindow beyond the target rate.
	recentAllowance float64
	theta           float64 // last theta (reported)
	lastRisk        float64 // risk of the last call placed (reported)
}

func (k *controller) init(cfg CampaignConfig) {
	k.target = cfg.AbandonTarget
	k.setpoint = 0.93
	k.theta0 = 0.7 * cfg.AbandonTarget
	k.gain = 0.12
	k.maxSlack = 3
	k.recentAllowance = 2
}

// thresh returns theta given the counts over the regulatory window and
// over the recent past (so a quiet spell earlier in the window does not
// license a burst now).
func (k *controller) thresh(answers, aband, recentAnswers, recentAband int) float64 {
	slack := k.target*k.setpoint*float64(answers) - float64(aband)
	if slack > k.maxSlack {
		slack = k.maxSlack
	}
	if rs := k.target*k.setpoint*float64(recentAnswers) - float64(recentAband) + k.recentAllowance; rs < slack {
		slack = rs
	}
	lt := math.Log(k.theta0) + k.gain*slack
	lt = math.Max(math.Log(1e-4), math.Min(math.Log(0.5), lt))
	k.theta = math.Exp(lt)
	return k.theta
}

const quantiles = 8

// recentWindow is the short window the controller also holds to target.
const recentWindow = 30 * time.Minute

// pace places the calls a campaign's mode asks for now.
func (d *Dialer) pace(c *campaign, now time.Time) {
	if c.state != CampaignRunning || d.linkDown {
		return
	}
	inService := 0
	for _, a := range c.agents {
		if a.inService() {
			inService++
		}
	}
	if inService == 0 {
		d.cancelRinging(c, now)
		return
	}
	room := c.cfg.MaxChannels - c.channels
	if room <= 0 {
		return
	}
	switch c.cfg.Mode {
	case ModePreview:
		return
	case ModeProgressive:
		for _, a := range c.agents {
			if room == 0 {
				return
			}
			if a.state != AgentReady || !a.inService() || a.call != nil {
				continue
			}
			l := d.nextLead(c, now)
			if l == nil {
				return
			}
			d.place(c, l, a, now)
			room--
		}
	case ModeSpare:
		ready := 0
		for _, a := range c.agents {
			if a.state == AgentReady && a.inService() {
				ready++
			}
		}
		n := ready + c.cfg.SpareCalls - len(c.ringing) - len(c.waiting)
		d.placeN(c, min(n, room), now)
	case ModePredictive:
		var n int
		if c.cfg.Predictor == PredictorMargin {
			n = d.predictMargin(c, now)
		} else {
			n = d.predictRisk(c, now, room)
		}
		d.placeN(c, min(n, room), now)
	}
}

func (d *Dialer) placeN(c *campaign, n int, now time.Time) {
	for i := 0; i < n; i++ {
		l := d.nextLead(c, now)
		if l == nil {
			return
		}
		d.place(c, l, nil, now)
	}
}

// predictRisk is the risk-threshold predictor described above.
func (d *Dialer) predictRisk(c *campaign, now time.Time, room int) int {
	e := c.est
	p := max(e.answerRate(), 0.005)
	g := time.Duration(c.cfg.Grace).Seconds()
	wrap := time.Duration(c.cfg.WrapUp).Seconds()
	rs := e.delayQuantiles(quantiles)
	var s, sv, dm, dv, dn [quantiles]float64
	for _, a := range c.agents {
		if !a.inService() {
			continue
		}
		switch a.state {
		case AgentReady:
			for k := range rs {
				s[k]++
			}
		case AgentWrapUp:
			rem := a.wrapEnd.Sub(now).Seconds()
			for k, r := range rs {
				if r+g >= rem {
					s[k]++
				}
			}
		case AgentOnCall:
			if a.call == nil {
				continue
			}
			el := now.Sub(a.call.connectedAt).Seconds()
			for k, r := range rs {
				f := e.talkEndsWithin(el, r+g-wrap)
				s[k] += f
				sv[k] += f * (1 - f)
			}
		}
	}
	w := float64(len(c.waiting))
	for _, cl := range c.ringing {
		if cl.agent != nil {
			continue
		}
		age := now.Sub(cl.dialedAt).Seconds()
		for k, r := range rs {
			q := e.answerWithin(p, age, r)
			dm[k] += q
			dv[k] += q * (1 - q)
		}
	}
	for k := range rs {
		dm[k] += w
		dn[k] = p * (float64(k) + 0.5) / quantiles
	}
	ra, rb := c.meter.recent(now, recentWindow)
	theta := c.ctl.thresh(c.meter.answers, c.meter.aband, ra, rb)
	n := 0
	for n < room {
		risk := 0.0
		fn := float64(n)
		for k := range rs {
			mu := s[k] - dm[k] - fn*dn[k]
			sd := math.Sqrt(sv[k] + dv[k] + fn*dn[k]*(1-dn[k]) + 1e-6)
			risk += 0.5 * math.Erfc((mu-0.5)/(sd*math.Sqrt2))
		}
		risk /= quantiles
		if risk > theta {
			break
		}
		c.ctl.lastRisk = risk
		n++
	}
	return n
}

// predictMargin is the notes' B5 policy (expected free agents within the
// mean answer delay minus a fixed safety margin, divided by the answer
// rate), kept as a baseline for the simulator.
func (d *Dialer) predictMargin(c *campaign, now time.Time) int {
	e := c.est
	p := max(e.answerRate(), 0.005)
	h := 15.0
	wrap := time.Duration(c.cfg.WrapUp).Seconds()
	free := 0.0
	for _, a := range c.agents {
		if !a.inService() {
			continue
		}
		switch a.state {
		case AgentReady:
			free++
		case AgentWrapUp:
			if a.wrapEnd.Sub(now).Seconds() <= h {
				free++
			}
		case AgentOnCall:
			if a.call != nil {
				free += e.talkEndsWithin(now.Sub(a.call.connectedAt).Seconds(), h-wrap)
			}
		}
	}
	exp := 0.0
	for _, cl := range c.ringing {
		exp += e.answerWithin(p, now.Sub(cl.dialedAt).Seconds(), 1e6)
	}
	need := free - c.cfg.Margin - float64(len(c.waiting)) - exp
	if need <= 0 {
		return 0
	}
	return int(math.Floor(need/p + 0.5))
}
