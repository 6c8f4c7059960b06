package phonebook

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Pools for generated test contacts: accents, shared prefixes, equal
// display names, a name longer than a bucket and one shorter.
var (
	tFirst   = []string{"Jürgen", "Emir", "Emina", "Ana", "Đorđe", "Zoë", "Li", "Mullah", "Hans"}
	tLast    = []string{"Müller", "Muller", "Mulder", "Weiß", "Weissnat", "Hodžić", "O'Brien", "Ng", "Mustermann"}
	tCompany = []string{"", "", "Müller & Söhne GmbH", "BH Telecom", "Ankunding"}
)

// genContacts returns n deterministic contacts: global, personal (owners
// u1, u2) and from several sources, with numbers and e-mail addresses.
func genContacts(n int, seed uint64) []*Contact {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]*Contact, 0, n)
	for i := 0; i < n; i++ {
		c := &Contact{FirstName: tFirst[r.IntN(len(tFirst))], LastName: tLast[r.IntN(len(tLast))],
			Company: tCompany[r.IntN(len(tCompany))], Source: []string{SourceLocal, SourceCSV, "m365"}[r.IntN(3)]}
		if c.Source == "m365" {
			c.ExternalID = fmt.Sprintf("ext%d", i)
		}
		if r.IntN(5) == 0 {
			c.Scope, c.Owner = ScopePersonal, []string{"u1", "u2"}[r.IntN(2)]
			c.Source, c.ExternalID = SourceLocal, ""
		}
		if r.IntN(3) > 0 {
			c.Emails = []Email{{Address: fmt.Sprintf("%s.%s%d@%s", Fold(c.FirstName), strings.ReplaceAll(Fold(c.LastName), "'", ""), i,
				[]string{"example.com", "firma.de"}[r.IntN(2)])}}
		}
		c.Numbers = []Number{{Type: NumberWork, Value: fmt.Sprintf("+3876%d%06d", r.IntN(3), i)}}
		if r.IntN(4) == 0 {
			c.Numbers = append(c.Numbers, Number{Type: NumberMobile, Value: fmt.Sprintf("033 %06d", i)})
		}
		if i%7 == 3 { // an internal extension (no random draw: the rest stays as it was)
			c.Numbers = append(c.Numbers, Number{Type: NumberWork, Value: fmt.Sprint(1000 + i%9000)})
		}
		out = append(out, c)
	}
	return out
}

// searchFixture is a store with generated contacts and their stored form.
type searchFixture struct {
	s    *Store
	byID map[string]*Contact
	toks map[string][]string // contact id → contactTokens, cached for the model
}

