package sipua

import (
	"slices"
	"testing"

	"github.com/pbxagent/pbxagent/sip/media"
)

// TestCompare: frames the receiver inserted while the sender was late are
// passed over (counted), a changed frame is a mismatch, a cut prompt is
// missing samples.
func TestCompare(t *testing.T) {
	sent := make([]int16, 20*160)
	for i := range sent {
		sent[i] = int16(2000 + (i*37)%4000) // loud from the first sample, no two frames alike
	}
	want := media.PCMU.Decode(nil, media.PCMU.Encode(nil, sent))
	frame := func(i int) []int16 { return want[i*160 : (i+1)*160] }
	silence := make([]int16, 160)
	insert := func(at int, extra ...[]int16) []int16 {
		out := slices.Clone(want[:at*160])
		for _, e := range extra {
			out = append(out, e...)
		}
		return append(out, want[at*160:]...)
	}
	changed := slices.Clone(want)
	changed[5*160+7]++
	tests := []struct {
		name                          string
		got                           []int16
		mismatched, inserted, missing int
	}{
		{name: "identical", got: want},
		{name: "two frames inserted mid-prompt", got: insert(8, silence, frame(7)), inserted: 2},
		{name: "one sample changed", got: changed, mismatched: 1},
		{name: "cut after 15 frames", got: want[:15*160], missing: 5 * 160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(sent, tt.got, media.PCMU)
			if c.Offset != 0 || c.Mismatched != tt.mismatched || c.Inserted != tt.inserted || c.Missing != tt.missing {
				t.Fatalf("got %s, want %d mismatched, %d inserted, %d missing", c, tt.mismatched, tt.inserted, tt.missing)
			}
		})
	}
}
