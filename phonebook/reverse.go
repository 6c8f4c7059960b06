package phonebook

import (
	"context"
	"errors"
	"fmt"
	"slices"

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
		res, _ := decideLookup(levels, e164, func(keys []string, hs *hitSet) error {
			for _, k := range keys {
				if h, ok := x.get(k); ok {
					hs.add(h)
				}
			}
			return nil
		})
		return res, nil
	}
	return s.lookupStore(levels, e164)
}

// lookupStore is Lookup on the ix/num lists: one point read per key.
func (s *Store) lookupStore(levels []ProbeLevel, e164 string) (LookupResult, error) {
	res, _, err := s.lookupStoreHits(levels, e164)
	return res, err
}

// LookupCandidates returns the global contacts that make a Lookup of
// number ambiguous: those found at the level that decided it, at most
// limit, in the order the number lists hold them. It is empty when the
// lookup is not ambiguous. It reads the ix/num lists, which list every
// contact of a number, where the caller index keeps only that there are
// several.
func (s *Store) LookupCandidates(ctx context.Context, number string, limit int) ([]*Contact, error) {
	levels, e164, skip := s.num.Probe(number)
	if skip {
		return nil, nil
	}
	res, ids, err := s.lookupStoreHits(levels, e164)
	if err != nil || res.Match != MatchAmbiguous {
		return nil, err
	}
	var out []*Contact
	for _, id := range ids {
		if len(out) == limit {
			break
		}
		c, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("lookup candidates: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// lookupStoreHits is lookupStore that also returns the ids found at the
// deciding level.
func (s *Store) lookupStoreHits(levels []ProbeLevel, e164 string) (LookupResult, []string, error) {
	var res LookupResult
	var last *hitSet
	err := s.view(func(txn *badger.Txn) error {
		var err error
		res, err = decideLookup(levels, e164, func(keys []string, hs *hitSet) error {
			last = hs
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
	var ids []string
	if last != nil {
		ids = slices.Clone(last.ids)
	}
	return res, ids, nil
}

// hitSet gathers the distinct global contacts found under a level's keys.
type hitSet struct {
	first     callerHit
	ids       []string
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
// the global contacts listed under some number keys.
func decideLookup(levels []ProbeLevel, e164 string, collect func(keys []string, hs *hitSet) error) (LookupResult, error) {
	res := LookupResult{Match: MatchNone, E164: e164}
	var hs hitSet
	for i, lv := range levels {
		hs = hitSet{ids: hs.ids[:0]}
		if err := collect(lv.Keys, &hs); err != nil {
			return res, err
		}
		if !hs.empty() && lv.Kind == MatchExact && i+1 < len(levels) && levels[i+1].Kind == MatchE164 {
			if err := collect(levels[i+1].Keys, &hs); err != nil {
				return res, err
			}
		}
		switch {
		case hs.ambiguous || len(hs.ids) > 1:
			res.Match = MatchAmbiguous
			return res, nil
		case len(hs.ids) == 1:
			res.Name, res.ContactID, res.Source, res.Match = hs.first.name, hs.first.id, hs.first.source, lv.Kind
			return res, nil
		}
	}
	return res, nil
}
