package phonebook

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

func TestNumListRoundTrip(t *testing.T) {
	tests := [][]numEntry{
		nil,
		{{id: "A", val: []byte("g\x00csv\x00Ann")}},
		{{id: "A", val: []byte("g\x00\x00")}, {id: "B", val: nil}, {id: "C", val: bytes.Repeat([]byte("x"), 300)}},
	}
	for i, es := range tests {
		got, err := decodeNumList(encodeNumList(es))
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if len(got) != len(es) {
			t.Fatalf("%d: got %d entries, want %d", i, len(got), len(es))
		}
		for j := range es {
			if got[j].id != es[j].id || !bytes.Equal(got[j].val, es[j].val) {
				t.Errorf("%d/%d: got %+v, want %+v", i, j, got[j], es[j])
			}
		}
	}
	for _, bad := range [][]byte{{5, 'a'}, {1, 'a', 9}, {0x80}} {
		if _, err := decodeNumList(bad); err == nil {
			t.Errorf("decodeNumList(%q): no error", bad)
		}
	}
}

func FuzzNumList(f *testing.F) {
	f.Add(encodeNumList([]numEntry{{id: "A", val: []byte("g\x00x\x00N")}}))
	f.Add([]byte{0x80, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := decodeNumList(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeNumList(es), b) && len(b) > 0 {
			// Non-minimal varints decode but re-encode shorter; the
			// re-encoding must decode to the same entries.
			again, err := decodeNumList(encodeNumList(es))
			if err != nil || len(again) != len(es) {
				t.Fatalf("re-encoding lost entries: %v", err)
			}
		}
	})
}

