package phonebook

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// Search plans. Name queries are answered by the in-memory name index
// (nameindex.go, namesearch.go); without it (it failed to build) they walk
// ix/sort from the cursor, each entry's value (its contact's tokens)
// checked against every word. Number queries walk the ix/pfx bucket of
// their first digits (ix/sort when shorter) and, when scanBudget entries
// do not fill the page, collect their ix/num ranges when small
// (numberProbeLimit entries), else walk on to the end.
//
// Totals of walks count matches from the start of the range up to
// TotalCap, reading at most countBudget entries (Page.TotalCapped).
const (
	// scanBudget is how many entries a walk reads to fill a page before
	// trying the selective plan.
	scanBudget = 1024
	// countBudget caps the index entries read to count matches beyond a page.
	countBudget = 1024
	// numberProbeLimit is how many ix/num entries are read to decide
	// whether a number query is selective; its matches are then collected.
	numberProbeLimit = 4096
)

// TotalCap is the count up to which Page.Total is exact for queries that
// match many contacts; beyond it Page.TotalCapped is set.
const TotalCap = 1000

// hit is one matching contact: its sort key and id.
type hit struct{ sort, id string }

func (h hit) cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(h.sort + sep + h.id))
}
func cmpHit(a, b hit) int { return cmpStr2(a.sort, a.id, b.sort, b.id) }
func cmpStr2(a1, a2, b1, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}

func parseCursor(s string) (hit, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return hit{}, &QueryError{Param: "cursor", Message: "not the next_cursor of a previous page"}
	}
	i := bytes.LastIndexByte(b, 0)
	if i < 0 {
		return hit{}, &QueryError{Param: "cursor", Message: "not the next_cursor of a previous page"}
	}
	return hit{string(b[:i]), string(b[i+1:])}, nil
}

func (q *Query) normalise() error {
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return &QueryError{Param: "limit", Message: fmt.Sprintf("must be 1–%d", MaxLimit)}
	}
	if q.Scope != "" && !q.Scope.Valid() {
		return &QueryError{Param: "scope", Message: fmt.Sprintf("must be %q or %q", ScopeGlobal, ScopePersonal)}
	}
	return nil
}

// Search returns one page of the contacts matching q, sorted by display
// name (folded), with the total number of matches (exact up to TotalCap;
// see Page.TotalCapped).
func (s *Store) Search(ctx context.Context, q Query) (Page, error) {
	if err := q.normalise(); err != nil {
		return Page{}, err
	}
	var after *hit
	if q.Cursor != "" {
		h, err := parseCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		after = &h
	}
	var page Page
	err := errIndexBehind
	// A write published after the name index answered may have removed a
	// contact of the page (the index follows each write right after it is
	// published): ask the index again, then the store.
	for try := 0; try < 2 && errors.Is(err, errIndexBehind); try++ {
		mem, handled, merr := s.searchMemory(ctx, &q, after, q.Limit, true)
		if merr != nil {
			return Page{}, fmt.Errorf("search: %w", merr)
		}
		page, err = s.searchPage(ctx, &q, after, mem, handled)
	}
	if errors.Is(err, errIndexBehind) {
		page, err = s.searchPage(ctx, &q, after, result{}, false)
	}
	if err != nil {
		return Page{}, fmt.Errorf("search: %w", err)
	}
	return page, nil
}

// errIndexBehind says that a hit of the name index is no longer stored.
var errIndexBehind = errors.New("name index behind the store")

// searchMemory answers q from the name index when it is a name query
// (handled is false otherwise). While the index is being built (after a
// start or a load) it waits for it: without the index the store can only
// walk every contact. Only when no index could be built is handled false.
func (s *Store) searchMemory(ctx context.Context, q *Query, after *hit, limit int, count bool) (r result, handled bool, err error) {
	text := strings.TrimSpace(q.Q)
	if text == "" || IsNumberQuery(text) {
		return result{}, false, nil
	}
	x := s.names.Load()
	if x == nil {
		if err := s.WaitNameIndex(ctx); err != nil {
			return result{}, false, err
		}
		if x = s.names.Load(); x == nil {
			return result{}, false, nil
		}
	}
	words, ok := searchWords(text)
	if !ok {
		return result{}, true, nil
	}
	r, err = x.searchNames(ctx, q, words, after, limit, count)
	return r, true, err
}

