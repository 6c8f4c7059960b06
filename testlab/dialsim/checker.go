package dialsim

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Checker wraps any dialer.Telephony and the dialer's event sink and keeps
// the same independent Checks as the in-process Telephony: it sees every
// command the dialer gives and every event it receives.
type Checker struct {
	mu        sync.Mutex
	inner     dialer.Telephony
	clk       clock.Clock
	sink      func(dialer.Event)
	zones     map[string]*time.Location
	dnc       map[string]bool
	abandoned map[string]time.Time
	calls     map[string]*chkCall
	seen      map[string]bool
	end       time.Time
	active    int
	// Checks are the figures so far.
	Checks Checks
	// Trace, when set before the run, receives the dialer's timeline
	// (see tracef).
	Trace io.Writer
}

// eventName names an event in a trace.
func eventName(k dialer.EventKind) string {
	switch k {
	case dialer.EventRinging:
		return "ringing"
	case dialer.EventAnswered:
		return "answered"
	case dialer.EventEnded:
		return "ended"
	case dialer.EventAgentUp:
		return "agent-up"
	case dialer.EventAgentDown:
		return "agent-down"
	case dialer.EventLinkDown:
		return "link-down"
	case dialer.EventLinkUp:
		return "link-up"
	case dialer.EventStray:
		return "stray"
	}
	return fmt.Sprintf("event-%d", k)
}

// tracefLocked writes one timeline line: the simulated time, then what
// happened ("originate sim-12 +442070000001", "ended sim-12 cause=19").
// Commands are written as the dialer gives them, events before the dialer
// handles them, so the commands an event causes follow it.
func (c *Checker) tracefLocked(format string, args ...any) {
	if c.Trace == nil {
		return
	}
	_, _ = fmt.Fprintf(c.Trace, "%s "+format+"\n", append([]any{c.clk.Now().Format("15:04:05.000")}, args...)...)
}

func (c *Checker) tracef(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tracefLocked(format, args...)
}

type chkCall struct {
	number     string
	originated time.Time
	answeredAt time.Time
	joinedAt   time.Time
	answered   bool
	served     bool
}

// NewChecker wraps inner; end clips talk-time accounting.
func NewChecker(inner dialer.Telephony, clk clock.Clock, zones map[string]*time.Location, dnc map[string]bool, end time.Time) *Checker {
	return &Checker{inner: inner, clk: clk, zones: zones, dnc: dnc, end: end,
		abandoned: map[string]time.Time{}, calls: map[string]*chkCall{}, seen: map[string]bool{}}
}

// Sink returns the event sink to give the telephony: it records, then
// forwards to next.
func (c *Checker) Sink(next func(dialer.Event)) func(dialer.Event) {
	c.sink = next
	return c.observe
}

func (c *Checker) observe(ev dialer.Event) {
	c.record(ev)
	c.sink(ev)
}

func (c *Checker) record(ev dialer.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clk.Now()
	switch {
	case ev.Kind == dialer.EventEnded:
		c.tracefLocked("%s %s cause=%d", eventName(ev.Kind), ev.CallID, ev.Cause)
	case ev.CallID != "":
		c.tracefLocked("%s %s", eventName(ev.Kind), ev.CallID)
	default:
		c.tracefLocked("%s %s", eventName(ev.Kind), ev.AgentID)
	}
	if cl := c.calls[ev.CallID]; cl != nil {
		switch ev.Kind {
		case dialer.EventAnswered:
			if ev.AMD != "MACHINE" && !cl.answered {
				cl.answered, cl.answeredAt = true, now
				c.Checks.Answers++
				c.Checks.AnswerTimes = append(c.Checks.AnswerTimes, now)
			}
		case dialer.EventEnded:
			if cl.answered && !cl.served && now.Sub(cl.answeredAt) <= 2*time.Second {
				c.Checks.HungUpWaiting++ // the customer left before the grace time ran out
			}
			if !cl.joinedAt.IsZero() {
				e := now
				if e.After(c.end) {
					e = c.end
				}
				if e.After(cl.joinedAt) {
					c.Checks.TalkSeconds += e.Sub(cl.joinedAt).Seconds()
				}
			}
			delete(c.calls, ev.CallID)
			c.active--
		}
	}
}

