package phonebook

import (
	"context"
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
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: []byte(pfxNum)})
		defer it.Close()
		var hits []string
		var name, source string
		collect := func(keys []string) error {
			for _, k := range keys {
				prefix := []byte(pfxNum + k + sep)
				for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
					item := it.Item()
					id := string(item.Key()[len(prefix):])
					if slices.Contains(hits, id) {
						continue
					}
					var global bool
					var n, src string
					if err := item.Value(func(v []byte) error {
						global, _, src, n = splitNumValue(v)
						return nil
					}); err != nil {
						return err
					}
					if !global {
						continue
					}
					if len(hits) == 0 {
						name, source = n, src
					}
					hits = append(hits, id)
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
