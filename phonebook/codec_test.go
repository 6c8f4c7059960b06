package phonebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// encodeJSONRecord is how schema ≤ 2 wrote a contact record.
func encodeJSONRecord(t testing.TB, c *Contact, nk []string) []byte {
	t.Helper()
	b, err := json.Marshal(record{Contact: c, NumKeys: nk})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// typicalContact is a directory entry as a CSV import or a sync writes it:
// two numbers, one e-mail, a company, store-set times and number keys.
func typicalContact() (*Contact, []string) {
	ts := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)
	return &Contact{
			ID: "01JP8W6ZQ3V7X2M9K4T5R6Y7B8", Scope: ScopeGlobal,
			FirstName: "Amira", LastName: "Hadžić", DisplayName: "Amira Hadžić",
			Company: "Elektroprivreda BiH", JobTitle: "Dispečer",
			Emails:  []Email{{Label: "work", Address: "amira.hadzic@example.ba"}},
			Numbers: []Number{{Type: NumberWork, Value: "+387 33 751 000", Normalized: "+38733751000"}, {Type: NumberMobile, Value: "061 234 567", Normalized: "+38761234567"}},
			Source:  SourceCSV, CreatedAt: ts, UpdatedAt: ts.Add(time.Hour),
		},
		[]string{"e164:+38733751000", "nsn:33751000", "e164:+38761234567", "nsn:61234567"}
}

// codecCases are contacts the round-trip tests encode both ways.
func codecCases() []struct {
	name string
	c    *Contact
	nk   []string
} {
	typ, typKeys := typicalContact()
	long := strings.Repeat("ž", maxFieldLen/2) // 512 bytes
	max := &Contact{ID: strings.Repeat("Z", 26), Scope: ScopePersonal, Owner: long, Source: long, ExternalID: long,
		FirstName: long, MiddleName: long, LastName: long, DisplayName: long, Company: long, Department: long,
		JobTitle: long, OfficeLocation: long, PreferredLanguage: long, UserPrincipalName: long,
		CreatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Custom: map[string]string{}}
	var maxKeys []string
	for i := range maxNumbers {
		v := fmt.Sprintf("+3876%07d", i)
		max.Numbers = append(max.Numbers, Number{Type: NumberOther, Value: v, Normalized: v})
		maxKeys = append(maxKeys, "e164:"+v, "nsn:"+v[4:])
	}
	for i := range maxEmails {
		max.Emails = append(max.Emails, Email{Label: long[:64], Address: fmt.Sprintf("%s@%d.example", strings.Repeat("a", 240), i)})
	}
	for i := range maxCustom {
		max.Custom[fmt.Sprintf("%0*d", maxCustomKey, i)] = strings.Repeat("€", maxCustomText/3)
	}
	return []struct {
		name string
		c    *Contact
		nk   []string
	}{
		{"empty", &Contact{}, nil},
		{"typical", typ, typKeys},
		{"typical no keys", typ, nil},
		{"empty slices and map", &Contact{ID: "x", Emails: []Email{}, Numbers: []Number{}, Custom: map[string]string{}}, []string{}},
		{"empty strings inside", &Contact{Emails: []Email{{}}, Numbers: []Number{{}}, Custom: map[string]string{"": ""}}, []string{""}},
		{"unicode", &Contact{ID: "u", DisplayName: "Ђорђе 日本 😀 \u0000 \"q\" <b>&", Custom: map[string]string{"ключ": "значение\n\t", "z": "1", "a": "2", "m": ""}, Source: SourceLocal}, nil},
		{"nanoseconds and zero", &Contact{CreatedAt: time.Unix(1, 1).UTC()}, nil},
		{"before 1970 and 1678", &Contact{CreatedAt: time.Date(1066, 10, 14, 9, 0, 0, 7, time.UTC), UpdatedAt: time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)}, nil},
		{"offset zones", &Contact{CreatedAt: time.Date(2024, 6, 1, 12, 0, 0, 5, time.FixedZone("CEST", 7200)), UpdatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(3*3600+30*60)))}, nil},
		{"UTC-like zone", &Contact{CreatedAt: time.Date(2024, 6, 1, 12, 0, 0, 0, time.FixedZone("GMT", 0))}, nil},
		{"max sizes", max, maxKeys},
	}
}

