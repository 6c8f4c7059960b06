package phonebook

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSorter checks the external sort against an in-memory stable sort,
// with buffers small enough to spill many runs.
func TestSorter(t *testing.T) {
	for _, limit := range []int{1 << 30, 4096, 100} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			so, err := newSorter(t.TempDir()+"/spill", limit)
			if err != nil {
				t.Fatal(err)
			}
			defer so.cleanup()
			type rec struct {
				key  string
				kind byte
				val  string
			}
			rng := rand.New(rand.NewPCG(1, uint64(limit)))
			var want []rec
			for i := range 5000 {
				// Keys of every family (and none), sharing long prefixes so
				// that the integer prefixes tie and whole keys decide.
				fam := []string{"", "meta/", "c/", "ix/num/e164:+3876100", "ix/pfx/", "ix/sort/", "ix/src/", "ix/tok/", "ix/", "x/"}[rng.IntN(10)]
				// Trailing NULs tie with the zero padding of short keys'
				// integer prefixes.
				r := rec{key: fmt.Sprintf("%s%0*d%s", fam, 1+rng.IntN(20), rng.IntN(700), strings.Repeat("\x00", rng.IntN(3))), kind: byte(i % 2), val: fmt.Sprintf("v%d", i)}
				if i%97 == 0 {
					r.val = "" // empty values survive too
				}
				want = append(want, r)
				if err := so.add(r.kind, []byte(r.key), []byte(r.val)); err != nil {
					t.Fatal(err)
				}
			}
			slices.SortStableFunc(want, func(a, b rec) int { return bytes.Compare([]byte(a.key), []byte(b.key)) })
			var got []rec
			var last []byte
			err = so.merge(func(key []byte, recs []sortedRec) error {
				if last != nil && bytes.Compare(last, key) >= 0 {
					t.Fatalf("keys out of order: %q after %q", key, last)
				}
				last = append(last[:0], key...)
				for _, r := range recs {
					got = append(got, rec{string(key), r.kind, string(r.val)})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("merge differs from a stable sort (%d vs %d records)", len(got), len(want))
			}
			if limit == 100 && len(so.runs) < 10 {
				t.Fatalf("only %d runs spilled", len(so.runs))
			}
		})
	}
}
