package ari

import "strings"

// Kind names the type of object a Key refers to.
type Kind string

// Kinds of objects events are routed by.
const (
	KindChannel     Kind = "channel"
	KindBridge      Kind = "bridge"
	KindPlayback    Kind = "playback"
	KindRecording   Kind = "recording"
	KindEndpoint    Kind = "endpoint"
	KindDeviceState Kind = "deviceState"
)

// Key identifies an Asterisk object: a channel id, bridge id, playback id,
// recording name, endpoint "tech/resource" or device name.
type Key struct {
	Kind Kind
	ID   string
}

// String renders the key as an ARI event source ("channel:ID").
func (k Key) String() string { return string(k.Kind) + ":" + k.ID }

// ChannelKey returns the key of channel id.
func ChannelKey(id string) Key { return Key{KindChannel, id} }

// BridgeKey returns the key of bridge id.
func BridgeKey(id string) Key { return Key{KindBridge, id} }

// PlaybackKey returns the key of playback id.
func PlaybackKey(id string) Key { return Key{KindPlayback, id} }

// RecordingKey returns the key of the live recording name.
func RecordingKey(name string) Key { return Key{KindRecording, name} }

// EndpointKey returns the key of endpoint tech/resource.
func EndpointKey(tech, resource string) Key { return Key{KindEndpoint, tech + "/" + resource} }

// ParseKey parses an event source or target URI such as "channel:ID",
// "bridge:ID", "endpoint:PJSIP/100" or "deviceState:Stasis:x".
func ParseKey(uri string) (Key, bool) {
	kind, id, ok := strings.Cut(uri, ":")
	if !ok || id == "" {
		return Key{}, false
	}
	switch Kind(kind) {
	case KindChannel, KindBridge, KindPlayback, KindRecording, KindEndpoint, KindDeviceState:
		return Key{Kind(kind), id}, true
	}
	return Key{}, false
}

func addKey(k []Key, key Key) []Key {
	if key.ID == "" {
		return k
	}
	for _, have := range k {
		if have == key {
			return k
		}
	}
	return append(k, key)
}

func channelKeys(k []Key, c *Channel) []Key {
	if c == nil {
		return k
	}
	return addKey(k, ChannelKey(c.ID))
}

func bridgeKeys(k []Key, b *Bridge) []Key {
	if b == nil {
		return k
	}
	return addKey(k, BridgeKey(b.ID))
}

func playbackKeys(k []Key, p *Playback) []Key {
	if p == nil {
		return k
	}
	k = addKey(k, PlaybackKey(p.ID))
	if t, ok := ParseKey(p.TargetURI); ok {
		k = addKey(k, t)
	}
	return k
}

func recordingKeys(k []Key, r *LiveRecording) []Key {
	if r == nil {
		return k
	}
	k = addKey(k, RecordingKey(r.Name))
	if t, ok := ParseKey(r.TargetURI); ok {
		k = addKey(k, t)
	}
	return k
}

func endpointKeys(k []Key, e *Endpoint) []Key {
	if e == nil {
		return k
	}
	return addKey(k, EndpointKey(e.Technology, e.Resource))
}

func deviceStateKeys(k []Key, d *DeviceState) []Key {
	if d == nil {
		return k
	}
	return addKey(k, Key{KindDeviceState, d.Name})
}

// referToKeys routes a ChannelTransfer by the channel to be replaced (an
// attended transfer), its peer and their bridge.
func referToKeys(k []Key, r *ReferTo) []Key {
	if r == nil {
		return k
	}
	k = channelKeys(k, r.DestinationChannel)
	k = channelKeys(k, r.ConnectedChannel)
	return bridgeKeys(k, r.Bridge)
}

// referredByKeys routes a ChannelTransfer by the channel the REFER arrived
// on, its peer and their bridge.
func referredByKeys(k []Key, r *ReferredBy) []Key {
	if r == nil {
		return k
	}
	k = channelKeys(k, &r.SourceChannel)
	k = channelKeys(k, r.ConnectedChannel)
	return bridgeKeys(k, r.Bridge)
}
