package replica

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/pbxagent/pbxagent/phonebook"
)

// unitState is what the apply loop holds of the unit whose chunks it is
// reading: a unit published whole (asm), or a streamed one (id set),
// which a follower stages in its store as the chunks come (see
// phonebook.StageUnit) and makes visible with the commit marker.
type unitState struct {
	asm assembler // a unit published whole (format 1)

	id    string // a streamed unit (format 2): its id ("": none)
	next  int    // the index of its next chunk
	first uint64 // the stream position of its first chunk
	own   bool   // published by this node: applied from the stream only if its local commit failed
	// stage is the unit staged in the store; nil for this node's own
	// units, and after a failure (the unit is then read again from the
	// stream at its commit marker).
	stage *phonebook.StagedUnit
}

// open reports whether a unit's chunks have started and not ended.
func (u *unitState) open() bool { return u.id != "" || u.asm.unit != "" }

// unit names the unit under way.
func (u *unitState) unit() string { return u.id + u.asm.unit }

// drop forgets the unit under way; what was staged of it leaves no trace.
func (u *unitState) drop() {
	if u.stage != nil {
		u.stage.Abort()
	}
	*u = unitState{}
}

// beginStreamed takes the first chunk of a streamed unit.
func (n *Node) beginStreamed(ctx context.Context, cur *unitState, ci chunkInfo, seq uint64, data []byte) error {
	cur.id, cur.next, cur.first, cur.own = ci.unit, 1, seq, ci.node == n.cfg.NodeID
	if !cur.own {
		st, err := n.store.StageUnit(ctx, seq, data)
		if err != nil {
			// Read again at the commit marker, which reports it.
			n.log.Warn("streamed unit not staged", "seq", seq, "err", err)
		} else {
			cur.stage = st
		}
	}
	if ci.final {
		return n.commitStreamed(ctx, cur, ci, seq)
	}
	return nil
}

// continueStreamed takes a following chunk of the streamed unit under way.
func (n *Node) continueStreamed(ctx context.Context, cur *unitState, ci chunkInfo, seq uint64, data []byte) error {
	if ci.unit != cur.id || ci.index != cur.next {
		n.log.Warn("chunk out of order: its unit is dropped", "seq", seq, "unit", ci.unit, "chunk", ci.index, "expected_unit", cur.id, "expected_chunk", cur.next)
		cur.drop()
		return nil
	}
	cur.next++
	if cur.stage != nil {
		if err := cur.stage.Add(ctx, data); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			n.log.Warn("staging a streamed unit failed; it is read again from the stream at its commit marker", "seq", seq, "err", err)
			cur.stage.Abort()
			cur.stage = nil
		}
	}
	if ci.final {
		return n.commitStreamed(ctx, cur, ci, seq)
	}
	return nil
}

// commitStreamed takes a streamed unit's commit marker at seq: it makes
// the staged unit visible, or applies the unit from the stream (this
// node's own unit whose local commit failed, a staging that failed),
// retrying until the store takes it.
func (n *Node) commitStreamed(ctx context.Context, cur *unitState, ci chunkInfo, seq uint64) error {
	n.log.Debug("unit's last chunk received", "seq", seq)
	defer cur.drop()
	if cur.own {
		if applied, err := n.store.AppliedSeq(ctx); err == nil && applied >= seq {
			return nil // committed locally
		}
	}
	for {
		var applied bool
		var err error
		if st := cur.stage; st != nil {
			cur.stage = nil
			applied, err = st.Commit(ctx, seq)
		} else {
			applied, err = n.applyStreamed(ctx, cur.id, cur.first, seq)
		}
		if err == nil {
			n.applied(seq, ci, applied)
			n.log.Debug("unit applied", "seq", seq, "chunks", cur.next)
			return nil
		}
		if errors.Is(err, phonebook.ErrBadUnit) {
			return n.badUnit(ctx, seq, err)
		}
		if err := n.applyFailed(ctx, seq, err); err != nil {
			return err
		}
	}
}

// applyStreamed applies the streamed unit id, whose chunks are at stream
// positions first to final, reading them from the stream.
func (n *Node) applyStreamed(ctx context.Context, id string, first, final uint64) (bool, error) {
	m, err := n.stream.GetMsg(ctx, first)
	if err != nil {
		return false, fmt.Errorf("read the unit's chunk at %d: %w", first, err)
	}
	if m.Header.Get(hdrUnit) != id {
		return false, fmt.Errorf("%w: the stream's message at %d is not the first chunk of unit %s", phonebook.ErrBadUnit, first, id)
	}
	st, err := n.store.StageUnit(ctx, first, m.Data)
	if err != nil {
		return false, err
	}
	// Wait for the store's writes in flight: on the writer, its own
	// unit's local commit (then the store has the unit).
	select {
	case <-st.Started():
	case <-st.Done():
	case <-ctx.Done():
		st.Abort()
		return false, ctx.Err()
	}
	for seq := first + 1; seq <= final; seq++ {
		select {
		case <-st.Done(): // failed, or the store has the unit
			return st.Commit(ctx, final)
		default:
		}
		if m, err = n.stream.GetMsg(ctx, seq); err != nil {
			st.Abort()
			return false, fmt.Errorf("read the unit's chunk at %d: %w", seq, err)
		}
		if m.Header.Get(hdrUnit) != id {
			continue
		}
		if err := st.Add(ctx, m.Data); err != nil {
			st.Abort()
			return false, err
		}
	}
	return st.Commit(ctx, final)
}

// badUnit stops the apply loop at a unit this build cannot read (written
// by a writer of another version?): skipping it would diverge, so the
// node stays stale until an operator acts.
func (n *Node) badUnit(ctx context.Context, seq uint64, err error) error {
	n.setApplyErr(fmt.Errorf("unit at %d: %w", seq, err))
	<-ctx.Done()
	return ctx.Err()
}

// abandonTail is for a node that took the lease while the stream ends in
// the middle of a unit (its writer died, or lost the lease, before the
// commit marker): it publishes an abandon marker after position last, so
// that every node drops what it staged of that unit (and releases its
// store's writer lock) at the same point of the stream. It returns the
// marker's position.
func (n *Node) abandonTail(ctx context.Context, last uint64, rev uint64) (uint64, error) {
	m := nats.NewMsg(n.cfg.Subject)
	m.Header.Set(hdrUnit, nuid.Next())
	m.Header.Set(hdrChunk, "0")
	m.Header.Set(hdrNode, n.cfg.NodeID)
	m.Header.Set(hdrLease, strconv.FormatUint(rev, 10))
	m.Header.Set(hdrAbandon, "1")
	ack, err := n.js.PublishMsg(ctx, m, jetstream.WithExpectLastSequence(last))
	if err != nil {
		return 0, fmt.Errorf("replica: publish the abandon marker after %d: %w", last, err)
	}
	n.log.Info("the stream ended in the middle of a unit: abandon marker published", "stream_position", ack.Sequence)
	return ack.Sequence, nil
}
