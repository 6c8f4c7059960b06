package phonebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// nameBuild is the state of the name index's builder; under its mu. It
// works as the caller index's builder does (see callerBuild), except that
// a rebuild started because the index grew stale keeps the current index
// answering until the new one is installed.
type nameBuild struct {
	mu      sync.Mutex
	running bool          // a build is under way
	done    chan struct{} // closed when the build under way ends
	pending []*nameDelta  // writes published during the build, in commit order
	again   bool          // a write during the build needs a whole rebuild
	wg      sync.WaitGroup
	ctx     context.Context // cancelled (under mu) when the store closes
	cancel  context.CancelFunc
	built   func() // tests: called when a build has read the store, before it installs
}

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
			b.again = true
			return
		}
		s.startNameBuild()
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
		b.pending = append(b.pending, d)
		return
	}
	if x == nil || x.stale() {
		s.startNameBuild()
	}
}

// startNameBuild builds a new index in the background; the current one
// (if any) answers meanwhile. The caller holds nbuild.mu.
func (s *Store) startNameBuild() {
	b := &s.nbuild
	if b.ctx.Err() != nil {
		return
	}
	b.running, b.again, b.pending = true, false, nil
	b.done = make(chan struct{})
	b.wg.Add(1)
	go s.buildNames(b.done)
}

// buildNames builds the name index at the published timestamp, then
// applies the writes published since (pending), and installs it.
func (s *Store) buildNames(done chan struct{}) {
	b := &s.nbuild
	defer b.wg.Done()
	defer close(done)
	for {
		t0 := time.Now()
		x, err := s.buildNameIndex(b.ctx)
		if b.built != nil {
			b.built()
		}
		b.mu.Lock()
		if err == nil && b.again {
			b.again, b.pending = false, nil
			b.mu.Unlock()
			continue
		}
		if err == nil {
			for _, d := range b.pending {
				if err = x.apply(d); err != nil {
					break
				}
			}
		}
		b.running, b.pending = false, nil
		if err != nil {
			if b.ctx.Err() == nil && !errors.Is(err, ErrClosed) {
				s.log.Warn("name index not built; searches read the store", "err", err)
			}
			b.mu.Unlock()
			return
		}
		s.names.Store(x)
		n, size := x.size()
		s.log.Debug("name index built", "contacts", n, "bytes", size, "took", time.Since(t0))
		b.mu.Unlock()
		return
	}
}

// stopNames stops a build under way and keeps any other from starting.
func (s *Store) stopNames() {
	s.nbuild.mu.Lock()
	s.nbuild.cancel()
	s.nbuild.mu.Unlock()
	s.nbuild.wg.Wait()
}

// WaitNameIndex waits until no name-index build is under way (after Open,
// or after a load): name searches are answered from memory from then on.
func (s *Store) WaitNameIndex(ctx context.Context) error {
	s.nbuild.mu.Lock()
	done, running := s.nbuild.done, s.nbuild.running
	s.nbuild.mu.Unlock()
	if !running {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

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
