package sdp

import (
	"net/netip"
	"os"
	"testing"
)

// BenchmarkParse reads a Cisco-like offer with three m= sections and many
// attributes.
func BenchmarkParse(b *testing.B) {
	body, err := os.ReadFile("testdata/cisco-polycom.sdp")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswer is the per-INVITE cost of a UAS: parse the offer,
// answer it and write the answer.
func BenchmarkAnswer(b *testing.B) {
	body, err := os.ReadFile("testdata/asterisk.sdp")
	if err != nil {
		b.Fatal(err)
	}
	l := Local{Addr: netip.MustParseAddr("192.0.2.99"), Port: 30000, DTMF: true}
	b.ReportAllocs()
	for b.Loop() {
		offer, err := Parse(body)
		if err != nil {
			b.Fatal(err)
		}
		ans, _, err := Answer(offer, l)
		if err != nil {
			b.Fatal(err)
		}
		_ = ans.Marshal()
	}
}
