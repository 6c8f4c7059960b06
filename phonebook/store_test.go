package phonebook

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	opts := Options{Numbering: testNumbering{}, MemoryBudget: 256 << 20}
	if dir == "" {
		opts.InMemory = true
	} else {
		opts.Dir = dir
	}
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustVerify(t *testing.T, s *Store) VerifyReport {
	t.Helper()
	r, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) > 0 {
		t.Fatalf("store inconsistent: %v", r.Problems)
	}
	return r
}

func TestCreateGetLookupSearchUpdateDelete(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	c, err := s.Create(ctx, &Contact{FirstName: "Jürgen", LastName: "Müller", Company: "Ankunding, Weissnat",
		Emails:  []Email{{Label: "work", Address: "j.mueller@example.com"}},
		Numbers: []Number{{Type: NumberMobile, Value: "061 111-111"}, {Type: NumberWork, Value: "1805"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.DisplayName != "Jürgen Müller" || c.Numbers[0].Normalized != "+38761111111" || c.Source != SourceLocal {
		t.Fatalf("created %+v", c)
	}
	got, err := s.Get(ctx, c.ID)
	if err != nil || got.DisplayName != c.DisplayName {
		t.Fatalf("get: %v %+v", err, got)
	}
	for _, tc := range []struct {
		in   string
		kind MatchKind
	}{
		{"+38761111111", MatchE164}, {"061111111", MatchExact}, {"1805", MatchExtension},
		{"21805", MatchNone}, {"anonymous", MatchSkipped},
	} {
		r, err := s.Lookup(ctx, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Match != tc.kind || (tc.kind.Hit() != (r.Name == "Jürgen Müller")) {
			t.Errorf("lookup %q = %+v, want kind %s", tc.in, r, tc.kind)
		}
	}
	for _, q := range []string{"muller", "MÜL", "jurg mul", "ankunding", "j.mueller@example.com", "+387 61", "061"} {
		p, err := s.Search(ctx, Query{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 1 || len(p.Contacts) != 1 || p.Contacts[0].ID != c.ID {
			t.Errorf("search %q: total %d, %d contacts", q, p.Total, len(p.Contacts))
		}
	}
	if p, _ := s.Search(ctx, Query{Q: "mullerx"}); p.Total != 0 {
		t.Errorf("search mullerx found %d", p.Total)
	}
	gen := s.Generation()
	c.LastName = "Schmidt"
	c.Numbers = []Number{{Type: NumberHome, Value: "+49301234567"}}
	if _, err := s.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	if s.Generation() <= gen {
		t.Fatal("generation did not advance")
	}
	if r, _ := s.Lookup(ctx, "061111111"); r.Match != MatchNone {
		t.Errorf("old number still found: %+v", r)
	}
	if r, _ := s.Lookup(ctx, "+49301234567"); r.Name != "Jürgen Schmidt" {
		t.Errorf("new number: %+v", r)
	}
	if p, _ := s.Search(ctx, Query{Q: "muller"}); p.Total != 0 {
		t.Errorf("old name still found")
	}
	mustVerify(t, s)
	if err := s.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if r := mustVerify(t, s); r.Contacts != 0 {
		t.Fatalf("contacts after delete: %d", r.Contacts)
	}
}

func TestValidation(t *testing.T) {
	s := openTest(t, "")
	_, err := s.Create(context.Background(), &Contact{Scope: ScopePersonal, Numbers: []Number{{Type: "pager", Value: "1"}}})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[f.Field] = true
	}
	if !fields["owner"] || !fields["numbers[0].type"] {
		t.Fatalf("fields = %v", ve.Fields)
	}
}

func TestLookupAmbiguousAndPersonal(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	mk := func(name string, scope Scope, owner, num string) {
		t.Helper()
		if _, err := s.Create(ctx, &Contact{FirstName: name, Scope: scope, Owner: owner, Numbers: []Number{{Type: NumberWork, Value: num}}}); err != nil {
			t.Fatal(err)
		}
	}
	mk("A", ScopeGlobal, "", "+38733111111")
	mk("B", ScopeGlobal, "", "033 111 111")
	mk("Private", ScopePersonal, "u1", "+38733222222")
	if r, _ := s.Lookup(ctx, "+38733111111"); r.Match != MatchAmbiguous || r.Name != "" {
		t.Errorf("ambiguous: %+v", r)
	}
	if r, _ := s.Lookup(ctx, "+38733222222"); r.Match != MatchNone {
		t.Errorf("personal contact answered caller-ID: %+v", r)
	}
	p, _ := s.Search(ctx, Query{VisibleTo: "u1"})
	q, _ := s.Search(ctx, Query{VisibleTo: "u2"})
	if p.Total != 3 || q.Total != 2 {
		t.Errorf("visible to u1: %d, u2: %d", p.Total, q.Total)
	}
}

func TestSearchPaging(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	_, err := s.Bulk(ctx, func(b *Batch) error {
		for i := 0; i < 250; i++ {
			if _, err := b.Put(&Contact{FirstName: fmt.Sprintf("Name%03d", 249-i), LastName: "Paging"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := s.Search(ctx, Query{Q: "paging", Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 250 {
			t.Fatalf("total = %d", p.Total)
		}
		for _, c := range p.Contacts {
			all = append(all, c.DisplayName)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 250 {
		t.Fatalf("paged %d contacts", len(all))
	}
	for i := range all {
		if want := fmt.Sprintf("Name%03d Paging", i); all[i] != want {
			t.Fatalf("position %d: %q, want %q", i, all[i], want)
		}
	}
	if _, err := s.Search(ctx, Query{Limit: 5000}); err == nil {
		t.Error("limit 5000 accepted")
	}
	if _, err := s.Search(ctx, Query{Cursor: "!!"}); err == nil {
		t.Error("bad cursor accepted")
	}
}

func TestBulkIsAtomic(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	if _, err := s.Create(ctx, &Contact{FirstName: "Before", Numbers: []Number{{Type: NumberWork, Value: "+38733000001"}}}); err != nil {
		t.Fatal(err)
	}
	// A failing bulk large enough to commit several chunks leaves nothing.
	boom := errors.New("boom")
	_, err := s.Bulk(ctx, func(b *Batch) error {
		for i := 0; i < 30000; i++ {
			if _, err := b.Put(&Contact{FirstName: fmt.Sprintf("Bulk%d", i), Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("+3873310%05d", i)}}}); err != nil {
				return err
			}
			if i == 15000 {
				// Readers see nothing of the batch while it runs.
				if p, err := s.Search(ctx, Query{}); err != nil || p.Total != 1 {
					return fmt.Errorf("reader saw %d contacts mid-batch (%v)", p.Total, err)
				}
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("bulk err = %v", err)
	}
	if r := mustVerify(t, s); r.Contacts != 1 {
		t.Fatalf("contacts after failed bulk: %d", r.Contacts)
	}
	if r, _ := s.Lookup(ctx, "+387331000001"); r.Match != MatchNone {
		t.Fatalf("rolled-back number found: %+v", r)
	}
	// A good bulk is visible at once, and writes keep working after it.
	st, err := s.Bulk(ctx, func(b *Batch) error {
		for i := 0; i < 100; i++ {
			if _, err := b.Put(&Contact{FirstName: fmt.Sprintf("Ok%d", i), Numbers: []Number{{Type: NumberWork, Value: "+38733999999"}}}); err != nil {
				return err
			}
		}
		return b.SetMeta("sync", "token", []byte("t1"))
	})
	if err != nil || st.Created != 100 {
		t.Fatalf("bulk: %v %+v", err, st)
	}
	if r := mustVerify(t, s); r.Contacts != 101 {
		t.Fatalf("contacts = %d", r.Contacts)
	}
	if v, err := s.Meta("sync").Get(ctx, "token"); err != nil || string(v) != "t1" {
		t.Fatalf("meta = %q %v", v, err)
	}
	if r, _ := s.Lookup(ctx, "+38733999999"); r.Match != MatchAmbiguous {
		t.Fatalf("shared number: %+v", r)
	}
}

func TestReopenKeepsDataAndMeta(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	kv := s.Meta("phones")
	for i := 0; i < 3; i++ { // same key, same generation: the last write wins
		if err := kv.Put(ctx, "001565000000", []byte(fmt.Sprint("v", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, &Contact{FirstName: "Kept", Numbers: []Number{{Type: NumberWork, Value: "+38733123456"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	if r, _ := s.Lookup(ctx, "+38733123456"); r.Name != "Kept" {
		t.Fatalf("after reopen: %+v", r)
	}
	if v, _ := s.Meta("phones").Get(ctx, "001565000000"); string(v) != "v2" {
		t.Fatalf("meta after reopen = %q", v)
	}
	var keys []string
	_ = s.Meta("phones").List(ctx, func(k string, v []byte) error { keys = append(keys, k); return nil })
	if len(keys) != 1 {
		t.Fatalf("keys = %v", keys)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	txn := s.db.NewTransactionAt(s.pub.Load(), true)
	if err := txn.Set([]byte(keySchema), []byte{99}); err != nil {
		t.Fatal(err)
	}
	if err := txn.CommitAt(s.pub.Load(), nil); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	_, err := Open(context.Background(), Options{Dir: dir, Numbering: testNumbering{}})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v", err)
	}
}

func TestWriterWaitHonoursContext(t *testing.T) {
	s := openTest(t, "")
	ctx := context.Background()
	_, err := s.Bulk(ctx, func(b *Batch) error {
		short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		_, err := s.Create(short, &Contact{FirstName: "Blocked"})
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("create during bulk: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
