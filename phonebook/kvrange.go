package phonebook

import (
	"context"
	"errors"

	badger "github.com/dgraph-io/badger/v4"
)

// RangeKV is a KV that can list a range of keys in either order, so that a
// namespace keyed by time (the audit log) can be read newest first and from
// a cursor without a full scan.
type RangeKV interface {
	KV
	// Range calls fn for every key k with from <= k < to ("" to: no upper
	// bound), in key order, or in reverse order when reverse is set. fn
	// returning ErrStopRange ends the listing without error.
	Range(ctx context.Context, from, to string, reverse bool, fn func(key string, val []byte) error) error
}

// ErrStopRange, returned by a Range callback, stops the listing.
var ErrStopRange = errors.New("stop range")

// MetaRange returns the key-value namespace ns with range listing.
func (s *Store) MetaRange(ns string) RangeKV { return &metaKV{s: s, ns: ns} }

func (m *metaKV) Range(ctx context.Context, from, to string, reverse bool, fn func(key string, val []byte) error) error {
	if err := checkNS(m.ns, "x"); err != nil {
		return err
	}
	prefix := []byte(pfxKV + m.ns + "/")
	lo := append(append([]byte(nil), prefix...), from...)
	var hi []byte // exclusive; nil: end of the namespace
	if to != "" {
		hi = append(append([]byte(nil), prefix...), to...)
	}
	err := m.s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: reverse})
		defer it.Close()
		if reverse {
			// Seek in reverse lands on the largest key <= the target: start
			// below hi (or at the namespace's end).
			seek := append(append([]byte(nil), prefix...), 0xff)
			if hi != nil {
				seek = hi
			}
			it.Seek(seek)
		} else {
			it.Seek(lo)
		}
		for ; it.ValidForPrefix(prefix); it.Next() {
			k := it.Item().Key()
			if hi != nil && string(k) >= string(hi) {
				if reverse {
					continue // the seek landed on hi itself
				}
				return nil
			}
			if string(k) < string(lo) {
				if reverse {
					return nil
				}
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := fn(string(k[len(prefix):]), v); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrStopRange) {
		return nil
	}
	return err
}
