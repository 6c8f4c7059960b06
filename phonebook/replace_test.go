package phonebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// replaceScenario is a synced source with every case a replace meets:
// contacts unchanged, changed, gone from the source, new, edited locally
// (the source changing them or not), deleted locally (and gone), and a
// local contact sharing a number with one of them.
type replaceScenario struct {
	before, after []*Contact
}

func newReplaceScenario() replaceScenario {
	c := func(ext, first, last, title, num string) *Contact {
		return &Contact{Source: "m365", ExternalID: ext, FirstName: first, LastName: last, JobTitle: title,
			Numbers: []Number{{Type: NumberWork, Value: num}}}
	}
	b := c("b", "Bo", "Beta", "Old", "+38733100002")
	b2 := c("b", "Bo", "Beta", "New", "+38733100002")
	b2.Numbers = append(b2.Numbers, Number{Type: NumberMobile, Value: "+38733100099"})
	return replaceScenario{
		before: []*Contact{
			c("a", "Ana", "Alpha", "", "+38733100001"),
			b,
			c("c", "Cy", "Gamma", "", "+38733100003"),
			c("d", "Di", "Delta", "Eng", "+38733100004"),
			c("e", "Ed", "Epsilon", "", "+38733100005"),
			c("f", "Fa", "Phi", "", "+38733100006"),
			c("g", "Gi", "Eta", "", "+38733100007"),
			c("h", "Ha", "Theta", "", "+38733100008"),
		},
		after: []*Contact{
			c("a", "Ana", "Alpha", "", "+38733100001"),
			b2,
			c("d", "Di", "Delta-New", "Senior", "+38733100004"),
			c("e", "Ed", "Epsilon-New", "", "+38733100005"),
			c("f", "Fa", "Phi", "", "+38733100006"),
			c("n", "Nu", "New", "", "+38733100003"),
		},
	}
}

