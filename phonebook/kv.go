package phonebook

import (
	"context"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// KV is a small named key-value namespace kept in the store's data dir:
// phone registrations, sync source configurations and status. Its writes
// do not change the directory's Generation.
type KV interface {
	// Get returns the value, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores the value.
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes the key; absent keys are not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key in key order.
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Meta returns the key-value namespace ns (a non-empty name without '/').
func (s *Store) Meta(ns string) KV { return &metaKV{s: s, ns: ns} }

type metaKV struct {
	s  *Store
	ns string
}

func (m *metaKV) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkNS(m.ns, key); err != nil {
		return nil, err
	}
	var v []byte
	err := m.s.view(func(txn *badger.Txn) error {
		var err error
		v, err = txnGet(txn, kKV(m.ns, key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", m.ns, key, err)
	}
	return v, nil
}

// write commits at the published timestamp, so the value is visible at once
// and never part of a bulk rollback.
func (m *metaKV) write(key string, fn func(txn *badger.Txn) error) error {
	if err := checkNS(m.ns, key); err != nil {
		return err
	}
	if m.s.closed.Load() {
		return ErrClosed
	}
	m.s.kvmu.Lock()
	defer m.s.kvmu.Unlock()
	if err := m.s.disk.check(); err != nil {
		return fmt.Errorf("%s/%s: %w", m.ns, key, err)
	}
	ts := m.s.pub.Load()
	txn := m.s.db.NewTransactionAt(ts, true)
	defer txn.Discard()
	if err := fn(txn); err != nil {
		return err
	}
	if err := txn.CommitAt(ts, nil); err != nil {
		return fmt.Errorf("%s/%s: commit: %w", m.ns, key, m.s.disk.note(err))
	}
	return nil
}

func (m *metaKV) Put(ctx context.Context, key string, val []byte) error {
	val = append([]byte(nil), val...)
	return m.write(key, func(txn *badger.Txn) error { return txn.Set(kKV(m.ns, key), val) })
}

func (m *metaKV) Delete(ctx context.Context, key string) error {
	return m.write(key, func(txn *badger.Txn) error { return txn.Delete(kKV(m.ns, key)) })
}

func (m *metaKV) List(ctx context.Context, fn func(key string, val []byte) error) error {
	if err := checkNS(m.ns, "x"); err != nil {
		return err
	}
	prefix := []byte(pfxKV + m.ns + "/")
	return m.s.view(func(txn *badger.Txn) error {
		return txnScan(txn, prefix, func(k []byte, val func() ([]byte, error)) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			v, err := val()
			if err != nil {
				return err
			}
			return fn(string(k[len(prefix):]), v)
		})
	})
}
