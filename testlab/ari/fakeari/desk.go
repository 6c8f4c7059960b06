package fakeari

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// Desk is a user's desk phone called by pbxagent (an originate to
// "PJSIP/<user>"): it rings, then does one thing.
//
//   - zero value or AnswerAfter: answers after AnswerAfter (the user picks up);
//   - Manual: rings until the test calls Server.PickUp or Server.Reject
//     (or POST /testlab/channels/{id}/answer|reject), or the originate times out;
//   - RejectCause: refuses after AnswerAfter with that Q.850 cause (21 call
//     rejected, 17 busy/DND: dial status BUSY);
//   - Never: rings until the originate timeout (cause 19, NOANSWER);
//   - Offline: not registered, the call cannot be placed (Unreachable:
//     ChannelDestroyed with cause 20, subscriber absent, no Dial events).
//
// Once answered it stays up until hung up, or for Talk when set.
//
// With AutoAnswer the phone honours an auto-answer request in the INVITE
// (the originate set PJSIP_HEADER(add,Call-Info) with "answer-after=" or
// PJSIP_HEADER(add,Alert-Info) naming auto answer, as click-to-call does):
// it answers after AutoAnswerDelay whatever else it is scripted to do,
// unless it is Offline.
type Desk struct {
	AnswerAfter     time.Duration
	Manual          bool
	RejectCause     int
	Never           bool
	Offline         bool
	Talk            time.Duration
	AutoAnswer      bool
	AutoAnswerDelay time.Duration
}

// Plan turns the desk phone's script into a dial plan.
func (d Desk) Plan(string, *rand.Rand) Plan {
	switch {
	case d.Offline:
		return Plan{Outcome: Unreachable, Cause: ari.CauseSubscriberAbsent}
	case d.Never:
		return Plan{Outcome: NoAnswer}
	case d.Manual:
		return Plan{Outcome: Wait, Talk: d.Talk}
	case d.RejectCause > 0:
		return Plan{Outcome: Cause, Ring: d.AnswerAfter, Cause: d.RejectCause}
	}
	return Plan{Outcome: Answer, Ring: d.AnswerAfter, Talk: d.Talk}
}

// Errors of the far-end commands.
var (
	// ErrNoChannel: no live channel has this id.
	ErrNoChannel = errors.New("fakeari: channel not found")
	// ErrNotRinging: the channel is not an outbound leg that is ringing.
	ErrNotRinging = errors.New("fakeari: channel is not ringing")
	// ErrBadDigit: a DTMF digit outside 0-9, A-D, *, #.
	ErrBadDigit = errors.New("fakeari: invalid DTMF digit")
)

func (s *Server) ringingLocked(id string) (*channel, error) {
	c := s.channels[id]
	if c == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoChannel, id)
	}
	if !c.dialing || c.state != ari.StateRinging {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotRinging, id, c.state)
	}
	return c, nil
}

// PickUp answers a ringing outbound leg as its far end (the user lifts
// the handset): ChannelStateChange Up, Dial ANSWER, then StasisStart for
// an originate into an app, as for a scripted answer.
func (s *Server) PickUp(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changedLocked()
	c, err := s.ringingLocked(id)
	if err != nil {
		return err
	}
	c.stopTimers() // the ring timeout
	s.answerOutboundLocked(c)
	return nil
}

// Reject refuses a ringing outbound leg as its far end with a Q.850 cause
// (0: 21, call rejected): Dial with the cause's dial status, then
// ChannelDestroyed.
func (s *Server) Reject(id string, cause int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changedLocked()
	c, err := s.ringingLocked(id)
	if err != nil {
		return err
	}
	if cause == 0 {
		cause = ari.CauseCallRejected
	}
	s.hangupLocked(c, cause, hangupHow{})
	return nil
}

// DefaultDigitDuration is how long a pressed key lasts when not given.
const DefaultDigitDuration = 100 * time.Millisecond

