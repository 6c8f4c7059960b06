package ari

import (
	"context"
	"io"
	"time"
)

// Client is the whole ARI surface pbxagent uses, split into small
// per-resource interfaces in the style of CyCoreSystems/ari. *Conn implements
// it; tests of higher layers may use *Conn against the testlab stand-in or
// their own fake.
type Client interface {
	// Asterisk is the /asterisk resource.
	Asterisk() Asterisk
	// Channels is the /channels resource.
	Channels() Channels
	// Bridges is the /bridges resource.
	Bridges() Bridges
	// Playbacks is the /playbacks resource.
	Playbacks() Playbacks
	// Recordings is the /recordings resource.
	Recordings() Recordings
	// Endpoints is the /endpoints resource.
	Endpoints() Endpoints
	// DeviceStates is the /deviceStates resource.
	DeviceStates() DeviceStates
	// Applications is the /applications resource.
	Applications() Applications
	// Events is the event router fed by the events WebSocket.
	Events() Events
}

// Asterisk is the /asterisk resource.
type Asterisk interface {
	// Info returns build, system, config and status information.
	Info(ctx context.Context) (*AsteriskInfo, error)
	// Ping returns Asterisk's id and time.
	Ping(ctx context.Context) (*AsteriskPing, error)
	// GetVariable reads a global variable or dialplan function.
	GetVariable(ctx context.Context, name string) (string, error)
	// SetVariable sets a global variable or dialplan function.
	SetVariable(ctx context.Context, name, value string) error
}

// Channels is the /channels resource. Ids are channel ids.
type Channels interface {
	// List returns every active channel.
	List(ctx context.Context) ([]Channel, error)
	// Get returns a channel snapshot (404: IsNotFound).
	Get(ctx context.Context, id string) (*Channel, error)
	// Originate dials an endpoint. If req.ChannelID is empty a random id is
	// chosen by the client (so callers may subscribe first: set it yourself).
	// The reply is the channel in state Down; outcomes arrive as events.
	Originate(ctx context.Context, req OriginateRequest) (*Channel, error)
	// Create makes a channel in Stasis without dialing it (see Dial).
	Create(ctx context.Context, req CreateRequest) (*Channel, error)
	// Dial dials a channel made by Create; timeout 0 means Asterisk's default.
	Dial(ctx context.Context, id, caller string, timeout time.Duration) error
	// Hangup hangs a channel up; reason is one of the Reason* constants or "".
	Hangup(ctx context.Context, id, reason string) error
	// Answer answers a ringing inbound channel.
	Answer(ctx context.Context, id string) error
	// Ring indicates ringing to the channel.
	Ring(ctx context.Context, id string) error
	// StopRing stops ringing indication.
	StopRing(ctx context.Context, id string) error
	// Progress indicates call progress (early media).
	Progress(ctx context.Context, id string) error
	// Continue makes the channel leave Stasis into the dialplan; the zero
	// DialplanTarget continues at the next priority. StasisEnd follows.
	Continue(ctx context.Context, id string, to DialplanTarget) error
	// Move moves the channel to another Stasis application.
	Move(ctx context.Context, id, app string, args ...string) error
	// Redirect redirects the channel to another endpoint of the same technology.
	Redirect(ctx context.Context, id, endpoint string) error
	// GetVariable reads a channel variable or function (e.g. "CALLERID(num)").
	GetVariable(ctx context.Context, id, name string) (string, error)
	// SetVariable sets a channel variable or function (e.g. "CALLERID(name)").
	SetVariable(ctx context.Context, id, name, value string) error
	// SendDTMF sends DTMF digits to the channel.
	SendDTMF(ctx context.Context, id, digits string, opts DTMFOptions) error
	// Mute mutes audio in direction "both" (""), "in" or "out".
	Mute(ctx context.Context, id, direction string) error
	// Unmute undoes Mute.
	Unmute(ctx context.Context, id, direction string) error
	// Hold puts the channel on hold.
	Hold(ctx context.Context, id string) error
	// Unhold takes the channel off hold.
	Unhold(ctx context.Context, id string) error
	// StartMOH plays music on hold of class ("" for the default).
	StartMOH(ctx context.Context, id, class string) error
	// StopMOH stops music on hold.
	StopMOH(ctx context.Context, id string) error
	// StartSilence plays silence to the channel.
	StartSilence(ctx context.Context, id string) error
	// StopSilence stops playing silence.
	StopSilence(ctx context.Context, id string) error
	// Play starts media on the channel. If req.PlaybackID is empty the client
	// chooses one, so callers may subscribe to PlaybackKey first.
	Play(ctx context.Context, id string, req PlayRequest) (*Playback, error)
	// Record starts recording the channel.
	Record(ctx context.Context, id string, req RecordRequest) (*LiveRecording, error)
	// Snoop creates a snoop channel on id, placed in an application.
	Snoop(ctx context.Context, id string, req SnoopRequest) (*Channel, error)
	// TransferProgress reports the progress of a transfer the phone on id
	// asked for with REFER (ChannelTransfer, ari-only handling) back to the
	// phone: one of the Transfer* states.
	TransferProgress(ctx context.Context, id, state string) error
}

