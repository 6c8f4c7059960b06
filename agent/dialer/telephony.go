package dialer

import (
	"context"
	"errors"
	"time"
)

// Telephony is the dialer's port to the telephone system. Implementations
// must not call back into the Dialer from inside these methods; events are
// delivered later through Dialer.HandleEvent.
type Telephony interface {
	// Originate places a customer call with the caller-chosen id req.CallID.
	// On answer the implementation reports EventAnswered; on failure or
	// timeout EventEnded with a Q.850 cause.
	Originate(ctx context.Context, req OriginateRequest) error
	// ConnectAgent brings up the agent's held leg (calls the endpoint and
	// parks it in a holding bridge); EventAgentUp follows.
	ConnectAgent(ctx context.Context, agentID, endpoint string) error
	// DisconnectAgent hangs up the agent's held leg.
	DisconnectAgent(ctx context.Context, agentID string) error
	// Join puts an answered customer into the agent's bridge, optionally
	// recording the bridge.
	Join(ctx context.Context, callID, agentID string, record bool) error
	// Hold plays music on hold or ringback to a waiting customer.
	Hold(ctx context.Context, callID string, media HoldMedia) error
	// PlayMessage plays media to the customer and hangs up when it ends.
	PlayMessage(ctx context.Context, callID, media string) error
	// Hangup ends a customer call.
	Hangup(ctx context.Context, callID string) error
}

// HoldMedia is what a waiting customer hears.
type HoldMedia string

// Hold media choices.
const (
	HoldMOH      HoldMedia = "moh"
	HoldRingback HoldMedia = "ringback"
)

// OriginateRequest describes one customer call.
type OriginateRequest struct {
	// CallID is the channel id chosen by the dialer (unique, never reused).
	CallID string
	// Campaign is the campaign id, for labelling.
	Campaign string
	// Backend is the campaign's backend ("ari" or "sip"), for a Telephony
	// that routes between them.
	Backend string
	// Number is the customer's number in canonical form.
	Number string
	// Endpoint is the dial string, e.g. "PJSIP/+441234567890@trunk" (ari)
	// or "sip:+441234567890@trunk.example.com" (sip).
	Endpoint string
	// CallerID is the presented caller id.
	CallerID string
	// Timeout is the ring timeout (never below the minimum ring time).
	Timeout time.Duration
	// AMD asks for answering-machine detection through the dialplan's AMD().
	AMD bool
}

// EventKind says what happened.
type EventKind int

// Event kinds.
const (
	// EventRinging: the customer's phone is ringing (optional; ring time is
	// measured from originate when it is absent).
	EventRinging EventKind = iota + 1
	// EventAnswered: the customer answered and the call is under our control.
	EventAnswered
	// EventEnded: the customer leg is gone; Cause holds the Q.850 cause.
	EventEnded
	// EventAgentUp: the agent's held leg is up in its holding bridge.
	EventAgentUp
	// EventAgentDown: the agent's held leg hung up.
	EventAgentDown
	// EventLinkDown: the telephony lost its event stream (e.g. the ARI
	// WebSocket dropped). Answers cannot be taken while it is down, so the
	// dialer places no new call and gives up ringing ones after the
	// minimum ring time.
	EventLinkDown
	// EventLinkUp: the event stream is back and reconciled.
	EventLinkUp
	// EventStray: a customer leg of this dialer's application that the
	// dialer does not track (originated by an earlier run, before a restart
	// or a crash) answered and waits in the application. The dialer decides
	// at once what the customer hears (never silence): Campaign names the
	// campaign it was placed for, when known.
	EventStray
)

// ErrRecordingFailed is wrapped by a Join whose call was joined but whose
// recording could not start (e.g. Asterisk's recording directory is
// missing): the call goes on unrecorded and the campaign reports the fault.
var ErrRecordingFailed = errors.New("recording could not start")

// Event is reported by a Telephony implementation to Dialer.HandleEvent.
type Event struct {
	Kind    EventKind
	CallID  string
	AgentID string
	// Cause is the Q.850 hangup cause of EventEnded.
	Cause int
	// Lost marks an EventEnded for a call that vanished while events were
	// lost (e.g. found missing after a reconnect): its cause is unknown.
	Lost bool
	// AMD is the AMDSTATUS (HUMAN, MACHINE, NOTSURE) of an answered call
	// that went through answering-machine detection; empty otherwise.
	AMD string
	// Campaign is the campaign of an EventStray, when known.
	Campaign string
	// Talking marks an EventStray found in a bridge: it was in conversation
	// with an agent of the earlier run (whose leg is gone).
	Talking bool
	// Fault, on an EventEnded, says the call ended because of a fault in the
	// telephone system's configuration (e.g. the AMD dialplan failed); the
	// dialer records the outcome config_error and pauses the campaign.
	Fault string
}