// Active returns customer legs not yet reported ended.
func (c *Checker) Active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}

func (c *Checker) served(cl *chkCall, now time.Time) {
	if cl.served || !cl.answered {
		return
	}
	cl.served = true
	if now.Sub(cl.answeredAt) <= 2*time.Second {
		c.Checks.Within2s++
	}
}

// Originate implements dialer.Telephony.
func (c *Checker) Originate(ctx context.Context, req dialer.OriginateRequest) error {
	c.mu.Lock()
	now := c.clk.Now()
	if c.seen[req.CallID] {
		c.Checks.DuplicateIDs++
	}
	c.seen[req.CallID] = true
	c.Checks.Originates++
	c.Checks.OriginateTimes = append(c.Checks.OriginateTimes, now)
	if c.dnc[req.Number] {
		c.Checks.DNCViolations++
	}
	if loc := c.zones[req.Number]; loc != nil {
		lt := now.In(loc)
		tod := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
		if tod < 8*time.Hour || tod >= 21*time.Hour {
			c.Checks.WindowViolations++
		}
	}
	if at, ok := c.abandoned[req.Number]; ok && now.Sub(at) < 72*time.Hour {
		c.Checks.Redials72h++
	}
	c.tracefLocked("originate %s %s", req.CallID, req.Number)
	c.calls[req.CallID] = &chkCall{number: req.Number, originated: now}
	c.active++
	c.Checks.MaxChannels = max(c.Checks.MaxChannels, c.active)
	c.mu.Unlock()
	err := c.inner.Originate(ctx, req)
	if err != nil {
		c.mu.Lock()
		if c.calls[req.CallID] != nil {
			delete(c.calls, req.CallID)
			c.active--
		}
		c.mu.Unlock()
	}
	return err
}

// Join implements dialer.Telephony.
func (c *Checker) Join(ctx context.Context, callID, agentID string, record bool) error {
	c.mu.Lock()
	now := c.clk.Now()
	c.tracefLocked("join %s %s", callID, agentID)
	if cl := c.calls[callID]; cl != nil && cl.answered {
		if now.Before(c.end) {
			c.Checks.Connected++
		}
		c.Checks.TimeToAgent = append(c.Checks.TimeToAgent, now.Sub(cl.answeredAt))
		c.served(cl, now)
		cl.joinedAt = now
	}
	c.mu.Unlock()
	return c.inner.Join(ctx, callID, agentID, record)
}

// PlayMessage implements dialer.Telephony.
func (c *Checker) PlayMessage(ctx context.Context, callID, media string) error {
	c.mu.Lock()
	now := c.clk.Now()
	c.tracefLocked("message %s", callID)
	if cl := c.calls[callID]; cl != nil && cl.answered {
		c.Checks.Messaged++
		c.Checks.AbandonTimes = append(c.Checks.AbandonTimes, now)
		c.abandoned[cl.number] = now
		c.served(cl, now)
	}
	c.mu.Unlock()
	return c.inner.PlayMessage(ctx, callID, media)
}

// Hangup implements dialer.Telephony.
func (c *Checker) Hangup(ctx context.Context, callID string) error {
	c.mu.Lock()
	c.tracefLocked("hangup %s", callID)
	if cl := c.calls[callID]; cl != nil && !cl.answered && c.clk.Now().Sub(cl.originated) < dialer.MinRing {
		c.Checks.RingViolations++
	}
	c.mu.Unlock()
	return c.inner.Hangup(ctx, callID)
}

// Hold implements dialer.Telephony.
func (c *Checker) Hold(ctx context.Context, callID string, m dialer.HoldMedia) error {
	c.tracef("hold %s", callID)
	return c.inner.Hold(ctx, callID, m)
}

// ConnectAgent implements dialer.Telephony.
func (c *Checker) ConnectAgent(ctx context.Context, agentID, endpoint string) error {
	c.tracef("connect %s", agentID)
	return c.inner.ConnectAgent(ctx, agentID, endpoint)
}

// DisconnectAgent implements dialer.Telephony.
func (c *Checker) DisconnectAgent(ctx context.Context, agentID string) error {
	c.tracef("disconnect %s", agentID)
	return c.inner.DisconnectAgent(ctx, agentID)
}
