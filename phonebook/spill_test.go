package phonebook

import (
	"bytes"
	"cmp"
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

// sortRunRef is sortRun as it was before it compared keys past what the
// integer prefixes hold: the benchmark's reference.
func sortRunRef(buf []byte, recs []bufRecord) {
	key := func(r bufRecord) []byte { return buf[r.off : r.off+r.klen] }
	slices.SortFunc(recs, func(a, b bufRecord) int {
		if a.fam == b.fam {
			if c := cmp.Compare(a.p1, b.p1); c != 0 {
				return c
			}
			if c := cmp.Compare(a.p2, b.p2); c != 0 {
				return c
			}
		} else if a.fam != famOther && b.fam != famOther {
			return cmp.Compare(a.fam, b.fam)
		}
		if c := bytes.Compare(key(a), key(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.off, b.off)
	})
}

// BenchmarkSortRun: sorting one run of the records a load of generated
// contacts buffers (the families, prefixes and lengths of an import's
// keys).
func BenchmarkSortRun(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	names := []string{"hodzic", "basic", "kovacevic", "begic", "hadzic", "mehic", "delic", "smith", "walsh"}
	so := &sorter{limit: 1 << 30}
	for i := range 30000 {
		id := fmt.Sprintf("01JEXAMPLE%06d%010d", i/5000, rng.IntN(1e9))
		name := fmt.Sprintf("%s %s%d", names[rng.IntN(len(names))], names[rng.IntN(len(names))], rng.IntN(100))
		num := fmt.Sprintf("3876%d%07d", rng.IntN(3), rng.IntN(1e7))
		for _, k := range []string{
			"c/" + id,
			"ix/num/x:+" + num, "ix/num/e164:+" + num, "ix/num/nsn:" + num[3:],
			"ix/pfx/#" + num[:6] + "\x00" + name + "\x00" + id,
			"ix/sort/" + name + "\x00" + id,
			"ix/src/csv\x00" + strings.ReplaceAll(name, " ", "||") + "|#1",
		} {
			_ = so.add(recSet, []byte(k), []byte("value of about sixty bytes, like an index entry's"))
		}
	}
	recs := make([]bufRecord, len(so.recs))
	for _, bc := range []struct {
		name string
		sort func([]byte, []bufRecord)
	}{
		{name: "radix", sort: func(buf []byte, recs []bufRecord) { _ = sortRun(buf, recs, nil) }},
		{name: "compare", sort: sortCmp},
		{name: "before", sort: sortRunRef},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				copy(recs, so.recs)
				bc.sort(so.buf, recs)
			}
		})
	}
}

// TestSortRun: the radix sort orders a run of family keys (sharing long
// prefixes, some shorter than the integer prefixes, with NULs and
// duplicates) as a stable sort by key does, and so does the comparison
// sort it falls back to with a key of no family.
func TestSortRun(t *testing.T) {
	for _, other := range []bool{false, true} {
		t.Run(fmt.Sprint("other=", other), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			so := &sorter{limit: 1 << 30}
			var keys []string
			for i := range 20000 {
				fam := families[rng.IntN(len(families))]
				if other && i == 777 {
					fam = "meta/"
				}
				k := fmt.Sprintf("%s%s%0*d%s", fam, []string{"", "#387", "e164:+3876", "hodzic\x00"}[rng.IntN(4)],
					1+rng.IntN(14), rng.IntN(300), strings.Repeat("\x00", rng.IntN(3)))
				keys = append(keys, k)
				if err := so.add(recSet, []byte(k), []byte(fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
			}
			want := make([]int, len(keys))
			for i := range want {
				want[i] = i
			}
			slices.SortStableFunc(want, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
			recs := slices.Clone(so.recs)
			tmp := sortRun(so.buf, recs, nil)
			if !other && len(tmp) != len(recs) {
				t.Fatalf("the radix sort was not used (scratch %d)", len(tmp))
			}
			for i, r := range recs {
				v := so.buf[r.off+r.klen+1 : r.off+r.klen+1+r.vlen]
				if got := string(v); got != fmt.Sprint(want[i]) {
					t.Fatalf("record %d: value %s (key %q), want %d (key %q)", i, got, so.buf[r.off:r.off+r.klen], want[i], keys[want[i]])
				}
			}
		})
	}
}

// TestGrowRun: a run's buffer grows 4× while small, then at once to a
// run's size, then (records smaller than expected) by a quarter at least:
// never by the few bytes asked for, which would copy it at every add.
func TestGrowRun(t *testing.T) {
	tests := []struct {
		name        string
		len, cap, n int
		limit       int
		wantAtLeast int
		wantAtMost  int
	}{
		{name: "empty", len: 0, cap: 0, n: 10, limit: 1 << 20, wantAtLeast: 4096, wantAtMost: 4096},
		{name: "small, 4×", len: 4096, cap: 4096, n: 1, limit: 1 << 20, wantAtLeast: 16384, wantAtMost: 16384},
		{name: "to a run's size", len: 1 << 18, cap: 1 << 18, n: 1, limit: 1 << 20, wantAtLeast: 1<<20 + 1<<17, wantAtMost: 1<<20 + 1<<17},
		{name: "past it, by a quarter", len: 1<<20 + 1<<17, cap: 1<<20 + 1<<17, n: 1, limit: 1 << 20, wantAtLeast: (1<<20 + 1<<17) * 5 / 4, wantAtMost: (1<<20+1<<17)*5/4 + 1},
		{name: "a large item", len: 100, cap: 100, n: 1 << 22, limit: 1 << 20, wantAtLeast: 100 + 1<<22, wantAtMost: 100 + 1<<22},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, tc.len, tc.cap)
			g := growRun(b, tc.n, tc.limit)
			if len(g) != tc.len || cap(g) < tc.wantAtLeast || cap(g) > tc.wantAtMost {
				t.Errorf("growRun(len %d, cap %d, %d, %d): len %d cap %d, want len %d and cap in [%d, %d]",
					tc.len, tc.cap, tc.n, tc.limit, len(g), cap(g), tc.len, tc.wantAtLeast, tc.wantAtMost)
			}
		})
	}
}
