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
	var asm assembler
	for ctx.Err() == nil {
		err := n.consume(ctx, &asm)
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

// consume runs one ordered consumer until it fails or ctx ends.
func (n *Node) consume(ctx context.Context, asm *assembler) error {
	*asm = assembler{} // restart from a unit boundary
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
		if err := n.handle(ctx, asm, seq, msg); err != nil {
			return err
		}
		n.setProcessed(seq)
	}
}

// handle takes one chunk; with a unit's commit marker it applies the unit,
// retrying until the store takes it (a unit is never skipped).
func (n *Node) handle(ctx context.Context, asm *assembler, seq uint64, msg jetstream.Msg) error {
	ci, err := parseChunk(msg.Headers())
	if err != nil {
		n.log.Warn("stream message ignored", "seq", seq, "err", err)
		return nil
	}
	data := asm.add(ci, msg.Data())
	if data == nil {
		return nil
	}
	if applied, err := n.store.AppliedSeq(ctx); err == nil && applied >= seq {
		return nil // this node's own unit, committed locally: nothing to decode
	}
	u, err := phonebook.DecodeUnit(data)
	if err != nil {
		// Written by a writer of another version? Skipping it would
		// diverge: stop here, stale, until an operator acts.
		n.setApplyErr(fmt.Errorf("unit at %d: %w", seq, err))
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		applied, err := n.store.ApplyUnit(ctx, seq, u)
		if err == nil {
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
			return nil
		}
		if errors.Is(err, phonebook.ErrClosed) || ctx.Err() != nil {
			return err
		}
		n.setApplyErr(err)
		n.log.Error("unit not applied; retrying", "seq", seq, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (n *Node) setApplyErr(err error) {
	n.smu.Lock()
	n.applyErr = err
	n.smu.Unlock()
}
