package replica

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxagent/pbxagent/phonebook"
)

// snapshotObject names the latest snapshot in the object store.
const snapshotObject = "directory"

// Snapshot stores a gzip-compressed snapshot of this node's store (see
// phonebook.Store.Snapshot) in the object store, replacing the previous
// one, and returns the stream position it reflects. Any node may take
// one; the writer takes one every Config.SnapshotInterval.
func (n *Node) Snapshot(ctx context.Context) (uint64, error) {
	pr, pw := io.Pipe()
	var seq uint64
	done := make(chan error, 1)
	go func() { // owned by this call, which waits for it
		zw := gzip.NewWriter(pw)
		var err error
		seq, err = n.store.Snapshot(ctx, zw)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		_ = pw.CloseWithError(err)
		done <- err
	}()
	_, err := n.obs.Put(ctx, jetstream.ObjectMeta{Name: snapshotObject, Description: "pbxagent directory snapshot"}, pr)
	_ = pr.CloseWithError(errors.New("snapshot upload ended"))
	serr := <-done
	if err == nil {
		err = serr
	}
	if err != nil {
		return 0, fmt.Errorf("replica: snapshot: %w", err)
	}
	return seq, nil
}

// restore fills an empty store from the latest snapshot; it returns the
// position restored (0: no snapshot, or the store is not empty).
func (n *Node) restore(ctx context.Context) (uint64, error) {
	res, err := n.obs.Get(ctx, snapshotObject)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("replica: read the snapshot: %w", err)
	}
	defer func() { _ = res.Close() }()
	zr, err := gzip.NewReader(res)
	if err != nil {
		return 0, fmt.Errorf("replica: the snapshot: %w", err)
	}
	seq, err := n.store.Restore(ctx, zr)
	if errors.Is(err, phonebook.ErrNotEmpty) {
		n.log.Warn("snapshot not restored: the store has contacts; it applies the stream from its start", "err", err)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("replica: %w", err)
	}
	return seq, nil
}

// snapshotLoop has the writer take a snapshot every SnapshotInterval.
func (n *Node) snapshotLoop(ctx context.Context) {
	if n.cfg.SnapshotInterval <= 0 {
		return
	}
	t := time.NewTicker(n.cfg.SnapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !n.IsWriter() {
			continue
		}
		start := time.Now()
		seq, err := n.Snapshot(ctx)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("snapshot failed", "err", err)
			}
			continue
		}
		n.log.Info("snapshot stored", "stream_position", seq, "took", time.Since(start).Round(time.Millisecond))
	}
}