// Bridges is the /bridges resource.
type Bridges interface {
	// List returns every bridge.
	List(ctx context.Context) ([]Bridge, error)
	// Get returns a bridge.
	Get(ctx context.Context, id string) (*Bridge, error)
	// Create creates a bridge; if req.ID is empty the client chooses one.
	Create(ctx context.Context, req BridgeRequest) (*Bridge, error)
	// Destroy shuts the bridge down; channels in it stay in Stasis.
	Destroy(ctx context.Context, id string) error
	// AddChannel adds channels (in Stasis) to the bridge.
	AddChannel(ctx context.Context, id string, req AddChannelRequest) error
	// RemoveChannel removes channels from the bridge.
	RemoveChannel(ctx context.Context, id string, channelIDs ...string) error
	// StartMOH plays music on hold to the bridge.
	StartMOH(ctx context.Context, id, class string) error
	// StopMOH stops music on hold in the bridge.
	StopMOH(ctx context.Context, id string) error
	// Play starts media in the bridge (playback id chosen like Channels.Play).
	Play(ctx context.Context, id string, req PlayRequest) (*Playback, error)
	// Record starts recording the bridge.
	Record(ctx context.Context, id string, req RecordRequest) (*LiveRecording, error)
}

// Playbacks is the /playbacks resource.
type Playbacks interface {
	// Get returns a playback.
	Get(ctx context.Context, id string) (*Playback, error)
	// Stop stops a playback (it finishes with state "done").
	Stop(ctx context.Context, id string) error
	// Control sends restart, pause, unpause, reverse or forward.
	Control(ctx context.Context, id, operation string) error
}

// Recordings is the /recordings resource.
type Recordings interface {
	// Live returns a live recording.
	Live(ctx context.Context, name string) (*LiveRecording, error)
	// Stop stops a live recording and stores it.
	Stop(ctx context.Context, name string) error
	// Cancel stops a live recording and discards it.
	Cancel(ctx context.Context, name string) error
	// Pause pauses a live recording.
	Pause(ctx context.Context, name string) error
	// Unpause resumes a paused recording.
	Unpause(ctx context.Context, name string) error
	// Mute mutes a live recording (silence is recorded); Unmute undoes it.
	Mute(ctx context.Context, name string) error
	// Unmute resumes recording audio after Mute.
	Unmute(ctx context.Context, name string) error
	// ListStored lists stored recordings.
	ListStored(ctx context.Context) ([]StoredRecording, error)
	// Stored returns a stored recording.
	Stored(ctx context.Context, name string) (*StoredRecording, error)
	// DeleteStored deletes a stored recording.
	DeleteStored(ctx context.Context, name string) error
	// CopyStored copies a stored recording to destination (409 if it exists).
	CopyStored(ctx context.Context, name, destination string) (*StoredRecording, error)
	// StoredFile streams a stored recording's file to w and returns its
	// Content-Type and size.
	StoredFile(ctx context.Context, name string, w io.Writer) (contentType string, n int64, err error)
}

