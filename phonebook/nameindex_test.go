package phonebook

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// nameParts are the generator's name pieces: few, so words are shared and
// prefixes collide across contacts.
var nameParts = []string{"Ana", "Anders", "Andrić", "Bo", "Bojan", "Čedo", "Dino", "Đorđe", "Emir", "Ema",
	"Marko", "Markovic", "Marić", "O'Brien", "Obrad", "Smith", "Smithson", "Zoe", "Zoran", "Ann-Marie"}

// randomContact makes a contact from the pieces above, sometimes personal,
// sometimes of another source, with a company and an e-mail address.
func randomContact(r *rand.Rand, i int) *Contact {
	pick := func() string { return nameParts[r.IntN(len(nameParts))] }
	c := &Contact{FirstName: pick(), LastName: pick()}
	if r.IntN(3) == 0 {
		c.MiddleName = pick()
	}
	if r.IntN(2) == 0 {
		c.Company = pick() + " Group"
	}
	if r.IntN(2) == 0 {
		c.Emails = []Email{{Address: fmt.Sprintf("%s.%d@%s.example", Fold(c.FirstName), i, Fold(pick()))}}
	}
	switch r.IntN(6) {
	case 0:
		c.Scope, c.Owner = ScopePersonal, fmt.Sprintf("u%d", r.IntN(3))
	case 1:
		c.Source = SourceCSV
	}
	return c
}

