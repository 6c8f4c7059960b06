package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// errNoConnection: a stream with neither a media nor a session c= line.
var errNoConnection = errors.New("the audio stream has no connection address (c=)")

// Defaults of Local.
const (
	// DefaultEventPayloadType is the telephone-event payload type offered
	// when Local.EventPayloadType is 0.
	DefaultEventPayloadType = 101
	// DefaultPtime is the packetisation time this side sends and asks for.
	DefaultPtime = 20
	// sessionName is s= of the descriptions pbxagent writes.
	sessionName = "pbxagent"
	// eventFmtp is the events this side sends and receives (RFC 4733
	// section 3.2: the 16 DTMF events and flash).
	eventFmtp = "0-16"
)

// Audio returns the first audio section with a non-zero port.
func (s *Session) Audio() (*Media, bool) {
	if s == nil {
		return nil, false
	}
	for i := range s.Media {
		if m := &s.Media[i]; strings.EqualFold(m.Type, "audio") && m.Port != 0 {
			return m, true
		}
	}
	return nil, false
}

// NewOffer returns the description offering l: one audio stream on
// l.Addr and l.Port (RTP/AVP) with l's payload types in order, RFC 4733
// telephone-event (events 0-16) when l.DTMF, a=ptime:20 and l's direction.
// An event payload type equal to an audio one is left out.
func NewOffer(l Local) *Session {
	m := Media{
		Type:      "audio",
		Port:      l.Port,
		Proto:     "RTP/AVP",
		Ptime:     DefaultPtime,
		Direction: l.direction(),
	}
	pts := l.payloadTypes()
	for _, pt := range pts {
		m.Formats = append(m.Formats, staticFormat(pt))
	}
	if ev := l.eventPayloadType(); l.DTMF && !slices.Contains(pts, ev) {
		m.Formats = append(m.Formats, eventFormat(ev))
	}
	return &Session{Origin: l.origin(), Name: sessionName, Addr: l.Addr, Media: []Media{m}}
}

// Answer negotiates an offer as the answerer: the first offered audio
// format that l supports, telephone-event when both have it, the reverse
// of the offered direction limited by l's (an offer with sendonly puts us
// on recvonly). It returns the answer to send and what was agreed.
//
// The answer has as many m= lines as the offer, in the same order (RFC
// 3264 section 6): the first audio stream on RTP/AVP or RTP/AVPF with a
// port is taken, every other one is answered with port 0. A connection
// address of 0.0.0.0 (RFC 3264 section 8.4) means this side must not send:
// Remote stays unset and the direction loses its sending half. With no
// usable audio stream the error wraps ErrNoAudio, with no common format
// ErrNoCommonCodec (both a 488 in SIP).
func Answer(offer *Session, l Local) (*Session, Negotiated, error) {
	if offer == nil {
		return nil, Negotiated{}, errors.New("sdp: answer: no offer")
	}
	if err := l.check(); err != nil {
		return nil, Negotiated{}, fmt.Errorf("sdp: answer: %w", err)
	}
	idx, err := audioIndex(offer)
	if err != nil {
		return nil, Negotiated{}, fmt.Errorf("sdp: answer: %w", err)
	}
	om := &offer.Media[idx]
	ours := l.payloadTypes()
	var chosen *Format
	for i := range om.Formats {
		if f := &om.Formats[i]; slices.Contains(ours, f.PayloadType) && isStatic(f) {
			chosen = f
			break
		}
	}
	if chosen == nil {
		return nil, Negotiated{}, fmt.Errorf("sdp: answer: %w: offered %s, this side takes %v", ErrNoCommonCodec, formatList(om.Formats), ours)
	}
	neg := Negotiated{PayloadType: chosen.PayloadType, Ptime: om.Ptime}
	if neg.Remote, neg.RemoteRTCP, err = remote(offer, om); err != nil {
		return nil, Negotiated{}, fmt.Errorf("sdp: answer: %w", err)
	}
	offered := om.Direction
	if offered == "" {
		offered = SendRecv
	}
	neg.Direction = offered.Reverse().Intersect(l.direction())
	if !neg.Remote.IsValid() {
		neg.Direction = neg.Direction.Intersect(RecvOnly)
	}

	am := Media{
		Type:      om.Type,
		Port:      l.Port,
		Proto:     om.Proto,
		Formats:   []Format{staticFormat(chosen.PayloadType)},
		Ptime:     DefaultPtime,
		Direction: neg.Direction,
	}
	if l.DTMF {
		if ev := eventIn(om.Formats, chosen.PayloadType); ev != nil {
			am.Formats = append(am.Formats, eventFormat(ev.PayloadType))
			neg.EventPayloadType = ev.PayloadType
		}
	}
	ans := &Session{Origin: l.origin(), Name: sessionName, Addr: l.Addr, Media: make([]Media, 0, len(offer.Media))}
	for i := range offer.Media {
		if i == idx {
			ans.Media = append(ans.Media, am)
			continue
		}
		m := &offer.Media[i]
		ans.Media = append(ans.Media, Media{Type: m.Type, Port: 0, Proto: m.Proto, Formats: slices.Clone(m.Formats)})
	}
	return ans, neg, nil
}

