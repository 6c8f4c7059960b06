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
	var res LookupResult
	err := s.view(func(txn *badger.Txn) error {
		var err error
		res, err = decideLookup(levels, e164, func(keys []string, hs *hitSet) error {
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
		return LookupResult{Match: MatchNone}, fmt.Errorf("lookup: %w", err)
	}
	return res, nil
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
