package phonebook

import (
	"context"
	"fmt"
	"sort"

	badger "github.com/dgraph-io/badger/v4"
)

// BatchKV is a KV that can also write several keys at once, all or none:
// a record and its index entries, or a whole import.
type BatchKV interface {
	KV
	// WriteBatch stores puts and removes deletes in one transaction: after
	// an error (or a crash) none of them is written. A key in both is
	// deleted.
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

// MetaBatch returns the key-value namespace ns, as Meta does, with atomic
// batches.
func (s *Store) MetaBatch(ns string) BatchKV { return &metaKV{s: s, ns: ns} }

// WriteBatch implements BatchKV.
func (m *metaKV) WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error {
	keys := make([]string, 0, len(puts))
	for k := range puts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	all := append(append(make([]string, 0, len(keys)+len(deletes)), keys...), deletes...)
	for _, k := range all {
		if err := checkNS(m.ns, k); err != nil {
			return err
		}
	}
	if len(all) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.write(all[0], func(txn *badger.Txn) error {
		for _, k := range keys {
			if err := txn.Set(kKV(m.ns, k), append([]byte(nil), puts[k]...)); err != nil {
				return fmt.Errorf("%s/%s: %w", m.ns, k, err)
			}
		}
		for _, k := range deletes {
			if err := txn.Delete(kKV(m.ns, k)); err != nil {
				return fmt.Errorf("%s/%s: %w", m.ns, k, err)
			}
		}
		return nil
	})
}
