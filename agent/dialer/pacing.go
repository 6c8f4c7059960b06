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
// than the target, so the rate over the window stays under it, and also
// over the last 30 minutes and 2 hours (with an allowance of 2 and 1
// abandoned calls), with credit from quiet spells capped as it accrues, so
// that after a change in the answer rate the abandonment is back under the
// target within half an hour. The answer rate itself follows a rise within
// about a hundred attempts (see estimator.go). Because it
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
	// last recentWindow beyond the setpoint rate.
	recentAllowance float64
	// mediumAllowance is the same over the last mediumWindow; a deficit
	// there lowers theta on top of the rest, so that after a change in the
	// answer rate the abandonment of every stretch of a few hours, not only
	// of the whole window, comes back under the target.
	mediumAllowance float64
	// bucket is the slack earned since the start, capped at maxSlack as
	// it accrues: a quiet spell (after a fall in the answer rate, say)
	// cannot bank credit that a later stretch spends above the target.
	// The window's own slack cannot tell a credit earned hours ago from one
	// earned now.
	bucket        float64
	seenA, seenAb int     // meter totals already in bucket
	theta         float64 // last theta (reported)
	lastRisk      float64 // risk of the last call placed (reported)
}

func (k *controller) init(cfg CampaignConfig) {
	k.target = cfg.AbandonTarget
	k.setpoint = 0.93
	k.theta0 = 0.7 * cfg.AbandonTarget
	k.gain = 0.12
	k.maxSlack = 3
	k.recentAllowance = 2
	k.mediumAllowance = 1
}

// counts is live answers and abandoned calls over some span.
type counts struct{ answers, aband int }

// slack is how many abandoned calls c is below the setpoint rate.
func (k *controller) slack(c counts) float64 {
	return k.target*k.setpoint*float64(c.answers) - float64(c.aband)
}

// thresh returns theta given the counts over the regulatory window, the
// recent and medium windows (so a quiet spell earlier in the window does
// not license a burst now) and the meter's totals since the start.
func (k *controller) thresh(window, recent, medium, total counts) float64 {
	if da, db := total.answers-k.seenA, total.aband-k.seenAb; da >= 0 && db >= 0 {
		k.bucket = math.Min(k.maxSlack, k.bucket+k.slack(counts{da, db}))
	}
	k.seenA, k.seenAb = total.answers, total.aband
	slack := math.Min(math.Min(k.slack(window), k.bucket), k.maxSlack)
	slack = math.Min(slack, k.slack(recent)+k.recentAllowance)
	lt := math.Log(k.theta0) + k.gain*slack
	lt = math.Max(math.Log(1e-4), math.Min(math.Log(0.5), lt))
	if ms := k.slack(medium) + k.mediumAllowance; ms < 0 {
		lt = math.Max(math.Log(1e-4), lt+k.gain*ms)
	}
	k.theta = math.Exp(lt)
	return k.theta
}

const quantiles = 8

// The recent and medium windows the controller also holds to the target.
const (
	recentWindow = 30 * time.Minute
	mediumWindow = 2 * time.Hour
)

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
		if c.est.cold() {
			// Cold start (estimator.go): a call for each free agent, no more.
			free := 0
			for _, a := range c.agents {
				if a.state == AgentReady && a.inService() && a.call == nil {
					free++
				}
			}
			n = min(n, free-len(c.ringing)-len(c.waiting))
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
	m := c.meter
	ra, rb := m.recent(now, recentWindow)
	ma, mb := m.recent(now, mediumWindow)
	theta := c.ctl.thresh(counts{m.answers, m.aband}, counts{ra, rb}, counts{ma, mb}, counts{m.totalAnswers, m.totalAband})
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

// predictMargin is the fixed safety margin of testlab/dialsim/FIGURES.md
// (our own model: expected free agents within the
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
