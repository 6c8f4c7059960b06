// Package sdp reads and writes the Session Description Protocol bodies of
// pbxagent's SIP calls (RFC 4566, RFC 8866) and negotiates them by the
// offer/answer model (RFC 3264): one audio stream, G.711 µ-law and A-law
// (static payload types 0 and 8) and RFC 4733 telephone-event, with the
// stream's direction (sendrecv, sendonly, recvonly, inactive) for hold and
// resume. The parser is strict about what it needs (v, o, s, c, t, m) and
// lenient about what it does not (unknown attributes are kept). See
// docs/sip-sdp.md.
package sdp

import (
	"errors"
	"fmt"
	"net/netip"
)

// Direction is a media stream's direction attribute (RFC 4566 section 6,
// RFC 3264 section 5.1), from the describing side's point of view.
type Direction string

// Directions.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// Reverse is the direction the answerer takes for an offered one (RFC 3264
// section 6.1): sendonly is answered recvonly and the other way round.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	default:
		return SendRecv
	}
}

// Sends says whether the side that wrote d sends media.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly || d == "" }

// Receives says whether the side that wrote d receives media.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly || d == "" }

// Format is one payload format of a media line (an m= format with its
// a=rtpmap and a=fmtp).
type Format struct {
	// PayloadType is the RTP payload type (0–127).
	PayloadType uint8
	// Name is the encoding name ("PCMU", "PCMA", "telephone-event").
	Name string
	// ClockRate is the RTP clock rate (8000).
	ClockRate int
	// Channels is the channel count (1 when absent).
	Channels int
	// Fmtp is the format parameters (a=fmtp), e.g. "0-16" for events.
	Fmtp string
}

// Attribute is an a= line kept as read (name and value, value empty for a
// property attribute).
type Attribute struct {
	Name, Value string
}

// Media is one m= section.
type Media struct {
	// Type is the media type ("audio").
	Type string
	// Port is the transport port; 0 rejects the stream (RFC 3264 section 6).
	Port int
	// Proto is the transport protocol ("RTP/AVP").
	Proto string
	// Formats are the payload formats in order of preference.
	Formats []Format
	// Addr is the media-level connection address; invalid when the section
	// has none (the session-level one applies).
	Addr netip.Addr
	// Direction is the stream's direction attribute, or the session's when
	// the section has none; empty when neither has one (sendrecv).
	Direction Direction
	// RTCPPort is a=rtcp's port (RFC 3605), 0 when absent (RTP port + 1).
	RTCPPort int
	// RTCPAddr is a=rtcp's address when it names one (RFC 3605), invalid
	// otherwise (the stream's connection address applies).
	RTCPAddr netip.Addr
	// Ptime is a=ptime in milliseconds, 0 when absent.
	Ptime int
	// Attributes are the other a= lines of the section, in order.
	Attributes []Attribute
}

// Origin is the o= line.
type Origin struct {
	Username           string
	SessionID, Version uint64
	// Addr is the origin's unicast address; invalid when o= names a host
	// instead (see Host).
	Addr netip.Addr
	// Host is o='s address when it is a domain name rather than an IP
	// literal (RFC 8866 section 5.2 allows either), empty otherwise.
	Host string
}

// Session is a parsed session description.
type Session struct {
	Origin Origin
	// Name is s= ("-" when the writer had none).
	Name string
	// Addr is the session-level connection address (c=), invalid when
	// absent.
	Addr netip.Addr
	// Media are the m= sections in order.
	Media []Media
	// Attributes are the session-level a= lines other than a direction.
	Attributes []Attribute
}

// ParseError says which line of a description is wrong and why.
type ParseError struct {
	// Line is the 1-based line number; 0 when the description as a whole
	// is refused (over MaxSize).
	Line int
	// Text is the line as read (truncated to 80 bytes).
	Text string
	// Msg says what is wrong.
	Msg string
}

func (e *ParseError) Error() string {
	switch {
	case e.Line == 0: // the description as a whole (its size)
		return "sdp: " + e.Msg
	case e.Text == "": // a line missing at the end
		return fmt.Sprintf("sdp: line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("sdp: line %d %q: %s", e.Line, e.Text, e.Msg)
}

// Errors of the offer/answer negotiation.
var (
	// ErrNoAudio: the description has no audio stream with a port.
	ErrNoAudio = errors.New("sdp: no audio stream")
	// ErrNoCommonCodec: none of the offered audio formats is supported
	// (the SIP answer is 488 Not Acceptable Here).
	ErrNoCommonCodec = errors.New("sdp: no common audio codec")
)

// Local is what this side offers or answers with.
type Local struct {
	// Addr is the address media are received on (c= and o=).
	Addr netip.Addr
	// Port is the RTP port.
	Port int
	// PayloadTypes are the supported audio payload types in order of
	// preference (0 PCMU, 8 PCMA); empty means PCMU then PCMA.
	PayloadTypes []uint8
	// DTMF offers telephone-event (RFC 4733) with EventPayloadType.
	DTMF bool
	// EventPayloadType is the offered telephone-event payload type; 0
	// means 101.
	EventPayloadType uint8
	// Direction is this side's direction; empty means sendrecv.
	Direction Direction
	// SessionID and Version go into o=; a re-offer keeps the id and
	// increments the version (RFC 3264 section 8).
	SessionID, Version uint64
	// Username goes into o= ("pbxagent" when empty).
	Username string
}

// Negotiated is the outcome of an offer/answer exchange for the audio
// stream, from this side's point of view.
type Negotiated struct {
	// Remote is where to send RTP.
	Remote netip.AddrPort
	// RemoteRTCP is where to send RTCP (a=rtcp, else the RTP port + 1).
	RemoteRTCP netip.AddrPort
	// PayloadType is the audio payload type both sides use (0 or 8).
	PayloadType uint8
	// EventPayloadType is the telephone-event payload type the peer
	// receives, 0 when the peer takes none.
	EventPayloadType uint8
	// Direction is this side's direction after the exchange.
	Direction Direction
	// Ptime is the peer's packetisation time in ms, 0 when it named none
	// (20 ms is used).
	Ptime int
}
