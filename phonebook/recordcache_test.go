package phonebook

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestRecordCacheGenerations: records are found in the current and the
// previous generation, a full generation starts a new one (dropping the
// oldest), a record found in the previous one moves to the current one,
// and another index instance empties the cache.
func TestRecordCacheGenerations(t *testing.T) {
	x1, x2 := newNameIndex(), newNameIndex()
	rec := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 100) }
	tests := []struct {
		name string
		run  func(c *recordCache)
		x    *nameIndex
		hit  []uint32
		miss []uint32
	}{
		{
			name: "within one generation",
			run: func(c *recordCache) {
				for i := range 5 {
					c.put(x1, uint32(i), rec(i))
				}
			},
			x: x1, hit: []uint32{0, 1, 2, 3, 4}, miss: []uint32{5},
		},
		{
			// A generation holds 327 records of 100 bytes (half of 64 KiB).
			name: "past two generations the oldest are gone",
			run: func(c *recordCache) {
				for i := range 700 {
					c.put(x1, uint32(i), rec(i))
				}
			},
			x: x1, hit: []uint32{400, 699}, miss: []uint32{0, 300},
		},
		{
			name: "a record read from the previous generation is kept",
			run: func(c *recordCache) {
				for i := range 400 {
					c.put(x1, uint32(i), rec(i))
				}
				if _, ok := c.get(x1, 10); !ok {
					panic("slot 10 not in the previous generation")
				}
				for i := 400; i < 700; i++ {
					c.put(x1, uint32(i), rec(i))
				}
			},
			x: x1, hit: []uint32{10, 699}, miss: []uint32{11},
		},
		{
			name: "another index empties it",
			run: func(c *recordCache) {
				c.put(x1, 1, rec(1))
				c.put(x2, 2, rec(2))
			},
			x: x2, hit: []uint32{2}, miss: []uint32{1},
		},
		{
			name: "asked with another index it has nothing",
			run:  func(c *recordCache) { c.put(x1, 1, rec(1)) },
			x:    x2, miss: []uint32{1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newRecordCache(64 << 10)
			tc.run(c)
			for _, s := range tc.hit {
				b, ok := c.get(tc.x, s)
				if !ok || !bytes.Equal(b, rec(int(s))) {
					t.Errorf("slot %d: %v %x, want its record", s, ok, b[:min(len(b), 4)])
				}
			}
			for _, s := range tc.miss {
				if _, ok := c.get(tc.x, s); ok {
					t.Errorf("slot %d found, want a miss", s)
				}
			}
		})
	}
	if newRecordCache(1000) != nil {
		t.Error("a cache of 1000 bytes, want none")
	}
}

// TestRecordCacheFollowsStore: name searches answered with the record
// cache give exactly the records the store holds after every kind of
// write — edits that keep the name (only a number or the company
// changes), renames, deletes, creates, a bulk write, a load and a
// replace — while the cache is warm from the searches before each.
func TestRecordCacheFollowsStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		disk bool
	}{{name: "in memory"}, {name: "on disk (loads through the stream writer)", disk: true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := ""
			if tc.disk {
				dir = t.TempDir()
			}
			recordCacheFollowsStore(t, openTest(t, dir))
		})
	}
}

func recordCacheFollowsStore(t *testing.T, s *Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	var ids []string
	for i := range 600 {
		c, err := s.Create(ctx, randomContact(r, i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, p := range nameParts[:12] {
		f := Fold(p)
		queries = append(queries, f[:1], f[:min(3, len(f))])
	}
	// check runs every query twice (the second from the cache) and
	// compares each page's contacts with the store's records.
	check := func(t *testing.T) {
		t.Helper()
		if err := s.WaitNameIndex(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			for range 2 {
				p, err := s.Search(ctx, Query{Q: q, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range p.Contacts {
					want, err := s.Get(ctx, c.ID)
					if err != nil {
						t.Fatalf("%q: %s: %v", q, c.ID, err)
					}
					if !reflect.DeepEqual(c, want) {
						t.Fatalf("%q: search gives %+v, the store %+v", q, c, want)
					}
				}
			}
		}
	}
	number := func(i int) []Number { return []Number{{Type: NumberWork, Value: fmt.Sprintf("+3876100%04d", i)}} }
	// rows fills a load or a replace with 300 global contacts from base on.
	rows := func(base int) func(*Loader) error {
		return func(l *Loader) error {
			for i := range 300 {
				c := randomContact(r, base+i)
				c.Source, c.Scope, c.Owner = "", ScopeGlobal, ""
				c.ExternalID = fmt.Sprintf("row%d", i)
				if _, err := l.Add(c); err != nil {
					return err
				}
			}
			return nil
		}
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "numbers changed, names kept", run: func(t *testing.T) {
			for i, id := range ids[:200] {
				c, err := s.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				c.Numbers = number(i)
				if _, err := s.Update(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "company changed", run: func(t *testing.T) {
			for _, id := range ids[200:300] {
				c, err := s.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				c.Company = "Changed " + c.Company
				if _, err := s.Update(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "renamed", run: func(t *testing.T) {
			for i, id := range ids[300:350] {
				c, err := s.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				c.LastName, c.DisplayName = nameParts[i%len(nameParts)]+"x", ""
				if _, err := s.Update(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "deleted", run: func(t *testing.T) {
			for _, id := range ids[350:400] {
				if err := s.Delete(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "created", run: func(t *testing.T) {
			for i := range 50 {
				if _, err := s.Create(ctx, randomContact(r, 1000+i)); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "bulk update", run: func(t *testing.T) {
			if _, err := s.Bulk(ctx, func(b *Batch) error {
				for i, id := range ids[400:500] {
					c, err := s.Get(ctx, id)
					if err != nil {
						return err
					}
					c.Numbers = number(1000 + i)
					if _, err := b.Put(c); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "load", run: func(t *testing.T) {
			if _, err := s.Load(ctx, "ldap-import", rows(2000)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "replace", run: func(t *testing.T) {
			if _, err := s.Replace(ctx, "ldap-import", rows(3000)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	check(t)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.run(t)
			check(t)
		})
	}
	if hits, _ := s.recs.stats(); hits == 0 {
		t.Fatal("no search was answered from the record cache")
	}
}

// TestRecordCacheConcurrent: searches looking records up and adding them
// at once, across generation changes and an index change, always get a
// slot's own record (run with -race).
func TestRecordCacheConcurrent(t *testing.T) {
	x1, x2 := newNameIndex(), newNameIndex()
	c := newRecordCache(64 << 10)
	rec := func(x *nameIndex, s uint32) []byte {
		b := fmt.Appendf(nil, "slot %d of %p ", s, x)
		return append(b, bytes.Repeat([]byte{'.'}, int(s%50))...)
	}
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 20000 {
				x := x1
				if i > 15000 && g%2 == 0 {
					x = x2
				}
				s := uint32(r.IntN(2000))
				if b, ok := c.get(x, s); ok {
					if !bytes.Equal(b, rec(x, s)) {
						done <- fmt.Errorf("slot %d: got %q", s, b)
						return
					}
					continue
				}
				c.put(x, s, rec(x, s))
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if hits, misses := c.stats(); hits == 0 || misses == 0 {
		t.Fatalf("%d hits, %d misses: want both", hits, misses)
	}
}
