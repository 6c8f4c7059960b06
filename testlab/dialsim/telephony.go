package dialsim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Customers is the scripted customer model.
type Customers struct {
	// AnswerProb returns the answer probability for a call placed at t.
	AnswerProb func(t time.Time) float64
	// RingMin and RingMax bound the uniform ring time of answered calls.
	RingMin, RingMax time.Duration
	// Talk is the mean of the exponential talk time.
	Talk time.Duration
	// Message is how long the information message plays.
	Message time.Duration
}

// Checks are what the simulated network saw, independent of the dialer.
type Checks struct {
	Originates       int
	Answers          int
	Connected        int
	Messaged         int
	Within2s         int // answered customers connected or messaged within 2 s
	HungUpWaiting    int // answered customers who hung up themselves within 2 s, before either
	RingViolations   int // unanswered calls hung up by us before 15 s
	WindowViolations int
	DNCViolations    int
	Redials72h       int
	MaxChannels      int
	DuplicateIDs     int
	TalkSeconds      float64 // clipped to the measuring end
	TimeToAgent      []time.Duration
	AnswerTimes      []time.Time
	AbandonTimes     []time.Time
	OriginateTimes   []time.Time
}

// Telephony is a dialer.Telephony over simulated customers on a virtual
// clock. Events reach the dialer through Sink, always from a clock callback.
type Telephony struct {
	clk   *clock.Virtual
	rng   *rand.Rand
	cust  Customers
	Sink  func(dialer.Event)
	calls map[string]*simCall
	seen  map[string]bool
	// compliance reference
	zones     map[string]*time.Location // number -> zone
	dnc       map[string]bool
	abandoned map[string]time.Time
	windowLo  time.Duration
	windowHi  time.Duration
	// End clips talk time accounting.
	End time.Time
	// MaxChannels is the cap the dialer was given (violations are counted
	// by MaxChannels in Checks > cap).
	Checks Checks
	active int
	agents map[string]bool
}

type simCall struct {
	id         string
	number     string
	originated time.Time
	answeredAt time.Time
	answered   bool
	ended      bool
	talk       time.Duration
	timer      clock.Timer
	served     bool
}

// NewTelephony returns simulated telephony. zones maps each number to its
// zone, dnc lists numbers that must never be called.
func NewTelephony(clk *clock.Virtual, rng *rand.Rand, cust Customers, zones map[string]*time.Location, dnc map[string]bool) *Telephony {
	return &Telephony{clk: clk, rng: rng, cust: cust, calls: map[string]*simCall{}, seen: map[string]bool{},
		zones: zones, dnc: dnc, abandoned: map[string]time.Time{}, windowLo: 8 * time.Hour, windowHi: 21 * time.Hour,
		agents: map[string]bool{}}
}

func (t *Telephony) emit(ev dialer.Event) {
	t.clk.AfterFunc(0, func() { t.Sink(ev) })
}

// Originate implements dialer.Telephony.
func (t *Telephony) Originate(_ context.Context, req dialer.OriginateRequest) error {
	now := t.clk.Now()
	if t.seen[req.CallID] {
		t.Checks.DuplicateIDs++
		return fmt.Errorf("originate %s: id in use", req.CallID)
	}
	t.seen[req.CallID] = true
	t.Checks.Originates++
	t.Checks.OriginateTimes = append(t.Checks.OriginateTimes, now)
	if t.dnc[req.Number] {
		t.Checks.DNCViolations++
	}
	if loc := t.zones[req.Number]; loc != nil {
		lt := now.In(loc)
		tod := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
		if tod < t.windowLo || tod >= t.windowHi {
			t.Checks.WindowViolations++
		}
	}
	if at, ok := t.abandoned[req.Number]; ok && now.Sub(at) < 72*time.Hour {
		t.Checks.Redials72h++
	}
	c := &simCall{id: req.CallID, number: req.Number, originated: now}
	t.calls[c.id] = c
	t.active++
	t.Checks.MaxChannels = max(t.Checks.MaxChannels, t.active)
	p := t.cust.AnswerProb(now)
	if t.rng.Float64() < p {
		span := t.cust.RingMax - t.cust.RingMin
		ring := t.cust.RingMin + time.Duration(t.rng.Float64()*float64(span))
		c.talk = time.Duration(t.rng.ExpFloat64() * float64(t.cust.Talk))
		if ring < req.Timeout {
			c.timer = t.clk.AfterFunc(ring, func() {
				c.answered, c.answeredAt = true, t.clk.Now()
				t.Checks.Answers++
				t.Checks.AnswerTimes = append(t.Checks.AnswerTimes, c.answeredAt)
				t.Sink(dialer.Event{Kind: dialer.EventAnswered, CallID: c.id})
			})
			return nil
		}
	}
	c.timer = t.clk.AfterFunc(req.Timeout, func() { t.end(c, 19) })
	return nil
}