// setUp fills s with the scenario's first set and its local changes and
// returns the ids by external id.
func (sc replaceScenario) setUp(t *testing.T, s *Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Load(ctx, "m365", func(l *Loader) error {
		for _, c := range sc.before {
			if _, err := l.Add(c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	if err := s.Scan(ctx, func(c *Contact) error {
		ids[c.ExternalID] = c.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	edit := func(ext string, f func(c *Contact)) {
		c, err := s.Get(ctx, ids[ext])
		if err != nil {
			t.Fatal(err)
		}
		f(c)
		if _, err := s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	edit("d", func(c *Contact) { c.JobTitle = "Head" })
	edit("f", func(c *Contact) { c.Company = "Local Co" })
	edit("h", func(c *Contact) { c.JobTitle = "Gone" })
	for _, ext := range []string{"e", "g"} {
		if err := s.Delete(ctx, ids[ext]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, &Contact{FirstName: "Lo", LastName: "Cal", Numbers: []Number{{Type: NumberWork, Value: "+38733100001"}}}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// bulkReplace applies the scenario's second set contact by contact, as a
// sync round (and the CSV import before Replace) does.
func (sc replaceScenario) bulkReplace(s *Store) (BulkStats, error) {
	return s.Bulk(context.Background(), func(b *Batch) error {
		seen := map[string]bool{}
		for _, c := range sc.after {
			if _, _, err := b.UpsertFromSource(c); err != nil {
				return err
			}
			seen[c.ExternalID] = true
		}
		var stale []string
		if err := b.SourceIDs("m365", func(ext, _ string) error {
			if !seen[ext] {
				stale = append(stale, ext)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, ext := range stale {
			if _, err := b.DeleteFromSource("m365", ext); err != nil {
				return err
			}
		}
		return nil
	})
}

func (sc replaceScenario) replace(s *Store) (BulkStats, error) {
	return s.Replace(context.Background(), "m365", func(l *Loader) error {
		for _, c := range sc.after {
			if _, err := l.Add(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// storeState is what a user sees of a store, ids and times aside: every
// contact by external id (name for local ones), its local edits, and the
// answers to number lookups.
func storeState(t *testing.T, s *Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	ids := map[string]string{}
	if err := s.Scan(ctx, func(c *Contact) error {
		k := c.ExternalID
		if k == "" {
			k = "local " + c.DisplayName
		}
		ids[k] = c.ID
		x := *c
		x.ID, x.CreatedAt, x.UpdatedAt = "", time.Time{}, time.Time{}
		b, err := json.Marshal(x)
		out[k] = string(b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for k, id := range ids {
		f, del, err := s.LocalFields(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out[k+" edits"] = fmt.Sprint(f, del)
	}
	for i := 1; i <= 9; i++ {
		n := fmt.Sprintf("+3873310000%d", i)
		r, err := s.Lookup(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		out["lookup "+n] = fmt.Sprintf("%v %s", r.Match, r.Name)
	}
	return out
}

// TestReplaceMatchesBulk: a Replace leaves the store exactly as the
// contact-by-contact path does (local edits and deletes kept, stale
// contacts and their edits gone, shared number lists merged), with the
// same counts, keeps the ids and creation times of the contacts the source
// still has and the update time of those it did not change; in memory and
// on disk.
func TestReplaceMatchesBulk(t *testing.T) {
	ctx := context.Background()
	sc := newReplaceScenario()
	for _, tc := range []struct {
		name      string
		disk      bool
		again     bool // replace twice: the second changes nothing
		readAhead int  // bytes of old records read ahead; 0: the store's default
	}{
		{name: "in memory"},
		{name: "on disk", disk: true},
		{name: "on disk, again", disk: true, again: true},
		{name: "no read-ahead, point reads", disk: true, readAhead: -1},
		{name: "a few records read ahead, the rest point reads", disk: true, readAhead: 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := func() string {
				if tc.disk {
					return t.TempDir()
				}
				return ""
			}
			want := openTest(t, dir())
			sc.setUp(t, want)
			wantSt, err := sc.bulkReplace(want)
			if err != nil {
				t.Fatal(err)
			}
			s := openTest(t, dir())
			if tc.readAhead != 0 {
				s.readAhead = max(tc.readAhead, 0)
			}
			ids := sc.setUp(t, s)
			before := map[string]*Contact{}
			for ext, id := range ids {
				if c, err := s.Get(ctx, id); err == nil {
					before[ext] = c
				}
			}
			st, err := sc.replace(s)
			if err != nil {
				t.Fatal(err)
			}
			if st != wantSt {
				t.Errorf("stats %+v, the contact-by-contact path's %+v", st, wantSt)
			}
			if tc.again {
				gen := s.Generation()
				st, err := sc.replace(s)
				if err != nil {
					t.Fatal(err)
				}
				if want := (BulkStats{Unchanged: len(sc.after)}); st != want {
					t.Errorf("second replace: stats %+v, want %+v", st, want)
				}
				if s.Generation() != gen {
					t.Error("a replace that changed nothing wrote a new generation")
				}
			}
			mustVerify(t, s)
			got, exp := storeState(t, s), storeState(t, want)
			for k, v := range exp {
				if got[k] != v {
					t.Errorf("%s:\n got  %s\n want %s", k, got[k], v)
				}
			}
			for k, v := range got {
				if _, ok := exp[k]; !ok {
					t.Errorf("%s: %s, which the contact-by-contact path does not have", k, v)
				}
			}
			for _, ext := range []string{"a", "b", "d", "f"} {
				c, err := s.Get(ctx, ids[ext])
				if err != nil {
					t.Fatalf("%s: the contact lost its id: %v", ext, err)
				}
				if !c.CreatedAt.Equal(before[ext].CreatedAt) {
					t.Errorf("%s: created %v, was %v", ext, c.CreatedAt, before[ext].CreatedAt)
				}
			}
			for _, ext := range []string{"a", "f"} { // unchanged at the source
				if c, _ := s.Get(ctx, ids[ext]); !c.UpdatedAt.Equal(before[ext].UpdatedAt) {
					t.Errorf("%s: unchanged, but its update time moved", ext)
				}
			}
			// The local delete holds; reverting it brings the new source version.
			if c, err := s.RevertToSource(ctx, ids["e"]); err != nil || c.LastName != "Epsilon-New" {
				t.Fatalf("revert of the contact deleted locally: %+v, %v", c, err)
			}
			for _, ext := range []string{"c", "g", "h"} {
				if _, err := s.Get(ctx, ids[ext]); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s: gone from the source but still there: %v", ext, err)
				}
			}
			mustVerify(t, s)
		})
	}
}

// TestReplaceFailureLeavesOld: a Replace whose fn fails, or that adds one
// external id twice, leaves the source as it was.
func TestReplaceFailureLeavesOld(t *testing.T) {
	ctx := context.Background()
	sc := newReplaceScenario()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		fn   func(l *Loader) error
		want error // nil: any error
	}{
		{name: "fn fails", want: boom, fn: func(l *Loader) error {
			for _, c := range sc.after {
				if _, err := l.Add(c); err != nil {
					return err
				}
			}
			return boom
		}},
		{name: "an external id twice", fn: func(l *Loader) error {
			for _, c := range append(slices.Clone(sc.after), sc.after[0]) {
				if _, err := l.Add(c); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, t.TempDir())
			sc.setUp(t, s)
			exp := storeState(t, s)
			gen := s.Generation()
			_, err := s.Replace(ctx, "m365", tc.fn)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("replace: %v, want %v", err, tc.want)
			}
			if got := storeState(t, s); !equalMaps(got, exp) {
				t.Errorf("a failed replace changed the store:\n got  %v\n want %v", got, exp)
			}
			if s.Generation() < gen {
				t.Errorf("generation went back: %d < %d", s.Generation(), gen)
			}
			mustVerify(t, s)
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

const (
	crashReplaceOld  = 3_000
	crashReplaceRows = 24_000
)

// TestCrashHelperReplace is the child process of TestCrashMidReplace: it
// replaces the csv source with crashReplaceRows contacts and, part-way
// through writing tables, waits for a line on stdin.
func TestCrashHelperReplace(t *testing.T) {
	s := openCrashChild(t, "PBX_CRASH_REPLACE_DIR", "TestCrashMidReplace")
	pauseHalfway(s, crashReplaceRows*5) // of about 7.5 distinct keys a row (schema 6)
	_, err := s.Replace(context.Background(), SourceCSV, addNewBook)
	exitCrashChild(err)
}

// addNewBook adds the new book of TestCrashMidReplace: crashReplaceRows
// "New" contacts, row i with the external id "row<i>".
func addNewBook(l *Loader) error {
	for i := range crashReplaceRows {
		c := crashContact("New", i)
		c.ExternalID = fmt.Sprintf("row%d", i)
		if _, err := l.Add(c); err != nil {
			return err
		}
	}
	return nil
}

// TestCrashMidReplace kills a process with SIGKILL while a Replace writes
// its tables (new contacts and the old ones' deletions): the reopened
// store holds exactly the old book with consistent indexes; a Replace run
// to the end then holds exactly the new one, with the ids of the rows it
// kept.
func TestCrashMidReplace(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test is not short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	ids := map[string]string{}
	if _, err := s.Load(ctx, SourceCSV, func(l *Loader) error {
		for i := range crashReplaceOld {
			c := crashContact("Old", i)
			c.ExternalID = fmt.Sprintf("row%d", i)
			id, err := l.Add(c)
			ids[c.ExternalID] = id
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	oldGen, s := killChildHalfway(t, s, dir, "TestCrashHelperReplace", "PBX_CRASH_REPLACE_DIR")
	if s.Generation() <= oldGen {
		t.Fatalf("no rollback happened (generation %d → %d): nothing of the replace reached the disk", oldGen, s.Generation())
	}
	if r := mustVerify(t, s); r.Contacts != crashReplaceOld {
		t.Fatalf("after SIGKILL: %d contacts, want the old %d", r.Contacts, crashReplaceOld)
	}
	if p, _ := s.Search(ctx, Query{Q: "new000001"}); p.Total != 0 {
		t.Fatal("a contact of the killed replace is visible")
	}
	if res, err := s.Lookup(ctx, "+38760000000"); err != nil || res.Name != "Old000000 Crash" {
		t.Fatalf("number of the old book after SIGKILL: %+v, %v", res, err)
	}
	st, err := s.Replace(ctx, SourceCSV, addNewBook)
	if err != nil {
		t.Fatal(err)
	}
	if want := (BulkStats{Created: crashReplaceRows - crashReplaceOld, Updated: crashReplaceOld}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if r := mustVerify(t, s); r.Contacts != crashReplaceRows {
		t.Fatalf("after the replace: %d contacts, want %d", r.Contacts, crashReplaceRows)
	}
	if c, err := s.Get(ctx, ids["row7"]); err != nil || c.FirstName != "New000007" {
		t.Fatalf("row7 kept its id? %+v, %v", c, err)
	}
	if p, _ := s.Search(ctx, Query{Q: "old000001"}); p.Total != 0 {
		t.Fatal("old contact survived a replace")
	}
	if res, err := s.Lookup(ctx, "+38760000000"); err != nil || res.Name != "New000000 Crash" {
		t.Fatalf("number of the new book: %+v, %v", res, err)
	}
}
