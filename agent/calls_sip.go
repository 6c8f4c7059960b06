package agent

import (
	"context"
	"errors"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// sipDialer is the calls engine's SIPDialer on pbxagent's own SIP user
// agent (calls.backend sip): each leg is a ua.Call, the ringback a
// generated tone played into the user's leg, the hold music played into
// the held destination's, the bridge a media.SessionBridge between both
// legs' RTP sessions (hold, mute and recording steer it).
type sipDialer struct {
	ua       *ua.Agent
	ringback *media.Audio
	hold     *media.Audio
}

// newSIPDialer wraps a; the user hears the CEPT ringing tone (425 Hz,
// 1 s on, 4 s off) while the destination rings, a held destination hears
// hold (media.HoldAudio: sip_ua.hold_music, else that tone).
func newSIPDialer(a *ua.Agent, hold *media.Audio) sipDialer {
	rb := media.RingbackCEPT().Audio()
	if hold == nil {
		hold = rb
	}
	return sipDialer{ua: a, ringback: rb, hold: hold}
}

// Dial implements calls.SIPDialer.
func (d sipDialer) Dial(ctx context.Context, req calls.SIPDialRequest) (calls.SIPLeg, error) {
	var progress func(int)
	if req.OnRinging != nil {
		progress = func(status int) {
			if status == 180 || status == 183 {
				req.OnRinging()
			}
		}
	}
	c, err := d.ua.Dial(ctx, ua.DialRequest{To: req.To, From: req.From, FromName: req.FromName, Headers: req.Headers,
		Timeout: req.Timeout, OnProgress: progress})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", req.To, sipErr(err))
	}
	return sipLeg{c: c, ringback: d.ringback, hold: d.hold}, nil
}

// sipErr turns the user agent's *ua.DialError (a final status) into the
// engine's *calls.SIPDialError, keeping the message.
func sipErr(err error) error {
	var de *ua.DialError
	if err == nil || !errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%w (%w)", &calls.SIPDialError{Status: de.Status, Reason: de.Reason, Cause: de.Cause}, err)
}

// sipLeg is one answered ua.Call.
type sipLeg struct {
	c        *ua.Call
	ringback *media.Audio
	hold     *media.Audio
}

// errForeignLeg: a bridge to a leg of another SIPDialer.
var errForeignLeg = errors.New("calls over SIP: bridge to a leg of another dialer")

// Ringback implements calls.SIPLeg: the tone in a loop until ctx ends.
func (l sipLeg) Ringback(ctx context.Context) error {
	err := l.c.Media().Play(ctx, l.ringback, true)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// HoldMusic implements calls.SIPLeg: the hold audio in a loop until ctx
// ends.
func (l sipLeg) HoldMusic(ctx context.Context) error {
	err := l.c.Media().Play(ctx, l.hold, true)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Bridge implements calls.SIPLeg: a media.SessionBridge between both
// legs' RTP sessions.
func (l sipLeg) Bridge(other calls.SIPLeg) (calls.SIPBridge, error) {
	o, ok := other.(sipLeg)
	if !ok {
		return nil, errForeignLeg
	}
	sb, err := media.NewSessionBridge(l.c.Media(), o.c.Media())
	if err != nil {
		return nil, err
	}
	return sipBridge{sb}, nil
}

// sipBridge is calls.SIPBridge on a media.SessionBridge: the first leg
// is its leg a, the second its leg b.
type sipBridge struct{ *media.SessionBridge }

// HoldSecond implements calls.SIPBridge.
func (b sipBridge) HoldSecond(on bool) error { return b.Hold(media.LegB, on) }

// MuteFirst implements calls.SIPBridge.
func (b sipBridge) MuteFirst(on bool) error { return b.Mute(media.LegA, on) }

// Hold implements calls.SIPLeg: a=sendonly, and the leg keeps sending so
// that the held destination hears the hold music (HoldMusic).
func (l sipLeg) Hold(ctx context.Context) error { return sipErr(l.c.HoldWithMedia(ctx)) }

// Resume implements calls.SIPLeg.
func (l sipLeg) Resume(ctx context.Context) error { return sipErr(l.c.Resume(ctx)) }

// SendDTMF implements calls.SIPLeg.
func (l sipLeg) SendDTMF(ctx context.Context, digits string) error {
	return l.c.Media().SendDTMF(ctx, digits)
}

// Hangup implements calls.SIPLeg.
func (l sipLeg) Hangup(ctx context.Context, cause int) error { return l.c.Hangup(ctx, cause) }

// Done implements calls.SIPLeg.
func (l sipLeg) Done() <-chan struct{} { return l.c.Done() }

// End implements calls.SIPLeg.
func (l sipLeg) End() (bool, int) {
	e := l.c.End()
	return e.ByRemote, e.Cause
}