// searchPage reads the records of a page: the hits of r when handled,
// else of a search of the store.
func (s *Store) searchPage(ctx context.Context, q *Query, after *hit, r result, handled bool) (Page, error) {
	var page Page
	// The hits' slots, looked up before the read transaction opens (see
	// recordcache.go): the cache's key for each record.
	var x *nameIndex
	var slots []uint32
	if handled && s.recs != nil {
		if x = s.names.Load(); x != nil {
			slots = x.liveSlots(r.hits)
		}
	}
	err := s.view(func(txn *badger.Txn) error {
		if !handled {
			var err error
			if r, err = searchTxn(ctx, txn, q, after, q.Limit, true); err != nil {
				return err
			}
		}
		page.Total, page.TotalCapped = r.total, r.capped
		page.Contacts = make([]*Contact, 0, len(r.hits))
		for i, h := range r.hits {
			var c *Contact
			var err error
			if slots != nil {
				c, err = s.cachedRecord(txn, x, slots[i], h.id)
			} else {
				c, _, err = loadRecord(txnRW{txn}, h.id)
			}
			if handled && errors.Is(err, ErrNotFound) {
				return errIndexBehind
			}
			if err != nil {
				return fmt.Errorf("load %s: %w", h.id, err)
			}
			page.Contacts = append(page.Contacts, c)
		}
		if r.more && len(r.hits) > 0 {
			page.NextCursor = r.hits[len(r.hits)-1].cursor()
		}
		return nil
	})
	return page, err
}

// Iterate calls fn for every contact matching q in display-name order
// (q.Limit and q.Cursor are ignored). It reads one consistent generation.
func (s *Store) Iterate(ctx context.Context, q Query, fn func(*Contact) error) error {
	q.Limit, q.Cursor = MaxLimit, ""
	if err := q.normalise(); err != nil {
		return err
	}
	return s.view(func(txn *badger.Txn) error {
		if strings.TrimSpace(q.Q) == "" {
			// Stream in index order without collecting.
			return scanSorted(ctx, txn, &q, func(h hit) error {
				c, _, err := loadRecord(txnRW{txn}, h.id)
				if err != nil {
					return err
				}
				return fn(c)
			})
		}
		var after *hit
		for {
			r, handled, err := s.searchMemory(ctx, &q, after, MaxLimit, false)
			if err == nil && !handled {
				r, err = searchTxn(ctx, txn, &q, after, MaxLimit, false)
			}
			if err != nil {
				return err
			}
			for _, h := range r.hits {
				c, _, err := loadRecord(txnRW{txn}, h.id)
				if handled && errors.Is(err, ErrNotFound) {
					continue // deleted after the name index answered
				}
				if err != nil {
					return err
				}
				if err := fn(c); err != nil {
					return err
				}
			}
			if !r.more || len(r.hits) == 0 {
				return nil
			}
			after = &r.hits[len(r.hits)-1]
		}
	})
}

// result is one page of hits of a plan.
type result struct {
	hits   []hit
	more   bool // matches follow the page
	total  int
	capped bool // total is a lower bound
}

// matcher checks an index value (visibility, NUL, source, then NUL-led
// tokens, then for ix/sort \x01 and NUL-led number keys) against the
// query's words or number prefixes.
type matcher struct {
	q      *Query
	any    bool     // q has no filter: every entry is visible
	words  [][]byte // each must start some token
	nums   [][]byte // number key prefixes: one must start some number key
	single bool     // no words nor numbers: visibility decides
}

func newMatcher(q *Query, words []string, nums []string) *matcher {
	m := &matcher{q: q, any: q.Source == "" && q.VisibleTo == "" && q.Scope == "" && q.Owner == ""}
	for _, w := range words {
		m.words = append(m.words, []byte(w))
	}
	for _, p := range nums {
		m.nums = append(m.nums, []byte(p))
	}
	m.single = len(m.words) == 0 && len(m.nums) == 0
	return m
}

// visible is q.visible, without parsing when q has no filter.
func (m *matcher) visible(v []byte) bool {
	if m.any {
		return len(v) > 0
	}
	return m.q.visible(v)
}

