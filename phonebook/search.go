package phonebook

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

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
		return hit{}, fmt.Errorf("cursor: not a cursor from a previous page")
	}
	i := bytes.LastIndexByte(b, 0)
	if i < 0 {
		return hit{}, fmt.Errorf("cursor: not a cursor from a previous page")
	}
	return hit{string(b[:i]), string(b[i+1:])}, nil
}

func (q *Query) normalise() error {
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return fmt.Errorf("limit: must be 1–%d", MaxLimit)
	}
	if q.Scope != "" && !q.Scope.Valid() {
		return fmt.Errorf("scope: must be %q or %q", ScopeGlobal, ScopePersonal)
	}
	return nil
}

// Search returns one page of the contacts matching q, sorted by display
// name, with the total number of matches.
func (s *Store) Search(ctx context.Context, q Query) (Page, error) {
	if err := q.normalise(); err != nil {
		return Page{}, &ValidationError{Fields: []FieldError{{Field: strings.SplitN(err.Error(), ":", 2)[0], Message: err.Error()}}}
	}
	var after *hit
	if q.Cursor != "" {
		h, err := parseCursor(q.Cursor)
		if err != nil {
			return Page{}, &ValidationError{Fields: []FieldError{{Field: "cursor", Message: err.Error()}}}
		}
		after = &h
	}
	var page Page
	err := s.view(func(txn *badger.Txn) error {
		hits, err := s.matches(ctx, txn, &q)
		if err != nil {
			return err
		}
		page.Total = len(hits)
		start := 0
		if after != nil {
			start, _ = slices.BinarySearchFunc(hits, *after, cmpHit)
			if start < len(hits) && cmpHit(hits[start], *after) == 0 {
				start++
			}
		}
		end := min(start+q.Limit, len(hits))
		page.Contacts = make([]*Contact, 0, end-start)
		for _, h := range hits[start:end] {
			c, _, err := loadRecord(txnRW{txn}, h.id)
			if err != nil {
				return fmt.Errorf("load %s: %w", h.id, err)
			}
			page.Contacts = append(page.Contacts, c)
		}
		if end < len(hits) {
			page.NextCursor = hits[end-1].cursor()
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("search: %w", err)
	}
	return page, nil
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
		hits, err := s.matches(ctx, txn, &q)
		if err != nil {
			return err
		}
		for _, h := range hits {
			c, _, err := loadRecord(txnRW{txn}, h.id)
			if err != nil {
				return err
			}
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// matches returns every hit of q, sorted.
func (s *Store) matches(ctx context.Context, txn *badger.Txn, q *Query) ([]hit, error) {
	text := strings.TrimSpace(q.Q)
	var hits []hit
	switch {
	case text == "":
		err := scanSorted(ctx, txn, q, func(h hit) error { hits = append(hits, h); return nil })
		return hits, err
	case IsNumberQuery(text):
		d := Digits(text)
		if d == "" {
			return nil, nil
		}
		// Number keys hold the cleaned form as written (x:061…, x:+387…)
		// and the E.164 form (e164:+387…): a digit prefix of either finds it.
		ids := map[string]bool{}
		for _, p := range []string{"x:" + d, "x:+" + d, "e164:+" + d} {
			prefix := []byte(pfxNum + p)
			err := scanKV(ctx, txn, prefix, func(k, v []byte) error {
				if !q.visible(v) {
					return nil
				}
				i := bytes.LastIndexByte(k, 0)
				if i < 0 || ids[string(k[i+1:])] {
					return nil
				}
				id := string(k[i+1:])
				ids[id] = true
				_, _, _, name := splitNumValue(v)
				sk := Fold(name)
				if len(sk) > 48 {
					sk = sk[:48]
				}
				hits = append(hits, hit{sk, id})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	default:
		words := queryTokens(text)
		if len(words) == 0 {
			return nil, nil
		}
		var set map[string]string // id → sort key
		for i, w := range words {
			cur := map[string]string{}
			prefix := []byte(pfxToken + w)
			err := scanKV(ctx, txn, prefix, func(k, v []byte) error {
				if !q.visible(v) {
					return nil
				}
				rest := k[len(pfxToken):]
				parts := bytes.Split(rest, []byte(sep))
				if len(parts) != 3 {
					return nil
				}
				id := string(parts[2])
				if i > 0 {
					if _, ok := set[id]; !ok {
						return nil
					}
				}
				cur[id] = string(parts[1])
				return nil
			})
			if err != nil {
				return nil, err
			}
			set = cur
			if len(set) == 0 {
				break
			}
		}
		hits = make([]hit, 0, len(set))
		for id, sk := range set {
			hits = append(hits, hit{sk, id})
		}
	}
	slices.SortFunc(hits, cmpHit)
	return hits, nil
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
		out = append(out, Tokens(f)...)
	}
	return out
}
