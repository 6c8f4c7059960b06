package siptel

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// UA is what Telephony needs of a SIP user agent: placing calls. FromAgent
// adapts a *ua.Agent; tests fake it.
type UA interface {
	// Dial places a call and blocks until it is answered, fails (a
	// *ua.DialError) or ctx ends (the call is cancelled).
	Dial(ctx context.Context, req ua.DialRequest) (Call, error)
}

// Call is what Telephony needs of an established call (a *ua.Call).
type Call interface {
	// Media is the call's RTP session.
	Media() Media
	// Hangup ends the call with BYE carrying the Q.850 cause.
	Hangup(ctx context.Context, cause int) error
	// Done is closed when the call has ended.
	Done() <-chan struct{}
	// End says how the call ended, once Done is closed.
	End() ua.End
}

// Media is what Telephony needs of a call's media (a *media.Session).
type Media interface {
	// Play sends the audio (looped or once) until it ends, ctx ends or
	// another Play replaces it.
	Play(ctx context.Context, a *media.Audio, loop bool) error
	// DetectMachine runs the answering-machine heuristic until it decides
	// or ctx ends.
	DetectMachine(ctx context.Context, cfg media.AMDConfig) media.AMDResult
	// Bridge relays RTP between this call and other until ctx ends or one
	// of them closes; a non-nil rec receives the conversation as a stereo
	// WAV (this call left, other right; see media.BridgeOptions).
	Bridge(ctx context.Context, other Media, rec io.WriteSeeker) error
}

// FromAgent adapts a SIP user agent to UA.
func FromAgent(a *ua.Agent) UA { return agentUA{a} }

type agentUA struct{ a *ua.Agent }

func (u agentUA) Dial(ctx context.Context, req ua.DialRequest) (Call, error) {
	c, err := u.a.Dial(ctx, req)
	if err != nil {
		return nil, err
	}
	return uaCall{c}, nil
}

type uaCall struct{ c *ua.Call }

func (c uaCall) Media() Media                                { return sessionMedia{c.c.Media()} }
func (c uaCall) Hangup(ctx context.Context, cause int) error { return c.c.Hangup(ctx, cause) }
func (c uaCall) Done() <-chan struct{}                       { return c.c.Done() }
func (c uaCall) End() ua.End                                 { return c.c.End() }

type sessionMedia struct{ s *media.Session }

func (m sessionMedia) Play(ctx context.Context, a *media.Audio, loop bool) error {
	if m.s == nil {
		return media.ErrSessionClosed
	}
	return m.s.Play(ctx, a, loop)
}

func (m sessionMedia) DetectMachine(ctx context.Context, cfg media.AMDConfig) media.AMDResult {
	if m.s == nil {
		return media.AMDUndecided
	}
	return m.s.DetectMachine(ctx, cfg)
}

func (m sessionMedia) Bridge(ctx context.Context, other Media, rec io.WriteSeeker) error {
	o, ok := other.(sessionMedia)
	if !ok || m.s == nil || o.s == nil {
		return fmt.Errorf("siptel: bridge: %w", errNotSession)
	}
	return media.BridgeSessionsWith(ctx, m.s, o.s, media.BridgeOptions{Record: rec})
}

var errNotSession = errors.New("both legs must be SIP user agent calls with media")
