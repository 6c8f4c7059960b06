package callerid

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Proto names the front end a lookup came from; it labels metrics.
type Proto string

// Front ends.
const (
	ProtoHTTP Proto = "http"
	ProtoAGI  Proto = "agi"
	ProtoSIP  Proto = "sip"
	ProtoARI  Proto = "ari"
)

var allProtos = []Proto{ProtoHTTP, ProtoAGI, ProtoSIP, ProtoARI}

// metrics holds the service's collectors; children are resolved once so the hot path does
// no label lookups for the known protocols and kinds.
type metrics struct {
	lookups  *prometheus.CounterVec
	timeouts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	agi      *prometheus.CounterVec
	agiLive  prometheus.Gauge

	children map[Proto]*protoMetrics
	agiBy    map[string]prometheus.Counter
}

// agiOutcomes label FastAGI sessions.
var agiOutcomes = []string{"ok", "rejected", "protocol_error", "io_error", "overload", "silent", "evicted"}

// agiSession counts one FastAGI session.
func (m *metrics) agiSession(outcome string) {
	if c, ok := m.agiBy[outcome]; ok {
		c.Inc()
		return
	}
	m.agi.WithLabelValues(outcome).Inc()
}

type protoMetrics struct {
	byKind  map[phonebook.MatchKind]prometheus.Counter
	timeout prometheus.Counter
	latency prometheus.Observer
}

// latencyBuckets span 25 µs to 1 s: the targets are sub-millisecond, the deadline ~100 ms.
var latencyBuckets = []float64{
	25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1,
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "pbxagent", Subsystem: "callerid", Name: "lookups_total",
			Help: "Caller-ID lookups by front end, result (hit or miss) and match kind.",
		}, []string{"proto", "result", "match"}),
		timeouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "pbxagent", Subsystem: "callerid", Name: "timeouts_total",
			Help: "Caller-ID lookups abandoned at the deadline (the call went on unchanged).",
		}, []string{"proto"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "pbxagent", Subsystem: "callerid", Name: "lookup_duration_seconds",
			Help:    "Time to resolve a caller name, per front end (skipped numbers included).",
			Buckets: latencyBuckets,
		}, []string{"proto"}),
		agi: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "pbxagent", Subsystem: "callerid", Name: "agi_sessions_total",
			Help: "FastAGI sessions by outcome (ok, rejected, protocol_error, io_error, overload: refused at the session cap, silent: no agi_ line in time, evicted: pushed out while waiting for it).",
		}, []string{"outcome"}),
		agiLive: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "pbxagent", Subsystem: "callerid", Name: "agi_sessions_active",
			Help: "FastAGI sessions holding a slot now (connections waiting for their first agi_ line hold none).",
		}),
		children: make(map[Proto]*protoMetrics),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.lookups, m.timeouts, m.latency, m.agi, m.agiLive} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range allProtos {
		m.children[p] = m.newProto(p)
	}
	m.agiBy = make(map[string]prometheus.Counter, len(agiOutcomes))
	for _, o := range agiOutcomes {
		m.agiBy[o] = m.agi.WithLabelValues(o)
	}
	return m, nil
}

func (m *metrics) newProto(p Proto) *protoMetrics {
	pm := &protoMetrics{
		byKind:  make(map[phonebook.MatchKind]prometheus.Counter, len(allKinds)),
		timeout: m.timeouts.WithLabelValues(string(p)),
		latency: m.latency.WithLabelValues(string(p)),
	}
	for _, k := range allKinds {
		pm.byKind[k] = m.lookups.WithLabelValues(string(p), resultLabel(k), string(k))
	}
	return pm
}

func resultLabel(k phonebook.MatchKind) string {
	if k.Hit() {
		return "hit"
	}
	return "miss"
}

// observe records one lookup.
func (m *metrics) observe(p Proto, kind phonebook.MatchKind, d time.Duration) {
	pm, ok := m.children[p]
	if !ok {
		m.lookups.WithLabelValues(string(p), resultLabel(kind), string(kind)).Inc()
		m.latency.WithLabelValues(string(p)).Observe(d.Seconds())
		if kind == MatchTimeout {
			m.timeouts.WithLabelValues(string(p)).Inc()
		}
		return
	}
	c, ok := pm.byKind[kind]
	if !ok {
		c = m.lookups.WithLabelValues(string(p), resultLabel(kind), string(kind))
	}
	c.Inc()
	pm.latency.Observe(d.Seconds())
	if kind == MatchTimeout {
		pm.timeout.Inc()
	}
}
