package dialer

import (
	"context"
	"errors"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

type callState int

const (
	callDialing callState = iota + 1
	callWaiting
	callConnected
	callMessaging
	callEnded
)

// call is one customer leg.
type call struct {
	id     string
	c      *campaign
	lead   *Lead
	number string
	state  callState
	agent  *agent // reserved (preview, progressive) or connected

	dialedAt    time.Time
	ringAt      time.Time
	answeredAt  time.Time
	connectedAt time.Time

	grace      clock.Timer
	cancel     clock.Timer
	cancelling bool
	hungUp     bool
	machine    bool
	fault      string // configuration fault that ended the call
	outcome    Outcome
	attempt    *attemptSlot // this call's place in the answer-rate estimate
}

// attemptSlot holds one attempt's result until every attempt placed before
// it has one: the answer-rate estimator takes attempts in the order they
// were placed. Taken as they end, answers (5-25 s) would come in ahead of
// the unanswered calls placed with them (ending at the dial timeout), so any
// burst of dialling, or a change in the answer rate, would show a short-run
// answer rate far from the true one.
type attemptSlot struct {
	at               time.Time
	done, live, skip bool
}

// resolveAttempt records a call's attempt result (count false: not a real
// attempt outcome, such as a failed originate) and feeds the estimator
// every leading attempt that is resolved.
func (d *Dialer) resolveAttempt(cl *call, live, count bool, now time.Time) {
	if s := cl.attempt; s != nil && !s.done {
		s.done, s.live, s.skip = true, live, !count
	}
	d.drainAttempts(cl.c, now)
}

// drainAttempts moves resolved attempts, oldest first, into the estimator.
// An attempt with no result long after the dial timeout (an event lost)
// is dropped so it cannot hold the rest back.
func (d *Dialer) drainAttempts(c *campaign, now time.Time) {
	stale := time.Duration(c.cfg.DialTimeout) + 2*time.Minute
	for len(c.attempts) > 0 {
		h := c.attempts[0]
		if !h.done {
			if now.Sub(h.at) < stale {
				return
			}
			h.skip = true
		}
		c.attempts[0] = nil
		c.attempts = c.attempts[1:]
		if !h.skip {
			c.est.attempt(h.live)
		}
	}
}

// place originates a call to l, reserved for agent a when a is not nil.
func (d *Dialer) place(c *campaign, l *Lead, a *agent, now time.Time) *call {
	cl := &call{id: d.newCallID(), c: c, lead: l, number: l.Number, state: callDialing, agent: a, dialedAt: now, ringAt: now,
		attempt: &attemptSlot{at: now}}
	c.attempts = append(c.attempts, cl.attempt)
	l.Status = LeadDialing
	l.Attempts++
	d.saveLead(c, l) // a restart must know this attempt may reach the customer
	d.calls[cl.id] = cl
	d.inflight[l.Number] = true
	c.ringing = append(c.ringing, cl)
	c.channels++
	c.maxChannelsSeen = max(c.maxChannelsSeen, c.channels)
	c.dialed++
	if a != nil {
		a.call = cl
		a.setState(AgentReserved, now)
	}
	req := OriginateRequest{CallID: cl.id, Campaign: c.cfg.ID, Backend: c.cfg.Backend, Number: l.Number, Endpoint: endpointFor(c, l.Number),
		CallerID: c.cfg.CallerID, Timeout: time.Duration(c.cfg.DialTimeout), AMD: c.cfg.AMD.Enabled}
	d.queue("originate", func(ctx context.Context) error { return d.tel.Originate(ctx, req) },
		func(now time.Time, err error) {
			if cl.state == callDialing {
				d.ended(cl, 0, OutcomeFailed, now)
			}
		})
	return cl
}

// HandleEvent applies an event from the Telephony.
func (d *Dialer) HandleEvent(ev Event) {
	d.run(func(now time.Time) {
		switch ev.Kind {
		case EventRinging:
			if cl := d.calls[ev.CallID]; cl != nil && cl.state == callDialing {
				cl.ringAt = now
			}
		case EventAnswered:
			if cl := d.calls[ev.CallID]; cl != nil {
				d.answered(cl, ev.AMD, now)
			}
		case EventEnded:
			if cl := d.calls[ev.CallID]; cl != nil {
				var forced Outcome
				if ev.Lost && cl.state == callDialing {
					forced = OutcomeLost
				}
				if ev.Fault != "" {
					forced, cl.fault = OutcomeConfig, ev.Fault
					if cl.state == callDialing {
						cl.c.answered++ // it was answered: the fault struck after the answer
					}
				}
				d.ended(cl, ev.Cause, forced, now)
			}
		case EventAgentUp:
			if a := d.agents[ev.AgentID]; a != nil {
				d.agentUp(a, now)
			}
		case EventAgentDown:
			if a := d.agents[ev.AgentID]; a != nil {
				d.agentDown(a, now)
			}
		case EventLinkDown:
			d.linkDown = true
			for _, c := range d.corder {
				for _, cl := range c.ringing {
					d.cancelCall(cl, now)
				}
			}
		case EventLinkUp:
			d.linkDown = false
		case EventStray:
			d.stray(ev, now)
		}
	})
}

func removeCall(s []*call, cl *call) []*call {
	for i, x := range s {
		if x == cl {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = nil
			return s[:len(s)-1]
		}
	}
	return s
}

func (d *Dialer) answered(cl *call, amd string, now time.Time) {
	if cl.state != callDialing {
		return
	}
	c := cl.c
	c.ringing = removeCall(c.ringing, cl)
	cl.answeredAt = now
	if cl.cancel != nil {
		cl.cancel.Stop()
	}
	c.est.answeredAfter(now.Sub(cl.dialedAt))
	if amd == "MACHINE" {
		d.resolveAttempt(cl, false, true, now)
		cl.machine = true
		c.machines++
		if fp := c.cfg.AMD.FalsePositiveRate; fp > 0 {
			c.amdFalsePos += fp
			for c.amdFalsePos >= 1 {
				c.amdFalsePos--
				c.amdFalsePosTotal++
				c.meter.answer(now)
				c.meter.abandon(now)
			}
		}
		if a := cl.agent; a != nil {
			cl.agent = nil
			a.call = nil
			d.agentReady(a, now)
		}
		if c.cfg.AMD.Action == "message" && c.cfg.AMD.Message != "" {
			cl.state = callMessaging
			msg := c.cfg.AMD.Message
			d.queue("play machine message", func(ctx context.Context) error { return d.tel.PlayMessage(ctx, cl.id, msg) }, d.hangupOnErr(cl))
		} else {
			cl.state = callMessaging
			d.hangup(cl)
		}
		return
	}
	d.resolveAttempt(cl, true, true, now)
	c.answered++
	c.meter.answer(now)
	if a := cl.agent; a != nil && a.state == AgentReserved && a.legUp {
		d.connect(cl, a, now)
		return
	}
	cl.agent = nil
	if a := d.freeAgent(c); a != nil {
		d.connect(cl, a, now)
		return
	}
	cl.state = callWaiting
	c.waiting = append(c.waiting, cl)
	media := c.cfg.HoldWith
	d.queue("hold", func(ctx context.Context) error { return d.tel.Hold(ctx, cl.id, media) }, nil)
	cl.grace = d.clk.AfterFunc(time.Duration(c.cfg.Grace), func() {
		d.run(func(now time.Time) { d.graceExpired(cl, now) })
	})
}

// freeAgent returns the ready agent that has waited longest.
func (d *Dialer) freeAgent(c *campaign) *agent {
	var best *agent
	for _, a := range c.agents {
		if a.state == AgentReady && a.legUp && a.call == nil && (best == nil || a.since.Before(best.since)) {
			best = a
		}
	}
	return best
}

func (d *Dialer) connect(cl *call, a *agent, now time.Time) {
	c := cl.c
	if cl.grace != nil {
		cl.grace.Stop()
	}
	cl.state = callConnected
	cl.agent = a
	cl.connectedAt = now
	a.call = cl
	a.calls++
	a.setState(AgentOnCall, now)
	c.connected++
	c.tta.add(now.Sub(cl.answeredAt))
	rec := c.cfg.Record
	hangup := d.hangupOnErr(cl)
	d.queue("join", func(ctx context.Context) error { return d.tel.Join(ctx, cl.id, a.id, rec) }, func(now time.Time, err error) {
		if errors.Is(err, ErrRecordingFailed) {
			// Joined, not recorded: the conversation goes on; the campaign says why.
			c.recordFailures++
			c.lastFault = err.Error()
			d.log.Error("dialer: call not recorded", "campaign", c.cfg.ID, "call", cl.id, "err", err)
			return
		}
		hangup(now, err)
	})
}

func (d *Dialer) graceExpired(cl *call, now time.Time) {
	if cl.state != callWaiting {
		return
	}
	c := cl.c
	c.waiting = removeCall(c.waiting, cl)
	cl.state = callMessaging
	cl.outcome = OutcomeAbandoned
	c.abandoned++
	c.meter.abandon(now)
	d.abandoned[cl.number] = now
	if err := d.store.SaveAbandoned(cl.number, now); err != nil {
		d.log.Error("dialer: store abandoned call", "campaign", c.cfg.ID, "call", cl.id, "err", err)
	}
	msg := c.cfg.InfoMessage
	d.queue("play info message", func(ctx context.Context) error { return d.tel.PlayMessage(ctx, cl.id, msg) }, d.hangupOnErr(cl))
}

func (d *Dialer) hangupOnErr(cl *call) func(time.Time, error) {
	return func(now time.Time, err error) {
		if cl.state != callEnded {
			d.hangup(cl)
		}
	}
}

func (d *Dialer) hangup(cl *call) {
	if cl.hungUp {
		return
	}
	cl.hungUp = true
	d.queue("hangup", func(ctx context.Context) error { return d.tel.Hangup(ctx, cl.id) }, nil)
}

// cancelRinging hangs up a campaign's unreserved ringing calls, each once it
// has rung the minimum ring time.
func (d *Dialer) cancelRinging(c *campaign, now time.Time) {
	for _, cl := range c.ringing {
		if cl.agent == nil {
			d.cancelCall(cl, now)
		}
	}
}

// cancelCall hangs up a ringing call once it has rung the minimum ring
// time, unless by then the campaign runs with agents in service again.
func (d *Dialer) cancelCall(cl *call, now time.Time) {
	if cl.cancelling || cl.state != callDialing {
		return
	}
	cl.cancelling = true
	c := cl.c
	fire := func(now time.Time) {
		if cl.state != callDialing {
			return
		}
		if d.linkDown {
			d.hangup(cl)
			return
		}
		if cl.agent != nil {
			cl.cancelling = false
			return
		}
		if c.state == CampaignRunning && c.cfg.Mode != ModePreview && c.cfg.Mode != ModeProgressive {
			for _, a := range c.agents {
				if a.inService() {
					cl.cancelling = false
					return
				}
			}
		}
		d.hangup(cl)
	}
	wait := cl.ringAt.Add(MinRing).Sub(now)
	if wait <= 0 {
		fire(now)
		return
	}
	cl.cancel = d.clk.AfterFunc(wait, func() { d.run(fire) })
}

// ended handles the end of a customer leg; forced, when set, overrides the
// outcome the cause implies.
func (d *Dialer) ended(cl *call, cause int, forced Outcome, now time.Time) {
	if cl.state == callEnded {
		return
	}
	c := cl.c
	prev := cl.state
	cl.state = callEnded
	delete(d.calls, cl.id)
	delete(d.inflight, cl.number)
	c.channels--
	if cl.grace != nil {
		cl.grace.Stop()
	}
	if cl.cancel != nil {
		cl.cancel.Stop()
	}
	if forced == OutcomeConfig || cl.fault != "" || prev == callDialing && forced == "" && !cl.hungUp && OutcomeForCause(cause) == OutcomeConfig {
		// Pause before the call's agent is released below: no new call on a
		// configuration known to be broken (reported further down).
		c.state = CampaignPaused
	}
	var out Outcome
	switch prev {
	case callDialing:
		c.ringing = removeCall(c.ringing, cl)
		out = OutcomeForCause(cause)
		if cl.hungUp {
			out = OutcomeCancelled
		}
		if forced != "" {
			out = forced
		}
		counted := out != OutcomeFailed && out != OutcomeLost
		d.resolveAttempt(cl, false, counted, now)
		if counted {
			c.est.failedAfter(now.Sub(cl.dialedAt))
		}
		if out == OutcomeFailed {
			c.failed++
		}
		if a := cl.agent; a != nil && a.call == cl {
			a.call = nil
			d.agentReady(a, now)
		}
	case callWaiting:
		c.waiting = removeCall(c.waiting, cl)
		out = OutcomeHungUp
		c.hungUp++
	case callConnected:
		out = OutcomeConnected
		c.est.talked(now.Sub(cl.connectedAt))
		if a := cl.agent; a != nil && a.call == cl {
			a.call = nil
			a.lastLead, a.lastCall = cl.lead, cl.id
			d.afterCall(a, now)
		}
	case callMessaging:
		out = cl.outcome
		if cl.machine {
			out = OutcomeMachine
		}
	}
	if cl.fault != "" && prev != callDialing {
		out = OutcomeConfig
	}
	if out == OutcomeConfig {
		fault := cl.fault
		if fault == "" {
			fault = "bearer capability not available (cause 58)"
		}
		d.log.Error("dialer: configuration fault, pausing campaign", "campaign", c.cfg.ID, "call", cl.id, "fault", fault)
		c.lastFault = fault
		c.state = CampaignPaused
		if err := d.store.SaveCampaign(c.cfg, c.state); err != nil {
			d.log.Error("dialer: store campaign", "campaign", c.cfg.ID, "err", err)
		}
	}
	c.outcomes[out]++
	d.finishLead(c, cl.lead, out, now)
	if c.cfg.Mode != ModePredictive {
		d.pace(c, now)
	}
}

// finishLead records an attempt's outcome and schedules any retry.
func (d *Dialer) finishLead(c *campaign, l *Lead, out Outcome, now time.Time) {
	l.LastOutcome = out
	if l.counts == nil {
		l.counts = map[Outcome]int{}
	}
	l.counts[out]++
	r := c.cfg.Retry
	var retry bool
	var delay time.Duration
	rule := func(rr RetryRule) {
		retry = l.counts[out] <= rr.Max
		delay = time.Duration(rr.Delay)
	}
	switch out {
	case OutcomeConnected:
		l.Status = LeadDone
	case OutcomeAbandoned:
		retry, delay = true, AbandonQuarantine
	case OutcomeBusy:
		rule(r.Busy)
	case OutcomeNoAnswer, OutcomeUnavail, OutcomeUnknown, OutcomeHungUp:
		rule(r.NoAnswer)
	case OutcomeCongestion, OutcomeNetwork, OutcomeFailed, OutcomeLost, OutcomeCancelled, OutcomeConfig:
		rule(r.Congestion)
	case OutcomeRejected:
		retry, delay = l.counts[out] <= 1, time.Duration(r.NoAnswer.Delay)
	case OutcomeMachine:
		if c.cfg.AMD.Action == "message" {
			l.Status = LeadDone
		} else {
			rule(r.NoAnswer)
		}
	case OutcomeInvalid:
		l.Status = LeadBad
	}
	if out == OutcomeLost || out == OutcomeFailed {
		retry = true // never counted as a real attempt outcome
	}
	if l.Attempts >= r.MaxAttempts {
		retry = false
	}
	switch {
	case retry:
		l.Status = LeadPending
		l.NextAt = now.Add(delay)
		c.queue.push(l, now)
	case l.Status == LeadDialing:
		l.Status = LeadDone
	}
	d.saveLead(c, l)
}

// stray decides what a customer leg of an earlier run hears when it answers
// into the application after a restart. Its lead was already recorded as
// lost and its number quarantined like an abandoned call (Restore), so no
// agent is taken from this run's calls: the customer hears the campaign's
// information message, which names the caller as the rules on abandoned
// calls ask, and the call ends; without a message it is hung up at once.
// A customer who was talking to an agent of the earlier run (whose leg is
// gone) is hung up: the conversation was cut, and a message about a call
// that never reached anyone would be wrong.
func (d *Dialer) stray(ev Event, now time.Time) {
	id := ev.CallID
	var msg string
	if c := d.campaigns[ev.Campaign]; c != nil {
		c.strays++
		if !ev.Talking {
			msg = c.cfg.InfoMessage
		}
	}
	d.log.Warn("dialer: a call placed before a restart is in the app; ending it", "call", id, "campaign", ev.Campaign, "was_talking", ev.Talking, "message", msg != "")
	hangup := func(ctx context.Context) error { return d.tel.Hangup(ctx, id) }
	if msg == "" {
		d.queue("hang up stray call", hangup, nil)
		return
	}
	d.queue("play info message to stray call", func(ctx context.Context) error { return d.tel.PlayMessage(ctx, id, msg) },
		func(time.Time, error) { d.queue("hang up stray call", hangup, nil) })
}
