package sdp

import (
	"net/netip"
	"strconv"
)

// Marshal writes s with CRLF line ends, in the order RFC 8866 section 5
// gives (v, o, s, c, t, a, then each m with its c and a lines).
//
// Each section's direction is written in the section (a session-level
// direction was folded into the sections by Parse), and each named format
// gets an a=rtpmap, so Parse(s.Marshal()) gives back what s holds.
func (s *Session) Marshal() []byte {
	b := make([]byte, 0, 512)
	b = append(b, "v=0\r\n"...)

	o := s.Origin
	b = append(b, "o="...)
	b = append(b, orDash(o.Username)...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, o.SessionID, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, o.Version, 10)
	switch {
	case o.Addr.IsValid():
		b = appendAddr(b, o.Addr)
	case o.Host != "":
		b = append(b, " IN IP4 "...)
		b = append(b, o.Host...)
	default:
		b = append(b, " IN IP4 0.0.0.0"...)
	}
	b = append(b, "\r\ns="...)
	b = append(b, orDash(s.Name)...)
	b = append(b, "\r\n"...)
	if s.Addr.IsValid() {
		b = append(b, "c="...)
		b = appendAddr(b, s.Addr)
		b = append(b, "\r\n"...)
	}
	b = append(b, "t=0 0\r\n"...)
	b = appendAttributes(b, s.Attributes)
	for i := range s.Media {
		b = s.Media[i].appendTo(b)
	}
	return b
}

// appendTo writes one m= section.
func (m *Media) appendTo(b []byte) []byte {
	rtp := isRTP(m.Proto)
	b = append(b, "m="...)
	b = append(b, m.Type...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(m.Port), 10)
	b = append(b, ' ')
	b = append(b, m.Proto...)
	for _, f := range m.Formats {
		b = append(b, ' ')
		if rtp {
			b = strconv.AppendUint(b, uint64(f.PayloadType), 10)
		} else {
			b = append(b, f.Name...)
		}
	}
	b = append(b, "\r\n"...)
	if m.Addr.IsValid() {
		b = append(b, "c="...)
		b = appendAddr(b, m.Addr)
		b = append(b, "\r\n"...)
	}
	if m.RTCPPort != 0 {
		b = append(b, "a=rtcp:"...)
		b = strconv.AppendInt(b, int64(m.RTCPPort), 10)
		if m.RTCPAddr.IsValid() {
			b = appendAddr(b, m.RTCPAddr)
		}
		b = append(b, "\r\n"...)
	}
	if rtp {
		for _, f := range m.Formats {
			if f.Name != "" {
				b = append(b, "a=rtpmap:"...)
				b = strconv.AppendUint(b, uint64(f.PayloadType), 10)
				b = append(b, ' ')
				b = append(b, f.Name...)
				b = append(b, '/')
				b = strconv.AppendInt(b, int64(f.ClockRate), 10)
				if f.Channels > 1 {
					b = append(b, '/')
					b = strconv.AppendInt(b, int64(f.Channels), 10)
				}
				b = append(b, "\r\n"...)
			}
			if f.Fmtp != "" {
				b = append(b, "a=fmtp:"...)
				b = strconv.AppendUint(b, uint64(f.PayloadType), 10)
				b = append(b, ' ')
				b = append(b, f.Fmtp...)
				b = append(b, "\r\n"...)
			}
		}
	}
	if m.Ptime != 0 {
		b = append(b, "a=ptime:"...)
		b = strconv.AppendInt(b, int64(m.Ptime), 10)
		b = append(b, "\r\n"...)
	}
	b = appendAttributes(b, m.Attributes)
	if m.Direction != "" {
		b = append(b, "a="...)
		b = append(b, m.Direction...)
		b = append(b, "\r\n"...)
	}
	return b
}

// appendAttributes writes a= lines.
func appendAttributes(b []byte, attrs []Attribute) []byte {
	for _, a := range attrs {
		b = append(b, "a="...)
		b = append(b, a.Name...)
		if a.Value != "" {
			b = append(b, ':')
			b = append(b, a.Value...)
		}
		b = append(b, "\r\n"...)
	}
	return b
}

// appendAddr writes "IN IP4 <addr>" ("IN IP6" for IPv6), after a space
// unless it directly follows the line's '='.
func appendAddr(b []byte, a netip.Addr) []byte {
	if len(b) > 0 && b[len(b)-1] != '=' {
		b = append(b, ' ')
	}
	if a.Is4() {
		b = append(b, "IN IP4 "...)
	} else {
		b = append(b, "IN IP6 "...)
	}
	return a.AppendTo(b)
}

// orDash is s, or "-" when s is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