// TestRecordCodecMatchesJSON encodes each case in binary and in the old
// JSON form: both must decode to the same contact and number keys (the
// store sees no difference), and the binary one must hold every field.
func TestRecordCodecMatchesJSON(t *testing.T) {
	for _, tt := range codecCases() {
		t.Run(tt.name, func(t *testing.T) {
			bin, err := encodeRecord(tt.c, tt.nk)
			if err != nil {
				t.Fatal(err)
			}
			if bin[0] == '{' || bin[0] != recBinV1 {
				t.Fatalf("binary record starts with %q", bin[0])
			}
			gotB, nkB, err := decodeRecord(bin)
			if err != nil {
				t.Fatalf("decode binary: %v", err)
			}
			gotJ, nkJ, err := decodeRecord(encodeJSONRecord(t, tt.c, tt.nk))
			if err != nil {
				t.Fatalf("decode JSON: %v", err)
			}
			if !reflect.DeepEqual(gotB, gotJ) {
				t.Errorf("binary decodes to\n%#v\nJSON to\n%#v", gotB, gotJ)
			}
			if !reflect.DeepEqual(nkB, nkJ) {
				t.Errorf("number keys: binary %q, JSON %q", nkB, nkJ)
			}
			// Against the input: the same but for empty slices and maps
			// (nil once stored) and times (instant and offset kept).
			want := normalised(tt.c)
			if !reflect.DeepEqual(normalised(gotB), want) {
				t.Errorf("round trip\n%#v\nwant\n%#v", gotB, tt.c)
			}
			if len(tt.nk) > 0 && !reflect.DeepEqual(nkB, tt.nk) {
				t.Errorf("number keys %q, want %q", nkB, tt.nk)
			}
			again, _ := encodeRecord(gotB, nkB)
			if !bytes.Equal(again, bin) {
				t.Errorf("re-encoding the decoded record differs")
			}
		})
	}
}

