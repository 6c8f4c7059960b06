package ua

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pbxagent/pbxagent/sip/media"
)

// DialRequest is an outgoing call.
type DialRequest struct {
	// To is the Request-URI ("sip:+441234567890@trunk.example.com",
	// "sip:101@10.0.0.5:5062;transport=tcp"), or the user part of a phone
	// registered to the Agent's Registrar ("101").
	To string
	// From is the caller's user part (the calling number); FromName its
	// display name.
	From, FromName string
	// Headers are extra headers ("X-Campaign: c1").
	Headers map[string]string
	// Timeout bounds the ring time (0: Config.RingTimeout).
	Timeout time.Duration
	// OnProgress is called with each provisional response's status (180,
	// 183), from the dialog's goroutine.
	OnProgress func(status int)
}

// DialError is a call that got a final non-2xx answer (or none).
type DialError struct {
	// Status is the SIP final status (486, 603, …); 408 when nothing
	// answered in time, 487 when cancelled.
	Status int
	// Reason is the reason phrase.
	Reason string
	// Cause is the Q.850 cause the status maps to (CauseOf), or the one a
	// Reason header (RFC 3326) carried.
	Cause int
}

func (e *DialError) Error() string {
	return fmt.Sprintf("ua: call failed: %d %s (cause %d)", e.Status, e.Reason, e.Cause)
}

// End says how a call ended.
type End struct {
	// ByRemote is true when the peer hung up (its BYE), false when this
	// side did (Hangup, Agent stopping) or the call failed.
	ByRemote bool
	// Cause is the Q.850 cause (16 normal clearing; a Reason header's
	// when the BYE carried one).
	Cause int
	// Transferred is true when the call ended because a REFER to it
	// succeeded.
	Transferred bool
}

// Call is one established call (a dialog) and its media.
type Call struct{}

// ID is the call's SIP Call-ID.
func (c *Call) ID() string { return "" }

// Remote is the peer's URI (From of an incoming call, To of an outgoing
// one) and RemoteName its display name.
func (c *Call) Remote() (uri, name string) { return "", "" }

// Media is the call's RTP session: play prompts, send and receive DTMF,
// detect speech, bridge.
func (c *Call) Media() *media.Session { return nil }

// Hold puts the peer on hold by re-INVITE with a=sendonly (RFC 3264
// section 8.4) and stops sending media.
func (c *Call) Hold(ctx context.Context) error { return errors.New("ua: Hold not written yet") }

// Resume takes the peer off hold by re-INVITE with a=sendrecv.
func (c *Call) Resume(ctx context.Context) error { return errors.New("ua: Resume not written yet") }

// Held says whether the call is on hold, by us or by the peer
// (its re-INVITE with sendonly or inactive).
func (c *Call) Held() bool { return false }

// Refer asks the peer to call target (a blind transfer, RFC 3515) and
// follows its NOTIFYs (message/sipfrag) until the transfer's final
// status: nil on 2xx (the call then ends with End.Transferred), a
// *DialError otherwise.
func (c *Call) Refer(ctx context.Context, target string) error {
	return errors.New("ua: Refer not written yet")
}

// Hangup ends the call with BYE (carrying Reason: Q.850;cause=N when
// cause is not 0) and waits for its answer or the transaction timeout.
func (c *Call) Hangup(ctx context.Context, cause int) error {
	return errors.New("ua: Hangup not written yet")
}

// Done is closed when the call has ended and its media stopped.
func (c *Call) Done() <-chan struct{} { return nil }

// End says how the call ended, once Done is closed.
func (c *Call) End() End { return End{} }
