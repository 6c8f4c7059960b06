package phonebook

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeyTable drives the key table with hashes that crowd a few home
// slots (long probe runs, wrap-around at the end) against a map.
func TestKeyTable(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed))
			tab := newKeyTable(4)
			model := map[uint64]callerRef{}
			// High bits pick the home slot: 4 homes, one of them the last slot.
			hashes := make([]uint64, 200)
			for i := range hashes {
				hashes[i] = uint64(rng.IntN(4))<<62 | uint64(i+1)
				if i%3 == 0 {
					hashes[i] |= 1<<64 - 1<<58 // the very end of the range
				}
			}
			for step := range 5000 {
				h := hashes[rng.IntN(len(hashes))]
				if rng.IntN(3) == 0 {
					if i, ok := tab.find(h); ok {
						tab.deleteAt(i)
					}
					delete(model, h)
				} else {
					ref := callerRef(rng.IntN(1000)) + refBase
					tab.set(h, ref)
					model[h] = ref
				}
				if tab.n != len(model) {
					t.Fatalf("step %d: %d keys in the table, %d in the model", step, tab.n, len(model))
				}
				for h, want := range model {
					i, ok := tab.find(h)
					if !ok || tab.refs[i] != want {
						t.Fatalf("step %d: hash %x lost (found %v)", step, h, ok)
					}
				}
				if 4*tab.n > 3*len(tab.hs) {
					t.Fatalf("step %d: load %d/%d above 3/4", step, tab.n, len(tab.hs))
				}
			}
		})
	}
}