// match reports whether value v passes the filters and every word (and a
// number prefix, for a number query).
func (m *matcher) match(v []byte) bool {
	if !m.visible(v) {
		return false
	}
	if m.single {
		return true
	}
	toks := itemList(v)
	var nums []byte
	if i := bytes.IndexByte(toks, 1); i >= 0 {
		toks, nums = toks[:i], toks[i+1:]
	}
	for _, w := range m.words {
		if !hasItemPrefix(toks, w) {
			return false
		}
	}
	if len(m.nums) > 0 {
		for _, p := range m.nums {
			if hasItemPrefix(nums, p) {
				return true
			}
		}
		return false
	}
	return true
}

// hasItemPrefix reports whether some item of list (NUL-led items, which
// hold no control characters) starts with w (non-empty, without control
// characters). It searches for w itself rather than for NUL+w: a NUL leads
// every item, so a search led by it stops at each one.
func hasItemPrefix(list, w []byte) bool {
	for len(list) > 0 {
		i := bytes.Index(list, w)
		if i < 0 {
			return false
		}
		if i > 0 && list[i-1] == 0 {
			return true
		}
		list = list[i+1:]
	}
	return false
}

// itemList returns the items part of an ix/pfx or ix/sort value: what
// follows the NUL after the source, starting with NUL.
func itemList(v []byte) []byte {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(v[i+1:], 0)
	if j < 0 {
		return nil
	}
	return v[i+1+j:]
}

// searchWords returns the query's words: distinct, without words that
// are a prefix of another (implied by it), longest first. ok is false when
// a word can never match (it holds a NUL or control character).
func searchWords(text string) (words []string, ok bool) {
	for _, w := range queryTokens(text) {
		if strings.ContainsFunc(w, func(r rune) bool { return r < 0x20 }) {
			return nil, false
		}
		if len(w) > 64 {
			w = w[:64] // tokens are cut to 64 bytes when indexed
		}
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	out := words[:0]
	for _, w := range words {
		implied := false
		for _, o := range out {
			if strings.HasPrefix(o, w) {
				implied = true
				break
			}
		}
		if !implied {
			out = append(out, w)
		}
	}
	return out, len(out) > 0
}

// searchTxn returns up to limit hits of q after the cursor, in order, and
// (when count is set) the total.
func searchTxn(ctx context.Context, txn *badger.Txn, q *Query, after *hit, limit int, count bool) (result, error) {
	text := strings.TrimSpace(q.Q)
	m := newMatcher(q, nil, nil)
	switch {
	case text == "":
		r, _, err := scanPage(ctx, txn, []byte(pfxSort), m, after, limit, count, 0, -1)
		return r, err
	case IsNumberQuery(text):
		d := Digits(text)
		if d == "" {
			return result{}, nil
		}
		prefixes := []string{"x:" + d, "x:+" + d, "e164:+" + d}
		if text[0] != '+' {
			prefixes = append(prefixes, "ext:"+d) // internal extensions
		}
		m = newMatcher(q, nil, prefixes)
		// Keys are x:<cleaned number>, e164:+<digits> or ext:<digits>: a match starts
		// with the query's digits, so it is in the bucket of their start.
		driver := []byte(pfxSort)
		if len(d) >= numBucketLen {
			driver = []byte(pfxBucket + "#" + d[:numBucketLen] + sep)
		}
		r, stop, err := scanPage(ctx, txn, driver, m, after, limit, count, scanBudget, -1)
		if err != nil || stop == nil {
			return r, err
		}
		set, complete, err := probeNumbers(ctx, txn, q, prefixes, numberProbeLimit)
		if err != nil {
			return result{}, err
		}
		if complete {
			return pageOf(set, after, limit), nil
		}
		return resumeWalk(ctx, txn, driver, m, after, r, stop, limit, count)
	}
	words, ok := searchWords(text)
	if !ok {
		return result{}, nil
	}
	m = newMatcher(q, words, nil)
	// Since schema 6 the name index answers name queries (Store.Search);
	// without it the store walks ix/sort, whose values hold every token.
	r, _, err := scanPage(ctx, txn, []byte(pfxSort), m, after, limit, count, 0, -1)
	return r, err
}

// resumeWalk continues a walk that stopped at its budget (r holds its hits
// so far) to the end of the page, and counts.
//
// A walk that started at the range's start (after is nil) counts on from
// where it is, as one walk from the start would: reading the start again
// would only find the matches it already has.
func resumeWalk(ctx context.Context, txn *badger.Txn, driver []byte, m *matcher, after *hit, r result, stop *hit, limit int, count bool) (result, error) {
	base := -1
	if after == nil {
		base = len(r.hits)
	}
	r2, _, err := scanPage(ctx, txn, driver, m, stop, limit-len(r.hits), count && after == nil, 0, base)
	if err != nil {
		return result{}, err
	}
	r.hits, r.more = append(r.hits, r2.hits...), r2.more
	if count && after == nil {
		r.total, r.capped = r2.total, r2.capped
	} else if count {
		if r.total, r.capped, err = countRange(ctx, txn, driver, m); err != nil {
			return result{}, err
		}
	}
	return r, nil
}

// pageOf pages a complete, sorted, deduplicated set of hits.
func pageOf(set []hit, after *hit, limit int) result {
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(set, *after, cmpHit)
		if start < len(set) && cmpHit(set[start], *after) == 0 {
			start++
		}
	}
	end := min(start+limit, len(set))
	return result{hits: set[start:end], more: end < len(set), total: len(set)}
}

