package sdp

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
)

// Bounds on what Parse reads: a SIP body is small, and a description past
// these is refused rather than held.
const (
	// MaxSize is the largest description Parse reads, in bytes.
	MaxSize = 64 << 10
	// MaxMedia is the most m= sections a description may have.
	MaxMedia = 32
	// MaxFormats is the most formats all m= lines together may list.
	MaxFormats = 256
)

// Parse reads a session description (lines ended by CRLF or LF).
//
// The first line must be v=0; o= and s= must come before the first m=.
// Blank lines and trailing blanks are skipped; i, u, e, p, b, t, r, z and
// k lines are accepted and ignored; a type letter RFC 8866 does not define
// is an error (RFC 8866 section 5: a parser must ignore or reject such a
// description, not guess). A description over MaxSize bytes, with more
// than MaxMedia m= sections or MaxFormats formats is refused. Every error
// is a *ParseError naming the line.
func Parse(b []byte) (*Session, error) {
	if len(b) > MaxSize {
		return nil, &ParseError{Msg: fmt.Sprintf("description of %d bytes is over the %d-byte limit", len(b), MaxSize)}
	}
	p := parser{s: &Session{}, cur: -1}
	rest := string(b)
	n := 0
	for len(rest) > 0 {
		var line string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, ""
		}
		n++
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			continue
		}
		p.line, p.text = n, line
		if err := p.parseLine(line); err != nil {
			return nil, err
		}
	}
	p.line, p.text = max(n, 1), ""
	switch {
	case !p.sawV:
		return nil, p.errf("empty description: no v= line")
	case !p.sawO:
		return nil, p.errf("no o= line")
	case !p.sawS:
		return nil, p.errf("no s= line")
	}
	for i := range p.s.Media {
		if p.s.Media[i].Direction == "" {
			p.s.Media[i].Direction = p.sessDir
		}
	}
	return p.s, nil
}

// parser holds Parse's state between lines.
type parser struct {
	s          *Session
	line       int
	text       string
	sawV       bool
	sawO, sawS bool
	sawC       bool
	sessDir    Direction
	cur        int // index of the current m= section, -1 before the first
	nFormats   int
	media      mediaState
}

// mediaState is what Parse tracks for the current m= section.
type mediaState struct {
	rtp                        bool
	sawC, sawPtime, sawRTCP    bool
	listed, sawRtpmap, sawFmtp [128]bool
}

