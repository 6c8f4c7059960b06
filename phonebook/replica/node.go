package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Node is one member of a replicated directory: it applies the stream to
// its store, competes for the writer lease, and while it holds it
// publishes its store's change units (it is the store's
// phonebook.Replicator).
type Node struct {
	cfg    Config
	log    *slog.Logger
	nc     *nats.Conn
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	obs    jetstream.ObjectStore
	stream jetstream.Stream
	store  *phonebook.Store
	value  []byte // the lease's value: this node's id and address

	mu         sync.Mutex // guards the writer's state below
	leaseRev   uint64     // the lease's revision while held (0: not held)
	leaseUntil time.Time  // writes stop at this time unless renewed
	writer     bool       // held and caught up: PublishUnit may publish
	term       uint64     // counts the times this node became the writer (a streamed unit stays in one)
	last       uint64     // the stream's last position as the writer knows it (fencing)
	lastUnit   uint64     // the commit marker of this term's last unit (0: none yet)
	dirty      bool       // a publish failed: catch up again before the next

	processed atomic.Uint64 // the last stream position the apply loop handled
	openTail  atomic.Bool   // a unit's chunks have started but not ended at processed
	pmu       sync.Mutex
	progress  chan struct{} // closed when processed advances (under pmu)

	smu       sync.Mutex    // guards the staleness state below
	seen      []observation // the stream's last position seen over time
	cutSince  time.Time     // first failed look at the stream since the last good one
	applyErr  error         // the apply loop's failure, while it retries
	published time.Time     // the last applied unit's publish time

	metrics *metrics
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type observation struct {
	at  time.Time
	seq uint64
}

// leaseValue is the lease's content.
type leaseValue struct {
	Node string `json:"node"`
	Addr string `json:"addr,omitempty"`
}

// Start joins the replicated directory of nc's JetStream with store:
// it creates the stream and the lease bucket when missing, starts applying
// the stream from the store's applied position, and starts competing for
// the lease. The store's writes are refused (NotWriterError) until this
// node is the writer. Close stops it.
func Start(ctx context.Context, nc *nats.Conn, store *phonebook.Store, cfg Config) (*Node, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("replica: jetstream: %w", err)
	}
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: cfg.Stream, Subjects: []string{cfg.Subject}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("replica: stream %s: %w", cfg.Stream, err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: cfg.LeaseBucket, TTL: cfg.LeaseTTL, History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("replica: lease bucket %s: %w", cfg.LeaseBucket, err)
	}
	obs, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: cfg.SnapshotBucket, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("replica: snapshot bucket %s: %w", cfg.SnapshotBucket, err)
	}
	val, err := json.Marshal(leaseValue{Node: cfg.NodeID, Addr: cfg.Addr})
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg: cfg, log: cfg.Logger.With("node", cfg.NodeID), nc: nc, js: js, kv: kv, obs: obs, stream: stream,
		store: store, value: val, progress: make(chan struct{}),
	}
	applied, err := store.AppliedSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	if applied == 0 {
		// A new node starts from the latest snapshot, then the tail.
		if applied, err = n.restore(ctx); err != nil {
			return nil, err
		}
		if applied > 0 {
			n.log.Info("directory restored from the snapshot", "stream_position", applied)
		}
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("replica: stream %s: %w", cfg.Stream, err)
	}
	if first := info.State.FirstSeq; info.State.Msgs > 0 && first > applied+1 {
		return nil, fmt.Errorf("replica: the stream starts at %d, this store has applied up to %d: the units between are gone; start this node from an empty store (it restores the latest snapshot)", first, applied)
	}
	n.processed.Store(applied)
	n.metrics = newMetrics(n, cfg.Registerer)
	store.SetReplicator(n)
	rctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(4)
	go func() { defer n.wg.Done(); n.snapshotLoop(rctx) }()
	go func() { defer n.wg.Done(); n.applyLoop(rctx) }()
	go func() { defer n.wg.Done(); n.leaseLoop(rctx) }()
	go func() { defer n.wg.Done(); n.watchLoop(rctx) }()
	return n, nil
}

// Close stops the node's loops and gives up the lease if it holds it (the
// next writer need not wait for the TTL). The store is left open, with its
// writes refused.
func (n *Node) Close() {
	n.cancel()
	n.wg.Wait()
	n.mu.Lock()
	rev := n.leaseRev
	n.writer, n.leaseRev = false, 0
	n.mu.Unlock()
	if rev != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := n.kv.Delete(ctx, leaseKey, jetstream.LastRevision(rev)); err != nil {
			n.log.Warn("lease not released", "err", err)
		}
	}
	n.metrics.unregister()
}

// IsWriter reports whether this node holds the lease and may write.
func (n *Node) IsWriter() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.canWrite(time.Now())
}

// Writable returns nil while this node may write, else a NotWriterError
// (without the writer's name: it asks nothing of NATS). The store's
// Writable calls it.
func (n *Node) Writable() error {
	if n.IsWriter() {
		return nil
	}
	return &NotWriterError{}
}

// canWrite is IsWriter under n.mu.
func (n *Node) canWrite(now time.Time) bool {
	return n.writer && !n.dirty && now.Before(n.leaseUntil)
}

// Writer returns the lease holder's node id and address (ok false when
// nobody holds it).
func (n *Node) Writer(ctx context.Context) (node, addr string, ok bool, err error) {
	e, err := n.kv.Get(ctx, leaseKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("replica: read the lease: %w", err)
	}
	var v leaseValue
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return "", "", false, fmt.Errorf("replica: the lease's value: %w", err)
	}
	return v.Node, v.Addr, true, nil
}

// NotWriterError refuses a write on a node that is not the writer; it
// names the writer when one is known.
type NotWriterError struct {
	WriterID, WriterAddr string
}

// Error says that the node is not the writer and which node is.
func (e *NotWriterError) Error() string {
	if e.WriterID == "" {
		return "this node is not the directory's writer, and no node holds the writer lease now: retry shortly"
	}
	return fmt.Sprintf("this node is not the directory's writer: write to node %s at %s", e.WriterID, e.WriterAddr)
}

// Unwrap makes the error match phonebook.ErrNotWriter.
func (e *NotWriterError) Unwrap() error { return phonebook.ErrNotWriter }

// notWriter builds the NotWriterError for this moment.
func (n *Node) notWriter(ctx context.Context) error {
	e := &NotWriterError{}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if id, addr, ok, err := n.Writer(ctx); err == nil && ok && id != n.cfg.NodeID {
		e.WriterID, e.WriterAddr = id, addr
	}
	return e
}

// AppliedSeq returns the last stream position this node handled.
func (n *Node) AppliedSeq() uint64 { return n.processed.Load() }

// setProcessed records that the apply loop handled seq.
func (n *Node) setProcessed(seq uint64) {
	n.processed.Store(seq)
	n.pmu.Lock()
	close(n.progress)
	n.progress = make(chan struct{})
	n.pmu.Unlock()
}

// WaitApplied waits until this node has handled the stream up to seq.
func (n *Node) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		n.pmu.Lock()
		ch := n.progress
		n.pmu.Unlock()
		if n.processed.Load() >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("replica: wait for stream position %d (at %d): %w", seq, n.processed.Load(), ctx.Err())
		}
	}
}

// LastSeq returns the stream's last position.
func (n *Node) LastSeq(ctx context.Context) (uint64, error) {
	info, err := n.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("replica: stream %s: %w", n.cfg.Stream, err)
	}
	return info.State.LastSeq, nil
}
