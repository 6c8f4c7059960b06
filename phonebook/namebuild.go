package phonebook

import (
	"bytes"
	"context"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// buildNameIndex builds the name index from the ix/sort entries at the
// published timestamp (they come in key order: the base).
func (s *Store) buildNameIndex(ctx context.Context) (*nameIndex, error) {
	x := newNameIndex()
	x.presize(s.estimateKeys(pfxSort))
	err := s.view(func(txn *badger.Txn) error {
		return scanKV(ctx, txn, []byte(pfxSort), func(k, v []byte) error {
			_, err := x.addSlot(k[len(pfxSort):], v)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("build name index: %w", err)
	}
	x.finishBase()
	return x, nil
}

// refreshNames brings the name index up to date after a published write
// whose ix/sort changes d holds; a nil d (a load) or one that overflowed
// drops the index (searches read the store) and rebuilds it in the
// background. The caller holds the writer lock, so writes arrive in
// commit order.
func (s *Store) refreshNames(d *nameDelta) {
	b := &s.nbuild
	b.mu.Lock()
	defer b.mu.Unlock()
	if d != nil && !d.overflow && len(d.ops) == 0 {
		return
	}
	x := s.names.Load()
	if d == nil || d.overflow {
		s.names.Store(nil)
		if b.running {
			b.rebuild()
			return
		}
		s.startNameBuild(nil)
		return
	}
	if x != nil {
		if err := x.apply(d); err != nil {
			s.log.Warn("name index: rebuilding", "err", err)
			s.names.Store(nil)
			x = nil
		}
	}
	if b.running {
		b.queue(d)
		return
	}
	if x == nil || x.stale() {
		s.startNameBuild(nil)
	}
}

// initNameBuild sets up the name index's background builder. Unlike the
// caller index's, a rebuild started because the index grew stale keeps the
// current index answering until the new one is installed.
func (s *Store) initNameBuild() {
	s.nbuild.init(s.log, "name index", "searches read the store",
		s.buildNameIndex,
		(*nameIndex).apply,
		func(x *nameIndex, took time.Duration) {
			s.names.Store(x)
			n, size := x.size()
			s.log.Debug("name index ready", "contacts", n, "bytes", size, "took", took)
		})
}

// startNameBuild builds a new index in the background (with first when
// not nil, see bgBuilder.start); the current one (if any) answers
// meanwhile. The caller holds nbuild.mu.
func (s *Store) startNameBuild(first func(context.Context) (*nameIndex, error)) {
	s.nbuild.start(first)
}

// stopNames stops a build under way and keeps any other from starting.
func (s *Store) stopNames() { s.nbuild.stop() }

// WaitNameIndex waits until no name-index build is under way (after Open,
// or after a load): name searches are answered from memory from then on.
func (s *Store) WaitNameIndex(ctx context.Context) error { return s.nbuild.wait(ctx) }

// NameIndexSize reports the contacts in the name index and its size in
// bytes (0, 0 while searches read the store).
func (s *Store) NameIndexSize() (contacts int, bytes int64) {
	x := s.names.Load()
	if x == nil {
		return 0, 0
	}
	return x.size()
}

// estimateKeys estimates the keys under prefix p from the key counts of
// Badger's tables, as estimateNumKeys does for ix/num.
func (s *Store) estimateKeys(p string) int {
	n := 0
	pb := []byte(p)
	for _, t := range s.db.Tables() {
		l, r := bytes.HasPrefix(t.Left, pb), bytes.HasPrefix(t.Right, pb)
		switch {
		case l && r:
			n += int(t.KeyCount)
		case l || r || (bytes.Compare(t.Left, pb) < 0 && bytes.Compare(t.Right, pb) > 0):
			n += int(t.KeyCount) / 2
		}
	}
	return n
}
