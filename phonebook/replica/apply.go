package replica

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxagent/pbxagent/phonebook"
)

// applyLoop applies the stream in order from the node's applied position,
// through an ordered consumer that it recreates after a failure.
func (n *Node) applyLoop(ctx context.Context) {
	var cur unitState
	defer cur.drop() // a staged unit's goroutine ends with the loop
	for ctx.Err() == nil {
		err := n.consume(ctx, &cur)
		if ctx.Err() != nil {
			return
		}
		n.log.Warn("stream consumer stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// consume runs one ordered consumer until it fails or ctx ends. It goes
// on from the last position handled, where cur stands: a unit under way
// continues with its next chunk.
func (n *Node) consume(ctx context.Context, cur *unitState) error {
	start := n.processed.Load() + 1
	cons, err := n.js.OrderedConsumer(ctx, n.cfg.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{n.cfg.Subject},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy, OptStartSeq: start,
	})
	if err != nil {
		return fmt.Errorf("ordered consumer from %d: %w", start, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
		return fmt.Errorf("messages from %d: %w", start, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			return err
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		if seq <= n.processed.Load() {
			continue // redelivered after a consumer reset
		}
		if err := n.handle(ctx, cur, seq, msg); err != nil {
			return err
		}
		n.openTail.Store(cur.open())
		n.setProcessed(seq)
	}
}

// handle takes one chunk; with a unit's commit marker it applies the unit,
// retrying until the store takes it (a unit is never skipped).
func (n *Node) handle(ctx context.Context, cur *unitState, seq uint64, msg jetstream.Msg) error {
	ci, err := parseChunk(msg.Headers())
	if err != nil {
		n.log.Warn("stream message ignored", "seq", seq, "err", err)
		return nil
	}
	if ci.abandon || ci.index == 0 {
		if cur.open() {
			// Its writer died or failed before the commit marker.
			n.log.Info("unit abandoned by its writer: dropped", "unit", cur.unit(), "seq", seq)
		}
		cur.drop()
		if ci.abandon {
			return nil
		}
		n.log.Debug("unit's first chunk received", "seq", seq, "size", ci.size)
		if phonebook.IsStreamedUnit(msg.Data()) {
			return n.beginStreamed(ctx, cur, ci, seq, msg.Data())
		}
	} else if cur.id != "" {
		return n.continueStreamed(ctx, cur, ci, seq, msg.Data())
	}
	asm := &cur.asm
	data := asm.add(ci, msg.Data())
	if data == nil {
		return nil
	}
	n.log.Debug("unit's last chunk received", "seq", seq)
	if applied, err := n.store.AppliedSeq(ctx); err == nil && applied >= seq {
		return nil // this node's own unit, committed locally: nothing to decode
	}
	u, err := phonebook.DecodeUnit(data)
	if err != nil {
		return n.badUnit(ctx, seq, err)
	}
	for {
		applied, err := n.store.ApplyUnit(ctx, seq, u)
		if err == nil {
			n.applied(seq, ci, applied)
			n.log.Debug("unit applied", "seq", seq, "ops", len(u.Ops))
			return nil
		}
		if err := n.applyFailed(ctx, seq, err); err != nil {
			return err
		}
	}
}

// applied records that the unit with its commit marker at seq, published
// at the time in ci, was applied (applied false: the store had it).
func (n *Node) applied(seq uint64, ci chunkInfo, applied bool) {
	n.setApplyErr(nil)
	published := time.Unix(0, ci.time)
	n.smu.Lock()
	n.published = published
	n.smu.Unlock()
	if applied {
		n.metrics.lag.Observe(time.Since(published).Seconds())
	}
	if n.cfg.OnApply != nil {
		n.cfg.OnApply(seq, published)
	}
}

// applyFailed handles a failure to apply the unit at seq: it returns err
// when the loop must stop (the store closed, ctx ended), else records it
// and returns nil after a pause, to retry.
func (n *Node) applyFailed(ctx context.Context, seq uint64, err error) error {
	if errors.Is(err, phonebook.ErrClosed) || ctx.Err() != nil {
		return err
	}
	n.setApplyErr(err)
	n.log.Error("unit not applied; retrying", "seq", seq, "err", err)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Second):
		return nil
	}
}

func (n *Node) setApplyErr(err error) {
	n.smu.Lock()
	n.applyErr = err
	n.smu.Unlock()
}
