package phonebook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestLoad fills an empty source through Load, on disk (Badger's stream
// writer) and in memory (ordinary commits), beside a contact of another
// source that shares a number with one loaded contact.
func TestLoad(t *testing.T) {
	for _, tt := range []struct {
		name string
		dir  bool
	}{{"stream writer", true}, {"in memory", false}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openOnDisk(t, tt.dir)
			existing, err := s.Create(ctx, &Contact{FirstName: "Existing", Numbers: []Number{{Type: NumberWork, Value: "+38769000007"}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Meta("phones").Put(ctx, "a", []byte("1")); err != nil {
				t.Fatal(err)
			}
			gen := s.Generation()
			const n = 5000
			st, err := s.Load(ctx, SourceCSV, func(l *Loader) error {
				for i := range n {
					c := crashContact("Load", i)
					c.ExternalID = fmt.Sprintf("row%d", i)
					if i == 7 {
						c.Numbers = append(c.Numbers, Number{Type: NumberHome, Value: "069 000 007"})
					}
					if _, err := l.Add(c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.Created != n {
				t.Fatalf("created %d, want %d", st.Created, n)
			}
			if s.Generation() <= gen {
				t.Fatalf("generation %d → %d, want it to advance", gen, s.Generation())
			}
			if r := mustVerify(t, s); r.Contacts != n+1 {
				t.Fatalf("%d contacts, want %d", r.Contacts, n+1)
			}
			if r, _ := s.Lookup(ctx, "+38760004000"); r.Match != MatchAmbiguous {
				// Contact i has numbers i and i+1, so 4000 is shared by 3999 and 4000.
				t.Fatalf("shared loaded number: %+v", r)
			}
			if r, _ := s.Lookup(ctx, "+38760000000"); r.Name != "Load000000 Crash" {
				t.Fatalf("loaded number: %+v", r)
			}
			if r, _ := s.Lookup(ctx, "+38769000007"); r.Match != MatchAmbiguous {
				t.Fatalf("number shared with %s: %+v", existing.ID, r)
			}
			if p, err := s.Search(ctx, Query{Q: "load004321"}); err != nil || p.Total != 1 {
				t.Fatalf("search: %+v %v", p, err)
			}
			if v, err := s.Meta("phones").Get(ctx, "a"); err != nil || string(v) != "1" {
				t.Fatalf("key-value entry after load: %q %v", v, err)
			}
			// The source is no longer empty; ordinary bulk operations see
			// the loaded mappings.
			if _, err := s.Load(ctx, SourceCSV, func(*Loader) error { return nil }); !errors.Is(err, ErrSourceNotEmpty) {
				t.Fatalf("second load: %v", err)
			}
			if _, err := s.Bulk(ctx, func(b *Batch) error {
				c := crashContact("Load", 3)
				c.Source, c.ExternalID, c.Company = SourceCSV, "row3", "Changed"
				_, changed, err := b.UpsertFromSource(c)
				if err == nil && !changed {
					err = errors.New("upsert of a loaded contact changed nothing")
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if r := mustVerify(t, s); r.Contacts != n+1 {
				t.Fatalf("after upsert: %d contacts, want %d", r.Contacts, n+1)
			}
		})
	}
}

// openOnDisk opens a test store in a temporary directory, or in memory.
func openOnDisk(t *testing.T, onDisk bool) *Store {
	if onDisk {
		return openTest(t, t.TempDir())
	}
	return openTest(t, "")
}

// TestLoadFailureLeavesNothing: a load whose function fails, or whose
// data turns out bad while its tables are written (two rows with one
// external id), leaves the store exactly as it was.
func TestLoadFailureLeavesNothing(t *testing.T) {
	for _, tt := range []struct {
		name string
		dir  bool
		dup  bool
	}{{"function fails", true, false}, {"duplicate external id, stream", true, true}, {"duplicate external id, in memory", false, true}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openOnDisk(t, tt.dir)
			before := crashContact("Before", 1)
			before.Source = SourceLocal
			if _, err := s.Create(ctx, before); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load(ctx, SourceCSV, func(l *Loader) error {
				for i := range 20000 {
					c := crashContact("Bad", i)
					c.ExternalID = fmt.Sprintf("row%d", i)
					if tt.dup && i == 15000 {
						c.ExternalID = "row10"
					}
					if _, err := l.Add(c); err != nil {
						return err
					}
				}
				if !tt.dup {
					return errors.New("caller gave up")
				}
				return nil
			})
			if err == nil {
				t.Fatal("load succeeded")
			}
			if tt.dup && !strings.Contains(err.Error(), "row10") {
				t.Fatalf("error does not name the external id: %v", err)
			}
			if r := mustVerify(t, s); r.Contacts != 1 {
				t.Fatalf("%d contacts after a failed load, want 1", r.Contacts)
			}
			if p, _ := s.Search(ctx, Query{Q: "bad000001"}); p.Total != 0 {
				t.Fatal("a contact of the failed load is visible")
			}
		})
	}
}

// TestCrashHelperLoad is the child process of TestCrashMidLoad: it loads
// crashRows contacts and, half-way through writing tables, waits for a
// line on stdin.
func TestCrashHelperLoad(t *testing.T) {
	s := openCrashChild(t, "PBX_CRASH_LOAD_DIR", "TestCrashMidLoad")
	pauseHalfway(s, crashRows*10/2)
	_, err := s.Load(context.Background(), SourceCSV, func(l *Loader) error {
		for i := range crashRows {
			if _, err := l.Add(crashContact("New", i)); err != nil {
				return err
			}
		}
		return nil
	})
	exitCrashChild(err)
}

// TestCrashMidLoad kills a process with SIGKILL while a load writes its
// tables: the reopened store holds exactly the old set with consistent
// indexes, and the spill files are gone.
func TestCrashMidLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test is not short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	for i := range 100 {
		c := crashContact("Old", i)
		c.Source = SourceLocal
		if _, err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	_, s = killChildHalfway(t, s, dir, "TestCrashHelperLoad", "PBX_CRASH_LOAD_DIR")
	if r := mustVerify(t, s); r.Contacts != 100 {
		t.Fatalf("after SIGKILL: %d contacts, want the old 100", r.Contacts)
	}
	if p, _ := s.Search(ctx, Query{Q: "new000001"}); p.Total != 0 {
		t.Fatal("a contact of the killed load is visible")
	}
	if left, _ := os.ReadDir(dir); func() bool {
		for _, e := range left {
			if strings.HasPrefix(e.Name(), spillPrefix) {
				return true
			}
		}
		return false
	}() {
		t.Fatal("spill files of the killed load left behind")
	}
	// The source is empty again: a load can run.
	if _, err := s.Load(ctx, SourceCSV, func(l *Loader) error {
		_, err := l.Add(crashContact("Again", 1))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, s)
}

// TestLoadSetMeta: key-value writes of a load appear with its contacts, on
// disk and in memory, also when the load adds no contact; a failed load
// leaves none.
func TestLoadSetMeta(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{"", t.TempDir()} {
		s := openTest(t, dir)
		if _, err := s.Load(ctx, "m365", func(l *Loader) error {
			if _, err := l.Add(&Contact{FirstName: "Ana", LastName: "Kovač", ExternalID: "a1"}); err != nil {
				return err
			}
			if err := l.SetMeta("sync.hash.x", "a1", []byte("h1")); err != nil {
				return err
			}
			return l.SetMeta("sync.state", "x", []byte(`{"data":"d1"}`))
		}); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Meta("sync.hash.x").Get(ctx, "a1"); err != nil || string(v) != "h1" {
			t.Errorf("%q: hash %q, %v", dir, v, err)
		}
		if v, err := s.Meta("sync.state").Get(ctx, "x"); err != nil || string(v) != `{"data":"d1"}` {
			t.Errorf("%q: state %q, %v", dir, v, err)
		}
		// A load with nothing but a key-value write still writes it.
		if _, err := s.Load(ctx, "empty-source", func(l *Loader) error { return l.SetMeta("sync.state", "y", []byte("s")) }); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Meta("sync.state").Get(ctx, "y"); err != nil || string(v) != "s" {
			t.Errorf("%q: meta-only load: %q, %v", dir, v, err)
		}
		// A failed load writes none.
		boom := errors.New("boom")
		if _, err := s.Load(ctx, "other", func(l *Loader) error {
			if err := l.SetMeta("sync.state", "z", []byte("s")); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("load: %v", err)
		}
		if _, err := s.Meta("sync.state").Get(ctx, "z"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: a failed load left its key-value write: %v", dir, err)
		}
		if _, err := s.Load(ctx, "bad", func(l *Loader) error { return l.SetMeta("a\x00b", "k", nil) }); err == nil {
			t.Errorf("%q: a namespace with NUL was accepted", dir)
		}
	}
}
