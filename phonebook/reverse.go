package phonebook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// Lookup answers "who is calling from this number?" with the matching
// order of docs/asterisk.md ("Number matching"): levels are tried in order
// (exact, then E.164, then national; short numbers as extensions only); the
// first level with a hit decides; several distinct contacts at that level make the
// answer ambiguous (no name), never an arbitrary pick. An exact hit is only
// a finer label of the E.164 level, so both are read together. Only global
// contacts answer caller-ID lookups.
//
// Lookups are answered from the in-memory caller index (see
// callerindex.go), or from the ix/num lists while it is being rebuilt.
func (s *Store) Lookup(ctx context.Context, number string) (LookupResult, error) {
	levels, e164, skip := s.num.Probe(number)
	if skip {
		return LookupResult{Match: MatchSkipped}, nil
	}
	if x := s.callers.Load(); x != nil {
		res, _, _ := decideLookup(levels, e164, false, func(keys []string, hs *hitSet) error {
			for _, k := range keys {
				if h, ok := x.get(k); ok {
					hs.add(h)
				}
			}
			return nil
		})
		return res, nil
	}
	res, _, err := s.lookupStore(levels, e164)
	return res, err
}

// Candidate is one of the contacts an ambiguous number belongs to.
type Candidate struct {
	// ContactID is the contact's id.
	ContactID string `json:"contact_id" doc:"The contact's id" example:"01JEQ7G8ZK4M2N5P6R7S8T9V0W"`
	// Name is its display name.
	Name string `json:"name" doc:"The contact's display name" example:"Jürgen Müller"`
	// Source is where it comes from ("local", "csv", a sync source).
	Source string `json:"source" doc:"The contact's source (local, csv or a sync source's id)" example:"local"`
}

// LookupCandidates is Lookup that, when the answer is ambiguous, also
// lists the global contacts sharing the number at the level that decided
// (at most max of them, in id order, i.e. creation order; total counts
// them all). It reads the store's number lists, not the caller index: it
// serves an administrator asking why a number has no name, not a call.
func (s *Store) LookupCandidates(ctx context.Context, number string, max int) (res LookupResult, cands []Candidate, total int, err error) {
	res, err = s.Lookup(ctx, number)
	if err != nil || res.Match != MatchAmbiguous {
		return res, nil, 0, err
	}
	levels, e164, _ := s.num.Probe(number)
	res, hits, err := s.lookupStore(levels, e164)
	if err != nil {
		return res, nil, 0, err
	}
	slices.SortFunc(hits, func(a, b callerHit) int { return strings.Compare(a.id, b.id) })
	total = len(hits)
	if max >= 0 && len(hits) > max {
		hits = hits[:max]
	}
	cands = make([]Candidate, len(hits))
	for i, h := range hits {
		cands[i] = Candidate{ContactID: h.id, Name: h.name, Source: h.source}
	}
	return res, cands, total, nil
}

// lookupStore is Lookup on the ix/num lists: one point read per key. It
// also returns the distinct contacts found at the deciding level.
func (s *Store) lookupStore(levels []ProbeLevel, e164 string) (LookupResult, []callerHit, error) {
	var res LookupResult
	var hits []callerHit
	err := s.view(func(txn *badger.Txn) error {
		var err error
		res, hits, err = decideLookup(levels, e164, true, func(keys []string, hs *hitSet) error {
			for _, k := range keys {
				item, err := txn.Get(kNum(k))
				if errors.Is(err, badger.ErrKeyNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				err = item.Value(func(v []byte) error {
					return walkNumList(v, func(id, val []byte) bool {
						if len(val) == 0 || val[0] != 'g' || hs.has(id) {
							return true
						}
						_, _, source, name := splitNumValue(val)
						hs.add(callerHit{id: string(id), source: source, name: name})
						return true
					})
				})
				if err != nil {
					return fmt.Errorf("number key %q: %w", k, err)
				}
			}
			return nil
		})
		return err
	})
	if err != nil {
		return LookupResult{Match: MatchNone}, nil, fmt.Errorf("lookup: %w", err)
	}
	return res, hits, nil
}

// hitSet gathers the distinct global contacts found under a level's keys.
type hitSet struct {
	first     callerHit
	ids       []string
	hits      []callerHit // the distinct hits, when keep is set
	keep      bool
	ambiguous bool
}

func (hs *hitSet) add(h callerHit) {
	switch {
	case h.ambiguous:
		hs.ambiguous = true
	case !slices.Contains(hs.ids, h.id):
		if len(hs.ids) == 0 {
			hs.first = h
		}
		hs.ids = append(hs.ids, h.id)
		if hs.keep {
			hs.hits = append(hs.hits, h)
		}
	}
}

func (hs *hitSet) has(id []byte) bool {
	for _, x := range hs.ids {
		if x == string(id) {
			return true
		}
	}
	return false
}

func (hs *hitSet) empty() bool { return !hs.ambiguous && len(hs.ids) == 0 }

// decideLookup runs the matching order over levels, with collect adding
// the global contacts listed under some number keys; it also returns the
// distinct contacts of the deciding level when keep is set (complete when
// collect reads the store's lists; the caller index knows only that a key
// is ambiguous).
func decideLookup(levels []ProbeLevel, e164 string, keep bool, collect func(keys []string, hs *hitSet) error) (LookupResult, []callerHit, error) {
	res := LookupResult{Match: MatchNone, E164: e164}
	var hs hitSet
	for i, lv := range levels {
		hs = hitSet{ids: hs.ids[:0], keep: keep}
		if err := collect(lv.Keys, &hs); err != nil {
			return res, nil, err
		}
		if !hs.empty() && lv.Kind == MatchExact && i+1 < len(levels) && levels[i+1].Kind == MatchE164 {
			if err := collect(levels[i+1].Keys, &hs); err != nil {
				return res, nil, err
			}
		}
		switch {
		case hs.ambiguous || len(hs.ids) > 1:
			res.Match = MatchAmbiguous
			return res, hs.hits, nil
		case len(hs.ids) == 1:
			res.Name, res.ContactID, res.Source, res.Match = hs.first.name, hs.first.id, hs.first.source, lv.Kind
			return res, hs.hits, nil
		}
	}
	return res, nil, nil
}
