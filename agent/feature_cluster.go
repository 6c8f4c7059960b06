package agent

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook/replica"
)

// cluster is this node's membership of a replicated directory
// (cluster.*, docs/cluster.md).
type cluster struct {
	node *replica.Node
	nc   *nats.Conn
}

// newCluster connects to NATS and joins the directory's cluster when
// cluster.nats_url is set: from then on the store's writes are refused
// (421, naming the writer) unless this node holds the writer lease.
func newCluster(b *build) (platform.Component, error) {
	c := b.cfg.Cluster
	if c.NATSURL == "" {
		return nil, nil
	}
	id := c.NodeID
	if id == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("cluster.node_id unset and no host name: %w", err)
		}
		id = h
	}
	adv := c.AdvertiseURL
	if adv == "" {
		adv = "http://" + b.cfg.HTTP.Addr
	}
	opts := []nats.Option{nats.Name("pbxagent " + id), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}
	switch {
	case c.NATSCreds != "":
		opts = append(opts, nats.UserCredentials(c.NATSCreds))
	case c.NATSToken != "":
		opts = append(opts, nats.Token(c.NATSToken))
	case c.NATSUser != "":
		opts = append(opts, nats.UserInfo(c.NATSUser, c.NATSPassword))
	}
	nc, err := nats.Connect(c.NATSURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster.nats_url: connect: %w", err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	node, err := replica.Start(ctx, nc, b.store, replica.Config{NodeID: id, Addr: adv, LeaseTTL: c.LeaseTTL,
		MaxLag: c.MaxLag, SnapshotInterval: c.SnapshotInterval, Logger: b.logger("cluster"), Registerer: b.reg})
	if err != nil {
		nc.Close()
		return nil, err
	}
	b.d.log.Info("cluster joined", "node", id, "advertise_url", adv)
	return &cluster{node: node, nc: nc}, nil
}

// Name implements platform.Component.
func (*cluster) Name() string { return "cluster" }

// Ready says stale when the node is behind the stream or cut off from
// NATS past cluster.max_lag (reads are served anyway).
func (c *cluster) Ready(context.Context) error { return c.node.Ready() }

// Shutdown stops applying and publishing and gives up the writer lease.
func (c *cluster) Shutdown(context.Context) error {
	c.node.Close()
	c.nc.Close()
	return nil
}
