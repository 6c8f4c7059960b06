package phonebook

import (
	"context"
	"errors"
	"fmt"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
)

// Lookup answers "who is calling from this number?" with the matching
// order of notes/callerid.md §3.3: levels are tried in order (exact, then
// E.164, then national; short numbers as extensions only); the first level
// with a hit decides; several distinct contacts at that level make the
// answer ambiguous (no name), never an arbitrary pick. An exact hit is only
// a finer label of the E.164 level, so both are read together. Only global
// contacts answer caller-ID lookups.
func (s *Store) Lookup(ctx context.Context, number string) (LookupResult, error) {
	levels, e164, skip := s.num.Probe(number)
	if skip {
		return LookupResult{Match: MatchSkipped}, nil
	}
	res := LookupResult{Match: MatchNone, E164: e164}
	err := s.view(func(txn *badger.Txn) error {
		var hits []string
		var name, source string
		// collect adds the global contacts listed under the number keys:
		// one point read per key.
		collect := func(keys []string) error {
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
						if len(val) == 0 || val[0] != 'g' || slices.Contains(hits, string(id)) {
							return true
						}
						if len(hits) == 0 {
							_, _, source, name = splitNumValue(val)
						}
						hits = append(hits, string(id))
						return true
					})
				})
				if err != nil {
					return fmt.Errorf("number key %q: %w", k, err)
				}
			}
			return nil
		}
		for i, lv := range levels {
			hits = hits[:0]
			if err := collect(lv.Keys); err != nil {
				return err
			}
			if len(hits) > 0 && lv.Kind == MatchExact && i+1 < len(levels) && levels[i+1].Kind == MatchE164 {
				if err := collect(levels[i+1].Keys); err != nil {
					return err
				}
			}
			switch {
			case len(hits) == 1:
				res.Name, res.ContactID, res.Source, res.Match = name, hits[0], source, lv.Kind
				return nil
			case len(hits) > 1:
				res.Match = MatchAmbiguous
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return LookupResult{Match: MatchNone}, fmt.Errorf("lookup: %w", err)
	}
	return res, nil
}
