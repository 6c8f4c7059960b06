package phonebook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// keyNumbering holds the fingerprint of the numbering rules the stored
// number keys were computed with (see FingerprintedNumbering).
const keyNumbering = "meta/numbering"

// FingerprintedNumbering is a Numbering whose rules depend on settings
// that may change between starts (the default region, trunk prefixes …).
// Its Fingerprint changes whenever Index may answer differently; the
// store keeps the fingerprint its number keys were computed with, and
// when Open is given a Numbering with another one it re-indexes every
// stored number in the background (see Store.Renumbered).
type FingerprintedNumbering interface {
	Numbering
	Fingerprint() string
}

// renumberProgressEvery is how many contacts the re-index reads between
// two progress lines.
const renumberProgressEvery = 20000

// renumber is the store's background re-index of numbers: its owner is
// the store (Close stops it and waits).
type renumber struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the re-index has ended (or was never needed)
	err    error         // why it ended without publishing; read after done
}

// startRenumber compares the stored numbering fingerprint with the
// current one. Equal (or no fingerprint): nothing to do. An empty store
// takes the new one at once. Otherwise every contact's numbers are
// re-indexed in one bulk operation in the background: lookups read the
// old index until it is published whole with the new fingerprint; a crash
// (or a stop) before that rolls it back, and the next start begins again.
func (s *Store) startRenumber() error {
	s.renum.done = make(chan struct{})
	fn, ok := s.num.(FingerprintedNumbering)
	if !ok {
		close(s.renum.done)
		return nil
	}
	want := fn.Fingerprint()
	var stored string
	contacts := 0
	err := s.view(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(keyNumbering))
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			v, err := it.ValueCopy(nil)
			if err != nil {
				return err
			}
			stored = string(v)
		}
		if stored == want {
			return nil // the usual start: no need to count
		}
		return txnScan(txn, []byte(pfxContact), func([]byte, func() ([]byte, error)) error {
			contacts++
			return nil
		})
	})
	if err != nil {
		close(s.renum.done)
		return fmt.Errorf("open store: read the numbering fingerprint: %w", err)
	}
	if stored == want {
		close(s.renum.done)
		return nil
	}
	if contacts == 0 {
		close(s.renum.done)
		return s.update(context.Background(), func(w updateRW) error { return w.set([]byte(keyNumbering), []byte(want)) })
	}
	s.log.Info("the numbering settings changed: re-indexing the stored numbers in the background; lookups use the old index until it is done",
		"contacts", contacts, "was", stored, "now", want)
	ctx, cancel := context.WithCancel(context.Background())
	s.renum.cancel = cancel
	go func() {
		defer close(s.renum.done)
		s.renum.err = s.renumberAll(ctx, want, contacts)
		switch {
		case s.renum.err == nil:
		case ctx.Err() != nil:
			s.log.Info("re-indexing of numbers stopped before the end; the next start begins again")
		default:
			s.log.Error("re-indexing of numbers failed; lookups keep the old index, the next start tries again", "err", s.renum.err)
		}
	}()
	return nil
}

// stopRenumber cancels a re-index in flight and waits for it to end.
func (s *Store) stopRenumber() {
	if s.renum.cancel != nil {
		s.renum.cancel()
	}
	if s.renum.done != nil {
		<-s.renum.done
	}
}

// Renumbered returns a channel closed once the numbers are indexed under
// the current numbering rules (at once when they already were), or the
// re-index ended without publishing (see RenumberErr).
func (s *Store) Renumbered() <-chan struct{} { return s.renum.done }

// RenumberErr is why the background re-index ended without publishing
// (nil while it runs, after success, or when none was needed).
func (s *Store) RenumberErr() error {
	select {
	case <-s.renum.done:
		return s.renum.err
	default:
		return nil
	}
}

// renumberAll re-indexes, in one bulk operation, every contact whose
// numbers normalise differently now, and stores the new fingerprint with
// it.
func (s *Store) renumberAll(ctx context.Context, fingerprint string, total int) error {
	start := time.Now()
	var read, changed int
	_, err := s.Bulk(ctx, func(b *Batch) error {
		snap := s.db.NewTransactionAt(s.pub.Load(), false)
		defer snap.Discard()
		err := txnScan(snap, []byte(pfxContact), func(k []byte, val func() ([]byte, error)) error {
			if err := b.tick(); err != nil {
				return err
			}
			if read++; read%renumberProgressEvery == 0 {
				s.log.Info("re-indexing numbers", "read", read, "of", total, "changed", changed)
			}
			v, err := val()
			if err != nil {
				return err
			}
			old, oldKeys, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			c := old.Clone()
			keys, err := s.prepare(c)
			if err != nil {
				// Stored contacts were valid; keep this one as it is.
				s.log.Warn("re-indexing numbers: contact left as it was", "id", old.ID, "err", err)
				return nil
			}
			if slices.Equal(keys, oldKeys) && sameNormalized(c, old) {
				return nil
			}
			changed++
			return writeContact(b.w, b.filter(), c, keys, old, oldKeys)
		})
		if err != nil {
			return err
		}
		return b.w.set([]byte(keyNumbering), []byte(fingerprint))
	})
	if err != nil {
		return fmt.Errorf("re-index numbers: %w", err)
	}
	s.log.Info("re-indexing numbers done", "contacts", read, "changed", changed, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// sameNormalized reports whether a and b have the same normalised forms
// of their numbers.
func sameNormalized(a, b *Contact) bool {
	return slices.EqualFunc(a.Numbers, b.Numbers, func(x, y Number) bool { return x.Normalized == y.Normalized })
}