// Accept reads the peer's answer to an offer this side made with l: the
// answer's first audio format (comfort noise and telephone-event aside)
// must be one l offered, the peer's telephone-event payload type is taken
// when l.DTMF, and this side's direction is the reverse of the answered one
// limited by l's. An answer that rejects the audio stream (port 0) gives an
// error wrapping ErrNoAudio, one that picks a format not offered an error
// wrapping ErrNoCommonCodec.
func Accept(answer *Session, l Local) (Negotiated, error) {
	if answer == nil {
		return Negotiated{}, errors.New("sdp: accept: no answer")
	}
	var am *Media
	for i := range answer.Media {
		if strings.EqualFold(answer.Media[i].Type, "audio") {
			am = &answer.Media[i]
			break
		}
	}
	switch {
	case am == nil:
		return Negotiated{}, fmt.Errorf("sdp: accept: %w in the answer", ErrNoAudio)
	case am.Port == 0:
		return Negotiated{}, fmt.Errorf("sdp: accept: %w: the answer rejected the audio stream (port 0)", ErrNoAudio)
	case !supportedProto(am.Proto):
		return Negotiated{}, fmt.Errorf("sdp: accept: %w: the answer's audio is on %s, not RTP/AVP", ErrNoAudio, am.Proto)
	}
	var chosen *Format
	for i := range am.Formats {
		if f := &am.Formats[i]; !isEvent(f) && !strings.EqualFold(f.Name, "CN") {
			chosen = f
			break
		}
	}
	ours := l.payloadTypes()
	switch {
	case chosen == nil:
		return Negotiated{}, fmt.Errorf("sdp: accept: %w: the answer names no audio format (%s)", ErrNoCommonCodec, formatList(am.Formats))
	case !slices.Contains(ours, chosen.PayloadType) || !isStatic(chosen):
		return Negotiated{}, fmt.Errorf("sdp: accept: %w: the answer chose %s, which was not offered (offered %v)", ErrNoCommonCodec, formatList([]Format{*chosen}), ours)
	}
	neg := Negotiated{PayloadType: chosen.PayloadType, Ptime: am.Ptime}
	var err error
	if neg.Remote, neg.RemoteRTCP, err = remote(answer, am); err != nil {
		return Negotiated{}, fmt.Errorf("sdp: accept: %w", err)
	}
	if l.DTMF {
		if ev := eventIn(am.Formats, chosen.PayloadType); ev != nil {
			neg.EventPayloadType = ev.PayloadType
		}
	}
	answered := am.Direction
	if answered == "" {
		answered = SendRecv
	}
	neg.Direction = answered.Reverse().Intersect(l.direction())
	if !neg.Remote.IsValid() {
		neg.Direction = neg.Direction.Intersect(RecvOnly)
	}
	return neg, nil
}

// audioIndex finds the offer's audio stream this side can take: the first
// audio section with a port on RTP/AVP or RTP/AVPF.
func audioIndex(s *Session) (int, error) {
	var other string
	for i := range s.Media {
		m := &s.Media[i]
		if !strings.EqualFold(m.Type, "audio") || m.Port == 0 {
			continue
		}
		if supportedProto(m.Proto) {
			return i, nil
		}
		if other == "" {
			other = m.Proto
		}
	}
	if other != "" {
		return -1, fmt.Errorf("%w: audio offered on %s only (this side takes RTP/AVP)", ErrNoAudio, other)
	}
	return -1, ErrNoAudio
}

// supportedProto says whether this side takes a stream on proto: plain
// RTP (RFC 3551), or RTP/AVPF served without feedback messages (AVPF is
// AVP plus feedback; RFC 4585 section 5 has the two interwork).
func supportedProto(proto string) bool {
	return strings.EqualFold(proto, "RTP/AVP") || strings.EqualFold(proto, "RTP/AVPF")
}