// sortUnique sorts hits and drops repeated ids (a contact found under
// several tokens or number keys).
func sortUnique(hs []hit) []hit {
	slices.SortFunc(hs, cmpHit)
	return slices.CompactFunc(hs, func(a, b hit) bool { return a.id == b.id && a.sort == b.sort })
}

// probeNumbers reads the ix/num ranges of a number query's prefixes; when
// they list at most limit contacts together it returns the visible hits,
// sorted and unique, and complete = true.
func probeNumbers(ctx context.Context, txn *badger.Txn, q *Query, prefixes []string, limit int) ([]hit, bool, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pfxNum), PrefetchValues: false})
	defer it.Close()
	var hs []hit
	n := 0
	folded := map[string]string{} // display name → sort key
	for _, p := range prefixes {
		prefix := []byte(pfxNum + p)
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				return walkNumList(v, func(id, val []byte) bool {
					if n++; n > limit {
						return false
					}
					if !q.visible(val) {
						return true
					}
					_, _, _, name := splitNumValue(val)
					sk, seen := folded[name]
					if !seen {
						if sk = Fold(name); len(sk) > 48 {
							sk = sk[:48]
						}
						folded[name] = sk
					}
					hs = append(hs, hit{sk, string(id)})
					return true
				})
			})
			if err != nil {
				return nil, false, err
			}
			if n > limit {
				return nil, false, nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	return sortUnique(hs), true, nil
}

