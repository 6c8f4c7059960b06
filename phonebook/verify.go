package phonebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
		expected := map[string][]byte{} // every index key the contacts imply, with its value
		nums := map[string][]numEntry{} // every number key the contacts imply, with its list
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
			e := indexEntries(c, nk)
			for i, key := range e.keys {
				expected[string(key)] = e.vals[i]
			}
			nv := numValue(c)
			for _, k := range nk {
				key := string(kNum(k))
				nums[key] = append(nums[key], numEntry{id: c.ID, val: nv})
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = scanKV(ctx, txn, []byte(pfxNum), func(k, v []byte) error {
			want, ok := nums[string(k)]
			if !ok {
				problem("stale number index entry %q", k)
				return nil
			}
			delete(nums, string(k))
			slices.SortFunc(want, func(a, b numEntry) int { return strings.Compare(a.id, b.id) })
			if !bytes.Equal(v, encodeNumList(want)) {
				problem("number index entry %q: value %q, want %q", k, v, encodeNumList(want))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for k := range nums {
			problem("missing number index entry %q", k)
		}
		for _, p := range []string{pfxToken, pfxBucket, pfxSort, pfxSource} {
			err := scanKV(ctx, txn, []byte(p), func(k, v []byte) error {
				if want, ok := expected[string(k)]; ok {
					delete(expected, string(k))
					// Search filters on the values of the sorted indexes.
					if (p == pfxBucket || p == pfxSort || p == pfxToken) && !bytes.Equal(v, want) {
						problem("index entry %q: value %q, want %q", k, v, want)
					}
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
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return r, fmt.Errorf("verify: %w", err)
	}
	if err == nil {
		err = s.verifyCallers(ctx, problem)
	}
	if err == nil {
		err = s.verifyNames(ctx, problem)
	}
	return r, err
}

// verifyNames checks that the name index holds what a fresh build from
// the published ix/sort entries holds.
func (s *Store) verifyNames(ctx context.Context, problem func(string, ...any)) error {
	if err := s.lockWriter(ctx); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer s.wmu.Unlock()
	if err := s.WaitNameIndex(ctx); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	x := s.names.Load()
	if x == nil {
		return nil // searches read the store
	}
	fresh, err := s.buildNameIndex(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, d := range diffNames(x.entries(), fresh.entries()) {
		problem("name index: %s", d)
	}
	return nil
}

// verifyCallers checks that the caller index holds what a fresh build
// from the published contacts holds.
func (s *Store) verifyCallers(ctx context.Context, problem func(string, ...any)) error {
	if err := s.lockWriter(ctx); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer s.wmu.Unlock()
	if err := s.waitCallers(ctx); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	x := s.callers.Load()
	if x == nil {
		return nil // lookups read the store
	}
	fresh, err := s.buildCallerIndexSeeded(ctx, x.seed, x.hash)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, d := range x.diff(fresh) {
		problem("caller index: %s", d)
	}
	return nil
}