// ParseDigits checks a DTMF string as the far end may press it: 0-9, A-D
// (either case, returned upper case), * and #; at least one digit.
func ParseDigits(digits string) (string, error) {
	if digits == "" {
		return "", fmt.Errorf("%w: no digits", ErrBadDigit)
	}
	out := make([]byte, len(digits))
	for i := 0; i < len(digits); i++ {
		d := digits[i]
		switch {
		case d >= '0' && d <= '9', d == '*', d == '#', d >= 'A' && d <= 'D':
		case d >= 'a' && d <= 'd':
			d -= 'a' - 'A'
		default:
			return "", fmt.Errorf("%w: %q at position %d", ErrBadDigit, digits[i], i+1)
		}
		out[i] = d
	}
	return string(out), nil
}

// PressDTMF makes the far end of a channel press digits: one
// ChannelDtmfReceived per digit (Asterisk publishes it at the end of each
// digit, with its duration), each after the previous one has ended
// (duration 0: DefaultDigitDuration).
func (s *Server) PressDTMF(id, digits string, duration time.Duration) error {
	ds, err := ParseDigits(digits)
	if err != nil {
		return err
	}
	if duration <= 0 {
		duration = DefaultDigitDuration
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[id]
	if c == nil {
		return fmt.Errorf("%w: %s", ErrNoChannel, id)
	}
	for i := range len(ds) {
		digit := string(ds[i])
		c.timers = append(c.timers, s.after(time.Duration(i+1)*duration, func() {
			if c.destroyed {
				return
			}
			c.heard += digit
			s.emit(c.apps(), &ari.ChannelDtmfReceived{Header: ari.Header{Type: "ChannelDtmfReceived"}, Channel: c.snapshot(), Digit: digit, DurationMs: int(duration / time.Millisecond)})
		}))
	}
	return nil
}

// PhoneHold makes the phone on channel id put its call on hold (a SIP
// re-INVITE with sendonly: chan_pjsip calls ast_queue_hold) or take it off
// hold: ChannelHold or ChannelUnhold to the apps watching the channel.
// musicClass, when set, is the class the phone asked for (ChannelHold's
// musicclass). ChannelSnapshot.PhoneHold reports it.
func (s *Server) PhoneHold(id string, on bool, musicClass string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changedLocked()
	c := s.channels[id]
	if c == nil {
		return fmt.Errorf("%w: %s", ErrNoChannel, id)
	}
	c.phoneHold = on
	if on {
		s.emit(c.apps(), &ari.ChannelHold{Header: ari.Header{Type: "ChannelHold"}, Channel: c.snapshot(), Musicclass: musicClass})
		return nil
	}
	s.emit(c.apps(), &ari.ChannelUnhold{Header: ari.Header{Type: "ChannelUnhold"}, Channel: c.snapshot()})
	return nil
}

// autoAnswerRequested reports whether the INVITE of c asks the phone to
// answer by itself: Call-Info with answer-after (Polycom, Yealink, Snom,
// Fanvil, Grandstream) or an Alert-Info naming auto answer
// ("info=alert-autoanswer", "Auto Answer", "auto-answer", "intercom").
func autoAnswerRequested(c *channel) bool {
	for k, v := range c.vars {
		name := strings.ToLower(strings.ReplaceAll(k, " ", ""))
		if !strings.HasPrefix(name, "pjsip_header(add,") {
			continue
		}
		val := strings.ToLower(v)
		switch {
		case strings.HasPrefix(name, "pjsip_header(add,call-info)") && strings.Contains(val, "answer-after="):
			return true
		case strings.HasPrefix(name, "pjsip_header(add,alert-info)") &&
			(strings.Contains(val, "autoanswer") || strings.Contains(val, "auto answer") ||
				strings.Contains(val, "auto-answer") || strings.Contains(val, "intercom")):
			return true
		}
	}
	return false
}

// planForChannel is the plan of c's endpoint, with a desk phone's
// auto-answer applied.
func (s *Server) planForChannel(c *channel) Plan {
	p := s.peerFor(c.endpoint)
	if d, ok := p.(Desk); ok && d.AutoAnswer && !d.Offline && autoAnswerRequested(c) {
		return Plan{Outcome: Answer, Ring: d.AutoAnswerDelay, Talk: d.Talk}
	}
	return p.Plan(c.endpoint, s.rng)
}
