package dialsim

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/siptel"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// sipProbe sits between the dialer (its Checker) and the SIP telephony:
// it tells the tracker what the dialer asked for before the telephony
// acts on it, and which events the dialer has handled.
type sipProbe struct {
	// originate makes Originates one at a time (they may come from a
	// timer callback and from event handling at once).
	originate sync.Mutex
	inner     dialer.Telephony
	tr        *sipTracker
	// msgLen is how long the information message plays before siptel
	// hangs up (the WAV written for the run, plus one frame).
	msgLen time.Duration
}

// sink wraps the dialer's event sink: the tracker learns of an event once
// the dialer has handled it (and given the commands it calls for).
func (p *sipProbe) sink(next func(dialer.Event)) func(dialer.Event) {
	return func(ev dialer.Event) {
		next(ev)
		p.saw(ev)
	}
}

func (p *sipProbe) saw(ev dialer.Event) {
	switch ev.Kind {
	case dialer.EventRinging, dialer.EventAnswered, dialer.EventEnded:
		l := p.tr.leg(legCustomer, ev.CallID)
		if l == nil {
			return
		}
		p.tr.change(l, func(l *sipLeg) {
			switch ev.Kind {
			case dialer.EventRinging:
				l.evRinging = true
			case dialer.EventAnswered:
				l.evUp = true
			default:
				l.evEnded = true
			}
		})
	case dialer.EventAgentUp, dialer.EventAgentDown:
		l := p.tr.leg(legAgent, ev.AgentID)
		if l == nil {
			return
		}
		p.tr.change(l, func(l *sipLeg) {
			if ev.Kind == dialer.EventAgentUp {
				l.evUp = true
			} else {
				l.evEnded = true
			}
		})
	}
}

// uriUser returns the user part of a SIP URI ("sip:agent3@127.0.0.1:5060"
// → "agent3").
func uriUser(uri string) string {
	u := strings.TrimPrefix(strings.TrimPrefix(uri, "sip:"), "sips:")
	if i := strings.IndexByte(u, '@'); i >= 0 {
		return u[:i]
	}
	return u
}

// Originate implements dialer.Telephony.
func (p *sipProbe) Originate(ctx context.Context, req dialer.OriginateRequest) error {
	p.originate.Lock()
	defer p.originate.Unlock()
	p.tr.placed(req.CallID, uriUser(req.Endpoint), req.Timeout)
	p.tr.originating(legCustomer, req.CallID, true)
	defer p.tr.originating(legCustomer, req.CallID, false)
	err := p.inner.Originate(ctx, req)
	if err != nil {
		p.tr.failed(legCustomer, req.CallID)
		return err
	}
	p.tr.waitInvited(legCustomer, req.CallID)
	return nil
}

// ConnectAgent implements dialer.Telephony.
func (p *sipProbe) ConnectAgent(ctx context.Context, agentID, endpoint string) error {
	p.tr.agentCalled(agentID, uriUser(endpoint))
	err := p.inner.ConnectAgent(ctx, agentID, endpoint)
	if err != nil {
		p.tr.failed(legAgent, agentID)
		return err
	}
	p.tr.waitInvited(legAgent, agentID)
	return nil
}

// DisconnectAgent implements dialer.Telephony.
func (p *sipProbe) DisconnectAgent(ctx context.Context, agentID string) error {
	l := p.tr.leg(legAgent, agentID)
	if l != nil {
		p.tr.change(l, func(l *sipLeg) { l.hangupAsked = true })
	}
	err := p.inner.DisconnectAgent(ctx, agentID)
	if err != nil && l != nil { // nothing will be hung up
		p.tr.change(l, func(l *sipLeg) { l.hangupAsked = false })
	}
	return err
}

// Join implements dialer.Telephony.
func (p *sipProbe) Join(ctx context.Context, callID, agentID string, record bool) error {
	return p.inner.Join(ctx, callID, agentID, record)
}

// Hold implements dialer.Telephony.
func (p *sipProbe) Hold(ctx context.Context, callID string, m dialer.HoldMedia) error {
	return p.inner.Hold(ctx, callID, m)
}

// PlayMessage implements dialer.Telephony.
func (p *sipProbe) PlayMessage(ctx context.Context, callID, m string) error {
	p.tr.messageDeadline(callID, p.msgLen)
	err := p.inner.PlayMessage(ctx, callID, m)
	if err != nil {
		p.tr.messageNotStarting(callID)
	}
	return err
}

// Hangup implements dialer.Telephony.
func (p *sipProbe) Hangup(ctx context.Context, callID string) error {
	l := p.tr.leg(legCustomer, callID)
	if l != nil {
		p.tr.change(l, func(l *sipLeg) { l.hangupAsked = true })
	}
	err := p.inner.Hangup(ctx, callID)
	if err != nil && l != nil { // nothing will be hung up
		p.tr.change(l, func(l *sipLeg) { l.hangupAsked = false })
	}
	return err
}

// probeUA wraps siptel's user agent so the tracker sees when siptel
// starts the information message (a Play of one prompt, not looped) on a
// customer's call: the clock is held from PlayMessage until then, so the
// message starts on the tick after the command, as it would in one
// goroutine.
type probeUA struct {
	inner siptel.UA
	tr    *sipTracker
}

// Dial implements siptel.UA.
func (u probeUA) Dial(ctx context.Context, req ua.DialRequest) (siptel.Call, error) {
	c, err := u.inner.Dial(ctx, req)
	u.tr.dialReturned(uriUser(req.To))
	if err != nil {
		return nil, err
	}
	return probeCall{Call: c, tr: u.tr, user: uriUser(req.To)}, nil
}

type probeCall struct {
	siptel.Call
	tr   *sipTracker
	user string
}

func (c probeCall) Media() siptel.Media {
	return probeMedia{Media: c.Call.Media(), tr: c.tr, user: c.user}
}

type probeMedia struct {
	siptel.Media
	tr   *sipTracker
	user string
}

func (m probeMedia) Play(ctx context.Context, a *media.Audio, loop bool) error {
	if !loop {
		m.tr.messageStarting(m.user)
	}
	return m.Media.Play(ctx, a, loop)
}

func (m probeMedia) Bridge(ctx context.Context, other siptel.Media, rec io.WriteSeeker) error {
	if o, ok := other.(probeMedia); ok {
		other = o.Media
	}
	return m.Media.Bridge(ctx, other, rec)
}
