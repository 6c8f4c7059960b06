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
	// The last unit published must be in this store: if its local commit
	// failed, the apply loop applies it from the stream, and a later unit
	// must not pass it.
	if err := n.lastUnitApplied(ctx); err != nil {
		return 0, err
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

// PartSize is the store's part size for streamed units: the chunk size,
// or 0 (no streaming) with Config.WholeUnits.
func (n *Node) PartSize() int {
	if n.cfg.WholeUnits {
		return 0
	}
	return n.cfg.ChunkSize
}

// BeginUnit starts a streamed unit (phonebook.UnitStreamer): its parts
// are published as chunks of one unit while the store records it, each
// with the stream position the writer expects before it, the last one
// with the commit marker. A node that is not the writer refuses with a
// NotWriterError.
func (n *Node) BeginUnit(ctx context.Context) (phonebook.UnitStream, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.canWrite(time.Now()) {
		return nil, n.notWriter(ctx)
	}
	if err := n.lastUnitApplied(ctx); err != nil {
		return nil, err
	}
	return &unitPublisher{n: n, id: nuid.Next(), term: n.term}, nil
}

// lastUnitApplied checks, under n.mu, that the last unit published is in
// this store (see PublishUnit).
func (n *Node) lastUnitApplied(ctx context.Context) error {
	if n.lastUnit == 0 {
		return nil
	}
	applied, err := n.store.AppliedSeq(ctx)
	if err != nil || applied < n.lastUnit {
		n.dirty = true
		return fmt.Errorf("replica: the unit at stream position %d is not in this store yet (its local commit failed); catching up first", n.lastUnit)
	}
	return nil
}

// unitWindow is how many parts of a streamed unit may be published and
// not acknowledged yet: the writer goes on recording while they travel.
const unitWindow = 4

// unitPublisher publishes one streamed unit's parts: each part but the
// last asynchronously, with the stream position it must follow (if any
// message comes between, it and every later part fail: a unit's chunks
// are never interleaved), the last one once every other is acknowledged.
type unitPublisher struct {
	n       *Node
	id      string
	term    uint64 // the writer term it began in
	next    int
	bytes   int
	pending []sentPart // published, not yet acknowledged, oldest first
}

// sentPart is a part published asynchronously.
type sentPart struct {
	ack jetstream.PubAckFuture
	seq uint64 // the stream position it must get
}

// Write publishes a part that is not the last.
func (p *unitPublisher) Write(ctx context.Context, data []byte) error {
	for len(p.pending) >= unitWindow {
		if err := p.settle(ctx); err != nil {
			return err
		}
	}
	n := p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	m, err := p.message(data, false)
	if err != nil {
		return err
	}
	ack, err := n.js.PublishMsgAsync(m, jetstream.WithExpectLastSequence(n.last))
	if err != nil {
		n.dirty = true
		return fmt.Errorf("replica: publish chunk %d of a streamed unit: %w", p.next+1, err)
	}
	n.last++
	p.pending = append(p.pending, sentPart{ack: ack, seq: n.last})
	p.next++
	p.bytes += len(data)
	return nil
}

// settle waits for the oldest part in flight to be acknowledged at its
// position.
func (p *unitPublisher) settle(ctx context.Context) error {
	sp := p.pending[0]
	p.pending = p.pending[1:]
	var err error
	select {
	case ack := <-sp.ack.Ok():
		if ack.Sequence != sp.seq {
			err = fmt.Errorf("acknowledged at stream position %d, not %d", ack.Sequence, sp.seq)
		}
	case err = <-sp.ack.Err():
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		p.n.mu.Lock()
		p.n.dirty = true // the stream may hold some of it: catch up
		p.n.mu.Unlock()
		return fmt.Errorf("replica: publish a chunk of a streamed unit: %w", err)
	}
	return nil
}

// Commit publishes the last part with the commit marker, once every other
// part is in the stream.
func (p *unitPublisher) Commit(ctx context.Context, data []byte) (uint64, error) {
	for len(p.pending) > 0 {
		if err := p.settle(ctx); err != nil {
			return 0, err
		}
	}
	n := p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	m, err := p.message(data, true)
	if err != nil {
		return 0, err
	}
	ack, err := n.js.PublishMsg(ctx, m, jetstream.WithExpectLastSequence(n.last))
	if err != nil {
		n.dirty = true
		return 0, fmt.Errorf("replica: publish the last chunk of a streamed unit: %w", err)
	}
	n.last = ack.Sequence
	p.bytes += len(data)
	n.metrics.published.Add(float64(p.bytes))
	n.lastUnit = n.last
	return n.last, nil
}

// message builds the chunk of the part data, under n.mu, if this node
// may still write in the term the unit began in.
func (p *unitPublisher) message(data []byte, final bool) (*nats.Msg, error) {
	n := p.n
	if !n.canWrite(time.Now()) || n.term != p.term {
		n.dirty = true
		return nil, fmt.Errorf("replica: the writer lease ran out or moved during a streamed unit (at chunk %d)", p.next)
	}
	m := nats.NewMsg(n.cfg.Subject)
	m.Data = data
	m.Header.Set(hdrUnit, p.id)
	m.Header.Set(hdrChunk, strconv.Itoa(p.next))
	m.Header.Set(hdrNode, n.cfg.NodeID)
	m.Header.Set(hdrLease, strconv.FormatUint(n.leaseRev, 10))
	if final {
		m.Header.Set(hdrFinal, "1")
		m.Header.Set(hdrTime, strconv.FormatInt(time.Now().UnixNano(), 10))
	}
	return m, nil
}