func (p *parser) errf(format string, args ...any) *ParseError {
	t := p.text
	if len(t) > 80 {
		t = t[:80]
	}
	return &ParseError{Line: p.line, Text: t, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parseLine(line string) error {
	if len(line) < 2 || line[1] != '=' {
		return p.errf("not a <type>=<value> line (missing '=' after the type letter)")
	}
	typ, val := line[0], line[2:]
	if !p.sawV {
		if typ != 'v' {
			return p.errf("the first line must be v=0")
		}
		if val != "0" {
			return p.errf("protocol version %q, want 0", val)
		}
		p.sawV = true
		return nil
	}
	inMedia := p.cur >= 0
	switch typ {
	case 'v':
		return p.errf("a second v= line")
	case 'o':
		if inMedia {
			return p.errf("o= inside a media section")
		}
		if p.sawO {
			return p.errf("a second o= line")
		}
		p.sawO = true
		return p.parseOrigin(val)
	case 's':
		if inMedia {
			return p.errf("s= inside a media section")
		}
		if p.sawS {
			return p.errf("a second s= line")
		}
		p.sawS = true
		p.s.Name = val
		if val == "" {
			p.s.Name = "-"
		}
		return nil
	case 'c':
		return p.parseConnection(val)
	case 'm':
		if !p.sawO || !p.sawS {
			return p.errf("m= before the o= and s= lines")
		}
		return p.parseMedia(val)
	case 'a':
		return p.parseAttribute(val)
	case 'i', 'b', 'k':
		return nil
	case 'u', 'e', 'p', 't', 'r', 'z':
		if inMedia {
			return p.errf("%c= is a session-level line, not allowed in a media section", typ)
		}
		return nil
	default:
		return p.errf("unknown line type %q", string(rune(typ)))
	}
}

// parseOrigin reads o=<username> <sess-id> <sess-version> <nettype>
// <addrtype> <unicast-address> (RFC 8866 section 5.2).
func (p *parser) parseOrigin(val string) error {
	f := strings.Fields(val)
	if len(f) != 6 {
		return p.errf("o= needs 6 fields (username sess-id sess-version nettype addrtype address), got %d", len(f))
	}
	id, ok := parseUint(f[1], math.MaxUint64)
	if !ok {
		return p.errf("bad session id %q", f[1])
	}
	ver, ok := parseUint(f[2], math.MaxUint64)
	if !ok {
		return p.errf("bad session version %q", f[2])
	}
	addr, host, err := p.parseAddr(f[3], f[4], f[5], true)
	if err != nil {
		return err
	}
	p.s.Origin = Origin{Username: f[0], SessionID: id, Version: ver, Addr: addr, Host: host}
	return nil
}

// parseConnection reads c=<nettype> <addrtype> <address> (RFC 8866
// section 5.7), at session or media level. Only a unicast IP literal is
// taken: media need an address to send to.
func (p *parser) parseConnection(val string) error {
	f := strings.Fields(val)
	if len(f) != 3 {
		return p.errf("c= needs 3 fields (nettype addrtype address), got %d", len(f))
	}
	addr, _, err := p.parseAddr(f[0], f[1], f[2], false)
	if err != nil {
		return err
	}
	if p.cur < 0 {
		if p.sawC {
			return p.errf("a second session-level c= line")
		}
		p.sawC = true
		p.s.Addr = addr
		return nil
	}
	if p.media.sawC {
		return p.errf("a second c= line in the media section")
	}
	p.media.sawC = true
	p.s.Media[p.cur].Addr = addr
	return nil
}

// parseAddr reads a nettype, addrtype and address triple. With allowHost
// a domain name is returned as host.
func (p *parser) parseAddr(nettype, addrtype, a string, allowHost bool) (netip.Addr, string, error) {
	if nettype != "IN" {
		return netip.Addr{}, "", p.errf("network type %q, want IN", nettype)
	}
	var want6 bool
	switch addrtype {
	case "IP4":
	case "IP6":
		want6 = true
	default:
		return netip.Addr{}, "", p.errf("address type %q, want IP4 or IP6", addrtype)
	}
	addr, err := netip.ParseAddr(a)
	if err != nil {
		if allowHost && isHostname(a) {
			return netip.Addr{}, a, nil
		}
		return netip.Addr{}, "", p.errf("bad address %q: not an IP address", a)
	}
	switch {
	case addr.Zone() != "":
		return netip.Addr{}, "", p.errf("bad address %q: zoned addresses are not taken", a)
	case want6 && !addr.Is6():
		return netip.Addr{}, "", p.errf("bad address %q: IP6 with an IPv4 address", a)
	case !want6 && !addr.Is4():
		return netip.Addr{}, "", p.errf("bad address %q: IP4 with an IPv6 address", a)
	}
	return addr, "", nil
}

// parseMedia reads m=<media> <port>[/<count>] <proto> <fmt> ... (RFC 8866
// section 5.14).
func (p *parser) parseMedia(val string) error {
	if len(p.s.Media) >= MaxMedia {
		return p.errf("more than %d m= sections", MaxMedia)
	}
	f := strings.Fields(val)
	if len(f) < 3 {
		return p.errf("m= needs at least 3 fields (media port proto fmt...), got %d", len(f))
	}
	portText, count, hasCount := strings.Cut(f[1], "/")
	port, ok := parseUint(portText, 65535)
	if !ok {
		return p.errf("bad port %q", f[1])
	}
	if hasCount {
		if n, ok := parseUint(count, 65535); !ok || n == 0 {
			return p.errf("bad port count %q", f[1])
		}
	}
	fmts := f[3:]
	if p.nFormats+len(fmts) > MaxFormats {
		return p.errf("more than %d formats in the description", MaxFormats)
	}
	p.nFormats += len(fmts)
	m := Media{Type: f[0], Port: int(port), Proto: f[2]}
	p.media = mediaState{rtp: isRTP(m.Proto)}
	for _, t := range fmts {
		if !p.media.rtp {
			m.Formats = append(m.Formats, Format{Name: t})
			continue
		}
		pt, ok := parseUint(t, 127)
		if !ok {
			return p.errf("bad payload type %q (want 0-127 for %s)", t, m.Proto)
		}
		if p.media.listed[pt] {
			return p.errf("payload type %d listed twice", pt)
		}
		p.media.listed[pt] = true
		m.Formats = append(m.Formats, staticFormat(uint8(pt)))
	}
	p.s.Media = append(p.s.Media, m)
	p.cur = len(p.s.Media) - 1
	return nil
}

// parseAttribute reads a=<name>[:<value>] at session or media level.
func (p *parser) parseAttribute(val string) error {
	name, value, _ := strings.Cut(val, ":")
	if name == "" {
		return p.errf("empty attribute name")
	}
	if strings.ContainsAny(name, " \t") {
		return p.errf("bad attribute name %q (blanks in it)", name)
	}
	d, isDir := parseDirection(name)
	isDir = isDir && value == ""
	if p.cur < 0 {
		if isDir {
			if p.sessDir != "" && p.sessDir != d {
				return p.errf("conflicting direction attributes (%s and %s)", p.sessDir, d)
			}
			p.sessDir = d
			return nil
		}
		p.s.Attributes = append(p.s.Attributes, Attribute{Name: name, Value: value})
		return nil
	}
	m := &p.s.Media[p.cur]
	switch {
	case isDir:
		if m.Direction != "" && m.Direction != d {
			return p.errf("conflicting direction attributes (%s and %s)", m.Direction, d)
		}
		m.Direction = d
		return nil
	case name == "rtpmap" && p.media.rtp:
		return p.parseRtpmap(m, value)
	case name == "fmtp" && p.media.rtp:
		return p.parseFmtp(m, value)
	case name == "ptime":
		if p.media.sawPtime {
			return p.errf("a second a=ptime in the media section")
		}
		n, ok := parseUint(value, 10000)
		if !ok || n == 0 {
			return p.errf("bad ptime %q (want milliseconds, 1-10000)", value)
		}
		p.media.sawPtime = true
		m.Ptime = int(n)
		return nil
	case name == "rtcp":
		return p.parseRTCP(m, value)
	}
	m.Attributes = append(m.Attributes, Attribute{Name: name, Value: value})
	return nil
}

// splitPT splits "<payload type> <rest>" of a=rtpmap and a=fmtp.
func (p *parser) splitPT(attr, value string) (uint8, string, error) {
	ptText, rest := value, ""
	if i := strings.IndexAny(value, " \t"); i >= 0 {
		ptText, rest = value[:i], strings.TrimLeft(value[i:], " \t")
	}
	pt, ok := parseUint(ptText, 127)
	if !ok {
		return 0, "", p.errf("bad payload type %q in a=%s", ptText, attr)
	}
	return uint8(pt), rest, nil
}

// parseRtpmap reads a=rtpmap:<pt> <name>/<clock>[/<channels>] (RFC 8866
// section 6.6). One for a payload type the m= line does not list is kept
// as a plain attribute.
func (p *parser) parseRtpmap(m *Media, value string) error {
	pt, rest, err := p.splitPT("rtpmap", value)
	if err != nil {
		return err
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || strings.ContainsAny(parts[0], " \t") {
		return p.errf("bad a=rtpmap %q: want <payload type> <encoding>/<clock rate>[/<channels>]", value)
	}
	clock, ok := parseUint(parts[1], 10_000_000)
	if !ok || clock == 0 {
		return p.errf("bad clock rate %q in a=rtpmap", parts[1])
	}
	channels := uint64(1)
	if len(parts) == 3 {
		channels, ok = parseUint(parts[2], 255)
		if !ok || channels == 0 {
			return p.errf("bad channel count %q in a=rtpmap", parts[2])
		}
	}
	if !p.media.listed[pt] {
		m.Attributes = append(m.Attributes, Attribute{Name: "rtpmap", Value: value})
		return nil
	}
	if p.media.sawRtpmap[pt] {
		return p.errf("a second a=rtpmap for payload type %d", pt)
	}
	p.media.sawRtpmap[pt] = true
	if f := m.format(pt); f != nil {
		f.Name, f.ClockRate, f.Channels = parts[0], int(clock), int(channels)
	}
	return nil
}

// parseFmtp reads a=fmtp:<pt> <parameters> (RFC 8866 section 6.15).
func (p *parser) parseFmtp(m *Media, value string) error {
	pt, rest, err := p.splitPT("fmtp", value)
	if err != nil {
		return err
	}
	if !p.media.listed[pt] {
		m.Attributes = append(m.Attributes, Attribute{Name: "fmtp", Value: value})
		return nil
	}
	if p.media.sawFmtp[pt] {
		return p.errf("a second a=fmtp for payload type %d", pt)
	}
	p.media.sawFmtp[pt] = true
	if f := m.format(pt); f != nil {
		f.Fmtp = rest
	}
	return nil
}

// parseRTCP reads a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC
// 3605 section 2.1).
func (p *parser) parseRTCP(m *Media, value string) error {
	if p.media.sawRTCP {
		return p.errf("a second a=rtcp in the media section")
	}
	f := strings.Fields(value)
	if len(f) != 1 && len(f) != 4 {
		return p.errf("bad a=rtcp %q: want <port> [IN IP4|IP6 <address>]", value)
	}
	port, ok := parseUint(f[0], 65535)
	if !ok || port == 0 {
		return p.errf("bad port %q in a=rtcp", f[0])
	}
	if len(f) == 4 {
		addr, _, err := p.parseAddr(f[1], f[2], f[3], false)
		if err != nil {
			return err
		}
		m.RTCPAddr = addr
	}
	p.media.sawRTCP = true
	m.RTCPPort = int(port)
	return nil
}

// format returns the section's format with payload type pt, nil when the
// m= line does not list it.
func (m *Media) format(pt uint8) *Format {
	for i := range m.Formats {
		if m.Formats[i].PayloadType == pt {
			return &m.Formats[i]
		}
	}
	return nil
}

// staticFormats are RFC 3551's static audio payload types (section 6,
// table 4) that a description may use without a=rtpmap.
var staticFormats = map[uint8]Format{
	0:  {PayloadType: 0, Name: "PCMU", ClockRate: 8000, Channels: 1},
	3:  {PayloadType: 3, Name: "GSM", ClockRate: 8000, Channels: 1},
	4:  {PayloadType: 4, Name: "G723", ClockRate: 8000, Channels: 1},
	8:  {PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
	9:  {PayloadType: 9, Name: "G722", ClockRate: 8000, Channels: 1},
	13: {PayloadType: 13, Name: "CN", ClockRate: 8000, Channels: 1},
	18: {PayloadType: 18, Name: "G729", ClockRate: 8000, Channels: 1},
}

// staticFormat is the format payload type pt has without an a=rtpmap: its
// RFC 3551 name for a static type, the bare number otherwise.
func staticFormat(pt uint8) Format {
	if f, ok := staticFormats[pt]; ok {
		return f
	}
	return Format{PayloadType: pt}
}

// isRTP says whether proto is an RTP profile, whose formats are payload
// type numbers (RFC 8866 section 5.14).
func isRTP(proto string) bool { return strings.Contains(proto, "RTP/") }

// parseUint reads decimal digits only (no sign, no spaces) up to limit.
func parseUint(s string, limit uint64) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, n <= limit
}

// isHostname says whether s looks like a domain name (letters, digits,
// '-' and '.').
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
