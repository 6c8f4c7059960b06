package phonebook

import (
	"context"
	"errors"
	"fmt"
)

// StagedUnit is a streamed unit a follower applies while its parts
// arrive: a Load (or a Bulk, for a replace unit) runs on its own
// goroutine, under the store's writer lock, and takes each part's records
// into its sorter (or batch) as it comes; nothing of it is visible until
// Commit, and Abort leaves no trace (as a failed Load or Bulk).
type StagedUnit struct {
	parts   chan []byte
	started chan struct{} // closed when the load (or bulk) takes parts
	done    chan struct{}
	cancel  context.CancelFunc
	final   uint64 // the commit marker's log position; set before parts is closed
	err     error  // the load's outcome; read after done is closed
}

// StageUnit starts applying the streamed unit whose first part (see
// IsStreamedUnit) is at log position first. Add gives it the following
// parts, Commit the last one's position; Abort drops it. The store's
// other writes wait until one of them returns. A unit this store already
// has (its applied position is at or past first) is skipped: Commit
// reports it not applied.
func (s *Store) StageUnit(ctx context.Context, first uint64, part []byte) (*StagedUnit, error) {
	if first == 0 {
		return nil, errors.New("stage unit: log position 0")
	}
	kind, source, ops, err := decodeStreamHead(part)
	if err != nil {
		return nil, fmt.Errorf("stage unit %d: %w", first, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	st := &StagedUnit{parts: make(chan []byte, 16), started: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	rp := &replay{seq: first}
	go func() { // owned by st: Commit and Abort wait for it
		defer close(st.done)
		switch kind {
		case UnitLoad:
			_, st.err = s.load(ctx, source, false, func(l *Loader) error { return st.feed(ctx, rp, ops, l.replay) }, rp)
		default:
			_, st.err = s.bulk(ctx, func(b *Batch) error { return st.feed(ctx, rp, ops, b.replay) }, rp)
		}
	}()
	return st, nil
}

// feed applies the first part's ops, then each part as it arrives, until
// Commit closes parts; it then sets rp to the commit marker's position,
// which the load records with the unit.
func (st *StagedUnit) feed(ctx context.Context, rp *replay, first []byte, apply func([]UnitOp) error) error {
	close(st.started)
	var ops []UnitOp
	part := first
	for {
		var err error
		if ops, err = decodeOps(part, ops[:0]); err != nil {
			return err
		}
		if err := apply(ops); err != nil {
			return err
		}
		var ok bool
		select {
		case part, ok = <-st.parts:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			rp.seq = st.final
			return nil
		}
	}
}

// Add gives the unit its next part (not the last). It returns the
// staging's error if it has already failed (then only Abort is left), and
// nil without taking the part if the unit was found already applied.
func (st *StagedUnit) Add(ctx context.Context, part []byte) error {
	select {
	case st.parts <- part:
		return nil
	case <-st.done:
		if errors.Is(st.err, errApplied) {
			return nil
		}
		return fmt.Errorf("stage unit: %w", st.err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Started is closed when the staging holds the store's writer lock and
// takes parts (after the store's other writes in flight).
func (st *StagedUnit) Started() <-chan struct{} { return st.started }

// Done is closed when the staging has ended: committed, failed, aborted,
// or skipped (the unit was already applied).
func (st *StagedUnit) Done() <-chan struct{} { return st.done }

// Commit makes the unit visible with seq, the position of its commit
// marker, whose part the caller gave to Add. It returns false, nil for a
// unit the store already had. After an error nothing of the unit is
// visible.
func (st *StagedUnit) Commit(ctx context.Context, seq uint64) (applied bool, err error) {
	select {
	case <-st.done:
	default:
		st.final = seq
		close(st.parts)
	}
	select {
	case <-st.done:
	case <-ctx.Done():
		st.Abort()
	}
	switch {
	case errors.Is(st.err, errApplied):
		return false, nil
	case st.err != nil:
		return false, fmt.Errorf("apply unit %d: %w", seq, st.err)
	}
	return true, nil
}

// Abort drops the staged unit (nothing of it becomes visible) and waits
// for its goroutine. It may be called more than once, and after Commit.
func (st *StagedUnit) Abort() {
	st.cancel()
	<-st.done
}