// scanPage walks a sorted index range (keys prefix+<sort>\0<id>) from the
// cursor, collecting up to limit entries that m matches, and (count set)
// counts the matches from the start of the range up to TotalCap or
// countBudget entries read. With budget > 0, a walk that reads budget
// entries without filling the page stops and returns the hits so far and
// stop, the position to resume after (and no total). With base >= 0 the
// walk goes on with a walk from the range's start that stopped at after
// with base matches: it counts on from there.
func scanPage(ctx context.Context, txn *badger.Txn, prefix []byte, m *matcher, after *hit, limit int, count bool, budget, base int) (r result, stop *hit, err error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	seek := prefix
	if after != nil {
		seek = append(append(append(slices.Clip(prefix), after.sort...), 0), after.id...)
	}
	ok := false
	check := func(v []byte) error { ok = m.match(v); return nil }
	const (
		collecting  = iota // filling the page
		counting           // page full, walk from the start: count on
		seekingMore        // page full: is there one more match?
	)
	mode := collecting
	var last []byte                        // the last key read, while collecting with a budget
	counted := max(base, 0)                // matches so far (a total when the walk started at the start)
	fromStart := after == nil || base >= 0 // counted is a count from the range's start
	read, n := 0, 0
	for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return result{}, nil, err
			}
		}
		item := it.Item()
		k := item.Key()
		if n == 1 && after != nil && bytes.Equal(k, seek) {
			continue
		}
		switch mode {
		case collecting:
			if budget > 0 && n > budget && len(last) > 0 {
				// Resume after the last entry read.
				rest := last[len(prefix):]
				i := bytes.LastIndexByte(rest, 0)
				h := hit{string(rest[:i]), string(rest[i+1:])}
				return r, &h, nil
			}
			if budget > 0 && bytes.LastIndexByte(k[len(prefix):], 0) >= 0 {
				last = append(last[:0], k...)
			}
		case counting:
			if read++; read > countBudget || counted >= m.q.countCap() {
				r.capped = true
				if r.more {
					return finishCount(r, counted, fromStart, count), nil, nil
				}
				mode = seekingMore
			}
		}
		if err := item.Value(check); err != nil {
			return result{}, nil, err
		}
		if !ok {
			continue
		}
		switch mode {
		case collecting:
			rest := k[len(prefix):]
			i := bytes.LastIndexByte(rest, 0)
			if i < 0 {
				continue
			}
			r.hits = append(r.hits, hit{string(rest[:i]), string(rest[i+1:])})
			counted++
			if len(r.hits) == limit {
				mode = seekingMore
				if fromStart && count {
					mode = counting
				}
			}
			continue
		case counting:
			r.more = true
			counted++
			continue
		}
		r.more = true // seekingMore
		break
	}
	if mode == seekingMore && r.capped && !r.more {
		r.capped = false // the walk reached the end: counted is exact
	}
	if count && !fromStart {
		t, capped, err := countRange(ctx, txn, prefix, m)
		if err != nil {
			return result{}, nil, err
		}
		r.total, r.capped = t, capped
		return r, nil, nil
	}
	return finishCount(r, counted, fromStart, count), nil, nil
}

// finishCount sets the total of a walk that started at its range's start.
func finishCount(r result, counted int, fromStart, count bool) result {
	if count && fromStart {
		r.total = counted
	}
	return r
}

// countRange counts the matches of m in a range from its start, up to
// TotalCap matches or countBudget entries read (capped = true then).
func countRange(ctx context.Context, txn *badger.Txn, prefix []byte, m *matcher) (int, bool, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	ok := false
	check := func(v []byte) error { ok = m.match(v); return nil }
	n, read := 0, 0
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if read++; read > countBudget || n >= m.q.countCap() {
			return n, true, nil
		}
		if err := it.Item().Value(check); err != nil {
			return 0, false, err
		}
		if ok {
			n++
		}
	}
	return n, false, ctx.Err()
}

// scanSorted walks ix/sort in order, calling fn for visible entries.
func scanSorted(ctx context.Context, txn *badger.Txn, q *Query, fn func(hit) error) error {
	return scanKV(ctx, txn, []byte(pfxSort), func(k, v []byte) error {
		if !q.visible(v) {
			return nil
		}
		rest := k[len(pfxSort):]
		i := bytes.LastIndexByte(rest, 0)
		if i < 0 {
			return nil
		}
		return fn(hit{string(rest[:i]), string(rest[i+1:])})
	})
}

// scanKV iterates a prefix with values (index values are small and inline).
func scanKV(ctx context.Context, txn *badger.Txn, prefix []byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	n := 0
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		item := it.Item()
		if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
			return err
		}
	}
	return nil
}

// Scan calls fn for every contact in creation order (ids are ULIDs), at one
// consistent generation: the export order.
func (s *Store) Scan(ctx context.Context, fn func(*Contact) error) error {
	return s.view(func(txn *badger.Txn) error {
		return scanKV(ctx, txn, []byte(pfxContact), func(k, v []byte) error {
			c, _, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			return fn(c)
		})
	})
}

// queryTokens splits search text into tokens; a word with '@' is kept whole
// (lower-cased) so it matches e-mail addresses and "@domain" by prefix.
func queryTokens(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		if strings.Contains(f, "@") {
			out = append(out, strings.ToLower(f))
			continue
		}
		// A word with an apostrophe also gives its joined form (see
		// JoinedTokens) when that fills a bucket: "o'br" asks for "obr",
		// "o" and "br"; "o'b" only for "o" and "b" ("ob" would make the
		// query selective without a bucket to walk).
		out = append(out, Tokens(f)...)
		for _, j := range JoinedTokens(f) {
			if len(j) >= bucketLen {
				out = append(out, j)
			}
		}
	}
	return out
}
