package ari

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is a message from the events WebSocket (or one of this package's
// synthetic events). Type switches on the concrete pointer types
// (*StasisStart, *ChannelDestroyed, ...) give the payload.
type Event interface {
	// GetType returns the event type, e.g. "StasisStart".
	GetType() string
	// GetApplication returns the Stasis application the event was sent to.
	GetApplication() string
	// GetTimestamp returns when Asterisk raised the event.
	GetTimestamp() time.Time
	// Keys returns every object id the event names (channel, peer, bridge,
	// playback and its target, ...); the router indexes the event under each.
	Keys() []Key
	// Raw returns the JSON the event was decoded from (nil for synthetic events).
	Raw() json.RawMessage
}

// Header is the envelope every ARI event carries (spec models Message and Event).
type Header struct {
	// Type indicates the type of this message.
	Type string `json:"type"`
	// AsteriskID is the unique ID for the Asterisk instance that raised this event.
	AsteriskID string `json:"asterisk_id,omitempty"`
	// Application is the name of the application receiving the event.
	Application string `json:"application"`
	// Timestamp is the time at which this event was created.
	Timestamp Time `json:"timestamp"`

	raw json.RawMessage
}

// GetType returns the event type.
func (h *Header) GetType() string { return h.Type }

// GetApplication returns the application the event was sent to.
func (h *Header) GetApplication() string { return h.Application }

// GetTimestamp returns the event time.
func (h *Header) GetTimestamp() time.Time { return h.Timestamp.Time }

// Raw returns the JSON the event was decoded from.
func (h *Header) Raw() json.RawMessage { return h.raw }

func (h *Header) setRaw(b json.RawMessage) { h.raw = b }

// UnknownEvent is an event whose type this package does not know, or a known
// type whose body did not decode (DecodeErr says why). Nothing is lost: Raw
// holds the JSON.
type UnknownEvent struct {
	Header
	// DecodeErr is set when a known event type failed to decode.
	DecodeErr error `json:"-"`
}

// Keys returns nil: the payload is not understood.
func (e *UnknownEvent) Keys() []Key { return nil }

type rawSetter interface{ setRaw(json.RawMessage) }

// DecodeEvent decodes one events-WebSocket message. Unknown event types and
// unknown fields are kept (see UnknownEvent); only input that is not a JSON
// object with a string "type" is an error.
func DecodeEvent(data []byte) (Event, error) {
	var h Header
	if err := json.Unmarshal(data, &h); err != nil {
		var probe struct {
			Type string `json:"type"`
		}
		if err2 := json.Unmarshal(data, &probe); err2 != nil || probe.Type == "" {
			return nil, fmt.Errorf("ari event: %w", err)
		}
		u := &UnknownEvent{Header: Header{Type: probe.Type}, DecodeErr: err}
		u.setRaw(append(json.RawMessage(nil), data...))
		return u, nil
	}
	if h.Type == "" {
		return nil, fmt.Errorf("ari event: missing \"type\"")
	}
	raw := append(json.RawMessage(nil), data...)
	mk, ok := eventFactories[h.Type]
	if !ok {
		u := &UnknownEvent{Header: h}
		u.setRaw(raw)
		return u, nil
	}
	ev := mk()
	if err := json.Unmarshal(data, ev); err != nil {
		u := &UnknownEvent{Header: h, DecodeErr: fmt.Errorf("ari event %s: %w", h.Type, err)}
		u.setRaw(raw)
		return u, nil
	}
	ev.(rawSetter).setRaw(raw)
	return ev, nil
}

// Synthetic event types raised by this package, never by Asterisk.
const (
	TypeConnected    = "pbxagent.Connected"
	TypeDisconnected = "pbxagent.Disconnected"
	TypeReconciled   = "pbxagent.Reconciled"
	TypeChannelGone  = "pbxagent.ChannelGone"
)

// ConnectedEvent is raised each time the events WebSocket is (re)established.
type ConnectedEvent struct {
	Header
	// Attempt counts connections since the client started (1 for the first).
	Attempt int
}

// Keys returns nil: connection events go to every subscriber.
func (e *ConnectedEvent) Keys() []Key { return nil }

// DisconnectedEvent is raised when the events WebSocket is lost.
type DisconnectedEvent struct {
	Header
	// Err is why the connection ended.
	Err error
}

// Keys returns nil: connection events go to every subscriber.
func (e *DisconnectedEvent) Keys() []Key { return nil }

// ReconciledEvent is raised after every (re)connect once the client has
// listed channels, bridges and its applications. Events lost while
// disconnected are not replayed by Asterisk: act on this snapshot (e.g.
// channels sitting in the app whose StasisStart was missed).
type ReconciledEvent struct {
	Header
	// Reconnect is false after the first connection, true after later ones.
	Reconnect bool
	// Restarted reports that Asterisk's entity id or startup time changed:
	// every channel known before is gone.
	Restarted bool
	// Channels are all channels Asterisk lists now.
	Channels []Channel
	// Bridges are all bridges Asterisk lists now.
	Bridges []Bridge
	// Applications are the client's applications as Asterisk reports them
	// (Application.ChannelIDs lists channels subscribed to the app).
	Applications []Application
	// Gone lists channel ids the client had seen that are out of its reach
	// (destroyed, or alive but out of its applications); a ChannelGoneEvent
	// was raised for each.
	Gone []string
	// ListedAt is when the client began listing (this process's clock, with
	// its monotonic reading): a channel created after it may be missing from
	// Channels though it lives, so a subscriber must not take its absence
	// for a hang-up.
	ListedAt time.Time
}

// Keys returns nil: it goes to every subscriber without a key filter.
func (e *ReconciledEvent) Keys() []Key { return nil }

// ChannelGoneEvent is raised during reconciliation for a channel the client
// had seen that is out of its reach: destroyed (its ChannelDestroyed was
// lost) or, with Alive set, still existing but no longer in or subscribed
// by the client's applications (its StasisEnd was lost).
type ChannelGoneEvent struct {
	Header
	// ChannelID is the channel.
	ChannelID string
	// Alive reports that the channel exists but left the application.
	Alive bool
}

// Keys returns the channel's key.
func (e *ChannelGoneEvent) Keys() []Key { return []Key{ChannelKey(e.ChannelID)} }