// normalised returns c with empty slices and maps nil and times replaced by
// their instant in UTC and their zone offset (in Custom under "\x00off"),
// for comparisons that hold whatever the local zone is.
func normalised(c *Contact) *Contact {
	d := c.Clone()
	if len(d.Emails) == 0 {
		d.Emails = nil
	}
	if len(d.Numbers) == 0 {
		d.Numbers = nil
	}
	if len(d.Custom) == 0 {
		d.Custom = nil
	}
	_, o1 := d.CreatedAt.Zone()
	_, o2 := d.UpdatedAt.Zone()
	if o1 != 0 || o2 != 0 {
		if d.Custom == nil {
			d.Custom = map[string]string{}
		}
		d.Custom["\x00off"] = fmt.Sprint(o1, o2)
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d
}

// TestRecordCodecDeterministic: sameContent compares encodings, so equal
// contacts must encode to equal bytes whatever the map order.
func TestRecordCodecDeterministic(t *testing.T) {
	c := &Contact{ID: "d", Custom: map[string]string{}}
	for i := range 40 {
		c.Custom[fmt.Sprintf("k%02d", 39-i)] = fmt.Sprint(i)
	}
	first, _ := encodeRecord(c, nil)
	for range 20 {
		b, _ := encodeRecord(c.Clone(), nil)
		if !bytes.Equal(b, first) {
			t.Fatal("two encodings of one contact differ")
		}
	}
	if d := c.Clone(); !sameContent(c, d) {
		t.Fatal("sameContent of a clone is false")
	}
	d := c.Clone()
	d.Custom["k00"] = "changed"
	if sameContent(c, d) {
		t.Fatal("sameContent misses a custom field change")
	}
}

// TestDecodeOldJSONRecord: a record exactly as schema 2 stored it.
func TestDecodeOldJSONRecord(t *testing.T) {
	const old = `{"id":"01HZX","scope":"personal","owner":"u1","first_name":"Ana","last_name":"Šimić","display_name":"Ana Šimić",` +
		`"emails":[{"label":"home","address":"ana@example.com"}],"numbers":[{"type":"mobile","value":"061 111 222","normalized":"+38761111222"}],` +
		`"source":"local","created_at":"2024-05-06T07:08:09.123456789Z","updated_at":"2024-05-07T00:00:00Z","custom":{"b":"2","a":"1"},"_nk":["e164:+38761111222","nsn:61111222"]}`
	c, nk, err := decodeRecord([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	want := &Contact{ID: "01HZX", Scope: ScopePersonal, Owner: "u1", FirstName: "Ana", LastName: "Šimić", DisplayName: "Ana Šimić",
		Emails:  []Email{{Label: "home", Address: "ana@example.com"}},
		Numbers: []Number{{Type: NumberMobile, Value: "061 111 222", Normalized: "+38761111222"}},
		Source:  SourceLocal, CreatedAt: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC), UpdatedAt: time.Date(2024, 5, 7, 0, 0, 0, 0, time.UTC),
		Custom: map[string]string{"a": "1", "b": "2"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", c, want)
	}
	if !reflect.DeepEqual(nk, []string{"e164:+38761111222", "nsn:61111222"}) {
		t.Errorf("number keys %q", nk)
	}
}

// TestDecodeRecordRejects: damaged records give an error, never a panic
// or a partial contact.
func TestDecodeRecordRejects(t *testing.T) {
	c, nk := typicalContact()
	good, _ := encodeRecord(c, nk)
	for n := 0; n < len(good); n++ {
		if _, _, err := decodeRecord(good[:n]); err == nil {
			t.Fatalf("record cut to %d of %d bytes decodes", n, len(good))
		}
	}
	for _, tt := range []struct {
		name string
		b    []byte
		want string
	}{
		{"trailing byte", append(append([]byte(nil), good...), 0), "bytes after the record"},
		{"unknown format", append([]byte{0x02}, good[1:]...), "unknown record format 0x02"},
		{"no lists", append([]byte{recBinV1}, make([]byte, 15+6)...), "emails: truncated"},
		{"bad JSON", []byte(`{"id":`), "decode contact"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeRecord(tt.b)
			if err == nil {
				t.Fatal("decodes")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
	// A count larger than the rest of the record: 15 empty strings, two
	// zero times, then 2^62 e-mails.
	b := append([]byte{recBinV1}, make([]byte, 15+6)...)
	b = append(b, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40)
	if _, _, err := decodeRecord(b); err == nil || !strings.Contains(err.Error(), "emails") {
		t.Fatalf("huge e-mail count: %v", err)
	}
	// Nanoseconds out of range.
	b = append([]byte{recBinV1}, make([]byte, 15)...)
	b = append(b, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0) // 1e9 ns
	if _, _, err := decodeRecord(b); err == nil || !strings.Contains(err.Error(), "nanoseconds") {
		t.Fatalf("1e9 ns: %v", err)
	}
}

// FuzzDecodeRecord: decoding never panics, and a record that decodes
// re-encodes (in binary) to one that decodes to the same contact — exactly
// for binary input; for JSON input up to what the store normalises anyway
// (empty lists, a zone of offset 0).
func FuzzDecodeRecord(f *testing.F) {
	for _, tt := range codecCases() {
		if len(tt.c.Numbers) > 4 {
			continue // keep the corpus small
		}
		b, _ := encodeRecord(tt.c, tt.nk)
		f.Add(b)
		f.Add(encodeJSONRecord(f, tt.c, tt.nk))
	}
	f.Add([]byte{recBinV1})
	f.Add([]byte(`{"emails":[],"created_at":"2024-01-01T00:00:00+00:00"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, nk, err := decodeRecord(in)
		if err != nil {
			return
		}
		b, err := encodeRecord(c, nk)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		c2, nk2, err := decodeRecord(b)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if in[0] == recBinV1 {
			if !reflect.DeepEqual(c, c2) || !reflect.DeepEqual(nk, nk2) {
				t.Fatalf("decodes to\n%#v %q\nthen\n%#v %q", c, nk, c2, nk2)
			}
		} else {
			if !reflect.DeepEqual(normalised(c), normalised(c2)) || len(nk) != len(nk2) || (len(nk) > 0 && !reflect.DeepEqual(nk, nk2)) {
				t.Fatalf("JSON decodes to\n%#v %q\nthen\n%#v %q", c, nk, c2, nk2)
			}
		}
		if b2, _ := encodeRecord(c2, nk2); !bytes.Equal(b, b2) {
			t.Fatal("encoding is not stable")
		}
	})
}

// TestSchema2StoreKeepsJSONRecords writes contacts, turns their records
// and the schema back into schema 2's (JSON), and reopens: the upgrade
// only sets the schema, the JSON records still serve reads, searches and
// Verify, and a record turns binary when it is next written.
func TestSchema2StoreKeepsJSONRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	var ids []string
	for i := range 20 {
		c, err := s.Create(ctx, crashContact("J", 2*i)) // no shared numbers
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	toJSON(t, s, 2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, dir)
	rt := s2.db.NewTransactionAt(s2.pub.Load(), false)
	if got, err := getUvarint(rt, keySchema); err != nil || got != SchemaVersion {
		t.Fatalf("schema after upgrade = %d, %v", got, err)
	}
	rt.Discard()
	if n := countRecords(t, s2, '{'); n != len(ids) {
		t.Fatalf("%d JSON records after the upgrade, want %d (nothing rewritten)", n, len(ids))
	}
	mustVerify(t, s2)
	p, err := s2.Search(ctx, Query{Q: "J000014"})
	if err != nil || len(p.Contacts) != 1 || p.Contacts[0].Numbers[0].Normalized == "" {
		t.Fatalf("search over JSON records: %+v %v", p, err)
	}
	c := p.Contacts[0]
	c.Company = "Rewritten"
	if _, err := s2.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(t, s2, recBinV1); n != 1 {
		t.Fatalf("%d binary records after one update, want 1", n)
	}
	got, err := s2.Get(ctx, c.ID)
	if err != nil || got.Company != "Rewritten" || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("updated contact: %+v %v", got, err)
	}
	if r, _ := s2.Lookup(ctx, "+38760000014"); r.Name != "J000014 Crash" {
		t.Fatalf("lookup after rewrite: %+v", r)
	}
	mustVerify(t, s2)
}

// toJSON rewrites every contact record of s as JSON and sets the schema, in
// commits at one timestamp published at once.
func toJSON(t testing.TB, s *Store, schema uint64) {
	t.Helper()
	pub := s.pub.Load()
	rt := s.db.NewTransactionAt(pub, false)
	defer rt.Discard()
	type kv struct{ k, v []byte }
	var recs []kv
	it := rt.NewIterator(badger.IteratorOptions{Prefix: []byte(pfxContact)})
	for it.Seek([]byte(pfxContact)); it.ValidForPrefix([]byte(pfxContact)); it.Next() {
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			t.Fatal(err)
		}
		c, nk, err := decodeRecord(v)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, kv{it.Item().KeyCopy(nil), encodeJSONRecord(t, c, nk)})
	}
	it.Close()
	txn := s.db.NewTransactionAt(pub, true)
	defer func() { txn.Discard() }()
	for _, r := range recs {
		err := txn.Set(r.k, r.v)
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err = txn.CommitAt(pub+1, nil); err == nil {
				txn = s.db.NewTransactionAt(pub, true)
				err = txn.Set(r.k, r.v)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := txn.Set([]byte(keySchema), []byte{byte(schema)}); err != nil {
		t.Fatal(err)
	}
	if err := txn.Set([]byte(keyPublished), u64(pub+1)); err != nil {
		t.Fatal(err)
	}
	if err := txn.CommitAt(pub+1, nil); err != nil {
		t.Fatal(err)
	}
	s.pub.Store(pub + 1)
}

// countRecords counts the published contact records starting with tag.
func countRecords(t *testing.T, s *Store, tag byte) int {
	t.Helper()
	txn := s.db.NewTransactionAt(s.pub.Load(), false)
	defer txn.Discard()
	n := 0
	err := txnScan(txn, []byte(pfxContact), func(_ []byte, val func() ([]byte, error)) error {
		v, err := val()
		if err == nil && len(v) > 0 && v[0] == tag {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkRecordCodec: encoding and decoding a typical contact (two
// numbers, one e-mail, a company) as JSON (schema ≤ 2) and binary.
func BenchmarkRecordCodec(b *testing.B) {
	c, nk := typicalContact()
	for _, codec := range []struct {
		name string
		enc  func() []byte
	}{
		{"json", func() []byte { return encodeJSONRecord(b, c, nk) }},
		{"binary", func() []byte { r, _ := encodeRecord(c, nk); return r }},
	} {
		rec := codec.enc()
		b.Run(codec.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				codec.enc()
			}
			b.ReportMetric(float64(len(rec)), "bytes/record")
		})
		b.Run(codec.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := decodeRecord(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rec)), "bytes/record")
		})
	}
}

// BenchmarkSearchPageRecords: a 32-contact search page over 20 000
// contacts, with binary records and then with the same records as JSON
// (a store from before schema 3), to show what the record format costs a
// page. "load32" reads the page's 32 records alone.
func BenchmarkSearchPageRecords(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, b.TempDir())
	const n = 20_000
	var ids []string
	if _, err := s.Bulk(ctx, func(bt *Batch) error {
		for j := range n {
			c := crashContact("P", j)
			c.Company = "Elektroprivreda BiH"
			out, err := bt.Put(c)
			if err != nil {
				return err
			}
			ids = append(ids, out.ID)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	run := func(name string) {
		b.Run(name+"/search", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				p, err := s.Search(ctx, Query{Q: fmt.Sprintf("P%03d", i%20), Limit: 32})
				if err != nil || len(p.Contacts) != 32 {
					b.Fatalf("%d contacts, %v", len(p.Contacts), err)
				}
			}
		})
		b.Run(name+"/load32", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				err := s.view(func(txn *badger.Txn) error {
					for range 32 {
						i = (i + 7919) % n
						if _, _, err := loadRecord(txnRW{txn}, ids[i]); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("binary")
	toJSON(b, s, SchemaVersion)
	run("json")
}