// TestCallerIndexMatchesStore is a differential test: after every kind of
// write (single, bulk, bulk past the delta cap, load, erase, local edits of
// synced contacts, reopen), the in-memory caller index answers every probe
// exactly as the ix/num lists do.
func TestCallerIndexMatchesStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	s.deltaCap = 40 // bulk rounds below overflow, some above
	rng := rand.New(rand.NewPCG(9, 9))
	// A small number space, so numbers are shared (ambiguity) and reused.
	num := func() string {
		switch rng.IntN(4) {
		case 0:
			return fmt.Sprintf("0611110%02d", rng.IntN(40))
		case 1:
			return fmt.Sprintf("+3876111 10%02d", rng.IntN(40))
		case 2:
			return fmt.Sprintf("%d", 100+rng.IntN(20)) // extensions
		}
		return fmt.Sprintf("003876111 10%02d", rng.IntN(40))
	}
	var probes []string
	for i := range 40 {
		probes = append(probes, fmt.Sprintf("0611110%02d", i), fmt.Sprintf("+38761111 0%02d", i), fmt.Sprintf("sip:0611110%02d@gw", i))
	}
	for i := range 20 {
		probes = append(probes, fmt.Sprint(100+i))
	}
	contact := func(i int) *Contact {
		c := &Contact{FirstName: fmt.Sprintf("N%d", i), LastName: "Test", Scope: ScopeGlobal}
		if rng.IntN(5) == 0 {
			c.Scope, c.Owner = ScopePersonal, "u1"
		}
		for range rng.IntN(3) + 1 {
			c.Numbers = append(c.Numbers, Number{Type: NumberWork, Value: num()})
		}
		return c
	}
	compare := func(step string) {
		t.Helper()
		for _, p := range probes {
			got, err := s.Lookup(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			levels, e164, _ := s.num.Probe(p)
			want, _, err := s.lookupStore(levels, e164)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s: lookup %q: index says %+v, store says %+v", step, p, got, want)
			}
		}
	}
	check := func(step string) {
		t.Helper()
		compare(step + ", build maybe under way") // the store answers while it is
		if err := s.waitCallers(ctx); err != nil {
			t.Fatal(err)
		}
		if s.callers.Load() == nil {
			t.Fatalf("%s: no caller index", step)
		}
		compare(step)
	}
	var ids []string
	hits := 0
	for round := range 30 {
		switch round % 6 {
		case 0, 1: // single writes
			for range 8 {
				switch {
				case len(ids) == 0 || rng.IntN(3) == 0:
					c, err := s.Create(ctx, contact(len(ids)))
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, c.ID)
				case rng.IntN(2) == 0:
					c, err := s.Get(ctx, ids[rng.IntN(len(ids))])
					if err != nil {
						t.Fatal(err)
					}
					n := contact(0)
					c.Numbers, c.Scope, c.Owner, c.LastName = n.Numbers, n.Scope, n.Owner, fmt.Sprint("Renamed", round)
					if _, err := s.Update(ctx, c); err != nil {
						t.Fatal(err)
					}
				default:
					i := rng.IntN(len(ids))
					if err := s.Delete(ctx, ids[i]); err != nil {
						t.Fatal(err)
					}
					ids = slices.Delete(ids, i, i+1)
				}
			}
		case 2, 3: // a bulk round: small (tracked) or large (overflow)
			n := 5 + rng.IntN(30)
			_, err := s.Bulk(ctx, func(b *Batch) error {
				for i := range n {
					if i%4 == 3 && len(ids) > 0 {
						j := rng.IntN(len(ids))
						if err := b.Delete(ids[j]); err != nil {
							return err
						}
						ids = slices.Delete(ids, j, j+1)
						continue
					}
					c := contact(i)
					c.Source, c.ExternalID = "crm", fmt.Sprintf("e%d", rng.IntN(60))
					id, _, err := b.UpsertFromSource(c)
					if err != nil {
						return err
					}
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		case 4: // local edit of a synced contact, then a load of a new source
			if err := s.Iterate(ctx, Query{Source: "crm"}, func(c *Contact) error {
				if rng.IntN(3) == 0 {
					c.Numbers = []Number{{Type: NumberMobile, Value: num()}}
					_, err := s.Update(ctx, c)
					return err
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			src := fmt.Sprint("load", round)
			_, err := s.Load(ctx, src, func(l *Loader) error {
				for i := range 10 {
					id, err := l.Add(contact(i))
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		case 5: // erase a loaded source, or reopen
			if round%12 == 5 {
				if _, err := s.EraseSource(ctx, fmt.Sprint("load", round-1)); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s = openTest(t, dir)
				s.deltaCap = 40
			}
		}
		check(fmt.Sprint("round ", round))
		ids = ids[:0] // what is there now (upserts may meet local deletions)
		if err := s.Iterate(ctx, Query{}, func(c *Contact) error { ids = append(ids, c.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		for _, p := range probes {
			if r, _ := s.Lookup(ctx, p); r.Match.Hit() {
				hits++
			}
		}
	}
	mustVerify(t, s)
	if hits == 0 {
		t.Fatal("no probe ever hit: the test checks nothing")
	}
}

// TestCallerIndexCollision: keys whose hashes collide in their home slot
// stay apart, and deleting one keeps the others found.
func TestCallerIndexCollision(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	if err := s.waitCallers(ctx); err != nil {
		t.Fatal(err)
	}
	x := newCallerIndex(0)
	x.hash = func(_ uint64, k string) uint64 { return uint64(len(k)) << 60 } // by length only: crowded homes, distinct hashes per length
	s.callers.Store(x)
	a, err := s.Create(ctx, &Contact{FirstName: "A", Numbers: []Number{{Type: NumberWork, Value: "101"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, &Contact{FirstName: "B", Numbers: []Number{{Type: NumberWork, Value: "061111222"}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ probe, name string }{{"101", "A"}, {"061111222", "B"}, {"+38761111222", "B"}} {
		r, err := s.Lookup(ctx, tc.probe)
		if err != nil || r.Name != tc.name {
			t.Fatalf("lookup %s: %+v, %v; want %s", tc.probe, r, err, tc.name)
		}
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Lookup(ctx, "101"); r.Match != MatchNone {
		t.Fatalf("deleted contact still found: %+v", r)
	}
	if r, _ := s.Lookup(ctx, "061111222"); r.Name != "B" {
		t.Fatalf("B lost after deleting A: %+v", r)
	}
}

// TestCallerIndexWritesDuringBuild: writes published while the index is
// being rebuilt (after a load) are applied to it before it is installed,
// and lookups meanwhile read the store.
func TestCallerIndexWritesDuringBuild(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	if err := s.waitCallers(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := s.Create(ctx, &Contact{FirstName: "Ana", Numbers: []Number{{Type: NumberWork, Value: "061 111 001"}}})
	if err != nil {
		t.Fatal(err)
	}
	read, release := make(chan struct{}), make(chan struct{})
	s.cbuild.built = func() { close(read); <-release }
	if _, err := s.Load(ctx, "crm", func(l *Loader) error {
		_, err := l.Add(&Contact{FirstName: "Bo", Numbers: []Number{{Type: NumberWork, Value: "061 111 002"}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	<-read // the build has its snapshot; these writes come after it
	if s.callers.Load() != nil {
		t.Fatal("an index is installed while it is being rebuilt")
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	c, err := s.Create(ctx, &Contact{FirstName: "Cy", Numbers: []Number{{Type: NumberWork, Value: "061 111 003"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"061111001": "", "061111002": "Bo", "+38761111003": "Cy"}
	look := func(step string) {
		t.Helper()
		for p, name := range want {
			r, err := s.Lookup(ctx, p)
			if err != nil || r.Name != name {
				t.Fatalf("%s: lookup %s = %+v, %v; want %q", step, p, r, err, name)
			}
		}
	}
	look("during the build")
	close(release)
	if err := s.waitCallers(ctx); err != nil {
		t.Fatal(err)
	}
	if s.callers.Load() == nil {
		t.Fatal("no index after the build")
	}
	look("from the index")
	if r, _ := s.Lookup(ctx, "061 111 003"); r.ContactID != c.ID || r.Match != MatchExact {
		t.Fatalf("lookup of Cy: %+v", r)
	}
	mustVerify(t, s)
}
