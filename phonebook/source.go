package phonebook

import (
	"context"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// CountSource counts the contacts of a source (including ones deleted
// locally, which the source still has).
func (s *Store) CountSource(ctx context.Context, source string) (int, error) {
	n := 0
	err := s.view(func(txn *badger.Txn) error {
		return scanKV(ctx, txn, kSource(source, ""), func(k, v []byte) error { n++; return nil })
	})
	if err != nil {
		return 0, fmt.Errorf("count source %s: %w", source, err)
	}
	return n, nil
}

// EraseSource removes every contact of a source, with overlays, in one
// atomic operation, and returns how many.
func (s *Store) EraseSource(ctx context.Context, source string) (int, error) {
	n := 0
	_, err := s.Bulk(ctx, func(b *Batch) error {
		var err error
		n, err = b.DeleteSource(source)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("erase source %s: %w", source, err)
	}
	return n, nil
}

// HasSource reports whether at least one contact comes from source (as
// the source index lists it: synced contacts, CSV rows).
func (s *Store) HasSource(ctx context.Context, source string) (bool, error) {
	found := false
	errStop := errors.New("stop")
	err := s.view(func(txn *badger.Txn) error {
		return scanKV(ctx, txn, kSource(source, ""), func(k, v []byte) error { found = true; return errStop })
	})
	if err != nil && !errors.Is(err, errStop) {
		return false, fmt.Errorf("source %s: %w", source, err)
	}
	return found, nil
}
