package replica

import (
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Config.
const (
	DefaultStream      = "PBXAGENT_DIRECTORY"
	DefaultSubject     = "pbxagent.directory.units"
	DefaultLeaseBucket = "pbxagent-lease"
	DefaultLeaseTTL    = 10 * time.Second
	DefaultMaxLag      = 5 * time.Second
	DefaultChunkSize   = 512 << 10
	DefaultSnapshots   = "pbxagent-snapshots"
)

// leaseKey is the lease's key in its bucket.
const leaseKey = "writer"

// Config configures a Node.
type Config struct {
	// NodeID names this node (required; unique in the cluster).
	NodeID string
	// Addr is this node's API address, given to clients whose writes a
	// follower refuses.
	Addr string
	// LeaseTTL is how long the lease outlives its holder's last renewal;
	// the holder renews it every LeaseTTL/3 and stops writing when it has
	// not renewed it for 5/6 of it (0: DefaultLeaseTTL).
	LeaseTTL time.Duration
	// MaxLag is how far behind the stream a node may be, or how long cut
	// off from NATS, before Ready reports it stale (0: DefaultMaxLag).
	MaxLag time.Duration
	// Stream, Subject and LeaseBucket name the JetStream objects
	// (defaults above).
	Stream, Subject, LeaseBucket string
	// SnapshotBucket names the object store of snapshots
	// (DefaultSnapshots).
	SnapshotBucket string
	// SnapshotInterval is how often the writer stores a snapshot (0:
	// only when Snapshot is called).
	SnapshotInterval time.Duration
	// ChunkSize is the largest message payload a unit is cut into
	// (0: DefaultChunkSize; JetStream's default limit is 1 MiB).
	ChunkSize int
	// WholeUnits makes the writer publish every unit whole at its
	// commit, in format 1, as before streamed units: its followers then
	// start applying a large load only when it has been published whole
	// (comparisons; a cluster with nodes of an earlier version, which do
	// not read streamed units).
	WholeUnits bool
	// Logger receives the node's events (slog.Default() when nil).
	Logger *slog.Logger
	// Registerer, if set, gets the node's metrics.
	Registerer prometheus.Registerer
	// OnApply, if set, is called after the node applied a unit, with its
	// stream position and the time its writer published it (tests and
	// benchmarks).
	OnApply func(seq uint64, published time.Time)
}

func (c *Config) defaults() error {
	if c.NodeID == "" {
		return errors.New("replica: Config.NodeID is required")
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.MaxLag <= 0 {
		c.MaxLag = DefaultMaxLag
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if c.LeaseBucket == "" {
		c.LeaseBucket = DefaultLeaseBucket
	}
	if c.SnapshotBucket == "" {
		c.SnapshotBucket = DefaultSnapshots
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = DefaultChunkSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}
