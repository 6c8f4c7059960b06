package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Cluster makes this node one of several sharing one directory through
// NATS JetStream (phonebook/replica, docs/cluster.md). Off while NATSURL
// is empty.
type Cluster struct {
	// NATSURL lists the NATS servers (comma-separated nats:// or tls://
	// URLs); empty turns clustering off.
	NATSURL string `yaml:"nats_url"`
	// NodeID names this node in the cluster; empty: the host name.
	NodeID string `yaml:"node_id"`
	// AdvertiseURL is the base URL of this node's API that a follower
	// names when it refuses a write; empty: http://<http.addr>.
	AdvertiseURL string `yaml:"advertise_url"`
	// LeaseTTL is how long the writer lease outlives its holder's last
	// renewal (renewed every third of it).
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// MaxLag is how far behind the stream, or how long cut off from NATS,
	// a node may be before /readyz reports it stale.
	MaxLag time.Duration `yaml:"max_lag"`
	// SnapshotInterval is how often the writer stores a snapshot of the
	// directory in the object store (0: only on demand).
	SnapshotInterval time.Duration `yaml:"snapshot_interval"`
	// NATSUser and NATSPassword, or NATSToken, or NATSCreds (a .creds
	// file) authenticate to NATS.
	NATSUser     string `yaml:"nats_user"`
	NATSPassword string `yaml:"nats_password"`
	NATSToken    string `yaml:"nats_token"`
	NATSCreds    string `yaml:"nats_creds"`
}

// DefaultCluster is the cluster section's default: off.
func DefaultCluster() Cluster {
	return Cluster{LeaseTTL: 10 * time.Second, MaxLag: 5 * time.Second, SnapshotInterval: time.Hour}
}

// Validate checks the section when clustering is on.
func (c Cluster) Validate() error {
	if c.NATSURL == "" {
		return nil
	}
	for _, s := range strings.Split(c.NATSURL, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "tls") {
			return fmt.Errorf("cluster.nats_url %q: want nats://host:port or tls://host:port URLs, comma-separated", s)
		}
	}
	if c.AdvertiseURL != "" {
		if u, err := url.Parse(c.AdvertiseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("cluster.advertise_url %q: want an http:// or https:// URL", c.AdvertiseURL)
		}
	}
	switch {
	case c.LeaseTTL < time.Second:
		return fmt.Errorf("cluster.lease_ttl %s: want at least 1s", c.LeaseTTL)
	case c.MaxLag <= 0:
		return fmt.Errorf("cluster.max_lag %s: want more than 0", c.MaxLag)
	case c.SnapshotInterval < 0:
		return fmt.Errorf("cluster.snapshot_interval %s: want 0 (on demand only) or more", c.SnapshotInterval)
	case c.NATSPassword != "" && c.NATSUser == "":
		return fmt.Errorf("cluster.nats_password: set without cluster.nats_user")
	}
	return nil
}
