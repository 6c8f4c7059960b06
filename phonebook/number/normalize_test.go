package number

import (
	"slices"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/gen"
)

// TestIndexKeysOneString: the keys Normalize lays out in one string are
// the keys built from the fields (the layout of a Normalized made without
// Normalize), for every kind.
func TestIndexKeysOneString(t *testing.T) {
	n, err := New(Config{DefaultRegion: "BA", TrunkPrefixes: []string{"0"}, AcceptPossible: true, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	inputs := append([]string{"1805", "+38733123", "061 111-111", "+999123456", "12345678"}, fuzzSeeds...)
	for k := 0; k < 100; k++ {
		w, e := gen.Number(k)
		inputs = append(inputs, w, e)
	}
	kinds := map[Kind]int{}
	for _, in := range inputs {
		got := n.Normalize(in)
		kinds[got.Kind]++
		fields := got
		fields.keys = ""
		if !slices.Equal(got.IndexKeys(), fields.IndexKeys()) {
			t.Errorf("%q: keys %q, from the fields %q", in, got.IndexKeys(), fields.IndexKeys())
		}
		if got.Kind != KindRejected && got.keys == "" {
			t.Errorf("%q: Normalize left keys empty: %+v", in, got)
		}
	}
	for _, k := range []Kind{KindRejected, KindExtension, KindUnparsed, KindPossible, KindValid} {
		if kinds[k] == 0 {
			t.Errorf("no input of kind %s", k)
		}
	}
}