// Endpoints is the /endpoints resource.
type Endpoints interface {
	// List returns every endpoint.
	List(ctx context.Context) ([]Endpoint, error)
	// Get returns one endpoint.
	Get(ctx context.Context, tech, resource string) (*Endpoint, error)
	// SendMessage sends a text message (a SIP MESSAGE for pjsip) to a
	// technology URI or endpoint ("pjsip:101"), from an identity ("sip:102",
	// `"Bob" <sip:102>`); variables become headers of the message.
	// PUT /endpoints/sendMessage: 400 for bad parameters, 404 for an
	// unknown endpoint (IsNotFound).
	SendMessage(ctx context.Context, to, from, body string, variables map[string]string) error
}

// DeviceStates is the /deviceStates resource (only "Stasis:" devices are writable).
type DeviceStates interface {
	// List returns every device state.
	List(ctx context.Context) ([]DeviceState, error)
	// Get returns one device state.
	Get(ctx context.Context, name string) (*DeviceState, error)
	// Update sets a Stasis device's state (e.g. "NOT_INUSE", "INUSE").
	Update(ctx context.Context, name, state string) error
	// Delete destroys a Stasis device.
	Delete(ctx context.Context, name string) error
}

// Applications is the /applications resource.
type Applications interface {
	// List returns every registered application.
	List(ctx context.Context) ([]Application, error)
	// Get returns one application and what it is subscribed to.
	Get(ctx context.Context, name string) (*Application, error)
	// Subscribe subscribes app to event sources. The client remembers the
	// subscription and renews it after every reconnect.
	Subscribe(ctx context.Context, app string, sources ...Key) (*Application, error)
	// Unsubscribe undoes Subscribe.
	Unsubscribe(ctx context.Context, app string, sources ...Key) (*Application, error)
}

// Events routes events from the WebSocket to subscriptions.
type Events interface {
	// Subscribe returns a subscription receiving the events that match f,
	// in the order they arrived. It never drops events silently (see
	// Subscription). Subscribe before the REST call that creates the object
	// (with a client-chosen id) to miss nothing.
	Subscribe(f Filter) *Subscription
}

// Filter selects events for a subscription.
type Filter struct {
	// Keys, if not empty, keeps only events naming one of these objects
	// (ChannelGoneEvent included). Empty: every event, including the
	// synthetic Connected/Disconnected/Reconciled events.
	Keys []Key
	// Types, if not empty, keeps only these event types ("StasisStart", ...).
	Types []string
}

// DialplanTarget is a dialplan location for Continue and Originate.
type DialplanTarget struct {
	Context   string
	Extension string
	// Priority is used when > 0; Label supersedes it.
	Priority int
	Label    string
}

// OriginateRequest is POST /channels/{channelId}.
type OriginateRequest struct {
	// Endpoint is "tech/resource", e.g. "PJSIP/1000" or "Local/100@ctx".
	Endpoint string
	// ChannelID is the new channel's id; the client chooses one when empty.
	ChannelID string
	// OtherChannelID names the ;2 side of a Local channel.
	OtherChannelID string
	// App is the Stasis application; when App and Dialplan are both empty
	// the client's first application is used.
	App string
	// AppArgs are passed in StasisStart.args.
	AppArgs []string
	// Dialplan is where to go on answer instead of an application.
	Dialplan DialplanTarget
	// CallerID is shown to the callee ("Name" <number>).
	CallerID string
	// Timeout is the ring timeout (0: Asterisk's default of 30 s; <0: none).
	Timeout time.Duration
	// Originator is a channel whose codecs/linkedid to inherit.
	Originator string
	// Formats is a codec list (not with Originator).
	Formats []string
	// Variables are set on the channel before dialing.
	Variables map[string]string
}

// CreateRequest is POST /channels/create.
type CreateRequest struct {
	Endpoint       string
	App            string
	AppArgs        []string
	ChannelID      string
	OtherChannelID string
	Originator     string
	Formats        []string
	Variables      map[string]string
}

// DTMFOptions tune SendDTMF; zero values mean Asterisk's defaults.
type DTMFOptions struct {
	Before, Between, Duration, After time.Duration
}

// PlayRequest is POST .../play/{playbackId}.
type PlayRequest struct {
	// PlaybackID is the playback's id; the client chooses one when empty.
	PlaybackID string
	// Media are URIs such as "sound:hello-world", "tone:ring", "recording:x".
	Media []string
	// Lang, OffsetMs and SkipMs as in ARI.
	Lang     string
	OffsetMs int
	SkipMs   int
	// AnnouncerFormat is for bridges only.
	AnnouncerFormat string
}

