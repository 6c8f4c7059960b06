package replica

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// leaseLoop takes the lease when it is free, renews it every TTL/3 while
// held, and catches up with the stream before letting the node write.
func (n *Node) leaseLoop(ctx context.Context) {
	t := time.NewTicker(n.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		n.leaseStep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// leaseStep renews or takes the lease, then catches up if needed.
func (n *Node) leaseStep(ctx context.Context) {
	n.mu.Lock()
	rev := n.leaseRev
	n.mu.Unlock()
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, n.cfg.LeaseTTL/3)
	defer cancel()
	var err error
	if rev != 0 {
		rev, err = n.kv.Update(rctx, leaseKey, n.value, rev)
		if err != nil {
			n.mu.Lock()
			// Renewal failed: stop writing at once; the lease may still be
			// ours (a slow server), but nothing proves it.
			n.writer, n.leaseRev = false, 0
			n.mu.Unlock()
			n.log.Warn("writer lease lost: this node stops writing", "err", err)
			return
		}
	} else {
		rev, err = n.kv.Create(rctx, leaseKey, n.value)
		if errors.Is(err, jetstream.ErrKeyExists) {
			return // held by another node
		}
		if err != nil {
			if ctx.Err() == nil {
				n.log.Debug("writer lease not taken", "err", err)
			}
			return
		}
		n.log.Info("writer lease taken", "revision", rev)
	}
	n.mu.Lock()
	n.leaseRev = rev
	// The server expires the lease TTL after this renewal; stop short of it.
	n.leaseUntil = start.Add(n.cfg.LeaseTTL - n.cfg.LeaseTTL/6)
	ready := n.writer && !n.dirty
	n.mu.Unlock()
	if ready {
		return
	}
	// Apply the stream's tail before writing: the units of the previous
	// writer (or ours, published but not committed) come first.
	last, err := n.LastSeq(rctx)
	if err == nil {
		err = n.WaitApplied(rctx, last)
	}
	if err == nil && n.openTail.Load() && n.processed.Load() == last {
		// The stream ends in the middle of a unit, which no writer will
		// finish: have every node drop it before this one writes (a
		// staged unit holds its store's writer lock).
		if last, err = n.abandonTail(rctx, last, rev); err == nil {
			err = n.WaitApplied(rctx, last)
		}
	}
	if err != nil {
		n.log.Warn("writer lease held, stream tail not applied yet", "err", err)
		return
	}
	n.mu.Lock()
	if n.leaseRev == rev {
		n.writer, n.dirty, n.last, n.lastUnit = true, false, last, 0
		n.term++
	}
	n.mu.Unlock()
	n.log.Info("this node is the directory's writer", "stream_position", last)
}
