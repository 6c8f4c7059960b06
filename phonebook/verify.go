package phonebook

import (
	"context"
	"errors"
	"fmt"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Contacts int      `json:"contacts"`
	Problems []string `json:"problems,omitempty"`
}

// Verify checks, at one generation, that every contact's index entries
// exist and that every index entry leads to a contact that has it. It reads
// the whole store: an admin and test tool, not for the hot path.
func (s *Store) Verify(ctx context.Context) (VerifyReport, error) {
	var r VerifyReport
	const maxProblems = 50
	problem := func(f string, a ...any) {
		if len(r.Problems) < maxProblems {
			r.Problems = append(r.Problems, fmt.Sprintf(f, a...))
		}
	}
	err := s.view(func(txn *badger.Txn) error {
		w := txnRW{txn}
		expected := map[string]bool{} // every plain index key the contacts imply
		numExpected := map[string][]string{}
		err := scanKV(ctx, txn, []byte(pfxContact), func(k, v []byte) error {
			c, nk, err := decodeRecord(v)
			if err != nil {
				problem("%s: %v", k, err)
				return nil
			}
			r.Contacts++
			if string(k) != pfxContact+c.ID {
				problem("%s holds contact %s", k, c.ID)
			}
			for _, key := range indexEntries(c, nil).keys {
				expected[string(key)] = true
			}
			for _, key := range nk {
				numExpected[key] = append(numExpected[key], c.ID)
			}
			if _, err := w.get(kName(c.ID)); err != nil {
				problem("contact %s: no name entry", c.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range []string{pfxDigits, pfxToken, pfxSort, pfxSource} {
			err := scanKV(ctx, txn, []byte(p), func(k, v []byte) error {
				if expected[string(k)] {
					delete(expected, string(k))
					return nil
				}
				if p == pfxSource {
					// A synced contact deleted locally keeps its mapping.
					if _, err := w.get(kOverlay(string(v))); err == nil {
						return nil
					}
				}
				problem("stale index entry %q", k)
				return nil
			})
			if err != nil {
				return err
			}
		}
		for k := range expected {
			problem("missing index entry %q", k)
		}
		err = scanKV(ctx, txn, []byte(pfxNum), func(k, v []byte) error {
			key := string(k[len(pfxNum):])
			got := splitIDs(v)
			want := numExpected[key]
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				problem("number key %q lists %v, contacts say %v", key, got, want)
			}
			delete(numExpected, key)
			return nil
		})
		if err != nil {
			return err
		}
		for k, ids := range numExpected {
			problem("number key %q missing for %v", k, ids)
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return r, fmt.Errorf("verify: %w", err)
	}
	return r, err
}