// RecordRequest is POST .../record.
type RecordRequest struct {
	// Name of the recording (required); Format e.g. "wav" (required).
	Name   string
	Format string
	// MaxDuration and MaxSilence end the recording (0: no limit).
	MaxDuration time.Duration
	MaxSilence  time.Duration
	// IfExists is "fail" (default), "overwrite" or "append".
	IfExists string
	// Beep plays a beep first.
	Beep bool
	// TerminateOn is "none" (default), "any", "*" or "#".
	TerminateOn string
	// RecorderFormat is for bridges only.
	RecorderFormat string
}

// SnoopRequest is POST /channels/{id}/snoop.
type SnoopRequest struct {
	// SnoopID is the snoop channel's id; chosen by the client when empty.
	SnoopID string
	// Spy and Whisper are "none", "both", "out" or "in".
	Spy, Whisper string
	App          string
	AppArgs      []string
}

// BridgeRequest is POST /bridges/{bridgeId}.
type BridgeRequest struct {
	// ID is the bridge id; the client chooses one when empty.
	ID string
	// Type lists attributes: "mixing", "holding", "dtmf_events", "proxy_media", ...
	Type []string
	Name string
}

// AddChannelRequest is POST /bridges/{id}/addChannel.
type AddChannelRequest struct {
	Channels []string
	// Role is e.g. "announcer" or "participant" in a holding bridge.
	Role                        string
	AbsorbDTMF                  bool
	Mute                        bool
	InhibitConnectedLineUpdates bool
}

// Transfer progress states for Channels.TransferProgress; the phone gets a
// SIP NOTIFY 100, 200, 503 or 603 (the last three end the transfer).
const (
	TransferProgressing = "channel_progress"
	TransferAnswered    = "channel_answered"
	TransferUnavailable = "channel_unavailable"
	TransferDeclined    = "channel_declined"
)

// Hangup reasons accepted by Channels.Hangup, with the cause they map to.
const (
	ReasonNormal            = "normal"             // 16
	ReasonBusy              = "busy"               // 17
	ReasonCongestion        = "congestion"         // 34
	ReasonNoAnswer          = "no_answer"          // 19
	ReasonTimeout           = "timeout"            // 18
	ReasonRejected          = "rejected"           // 21
	ReasonUnallocated       = "unallocated"        // 1
	ReasonNormalUnspecified = "normal_unspecified" // 31
	ReasonNumberIncomplete  = "number_incomplete"  // 28
	ReasonCodecMismatch     = "codec_mismatch"     // 58
	ReasonInterworking      = "interworking"       // 127
	ReasonFailure           = "failure"            // 38
	ReasonAnsweredElsewhere = "answered_elsewhere" // 26
)

// Channel states as Asterisk sends them (ast_state2str). The specification
// spells Rsrvd as "Rsrved" and omits Mute; these are the wire values.
const (
	StateDown           = "Down"
	StateRsrvd          = "Rsrvd"
	StateOffHook        = "OffHook"
	StateDialing        = "Dialing"
	StateRing           = "Ring"
	StateRinging        = "Ringing"
	StateUp             = "Up"
	StateBusy           = "Busy"
	StateDialingOffhook = "Dialing Offhook"
	StatePreRing        = "Pre-ring"
	StateMute           = "Mute"
	StateUnknown        = "Unknown"
)

// Hangup causes (Q.850, include/asterisk/causes.h) a dialer branches on.
const (
	CauseUnallocated       = 1
	CauseNoRoute           = 3
	CauseNormalClearing    = 16
	CauseUserBusy          = 17
	CauseNoUserResponse    = 18
	CauseNoAnswer          = 19
	CauseSubscriberAbsent  = 20
	CauseCallRejected      = 21
	CauseInvalidNumber     = 28
	CauseNormalUnspecified = 31
	CauseCongestion        = 34
	CauseFailure           = 38
	CauseSwitchCongestion  = 42
	CauseBearerNotAvail    = 58
	CauseInterworking      = 127
)
