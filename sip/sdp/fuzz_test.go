package sdp

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// addSeeds adds every description under testdata as a fuzz seed.
func addSeeds(f *testing.F) {
	files, err := filepath.Glob("testdata/*.sdp")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("v=0\no=- 1 2 IN IP4 h\ns=\nm=audio 1/2 RTP/AVP 0\na=rtpmap:0 X/1/2\na=fmtp:0 a\na=rtcp:9 IN IP6 ::\n"))
	f.Add([]byte("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\na=recvonly\r\nm=image 9 udptl t38\r\na=T38FaxVersion:0\r\n"))
}

// FuzzParse checks that Parse never panics, and that what it accepts
// survives Marshal and Parse again unchanged.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T %v, want a *ParseError", err, err)
			}
			return
		}
		out := s.Marshal()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal) = %v\ninput %q\nmarshalled %q", err, b, out)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip differs\ninput %q\n first %+v\nsecond %+v", b, s, again)
		}
	})
}

// FuzzAnswer checks that answering and accepting whatever parses never
// panics, and that an answer keeps the offer's m= lines.
func FuzzAnswer(f *testing.F) {
	addSeeds(f)
	l := Local{Addr: netip.MustParseAddr("192.0.2.99"), Port: 30000, DTMF: true}
	f.Fuzz(func(t *testing.T, b []byte) {
		offer, err := Parse(b)
		if err != nil {
			return
		}
		ans, _, err := Answer(offer, l)
		if err == nil {
			if len(ans.Media) != len(offer.Media) {
				t.Fatalf("answer has %d m= lines, offer %d", len(ans.Media), len(offer.Media))
			}
			if _, err := Parse(ans.Marshal()); err != nil {
				t.Fatalf("our answer does not parse: %v\n%s", err, ans.Marshal())
			}
		}
		_, _ = Accept(offer, l)
	})
}