func newSearchFixture(t testing.TB, n int) *searchFixture {
	t.Helper()
	s := openTest(t, "")
	f := &searchFixture{s: s, byID: map[string]*Contact{}, toks: map[string][]string{}}
	if _, err := s.Bulk(context.Background(), func(b *Batch) error {
		for _, c := range genContacts(n, 7) {
			out, err := b.Put(c)
			if err != nil {
				return err
			}
			f.byID[out.ID] = out
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *searchFixture) put(t testing.TB, c *Contact) *Contact {
	t.Helper()
	out, err := f.s.Create(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	f.byID[out.ID] = out
	return out
}

// tokens returns the contact's tokens, computed once.
func (f *searchFixture) tokens(c *Contact) []string {
	t, ok := f.toks[c.ID]
	if !ok {
		t = contactTokens(c)
		f.toks[c.ID] = t
	}
	return t
}

// modelVisible is Query's filter, written plainly.
func modelVisible(c *Contact, q *Query) bool {
	if q.Source != "" && c.Source != q.Source {
		return false
	}
	if q.VisibleTo != "" {
		return c.Scope == ScopeGlobal || c.Owner == q.VisibleTo
	}
	if q.Scope != "" && c.Scope != q.Scope {
		return false
	}
	return q.Owner == "" || (c.Scope == ScopePersonal && c.Owner == q.Owner)
}

// modelMatch is what Search promises, by brute force over one contact.
func modelMatch(c *Contact, toks []string, q *Query) bool {
	if !modelVisible(c, q) {
		return false
	}
	text := strings.TrimSpace(q.Q)
	switch {
	case text == "":
		return true
	case IsNumberQuery(text):
		d := Digits(text)
		if d == "" {
			return false
		}
		prefixes := []string{"x:" + d, "x:+" + d, "e164:+" + d}
		if text[0] != '+' {
			prefixes = append(prefixes, "ext:"+d) // extensions, by their digits
		}
		for _, n := range c.Numbers {
			_, keys := testNumbering{}.Index(n.Value)
			for _, k := range keys {
				for _, p := range prefixes {
					if strings.HasPrefix(k, p) {
						return true
					}
				}
			}
		}
		return false
	}
	words := queryTokens(text)
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if len(w) > 64 {
			w = w[:64]
		}
		if !slices.ContainsFunc(toks, func(t string) bool { return strings.HasPrefix(t, w) }) {
			return false
		}
	}
	return true
}

// model returns the ids matching q in display-name order.
func (f *searchFixture) model(q Query) []string {
	var hs []hit
	for id, c := range f.byID {
		if modelMatch(c, f.tokens(c), &q) {
			hs = append(hs, hit{sortKey(c), id})
		}
	}
	slices.SortFunc(hs, cmpHit)
	ids := make([]string, len(hs))
	for i, h := range hs {
		ids[i] = h.id
	}
	return ids
}

// pages runs q page by page and returns every id and the first page's
// total; it fails on unsorted or repeated results.
func (f *searchFixture) pages(t testing.TB, q Query) (ids []string, total int, capped bool) {
	t.Helper()
	seen := map[string]bool{}
	var prev *hit
	for n := 0; ; n++ {
		p, err := f.s.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		if n == 0 {
			total, capped = p.Total, p.TotalCapped
		}
		if len(p.Contacts) > q.Limit && q.Limit > 0 {
			t.Fatalf("search %+v: %d contacts on a page", q, len(p.Contacts))
		}
		for _, c := range p.Contacts {
			h := hit{sortKey(c), c.ID}
			if prev != nil && cmpHit(*prev, h) >= 0 {
				t.Fatalf("search %q: %v after %v", q.Q, h, *prev)
			}
			if seen[c.ID] {
				t.Fatalf("search %q: %s twice", q.Q, c.ID)
			}
			seen[c.ID] = true
			prev = &h
			ids = append(ids, c.ID)
		}
		if p.NextCursor == "" {
			return ids, total, capped
		}
		if len(p.Contacts) == 0 {
			t.Fatalf("search %q: empty page with a next cursor", q.Q)
		}
		if n > len(f.byID)+2 {
			t.Fatalf("search %q: paging does not end", q.Q)
		}
		q.Cursor = p.NextCursor
	}
}

func (f *searchFixture) check(t *testing.T, q Query) {
	t.Helper()
	want := f.model(q)
	got, total, capped := f.pages(t, q)
	if !slices.Equal(got, want) {
		t.Errorf("search %+v: %d results, want %d (first differences: %v)", q, len(got), len(want), firstDiff(got, want))
	}
	switch {
	case !capped && total != len(want):
		t.Errorf("search %+v: total %d, want %d", q, total, len(want))
	case capped && (total > len(want) || len(want) == 0):
		t.Errorf("search %+v: capped total %d for %d matches", q, total, len(want))
	}
}

// checkIterate compares Store.Iterate with the model.
func (f *searchFixture) checkIterate(t *testing.T, q Query) {
	t.Helper()
	var got []string
	if err := f.s.Iterate(context.Background(), q, func(c *Contact) error {
		got = append(got, c.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := f.model(q); !slices.Equal(got, want) {
		t.Errorf("iterate %+v: %d contacts, want %d (%s)", q, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d: %s vs %s", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(a), len(b))
}

// TestSearchMatchesModel compares every search plan with brute force: the
// fixture is big enough that common words exceed probeLimit (bucket and
// sorted scans) while rare words and numbers stay selective.
func TestSearchMatchesModel(t *testing.T) {
	f := newSearchFixture(t, 4000)
	queries := []string{
		"", "   ", "mull", "muller", "MÜLLER", "mul", "mu", "m", "mulder", "mullah", "mullah muller",
		"emi", "emir", "emina", "emi wei", "wei emi", "emi weiss", "jur mul", "jürgen müller söhne",
		"ana", "an", "a n", "ng", "li", "li ng", "o brien", "o'brien", "zoe", "zoë", "dorde", "đorđe",
		"mustermann", "musterman", "mustermannx", "weissnat ankunding", "bh telecom", "gmbh",
		"@example.com", "@firma", "@", "emir.muller1@example.com", "emir.muller1", "jurgen.mul",
		"ana.hodzic12@", "x@y", "muller 0", "mull mull mu", "ç", "-", "--- ...",
		"+387", "+38760", "+387600000", "061", "0600", "06", "033 000", "033", "+", "+0", "(033) 001-2", "9999999",
		"1", "10", "100", "1003", "+1003", "1 003", "4017", "djor", "dor", "đor",
	}
	filters := []Query{
		{}, {Scope: ScopeGlobal}, {Scope: ScopePersonal}, {Scope: ScopePersonal, Owner: "u1"},
		{VisibleTo: "u2"}, {Source: "m365"}, {Source: SourceCSV, Scope: ScopeGlobal},
	}
	for _, text := range queries {
		for fi, fq := range filters {
			for _, limit := range []int{0, 7, 1000} {
				q := fq
				q.Q, q.Limit = text, limit
				if limit == 7 {
					if fi > 2 {
						continue // short pages: a few filters suffice
					}
					if len(f.model(q)) > 300 {
						q.Limit = 97
					}
				}
				t.Run(fmt.Sprintf("%q/%d/%d", text, fi, limit), func(t *testing.T) {
					f.check(t, q)
					if limit == 0 {
						f.checkIterate(t, q)
					}
				})
			}
		}
	}
}

// TestSearchOrderAndEqualNames: equal display names order by id, pages
// split between them, and folding does not change the order of
// accented names.
func TestSearchOrderAndEqualNames(t *testing.T) {
	f := newSearchFixture(t, 0)
	for i := 0; i < 9; i++ {
		f.put(t, &Contact{FirstName: "Same", LastName: "Name"})
	}
	f.put(t, &Contact{FirstName: "Ärger", LastName: "Name"})
	f.put(t, &Contact{FirstName: "Zed", LastName: "Name"})
	f.put(t, &Contact{FirstName: "anton", LastName: "name"})
	// No token at all (punctuation for a name), with numbers: found by
	// number, with a source filter, and by an empty query.
	f.put(t, &Contact{DisplayName: "--", Source: SourceCSV, Numbers: []Number{{Type: NumberWork, Value: "+387 61 222 333"}}})
	for _, q := range []Query{{Q: "+387612"}, {Q: "38761222", Source: SourceCSV}, {Source: SourceCSV}, {Q: "387"}} {
		f.check(t, q)
		if p, err := f.s.Search(context.Background(), q); err != nil || p.Total != 1 {
			t.Errorf("%+v: total %d (%v), want the token-less contact", q, p.Total, err)
		}
	}
	for _, limit := range []int{1, 2, 4, 100} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			f.check(t, Query{Q: "name", Limit: limit})
			f.check(t, Query{Q: "same na", Limit: limit})
		})
	}
	p, err := f.s.Search(context.Background(), Query{Q: "nam", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Contacts {
		got = append(got, c.DisplayName)
	}
	if want := []string{"anton name", "Ärger Name", "Same Name"}; !slices.Equal(got, want) || p.Total != 12 {
		t.Errorf("first page %v (total %d), want %v (12)", got, p.Total, want)
	}
}

// TestSearchCursorAcrossWrites: a cursor from one generation resumes after
// its last contact at the next, whatever was written meanwhile.
func TestSearchCursorAcrossWrites(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{30, 3000} { // selective and scanned plans
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := newSearchFixture(t, 0)
			if _, err := f.s.Bulk(ctx, func(b *Batch) error {
				for i := 0; i < n; i++ {
					c, err := b.Put(&Contact{FirstName: fmt.Sprintf("P%05d", i*2), LastName: "Cursor"})
					if err != nil {
						return err
					}
					f.byID[c.ID] = c
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			q := Query{Q: "curs", Limit: 10}
			p, err := f.s.Search(ctx, q)
			if err != nil || p.NextCursor == "" {
				t.Fatalf("first page: %v %+v", err, p)
			}
			last := p.Contacts[len(p.Contacts)-1]
			gen := f.s.Generation()
			// Before the cursor, after it, and the cursor's own contact.
			f.put(t, &Contact{FirstName: "P00000a", LastName: "Cursor"})
			f.put(t, &Contact{FirstName: "P00019", LastName: "Cursor"})
			if err := f.s.Delete(ctx, last.ID); err != nil {
				t.Fatal(err)
			}
			delete(f.byID, last.ID)
			if f.s.Generation() == gen {
				t.Fatal("generation did not change")
			}
			q.Cursor = p.NextCursor
			rest, _, _ := f.pages(t, q)
			all := f.model(Query{Q: "curs"})
			after := hit{sortKey(last), last.ID}
			var want []string
			for _, id := range all {
				if cmpHit(hit{sortKey(f.byID[id]), id}, after) > 0 {
					want = append(want, id)
				}
			}
			if !slices.Equal(rest, want) {
				t.Fatalf("after the cursor: %d contacts, want %d (%s)", len(rest), len(want), firstDiff(rest, want))
			}
			if f.byID[rest[0]].FirstName != "P00019" {
				t.Errorf("resumed at %q, want the new P00019", f.byID[rest[0]].DisplayName)
			}
		})
	}
}

// TestSearchTotalCapped: a query matching more than TotalCap contacts
// says so; one matching fewer counts exactly.
func TestSearchTotalCapped(t *testing.T) {
	ctx := context.Background()
	f := newSearchFixture(t, 0)
	bulkPut(t, f.s, TotalCap+200, func(i int) *Contact {
		return &Contact{FirstName: fmt.Sprintf("F%d", i), LastName: "Many"}
	})
	for _, tc := range []struct {
		q      string
		total  int  // the true count
		capped bool // must be capped (else: may be, as a lower bound)
	}{
		{"many", TotalCap + 200, true}, {"", TotalCap + 200, true}, {"f1 many", 1 + 10 + 100 + 200, false},
		{"f99 many", 11, false}, {"f1199", 1, false},
	} {
		p, err := f.s.Search(ctx, Query{Q: tc.q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.capped && (!p.TotalCapped || p.Total != TotalCap):
			t.Errorf("%q: total %d capped %v, want %d capped", tc.q, p.Total, p.TotalCapped, TotalCap)
		case !p.TotalCapped && p.Total != tc.total:
			t.Errorf("%q: total %d, want %d", tc.q, p.Total, tc.total)
		case p.TotalCapped && (p.Total > tc.total || p.Total < min(tc.total, 10)):
			t.Errorf("%q: capped total %d out of [10, %d]", tc.q, p.Total, tc.total)
		}
	}
}

func TestSearchWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"emi wei", []string{"emi", "wei"}},
		{"mu muller MÜL", []string{"muller"}},
		{"a ab abc b", []string{"abc", "b"}},
		{"Foo@Bar.com foo", []string{"foo@bar.com"}},
		{"x\x00y@z", nil},
		{"", nil},
	} {
		got, _ := searchWords(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("searchWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSearchQuery: any query text never panics and returns sorted,
// distinct contacts — those brute force finds.
func FuzzSearchQuery(f *testing.F) {
	fx := newSearchFixture(f, 400)
	for _, s := range []string{"", "mull", "emi wei", "+387 6", "061", "@example", "a@b@c", "ü\x00", "\xff\xfe", "((", "+", "0 0 0", strings.Repeat("m", 80)} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, limit uint8) {
		q := Query{Q: text, Limit: int(limit%50) + 1}
		want := fx.model(q)
		got, total, capped := fx.pages(t, q)
		if !slices.Equal(got, want) {
			t.Fatalf("search %q: %d results, want %d (%s)", text, len(got), len(want), firstDiff(got, want))
		}
		if !capped && total != len(want) {
			t.Fatalf("search %q: total %d, want %d", text, total, len(want))
		}
	})
}

// TestSearchCountLimit: a query's CountLimit caps how far it counts;
// without it the total is exact up to TotalCap.
func TestSearchCountLimit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	bulkPut(t, s, 60, func(i int) *Contact {
		return &Contact{FirstName: fmt.Sprintf("Capped%02d", i), LastName: "Counter"}
	})
	for _, tt := range []struct {
		q          string
		limit      int
		wantTotal  int
		wantCapped bool
	}{
		{"capped", 0, 60, false},
		{"capped", 10, 10, true},
		{"counter", 10, 10, true},
		{"capped counter", 10, 10, true},
		{"capped", 100, 60, false},
		{"capped", 5000, 60, false},
	} {
		p, err := s.Search(ctx, Query{Q: tt.q, Limit: 5, CountLimit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != tt.wantTotal || p.TotalCapped != tt.wantCapped || len(p.Contacts) != 5 || p.NextCursor == "" {
			t.Errorf("%q CountLimit %d: total %d capped %v (%d contacts, next %q), want %d %v",
				tt.q, tt.limit, p.Total, p.TotalCapped, len(p.Contacts), p.NextCursor, tt.wantTotal, tt.wantCapped)
		}
	}
}

func TestHasItemPrefix(t *testing.T) {
	list := []byte("\x00mull\x00muller\x00o\x00brien\x00x:+38761")
	for _, tc := range []struct {
		w    string
		want bool
	}{
		{"mull", true}, {"mulle", true}, {"muller", true}, {"mullers", false},
		{"ull", false}, {"o", true}, {"b", true}, {"rien", false}, {"n", false},
		{"x:+387", true}, {"387", false}, {"brien\x00x", true}, {"zzz", false},
	} {
		if got := hasItemPrefix(list, []byte(tc.w)); got != tc.want {
			t.Errorf("hasItemPrefix(%q) = %v, want %v", tc.w, got, tc.want)
		}
	}
	if hasItemPrefix(nil, []byte("a")) || hasItemPrefix([]byte("\x00"), []byte("a")) {
		t.Error("an empty list has no item")
	}
}

// TestSearchResumedWalkCounts: when no word is selective and the matches
// lie past the first walk's budget, the walk that finds them counts them
// (the start of the range holds none).
func TestSearchResumedWalkCounts(t *testing.T) {
	ctx := context.Background()
	f := newSearchFixture(t, 0)
	// Sorted first, matching "o" only; then matching "b" only; then both.
	n := scanBudget + 512
	bulkPut(t, f.s, 2*n+100, func(i int) *Contact {
		switch {
		case i < 2*n && i%2 == 0:
			return &Contact{FirstName: fmt.Sprintf("A%04d", i/2), LastName: "Ozz"}
		case i < 2*n:
			return &Contact{FirstName: fmt.Sprintf("B%04d", i/2), LastName: "Bzz"}
		}
		return &Contact{FirstName: fmt.Sprintf("C%04d", i-2*n), LastName: "O'Brien"}
	})
	p, err := f.s.Search(ctx, Query{Q: "o'b", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Contacts) != 10 || p.Contacts[0].FirstName != "C0000" || p.Total != 100 || p.TotalCapped {
		t.Errorf("o'b: %d contacts (first %q), total %d capped %v; want 10 from C0000, total 100",
			len(p.Contacts), p.Contacts[0].FirstName, p.Total, p.TotalCapped)
	}
}

// TestSearchApostropheNames: a name with an apostrophe is found by its
// joined prefix ("o'br", "obrien"), by its parts ("brien"), and with either
// apostrophe (' or ’).
func TestSearchApostropheNames(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	for _, n := range []string{"O'Brien", "d’Artagnan", "Obradović", "O Bryan"} {
		if _, err := s.Create(ctx, &Contact{FirstName: "Pat", LastName: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"o'br", []string{"Pat O'Brien"}},
		{"O’Brien", []string{"Pat O'Brien"}},
		{"obrien", []string{"Pat O'Brien"}},
		{"brien", []string{"Pat O'Brien"}},
		{"obr", []string{"Pat O'Brien", "Pat Obradović"}},
		{"d'art", []string{"Pat d’Artagnan"}},
		{"artag", []string{"Pat d’Artagnan"}},
		{"o bry", []string{"Pat O Bryan"}},
		{"pat o'b", []string{"Pat O Bryan", "Pat O'Brien"}}, // "ob" is too short to ask for
	} {
		p, err := s.Search(ctx, Query{Q: tc.q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range p.Contacts {
			got = append(got, c.DisplayName)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("search %q = %q, want %q", tc.q, got, tc.want)
		}
	}
	mustVerify(t, s)
}

// bulkPut stores n contacts made by mk in one bulk operation.
func bulkPut(t *testing.T, s *Store, n int, mk func(i int) *Contact) {
	t.Helper()
	if _, err := s.Bulk(context.Background(), func(b *Batch) error {
		for i := range n {
			if _, err := b.Put(mk(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSearchTokenCount: a one-word query counts its total exactly:
// a contact with several tokens of that prefix counts once,
// contacts the query may not see not at all, and the count stops at the
// query's CountLimit.
func TestSearchTokenCount(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	bulkPut(t, s, 90, func(i int) *Contact {
		c := &Contact{FirstName: fmt.Sprintf("Marko%02d", i), LastName: "Markovic", Source: SourceLocal,
			Emails: []Email{{Address: fmt.Sprintf("marko.markovic%d@example.com", i)}}}
		if i%3 == 0 {
			c.Scope, c.Owner = ScopePersonal, fmt.Sprintf("u%d", i%2)
		}
		return c
	})
	for _, tc := range []struct {
		q          Query
		wantTotal  int
		wantCapped bool
	}{
		{Query{Q: "mark"}, 90, false},
		{Query{Q: "markov"}, 90, false},
		{Query{Q: "marko.mark"}, 90, false},
		{Query{Q: "mark", Scope: ScopeGlobal}, 60, false},
		{Query{Q: "mark", VisibleTo: "u0"}, 75, false},
		{Query{Q: "mark", Scope: ScopePersonal, Owner: "u1"}, 15, false},
		{Query{Q: "mark", CountLimit: 40}, 40, true},
		{Query{Q: "marko1"}, 10, false},
	} {
		q := tc.q
		q.Limit = 8
		p, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != tc.wantTotal || p.TotalCapped != tc.wantCapped {
			t.Errorf("%+v: total %d capped %v, want %d %v", tc.q, p.Total, p.TotalCapped, tc.wantTotal, tc.wantCapped)
		}
		// The second page counts from its cursor's query alike.
		if p.NextCursor != "" {
			q.Cursor = p.NextCursor
			p2, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if p2.Total != tc.wantTotal || p2.TotalCapped != tc.wantCapped {
				t.Errorf("%+v, page 2: total %d capped %v, want %d %v", tc.q, p2.Total, p2.TotalCapped, tc.wantTotal, tc.wantCapped)
			}
		}
	}
}