// searchBoth returns q's first page from the name index and from the
// store's index keys.
func searchBoth(t *testing.T, s *Store, q Query, after *hit) (mem, store result) {
	t.Helper()
	ctx := context.Background()
	if err := q.normalise(); err != nil {
		t.Fatal(err)
	}
	mem, handled, err := s.searchMemory(ctx, &q, after, q.Limit, true)
	if err != nil || !handled {
		t.Fatalf("%+v: from memory: handled %v, %v", q, handled, err)
	}
	if err := s.view(func(txn *badger.Txn) error {
		store, err = searchTxn(ctx, txn, &q, after, q.Limit, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return mem, store
}

// TestNameIndexMatchesStore: on a random directory, every name query
// answers from memory with the pages and totals the store's index keys
// give, page after page.
func TestNameIndexMatchesStore(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	r := rand.New(rand.NewPCG(1, 2))
	bulkPut(t, s, 600, func(i int) *Contact { return randomContact(r, i) })
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	queries := []Query{
		{Q: "a"}, {Q: "an"}, {Q: "and"}, {Q: "andr"}, {Q: "andric"}, {Q: "mark"}, {Q: "marko mar"},
		{Q: "o'br"}, {Q: "obrien"}, {Q: "dorde"}, {Q: "djordje"}, {Q: "zo smith"}, {Q: "smithson group"},
		{Q: "@bo"}, {Q: "ana.1"}, {Q: "ann-marie"}, {Q: "x"}, {Q: "zzz"}, {Q: "e", Scope: ScopeGlobal},
		{Q: "ema", VisibleTo: "u1"}, {Q: "m", Scope: ScopePersonal, Owner: "u2"}, {Q: "b", Source: SourceCSV},
		{Q: "a", CountLimit: 7}, {Q: "ce"}, {Q: "čedo bojan"},
	}
	for _, q := range queries {
		for _, limit := range []int{1, 7, 50} {
			q.Limit = limit
			var after *hit
			for page := 0; page < 200; page++ {
				mem, store := searchBoth(t, s, q, after)
				if !slices.Equal(mem.hits, store.hits) || mem.more != store.more {
					t.Fatalf("%+v page %d: memory %v (more %v), store %v (more %v)", q, page, mem.hits, mem.more, store.hits, store.more)
				}
				// The store's count may stop early (TotalCapped, a lower
				// bound); the index counts exactly up to the cap.
				if mem.total != store.total && !(store.capped && (mem.capped || mem.total >= store.total)) {
					t.Fatalf("%+v page %d: memory total %d (capped %v), store %d (capped %v)", q, page, mem.total, mem.capped, store.total, store.capped)
				}
				if !mem.more {
					break
				}
				after = &mem.hits[len(mem.hits)-1]
			}
		}
	}
}

// TestNameIndexIncremental: after creates, updates (renames, scope and
// source changes), deletes and bulk rounds, the index kept up to date
// write by write holds what a build from the store holds, and searches
// still match the store's.
func TestNameIndexIncremental(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	r := rand.New(rand.NewPCG(3, 4))
	bulkPut(t, s, 200, func(i int) *Contact { return randomContact(r, i) })
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.Scan(ctx, func(c *Contact) error { ids = append(ids, c.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		switch op := r.IntN(4); {
		case op == 0 || len(ids) == 0:
			c, err := s.Create(ctx, randomContact(r, 1000+i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		case op == 1:
			k := r.IntN(len(ids))
			if err := s.Delete(ctx, ids[k]); err != nil {
				t.Fatal(err)
			}
			ids = slices.Delete(ids, k, k+1)
		case op == 2:
			c := randomContact(r, 2000+i)
			c.ID = ids[r.IntN(len(ids))]
			if _, err := s.Update(ctx, c); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := s.Bulk(ctx, func(b *Batch) error {
				for j := range 5 {
					c := randomContact(r, 3000+10*i+j)
					if j == 0 {
						c.ID = ids[r.IntN(len(ids))]
					}
					c, err := b.Put(c)
					if err != nil {
						return err
					}
					if j > 0 {
						ids = append(ids, c.ID)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	x := s.names.Load()
	if x == nil {
		t.Fatal("no name index")
	}
	fresh, err := s.buildNameIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffNames(x.entries(), fresh.entries()); len(d) > 0 {
		t.Fatalf("incremental index differs from a rebuild: %v", d)
	}
	if n, _ := x.size(); n != len(ids) {
		t.Errorf("index holds %d contacts, want %d", n, len(ids))
	}
	mustVerify(t, s)
	for _, q := range []string{"a", "mar", "smith", "o'b", "group", "@ma"} {
		mem, store := searchBoth(t, s, Query{Q: q, Limit: 20}, nil)
		if !slices.Equal(mem.hits, store.hits) || mem.total != store.total {
			t.Errorf("%q: memory %v (%d), store %v (%d)", q, mem.hits, mem.total, store.hits, store.total)
		}
	}
}

// TestNameIndexStaleRebuild: once delta and dead slots outgrow the base,
// the index is rebuilt in the background while the old one answers, and
// a load drops it (searches read the store) until it is rebuilt.
func TestNameIndexStaleRebuild(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 40 {
		bulkPut(t, s, 120, func(j int) *Contact { return randomContact(r, 120*i+j) })
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	x := s.names.Load()
	if x == nil || x.base == 0 {
		t.Fatalf("index not rebuilt after 4 800 writes: %+v", x != nil)
	}
	if _, err := s.Load(ctx, "loaded", func(l *Loader) error {
		for i := range 50 {
			if _, err := l.Add(&Contact{FirstName: fmt.Sprintf("Loaded%02d", i), LastName: "Person"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Search(ctx, Query{Q: "loaded person"})
	if err != nil || p.Total != 50 {
		t.Fatalf("search after a load: %d, %v", p.Total, err)
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if mem, store := searchBoth(t, s, Query{Q: "loaded person", Limit: 10}, nil); mem.total != 50 || !slices.Equal(mem.hits, store.hits) {
		t.Fatalf("index after the load: %d %v, store %v", mem.total, mem.hits, store.hits)
	}
	mustVerify(t, s)
}

func TestBucketCode(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"a", "a", true}, {"a", "ab", false}, {"abc", "abd", false}, {"ab", "ab", true},
	} {
		if got := bucketCode(tc.a) == bucketCode(tc.b); got != tc.same {
			t.Errorf("bucketCode(%q) == bucketCode(%q): %v", tc.a, tc.b, got)
		}
	}
	if wordBucket("smithson") != bucketCode("smi") {
		t.Error("a long word walks the bucket of its first three bytes")
	}
}

// FuzzNameIndexEntry: any ix/sort key and value (as a damaged store might
// hold) is either refused with an error or indexed without panicking, and
// an indexed entry's tokens are the value's non-empty items.
func FuzzNameIndexEntry(f *testing.F) {
	c := &Contact{ID: "01ABC", FirstName: "Ana", LastName: "O'Brien", Emails: []Email{{Address: "ana@example.com"}}}
	e := indexEntries(c, []string{"x:+38761111", "e164:+38761111"})
	for i, k := range e.keys {
		if len(k) > len(pfxSort) && string(k[:len(pfxSort)]) == pfxSort {
			f.Add(k[len(pfxSort):], e.vals[i])
		}
	}
	f.Add([]byte("a\x00b"), []byte("g\x00"))
	f.Add([]byte("ab"), []byte(""))
	f.Fuzz(func(t *testing.T, key, val []byte) {
		x := newNameIndex()
		s, err := x.addSlot(key, val)
		if err != nil {
			return
		}
		x.finishBase()
		_, list, _ := splitSortValue(val)
		var want []string
		for _, it := range bytes.Split(list, []byte{0}) {
			if len(it) > 0 {
				want = append(want, string(it))
			}
		}
		var got []string
		for _, id := range x.tokensOf(s) {
			got = append(got, string(x.token(id)))
		}
		if len(want) <= 1<<16-1 && !slices.Equal(got, want) {
			t.Fatalf("tokens %q, want %q", got, want)
		}
		q := &Query{}
		if _, err := x.searchNames(context.Background(), q, []string{"a"}, nil, 10, true); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkNameSearchPhone: a phone's LDAP-style search (one to four
// letters, 50 a page, CountLimit 1, VisibleTo its owner) on 20 000 random
// contacts: "walk" is the name index alone, "page" the whole Search with
// the page's records read from Badger, "store" the store's ix/sort walk.
func BenchmarkNameSearchPhone(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, "")
	r := rand.New(rand.NewPCG(7, 8))
	if _, err := s.Bulk(ctx, func(bt *Batch) error {
		for i := range 20000 {
			if _, err := bt.Put(randomContact(r, i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		b.Fatal(err)
	}
	var qs []Query
	for _, n := range nameParts {
		f := Fold(n)
		for l := 1; l <= min(4, len(f)); l++ {
			qs = append(qs, Query{Q: f[:l], Limit: 50, CountLimit: 1, VisibleTo: "u1"})
		}
	}
	b.Run("walk", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			words, _ := searchWords(q.Q)
			if _, err := s.names.Load().searchNames(ctx, &q, words, nil, q.Limit, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("page", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := s.Search(ctx, qs[i%len(qs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			if err := s.view(func(txn *badger.Txn) error {
				_, err := searchTxn(ctx, txn, &q, nil, q.Limit, true)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSearchIndexBehind: when the name index answers with a contact that
// a later write deleted (the index follows each write just after it is
// published), the search answers from the store instead of failing.
func TestSearchIndexBehind(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	var ids []string
	for _, n := range []string{"Alpha", "Beta", "Gamma"} {
		c, err := s.Create(ctx, &Contact{FirstName: n, LastName: "Behind"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	stale, err := s.buildNameIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	s.names.Store(stale) // as if the delete had not reached it yet
	p, err := s.Search(ctx, Query{Q: "behind"})
	if err != nil || p.Total != 2 || len(p.Contacts) != 2 || p.Contacts[0].FirstName != "Alpha" || p.Contacts[1].FirstName != "Gamma" {
		t.Fatalf("search with the index behind: %+v, %v", p, err)
	}
	n := 0
	if err := s.Iterate(ctx, Query{Q: "behind"}, func(*Contact) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("iterate with the index behind: %d contacts, %v", n, err)
	}
}
