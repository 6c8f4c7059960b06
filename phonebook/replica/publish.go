package replica

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/pbxagent/pbxagent/phonebook"
)

// PublishUnit is the store's phonebook.Replicator: under the store's
// writer lock, before the change is visible, it publishes the unit to the
// stream in chunks, each with the stream position the writer expects
// before it (a deposed writer's publish fails instead of interleaving),
// the last one carrying the commit marker. It returns the commit marker's
// position. A node that is not the writer refuses with a NotWriterError.
func (n *Node) PublishUnit(ctx context.Context, u *phonebook.Unit) (uint64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.canWrite(time.Now()) {
		return 0, n.notWriter(ctx)
	}
	if n.lastUnit > 0 {
		// The last unit published must be in this store: if its local
		// commit failed, the apply loop applies it from the stream, and
		// a later unit must not pass it.
		applied, err := n.store.AppliedSeq(ctx)
		if err != nil || applied < n.lastUnit {
			n.dirty = true
			return 0, fmt.Errorf("replica: the unit at stream position %d is not in this store yet (its local commit failed); catching up first", n.lastUnit)
		}
	}
	data := u.Encode()
	id := nuid.Next()
	parts := chunks(data, n.cfg.ChunkSize)
	rev := strconv.FormatUint(n.leaseRev, 10)
	for i, p := range parts {
		if !time.Now().Before(n.leaseUntil) {
			n.dirty = true
			return 0, fmt.Errorf("replica: the writer lease ran out during a unit of %d chunks", len(parts))
		}
		m := nats.NewMsg(n.cfg.Subject)
		m.Data = p
		m.Header.Set(hdrUnit, id)
		m.Header.Set(hdrChunk, strconv.Itoa(i))
		m.Header.Set(hdrNode, n.cfg.NodeID)
		m.Header.Set(hdrLease, rev)
		if i == 0 {
			m.Header.Set(hdrSize, strconv.Itoa(len(data)))
		}
		if i == len(parts)-1 {
			m.Header.Set(hdrFinal, "1")
			m.Header.Set(hdrTime, strconv.FormatInt(time.Now().UnixNano(), 10))
		}
		ack, err := n.js.PublishMsg(ctx, m, jetstream.WithExpectLastSequence(n.last))
		if err != nil {
			// The stream may hold it or not (a lost ack): catch up before
			// the next unit; the apply loop applies it if it is there.
			n.dirty = true
			return 0, fmt.Errorf("replica: publish chunk %d of %d: %w", i+1, len(parts), err)
		}
		n.last = ack.Sequence
	}
	n.metrics.published.Add(float64(len(data)))
	n.lastUnit = n.last
	return n.last, nil
}
