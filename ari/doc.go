// Package ari is pbxagent's client for the Asterisk REST Interface (ARI):
// typed REST calls for every resource pbxagent drives and the events
// WebSocket, with pings, reconnect with backoff and jitter, reconciliation
// after a reconnect and an event router that never drops silently.
//
// # Models and events
//
// Models and events are generated from the ARI Swagger specification
// (go generate runs ari/internal/gen over testlab/ari/spec); tests keep them
// equal to the JSON. Unknown events and fields are kept: an event type this
// package does not know decodes to *UnknownEvent and every event keeps its
// raw JSON (Event.Raw). Timestamps use Asterisk's layout (TimeLayout).
//
// # Connecting
//
// New builds a client (no I/O); Start runs the events loop until Close;
// WaitReady waits for the first connection and reconciliation; Connect does
// all three. Credentials are sent as HTTP Basic on REST and the WebSocket.
// The client pings Asterisk (which never pings inbound WebSockets) and
// treats a missing pong as a dead connection; it reconnects forever with
// full-jitter exponential backoff, except after ApplicationReplaced (another
// instance took the app: it stops, see ErrReplaced).
//
// # Events
//
// Events().Subscribe(Filter) returns a Subscription delivering, in arrival
// order, the events that name one of its Keys (every id an event names is
// indexed: channel, peer, caller, replace_channel, bridge, playback and its
// target, recording and its target, endpoint, and the channels and bridges
// a ChannelTransfer names in refer_to and referred_by) or all events when
// Keys is empty. Queues are
// unbounded unless WithMaxQueue is set, in which case an overflowing
// subscription is closed with ErrOverflow; nothing is dropped silently.
// Choose ids yourself (OriginateRequest.ChannelID, BridgeRequest.ID,
// PlayRequest.PlaybackID; NewID helps) and subscribe before the REST call.
//
// Synthetic events mark the connection's life: ConnectedEvent,
// DisconnectedEvent, then after every (re)connect ChannelGoneEvent for each
// channel that vanished while disconnected and one ReconciledEvent with the
// channels, bridges and applications Asterisk lists now. Asterisk does not
// resend StasisStart for channels that entered an app while the client was
// away: serve them from ReconciledEvent.Applications[i].ChannelIDs.
//
// # Errors
//
// Non-2xx replies are *Error with the status and Asterisk's message; branch
// with IsBadRequest (400), IsNotFound (404), IsNotInStasis (409 on channel operations, 422 on
// bridge addChannel), IsInvalidState (412: Down/Rsrvd/Ringing), IsConflict
// (409), IsUnprocessable (422), IsUnauthorized (401/403). A 401 also
// matches ErrUnauthorized (errors.Is): the ARI user or password is wrong;
// the events loop says so once at error level and retries quietly, and
// LastError matches it after such a refusal.
//
// # Call control
//
// Asterisk reports some outcomes only as events. Recording a channel that
// is in a bridge is accepted (the reply says "queued") and then fails with
// RecordingFailed (cause "Cannot record channel while in bridge"): record
// the bridge, or a snoop channel. Channels.Hold sends no event (ChannelHold
// comes from a phone holding). Recordings.StoredFile streams a recording's
// file. A phone's REFER on a channel with PJSIP_TRANSFER_HANDLING()=ari-only
// (Asterisk 22.3+) arrives as ChannelTransfer; answer it with
// Channels.TransferProgress.
//
// The Client interface and its small sub-interfaces (Channels, Bridges,
// Playbacks, ...) let higher layers run against the testlab stand-in
// (testlab/ari/fakeari) or their own fake; *Conn is the implementation.
package ari

//go:generate go run ./internal/gen -spec ../testlab/ari/spec -models models_gen.go -events events_gen.go
