package sdp

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// crlf joins lines with CRLF, as a SIP body carries them.
func crlf(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

func TestParseAsterisk(t *testing.T) {
	b, err := os.ReadFile("testdata/asterisk.sdp")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &Session{
		Origin: Origin{Username: "-", SessionID: 1722955712, Version: 1722955712, Addr: netip.MustParseAddr("192.0.2.10")},
		Name:   "Asterisk",
		Addr:   netip.MustParseAddr("192.0.2.10"),
		Media: []Media{{
			Type:  "audio",
			Port:  10068,
			Proto: "RTP/AVP",
			Formats: []Format{
				{PayloadType: 0, Name: "PCMU", ClockRate: 8000, Channels: 1},
				{PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
				{PayloadType: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-16"},
			},
			Direction:  SendRecv,
			Ptime:      20,
			Attributes: []Attribute{{Name: "maxptime", Value: "150"}},
		}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", s, want)
	}
}

func TestParseManyLineTypes(t *testing.T) {
	b, err := os.ReadFile("testdata/cisco-polycom.sdp")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Media) != 3 {
		t.Fatalf("%d media sections, want 3", len(s.Media))
	}
	a := s.Media[0]
	if a.Addr != netip.MustParseAddr("192.0.2.31") || a.RTCPPort != 16389 || a.RTCPAddr != netip.MustParseAddr("192.0.2.32") {
		t.Errorf("audio c=/rtcp: addr %v rtcp %d %v", a.Addr, a.RTCPPort, a.RTCPAddr)
	}
	if got := a.Formats[0]; got != (Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Channels: 1, Fmtp: "annexb=no"}) {
		t.Errorf("first format %+v", got)
	}
	if got := a.Formats[3].Fmtp; got != "0-15" {
		t.Errorf("telephone-event fmtp %q", got)
	}
	wantAttrs := []Attribute{{Name: "silenceSupp", Value: "off - - - -"}, {Name: "label", Value: "1"}}
	if !reflect.DeepEqual(a.Attributes, wantAttrs) {
		t.Errorf("audio attributes %+v", a.Attributes)
	}
	if !reflect.DeepEqual(s.Attributes, []Attribute{{Name: "tool", Value: "cisco"}}) {
		t.Errorf("session attributes %+v", s.Attributes)
	}
	if v := s.Media[1]; v.Port != 0 || v.Formats[0].Name != "H264" || v.Formats[0].ClockRate != 90000 {
		t.Errorf("video %+v", v)
	}
	if app := s.Media[2]; app.Proto != "TCP/BFCP" || !reflect.DeepEqual(app.Formats, []Format{{Name: "*"}}) {
		t.Errorf("application %+v", app)
	}
	if au, ok := s.Audio(); !ok || au != &s.Media[0] {
		t.Errorf("Audio() = %v, %v", au, ok)
	}
}

func TestParseDetails(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		check func(t *testing.T, s *Session)
	}{
		{
			name: "LF line ends and static types without rtpmap",
			body: []byte("v=0\no=- 1 2 IN IP4 192.0.2.1\ns=x\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 8 0 96\n"),
			check: func(t *testing.T, s *Session) {
				want := []Format{
					{PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
					{PayloadType: 0, Name: "PCMU", ClockRate: 8000, Channels: 1},
					{PayloadType: 96},
				}
				if !reflect.DeepEqual(s.Media[0].Formats, want) {
					t.Errorf("formats %+v", s.Media[0].Formats)
				}
				if s.Media[0].Direction != "" {
					t.Errorf("direction %q, want none", s.Media[0].Direction)
				}
			},
		},
		{
			name: "session direction applies to media without their own",
			body: crlf("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "a=sendonly",
				"m=audio 4000 RTP/AVP 0", "m=audio 4002 RTP/AVP 0", "a=inactive"),
			check: func(t *testing.T, s *Session) {
				if s.Media[0].Direction != SendOnly || s.Media[1].Direction != Inactive {
					t.Errorf("directions %q %q", s.Media[0].Direction, s.Media[1].Direction)
				}
				if len(s.Attributes) != 0 {
					t.Errorf("session attributes %+v, want the direction consumed", s.Attributes)
				}
			},
		},
		{
			name: "port count, channels, empty s=, rtpmap for an unlisted type",
			body: crlf("v=0", "o=alice 1 2 IN IP6 ::1", "s=", "t=0 0", "m=audio 4000/2 RTP/AVP 97", "c=IN IP6 2001:db8::2",
				"a=rtpmap:97 L16/16000/2", "a=rtpmap:98 opus/48000/2"),
			check: func(t *testing.T, s *Session) {
				m := s.Media[0]
				if m.Port != 4000 || m.Formats[0] != (Format{PayloadType: 97, Name: "L16", ClockRate: 16000, Channels: 2}) {
					t.Errorf("media %+v", m)
				}
				if s.Name != "-" {
					t.Errorf("name %q, want -", s.Name)
				}
				if !reflect.DeepEqual(m.Attributes, []Attribute{{Name: "rtpmap", Value: "98 opus/48000/2"}}) {
					t.Errorf("attributes %+v", m.Attributes)
				}
				if s.Addr.IsValid() || m.Addr != netip.MustParseAddr("2001:db8::2") {
					t.Errorf("addresses %v %v", s.Addr, m.Addr)
				}
			},
		},
		{
			name: "origin host name, blank lines and trailing blanks",
			body: []byte("\r\nv=0  \r\no=- 1 2 IN IP4 host.example.com\r\ns=-\r\n\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 \r\n\r\n"),
			check: func(t *testing.T, s *Session) {
				if s.Origin.Host != "host.example.com" || s.Origin.Addr.IsValid() {
					t.Errorf("origin %+v", s.Origin)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestParseErrors(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	tests := []struct {
		name     string
		body     string
		wantLine int
		wantText string
		wantMsg  string
	}{
		{name: "empty", body: "", wantLine: 1, wantMsg: "no v= line"},
		{name: "missing equals", body: head + "m audio 4000 RTP/AVP 0\r\n", wantLine: 6, wantText: "m audio 4000 RTP/AVP 0", wantMsg: "missing '='"},
		{name: "space before equals", body: "v =0\r\n", wantLine: 1, wantText: "v =0", wantMsg: "missing '='"},
		{name: "no v first", body: "o=- 1 2 IN IP4 192.0.2.1\r\nv=0\r\n", wantLine: 1, wantMsg: "first line must be v=0"},
		{name: "version 1", body: "v=1\r\n", wantLine: 1, wantText: "v=1", wantMsg: "protocol version"},
		{name: "m before o", body: "v=0\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\n", wantLine: 3, wantMsg: "m= before the o= and s="},
		{name: "m before s", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n", wantLine: 3, wantMsg: "m= before the o= and s="},
		{name: "no o at all", body: "v=0\r\ns=-\r\n", wantLine: 2, wantMsg: "no o= line"},
		{name: "no s at all", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\nt=0 0\r\n", wantLine: 3, wantMsg: "no s= line"},
		{name: "unknown type", body: head + "x=1\r\n", wantLine: 6, wantText: "x=1", wantMsg: "unknown line type \"x\""},
		{name: "o short", body: "v=0\r\no=- 1 2 IN IP4\r\n", wantLine: 2, wantMsg: "o= needs 6 fields"},
		{name: "o bad id", body: "v=0\r\no=- 1x 2 IN IP4 192.0.2.1\r\n", wantLine: 2, wantMsg: "bad session id \"1x\""},
		{name: "second o", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\no=- 1 2 IN IP4 192.0.2.1\r\n", wantLine: 3, wantMsg: "a second o= line"},
		{name: "c bad address", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.300\r\n", wantLine: 4, wantText: "c=IN IP4 192.0.2.300", wantMsg: "bad address \"192.0.2.300\""},
		{name: "c host name", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 media.example.com\r\n", wantLine: 4, wantMsg: "bad address"},
		{name: "c IP4 with IPv6", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 2001:db8::1\r\n", wantLine: 4, wantMsg: "IP4 with an IPv6 address"},
		{name: "c multicast ttl", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 224.2.1.1/127\r\n", wantLine: 4, wantMsg: "bad address"},
		{name: "c zone", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP6 fe80::1%eth0\r\n", wantLine: 4, wantMsg: "zoned"},
		{name: "c nettype", body: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=ATM NSAP 47\r\n", wantLine: 4, wantMsg: "network type \"ATM\""},
		{name: "bad port", body: head + "m=audio 70000 RTP/AVP 0\r\n", wantLine: 6, wantMsg: "bad port \"70000\""},
		{name: "port not a number", body: head + "m=audio x RTP/AVP 0\r\n", wantLine: 6, wantMsg: "bad port \"x\""},
		{name: "bad port count", body: head + "m=audio 4000/0 RTP/AVP 0\r\n", wantLine: 6, wantMsg: "bad port count"},
		{name: "payload type 128", body: head + "m=audio 4000 RTP/AVP 0 128\r\n", wantLine: 6, wantMsg: "bad payload type \"128\""},
		{name: "payload type word", body: head + "m=audio 4000 RTP/AVP PCMU\r\n", wantLine: 6, wantMsg: "bad payload type \"PCMU\""},
		{name: "payload type twice", body: head + "m=audio 4000 RTP/AVP 0 0\r\n", wantLine: 6, wantMsg: "listed twice"},
		{name: "m short", body: head + "m=audio 4000\r\n", wantLine: 6, wantMsg: "at least 3 fields"},
		{name: "rtpmap no clock", body: head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n", wantLine: 7, wantText: "a=rtpmap:96 opus", wantMsg: "bad a=rtpmap"},
		{name: "rtpmap clock 0", body: head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/0\r\n", wantLine: 7, wantMsg: "bad clock rate"},
		{name: "rtpmap bad pt", body: head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:x opus/8000\r\n", wantLine: 7, wantMsg: "bad payload type \"x\" in a=rtpmap"},
		{name: "rtpmap twice", body: head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 a/8000\r\na=rtpmap:96 b/8000\r\n", wantLine: 8, wantMsg: "a second a=rtpmap"},
		{name: "fmtp bad pt", body: head + "m=audio 4000 RTP/AVP 96\r\na=fmtp:-1 x\r\n", wantLine: 7, wantMsg: "in a=fmtp"},
		{name: "ptime", body: head + "m=audio 4000 RTP/AVP 0\r\na=ptime:twenty\r\n", wantLine: 7, wantMsg: "bad ptime"},
		{name: "rtcp port 0", body: head + "m=audio 4000 RTP/AVP 0\r\na=rtcp:0\r\n", wantLine: 7, wantMsg: "bad port \"0\" in a=rtcp"},
		{name: "rtcp bad address", body: head + "m=audio 4000 RTP/AVP 0\r\na=rtcp:4001 IN IP4 x..y\r\n", wantLine: 7, wantMsg: "bad address"},
		{name: "conflicting directions", body: head + "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", wantLine: 8, wantMsg: "conflicting direction"},
		{name: "empty attribute", body: head + "a=:x\r\n", wantLine: 6, wantMsg: "empty attribute name"},
		{name: "t in media", body: head + "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", wantLine: 7, wantMsg: "not allowed in a media section"},
		{name: "second media c", body: head + "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.2\r\nc=IN IP4 192.0.2.3\r\n", wantLine: 8, wantMsg: "a second c= line"},
		{name: "too many media", body: head + strings.Repeat("m=audio 0 RTP/AVP 0\r\n", MaxMedia+1), wantLine: 6 + MaxMedia, wantMsg: "more than 32 m= sections"},
		{name: "too many formats", body: head + "m=audio 4000 RTP/AVP" + strings.Repeat(" 0", MaxFormats+1) + "\r\n", wantLine: 6, wantMsg: "more than 256 formats"},
		{name: "too large", body: head + strings.Repeat("a=x\r\n", MaxSize/5), wantLine: 0, wantMsg: "over the 65536-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.body))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a *ParseError", s, err)
			}
			if pe.Line != tt.wantLine || !strings.Contains(pe.Msg, tt.wantMsg) || (tt.wantText != "" && pe.Text != tt.wantText) {
				t.Errorf("error %q (line %d, text %q); want line %d, text %q, message with %q", err, pe.Line, pe.Text, tt.wantLine, tt.wantText, tt.wantMsg)
			}
			if tt.wantLine > 0 && !strings.Contains(err.Error(), "line "+strconv.Itoa(tt.wantLine)) {
				t.Errorf("error %q does not name line %d", err, tt.wantLine)
			}
		})
	}
}

func TestParseErrorTextTruncated(t *testing.T) {
	_, err := Parse([]byte("v=0\r\no=" + strings.Repeat("y", 200) + "\r\n"))
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Text) != 80 {
		t.Fatalf("err %v, want a ParseError with 80 bytes of text", err)
	}
}

// TestRoundTripSeeds parses, marshals and parses again every real-world
// description in testdata.
func TestRoundTripSeeds(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sdp")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seeds: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			out := s.Marshal()
			if strings.Contains(strings.ReplaceAll(string(out), "\r\n", ""), "\n") || !strings.HasSuffix(string(out), "\r\n") {
				t.Errorf("Marshal does not end every line with CRLF:\n%q", out)
			}
			again, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal) = %v\n%s", err, out)
			}
			if !reflect.DeepEqual(s, again) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", again, s)
			}
		})
	}
}