func (t *Telephony) end(c *simCall, cause int) {
	if c.ended {
		return
	}
	c.ended = true
	if c.timer != nil {
		c.timer.Stop()
	}
	t.active--
	delete(t.calls, c.id)
	t.Sink(dialer.Event{Kind: dialer.EventEnded, CallID: c.id, Cause: cause})
}

func (t *Telephony) served(c *simCall) {
	if c.served {
		return
	}
	c.served = true
	if t.clk.Now().Sub(c.answeredAt) <= 2*time.Second {
		t.Checks.Within2s++
	}
}

// Join implements dialer.Telephony: the customer talks, then hangs up.
func (t *Telephony) Join(_ context.Context, callID, agentID string, _ bool) error {
	c := t.calls[callID]
	if c == nil || !c.answered {
		return fmt.Errorf("join %s: no such answered call", callID)
	}
	if !t.agents[agentID] {
		return fmt.Errorf("join %s: agent %s has no leg", callID, agentID)
	}
	now := t.clk.Now()
	if now.Before(t.End) {
		t.Checks.Connected++
	}
	t.Checks.TimeToAgent = append(t.Checks.TimeToAgent, now.Sub(c.answeredAt))
	t.served(c)
	end := now.Add(c.talk)
	if end.After(t.End) {
		end = t.End
	}
	if end.After(now) {
		t.Checks.TalkSeconds += end.Sub(now).Seconds()
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = t.clk.AfterFunc(c.talk, func() { t.end(c, 16) })
	return nil
}

// Hold implements dialer.Telephony.
func (t *Telephony) Hold(_ context.Context, callID string, _ dialer.HoldMedia) error {
	if c := t.calls[callID]; c == nil || !c.answered {
		return fmt.Errorf("hold %s: no such answered call", callID)
	}
	return nil
}

// PlayMessage implements dialer.Telephony.
func (t *Telephony) PlayMessage(_ context.Context, callID, _ string) error {
	c := t.calls[callID]
	if c == nil || !c.answered {
		return fmt.Errorf("play %s: no such answered call", callID)
	}
	t.Checks.Messaged++
	t.Checks.AbandonTimes = append(t.Checks.AbandonTimes, t.clk.Now())
	t.abandoned[c.number] = t.clk.Now()
	t.served(c)
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = t.clk.AfterFunc(t.cust.Message, func() { t.end(c, 16) })
	return nil
}

// Hangup implements dialer.Telephony.
func (t *Telephony) Hangup(_ context.Context, callID string) error {
	c := t.calls[callID]
	if c == nil {
		return fmt.Errorf("hangup %s: no such call", callID)
	}
	if !c.answered && t.clk.Now().Sub(c.originated) < dialer.MinRing {
		t.Checks.RingViolations++
	}
	t.clk.AfterFunc(0, func() { t.end(c, 16) })
	return nil
}

// ConnectAgent implements dialer.Telephony: the agent answers at once.
func (t *Telephony) ConnectAgent(_ context.Context, agentID, _ string) error {
	t.agents[agentID] = true
	t.emit(dialer.Event{Kind: dialer.EventAgentUp, AgentID: agentID})
	return nil
}

// DisconnectAgent implements dialer.Telephony.
func (t *Telephony) DisconnectAgent(_ context.Context, agentID string) error {
	if !t.agents[agentID] {
		return fmt.Errorf("disconnect %s: no leg", agentID)
	}
	delete(t.agents, agentID)
	t.emit(dialer.Event{Kind: dialer.EventAgentDown, AgentID: agentID})
	return nil
}

// Active returns the customer legs alive.
func (t *Telephony) Active() int { return t.active }