// TestSharedNumberList: contacts sharing a number share one list; edits
// and deletes take exactly their own entry out, through single writes and
// bulk writes with and without the number-key filter.
func TestSharedNumberList(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	a, err := s.Create(ctx, &Contact{FirstName: "Ann", Numbers: []Number{{Type: NumberWork, Value: "+38761000001"}}})
	if err != nil {
		t.Fatal(err)
	}
	// A bulk large enough to build the filter, with a second contact on
	// Ann's number among others.
	var bID string
	if _, err := s.Bulk(ctx, func(b *Batch) error {
		for i := range filterAfter + 10 {
			c := &Contact{FirstName: fmt.Sprintf("Bulk%05d", i), Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("+38762%06d", i)}}}
			if i == filterAfter+5 {
				c.Numbers = append(c.Numbers, Number{Type: NumberMobile, Value: "061 000 001"})
			}
			out, err := b.Put(c)
			if err != nil {
				return err
			}
			if i == filterAfter+5 {
				bID = out.ID
			}
		}
		if b.s.numf == nil {
			return fmt.Errorf("no number-key filter after %d writes", filterAfter+10)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Lookup(ctx, "+38761000001"); r.Match != MatchAmbiguous {
		t.Fatalf("shared number: %+v, want ambiguous", r)
	}
	if err := s.Delete(ctx, bID); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Lookup(ctx, "+38761000001"); r.ContactID != a.ID {
		t.Fatalf("after delete: %+v, want Ann %s", r, a.ID)
	}
	a.FirstName = "Anna"
	if _, err := s.Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Lookup(ctx, "061000001"); r.Name != "Anna" || r.Match != MatchE164 {
		t.Fatalf("after rename: %+v", r)
	}
	if r, _ := s.Lookup(ctx, fmt.Sprintf("+38762%06d", filterAfter+9)); r.Name != fmt.Sprintf("Bulk%05d", filterAfter+9) {
		t.Fatalf("bulk contact: %+v", r)
	}
	mustVerify(t, s)
}

// TestMigrateSchema1 rewrites a store's number index into schema 1's
// layout (one key per number key and contact) and checks that Open
// upgrades it: lookups answer and the indexes verify.
func TestMigrateSchema1(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	for i := range 50 {
		if _, err := s.Create(ctx, crashContact("M", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Rewrite ix/num and the schema as version 1 wrote them.
	pub := s.pub.Load()
	txn := s.db.NewTransactionAt(pub, true)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pfxNum)})
	type kv struct{ k, v []byte }
	var lists []kv
	for it.Seek([]byte(pfxNum)); it.ValidForPrefix([]byte(pfxNum)); it.Next() {
		v, _ := it.Item().ValueCopy(nil)
		lists = append(lists, kv{it.Item().KeyCopy(nil), v})
	}
	it.Close()
	for _, l := range lists {
		es, err := decodeNumList(l.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := txn.Delete(l.k); err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if err := txn.Set(append(append(l.k, 0), e.id...), e.val); err != nil {
				t.Fatal(err)
			}
		}
	}
	s2 := reopenAsSchema(t, s, dir, txn, pub, 1)
	// Contact i has numbers i and i+1: number 0 is contact 0's alone, 17 is
	// shared by contacts 16 and 17, 50 is contact 49's alone.
	for _, tt := range []struct {
		n    int
		want string
		kind MatchKind
	}{{0, "M000000 Crash", MatchExact}, {17, "", MatchAmbiguous}, {50, "M000049 Crash", MatchExact}} {
		r, err := s2.Lookup(ctx, fmt.Sprintf("+3876%07d", tt.n))
		if err != nil || r.Name != tt.want || r.Match != tt.kind {
			t.Errorf("lookup %d after upgrade: %+v %v, want %q %s", tt.n, r, err, tt.want, tt.kind)
		}
	}
	mustVerify(t, s2)
	rt := s2.db.NewTransactionAt(s2.pub.Load(), false)
	defer rt.Discard()
	if got, err := getUvarint(rt, keySchema); err != nil || got != SchemaVersion {
		t.Fatalf("schema after upgrade = %d, %v", got, err)
	}
}

// legacyNameKeys returns the ix/tok and name ix/pfx entries schema 5
// wrote for c (3- and 4-byte buckets when fourByte), valued as it valued
// them.
func legacyNameKeys(c *Contact, fourByte bool) (keys, vals [][]byte) {
	sk, vis, toks := sortKey(c), visibility(c), contactTokens(c)
	tv := appendList(vis, toks)
	seen := map[string]bool{}
	for _, t := range toks {
		keys = append(keys, []byte(pfxToken+t+sep+sk+sep+c.ID))
		vals = append(vals, vis)
		if strings.IndexByte(t, '@') > 0 {
			continue
		}
		for _, l := range []int{3, 4} {
			if len(t) < l || (l == 4 && !fourByte) || seen[t[:l]] {
				continue
			}
			seen[t[:l]] = true
			keys = append(keys, []byte(pfxBucket+t[:l]+sep+sk+sep+c.ID))
			vals = append(vals, tv)
		}
	}
	return keys, vals
}

// TestMigrateNameFamilies opens stores as schemas 3 and 5 wrote them:
// ix/tok and the name buckets of ix/pfx (no 4-byte buckets and no joined
// apostrophe tokens in schema 3). The upgrade drops those families, keeps
// the number buckets, and the name index finds what the old keys found.
func TestMigrateNameFamilies(t *testing.T) {
	for _, schema := range []uint64{3, 5} {
		t.Run(fmt.Sprint("schema", schema), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s := openTest(t, dir)
			names := []string{"Müller", "Mueller", "Mülheim", "Schmidt", "O'Brien", "Ab"}
			var cs []*Contact
			for i, n := range names {
				c := &Contact{FirstName: fmt.Sprint("First", i), LastName: n, Company: "Kaufland Sarajevo",
					Emails:  []Email{{Address: fmt.Sprintf("user%d@example.com", i)}},
					Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("+3876100000%d", i)}}}
				if i%2 == 0 {
					c.Scope, c.Owner = ScopePersonal, "u1"
				}
				out, err := s.Create(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				cs = append(cs, out)
			}
			pub := s.pub.Load()
			txn := s.db.NewTransactionAt(pub, true)
			for _, c := range cs {
				keys, vals := legacyNameKeys(c, schema >= 4)
				for i, k := range keys {
					if schema < 4 && strings.HasPrefix(string(k), pfxToken+"obrien") {
						continue // schema 3 did not join apostrophes
					}
					if err := txn.Set(k, vals[i]); err != nil {
						t.Fatal(err)
					}
				}
				if schema < 4 && c.LastName == "O'Brien" {
					// Its ix/sort value without the joined token.
					_, nk, err := loadRecord(txnRW{txn}, c.ID)
					if err != nil {
						t.Fatal(err)
					}
					e := indexEntries(c, nk)
					for i, k := range e.keys {
						if strings.HasPrefix(string(k), pfxSort) {
							v := strings.Replace(string(e.vals[i]), "\x00obrien", "", 1)
							if err := txn.Set(k, []byte(v)); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
			}
			s2 := reopenAsSchema(t, s, dir, txn, pub, schema)
			mustVerify(t, s2) // stale ix/tok or name buckets would be reported
			rt := s2.db.NewTransactionAt(s2.pub.Load(), false)
			defer rt.Discard()
			counts := map[string]int{}
			for _, p := range []string{pfxToken, pfxBucket, pfxBucket + "#"} {
				_ = txnScan(rt, []byte(p), func([]byte, func() ([]byte, error)) error { counts[p]++; return nil })
			}
			if counts[pfxToken] != 0 || counts[pfxBucket] != counts[pfxBucket+"#"] || counts[pfxBucket+"#"] == 0 {
				t.Errorf("after upgrade: %d ix/tok keys, %d ix/pfx keys of which %d number buckets; want 0 and only number buckets",
					counts[pfxToken], counts[pfxBucket], counts[pfxBucket+"#"])
			}
			if got, err := getUvarint(rt, keySchema); err != nil || got != SchemaVersion {
				t.Fatalf("schema after upgrade = %d, %v", got, err)
			}
			for q, want := range map[string]int{"mull": 1, "muel": 1, "mülh": 1, "schm": 1, "kauf": 6, "sara": 6, "user": 6,
				"mül": 2, "o'br": 1, "obrien": 1, "o'brien": 1, "+387610": 6, "+38761000003": 1} {
				p, err := s2.Search(ctx, Query{Q: q})
				if err != nil || p.Total != want {
					t.Errorf("search %q after upgrade: %d contacts, %v; want %d", q, p.Total, err, want)
				}
			}
		})
	}
}

// reopenAsSchema commits txn (an older schema's layout, written at pub+1)
// with that schema version, closes s and opens the store again: the open
// upgrades it.
func reopenAsSchema(t *testing.T, s *Store, dir string, txn *badger.Txn, pub, schema uint64) *Store {
	t.Helper()
	if err := txn.Set([]byte(keySchema), binary.AppendUvarint(nil, schema)); err != nil {
		t.Fatal(err)
	}
	if err := txn.Set([]byte(keyPublished), u64(pub+1)); err != nil {
		t.Fatal(err)
	}
	if err := txn.CommitAt(pub+1, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return openTest(t, dir)
}

// TestMigrateSchema4 opens a store as schema 4 left it for the contacts
// schema 5 indexes differently (a contact with an extension, whose number
// searches did not find it, and one with Đ, not found by its "d"
// spelling): their search entries are gone, and the upgrade writes them
// all again, so the indexes verify and both are found.
func TestMigrateSchema4(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	var affected []*Contact
	for _, c := range []*Contact{
		{FirstName: "Ext", LastName: "Office", Numbers: []Number{{Type: NumberWork, Value: "180512"}, {Type: NumberMobile, Value: "061 111 222"}}},
		{FirstName: "Dragan", LastName: "Đurić", Company: "Đurđevak d.o.o."},
		{FirstName: "Plain", LastName: "Person", Numbers: []Number{{Type: NumberWork, Value: "033 180 512"}}},
	} {
		out, err := s.Create(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if out.FirstName != "Plain" {
			affected = append(affected, out)
		}
	}
	pub := s.pub.Load()
	txn := s.db.NewTransactionAt(pub, true)
	deleted := 0
	for _, c := range affected {
		_, nk, err := loadRecord(txnRW{txn}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range indexEntries(c, nk).keys {
			if bytes.HasPrefix(k, []byte(pfxToken)) || bytes.HasPrefix(k, []byte(pfxBucket)) || bytes.HasPrefix(k, []byte(pfxSort)) {
				if err := txn.Delete(k); err != nil {
					t.Fatal(err)
				}
				deleted++
			}
		}
	}
	if deleted == 0 {
		t.Fatal("nothing deleted")
	}
	s2 := reopenAsSchema(t, s, dir, txn, pub, 4)
	mustVerify(t, s2)
	for _, tt := range []struct {
		q    string
		want []string // first names
	}{
		{"1805", []string{"Ext"}},
		{"180512", []string{"Ext"}},
		{"+1805", nil},
		{"033 18", []string{"Plain"}},
		{"duric", []string{"Dragan"}},
		{"djuric", []string{"Dragan"}},
		{"Đurić", []string{"Dragan"}},
		{"durd", []string{"Dragan"}},
		{"dragan dur", []string{"Dragan"}},
		{"ext off", []string{"Ext"}},
	} {
		p, err := s2.Search(ctx, Query{Q: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range p.Contacts {
			got = append(got, c.FirstName)
		}
		if !slices.Equal(got, tt.want) || p.Total != len(tt.want) {
			t.Errorf("search %q after upgrade: %v (total %d), want %v", tt.q, got, p.Total, tt.want)
		}
	}
}