// remote is where to send a stream's RTP and RTCP: the section's c= or the
// session's, the m= port, a=rtcp or the port + 1. Both are unset for an
// unspecified address (0.0.0.0 or ::, RFC 3264 section 8.4: send nothing).
func remote(s *Session, m *Media) (rtp, rtcp netip.AddrPort, err error) {
	addr := m.Addr
	if !addr.IsValid() {
		addr = s.Addr
	}
	if !addr.IsValid() {
		return rtp, rtcp, errNoConnection
	}
	if addr.IsUnspecified() {
		return rtp, rtcp, nil
	}
	addr = addr.Unmap()
	rtp = netip.AddrPortFrom(addr, uint16(m.Port))
	switch {
	case m.RTCPPort != 0 && m.RTCPAddr.IsValid():
		if !m.RTCPAddr.IsUnspecified() {
			rtcp = netip.AddrPortFrom(m.RTCPAddr.Unmap(), uint16(m.RTCPPort))
		}
	case m.RTCPPort != 0:
		rtcp = netip.AddrPortFrom(addr, uint16(m.RTCPPort))
	case m.Port < 65535:
		rtcp = netip.AddrPortFrom(addr, uint16(m.Port+1))
	}
	return rtp, rtcp, nil
}

// isStatic says whether f is its payload type's static RFC 3551 format
// (an a=rtpmap, when present, must name the same encoding at the same
// clock rate): PT 0 re-mapped to something else is not PCMU.
func isStatic(f *Format) bool {
	st, ok := staticFormats[f.PayloadType]
	if !ok {
		return false
	}
	return (f.Name == "" || strings.EqualFold(f.Name, st.Name)) &&
		(f.ClockRate == 0 || f.ClockRate == st.ClockRate) &&
		f.Channels <= 1
}

// isEvent says whether f is RFC 4733 telephone-event at 8000 Hz.
func isEvent(f *Format) bool {
	return strings.EqualFold(f.Name, "telephone-event") && f.ClockRate == 8000
}

// eventIn is the first telephone-event/8000 format of fs other than audio
// payload type pt, nil when there is none.
func eventIn(fs []Format, audio uint8) *Format {
	for i := range fs {
		if f := &fs[i]; isEvent(f) && f.PayloadType != audio {
			return f
		}
	}
	return nil
}

// eventFormat is telephone-event/8000 with events 0-16 at pt.
func eventFormat(pt uint8) Format {
	return Format{PayloadType: pt, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: eventFmtp}
}

// formatList writes formats for an error message: "0 PCMU/8000, 96".
func formatList(fs []Format) string {
	if len(fs) == 0 {
		return "no formats"
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", f.PayloadType)
		if f.Name != "" {
			fmt.Fprintf(&b, " %s/%d", f.Name, f.ClockRate)
		}
	}
	return b.String()
}

// payloadTypes is l's audio payload types, PCMU then PCMA by default,
// without repeats.
func (l Local) payloadTypes() []uint8 {
	if len(l.PayloadTypes) == 0 {
		return []uint8{0, 8}
	}
	out := make([]uint8, 0, len(l.PayloadTypes))
	for _, pt := range l.PayloadTypes {
		if !slices.Contains(out, pt) {
			out = append(out, pt)
		}
	}
	return out
}

// eventPayloadType is l's telephone-event payload type, 101 by default.
func (l Local) eventPayloadType() uint8 {
	if l.EventPayloadType == 0 {
		return DefaultEventPayloadType
	}
	return l.EventPayloadType
}

// direction is l's direction, sendrecv by default.
func (l Local) direction() Direction {
	if l.Direction == "" {
		return SendRecv
	}
	return l.Direction
}

// origin is the o= line of l's descriptions.
func (l Local) origin() Origin {
	user := l.Username
	if user == "" {
		user = "pbxagent"
	}
	return Origin{Username: user, SessionID: l.SessionID, Version: l.Version, Addr: l.Addr}
}

// check says what is wrong with l for writing an answer.
func (l Local) check() error {
	switch {
	case !l.Addr.IsValid():
		return errors.New("no local media address")
	case l.Port <= 0 || l.Port > 65535:
		return fmt.Errorf("local RTP port %d out of range 1-65535", l.Port)
	}
	if _, ok := parseDirection(string(l.Direction)); l.Direction != "" && !ok {
		return fmt.Errorf("local direction %q is not sendrecv, sendonly, recvonly or inactive", l.Direction)
	}
	return nil
}
