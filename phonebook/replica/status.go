package replica

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// maxObservations bounds the stream positions kept while behind.
const maxObservations = 4096

// watchLoop looks at the stream's last position every MaxLag/5 (between
// 20 ms and 1 s), for Ready and the lag metric.
func (n *Node) watchLoop(ctx context.Context) {
	every := min(max(n.cfg.MaxLag/5, 20*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n.observe(ctx, every)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// observe records the stream's last position, or that NATS is out of
// reach.
func (n *Node) observe(ctx context.Context, timeout time.Duration) {
	now := time.Now()
	var last uint64
	var err error
	if n.nc.Status() != nats.CONNECTED {
		err = fmt.Errorf("NATS connection %s", n.nc.Status())
	} else {
		octx, cancel := context.WithTimeout(ctx, max(timeout, 500*time.Millisecond))
		last, err = n.LastSeq(octx)
		cancel()
	}
	if ctx.Err() != nil {
		return
	}
	p := n.processed.Load()
	n.smu.Lock()
	defer n.smu.Unlock()
	if err != nil {
		if n.cutSince.IsZero() {
			n.cutSince = now
			n.log.Warn("cut off from the stream", "err", err)
		}
		return
	}
	if !n.cutSince.IsZero() {
		n.log.Info("stream reachable again", "after", now.Sub(n.cutSince).Round(time.Millisecond))
	}
	n.cutSince = time.Time{}
	// Keep the positions not yet applied (the oldest says how far behind
	// the node is), else only the newest.
	i := 0
	for i < len(n.seen) && n.seen[i].seq <= p {
		i++
	}
	n.seen = append(n.seen[i:], observation{at: now, seq: last})
	if len(n.seen) > maxObservations {
		n.seen = n.seen[len(n.seen)-maxObservations:]
	}
}

// lagLocked is how long the node has been behind a stream position it
// saw: 0 when it has applied all it saw. Under smu.
func (n *Node) lagLocked(now time.Time) time.Duration {
	p := n.processed.Load()
	for _, o := range n.seen {
		if o.seq > p {
			return now.Sub(o.at)
		}
	}
	return 0
}

// Lag returns how far behind the stream the node is (see Ready).
func (n *Node) Lag() time.Duration {
	n.smu.Lock()
	defer n.smu.Unlock()
	return n.lagLocked(time.Now())
}

// Ready returns nil while the node's directory is current, else why it is
// stale: behind the stream by more than MaxLag, cut off from NATS for more
// than MaxLag, or unable to apply a unit. A stale node keeps serving reads.
func (n *Node) Ready() error {
	now := time.Now()
	n.smu.Lock()
	defer n.smu.Unlock()
	if n.applyErr != nil {
		return fmt.Errorf("directory stale: applying the stream failed: %v", n.applyErr)
	}
	if !n.cutSince.IsZero() && now.Sub(n.cutSince) > n.cfg.MaxLag {
		return fmt.Errorf("directory stale: cut off from NATS for %s (cluster.max_lag %s)", now.Sub(n.cutSince).Round(time.Millisecond), n.cfg.MaxLag)
	}
	if lag := n.lagLocked(now); lag > n.cfg.MaxLag {
		return fmt.Errorf("directory stale: %s behind the stream (at position %d; cluster.max_lag %s)", lag.Round(time.Millisecond), n.processed.Load(), n.cfg.MaxLag)
	}
	return nil
}

// metrics are the node's Prometheus metrics.
type metrics struct {
	reg       prometheus.Registerer
	cs        []prometheus.Collector
	lag       prometheus.Histogram
	published prometheus.Counter
}

func newMetrics(n *Node, reg prometheus.Registerer) *metrics {
	m := &metrics{
		reg: reg,
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "pbxagent_replica_apply_delay_seconds",
			Help:    "Time from a unit's publication by the writer to its apply on this node.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pbxagent_replica_published_bytes_total",
			Help: "Bytes of change units this node published as the writer.",
		}),
	}
	m.cs = []prometheus.Collector{
		m.lag, m.published,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pbxagent_replica_lag_seconds",
			Help: "How long this node has been behind a stream position it saw (0: current).",
		}, func() float64 { return n.Lag().Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pbxagent_replica_applied_seq",
			Help: "The last stream position this node applied.",
		}, func() float64 { return float64(n.AppliedSeq()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pbxagent_replica_writer",
			Help: "1 while this node holds the writer lease and may write.",
		}, func() float64 {
			if n.IsWriter() {
				return 1
			}
			return 0
		}),
	}
	if reg != nil {
		for _, c := range m.cs {
			if err := reg.Register(c); err != nil {
				n.log.Warn("replica metric not registered", "err", err)
			}
		}
	}
	return m
}

func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.cs {
		m.reg.Unregister(c)
	}
}
