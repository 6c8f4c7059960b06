package agent

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// readyWindow is how long a refusal at http.max_conns or a failed accept
// keeps /readyz at 503.
const readyWindow = 10 * time.Second

// httpLimits are the HTTP listener's connection limits: the configured
// ones, with max_conns lowered to half the file-descriptor limit when that
// is less (the other half is left to FastAGI, SIP and the store).
func (d *Daemon) httpLimits() fastlane.Limits {
	l := fastlane.Limits{MaxConns: d.cfg.HTTP.MaxConns, MaxConnsPerPeer: d.cfg.HTTP.MaxConnsPerPeer}
	if fds := fdLimit(); fds > 0 && (l.MaxConns == 0 || l.MaxConns > fds/2) {
		if l.MaxConns != 0 {
			d.log.Info("http.max_conns lowered to half the file-descriptor limit", "max_conns", fds/2,
				"configured", l.MaxConns, "fd_limit", fds)
		}
		l.MaxConns = fds / 2
	}
	return l
}

// httpStats is the HTTP listener's load (zero before Start).
func (d *Daemon) httpStats() fastlane.Stats {
	if d.lane == nil {
		return fastlane.Stats{}
	}
	return d.lane.Stats()
}

// notReady says why the HTTP listener should get no more traffic at now,
// or "" when it may: open connections at 90 % of max_conns or more, or a
// refusal at max_conns or a failed accept (out of file descriptors, say)
// in the last readyWindow.
func notReady(st fastlane.Stats, now time.Time) string {
	switch {
	case st.Limits.MaxConns > 0 && st.Open >= st.Limits.MaxConns-st.Limits.MaxConns/10:
		return "saturated"
	case !st.LastRefusedMax.IsZero() && now.Sub(st.LastRefusedMax) < readyWindow:
		return "refusing connections"
	case !st.LastAcceptError.IsZero() && now.Sub(st.LastAcceptError) < readyWindow:
		return "accept failing"
	}
	return ""
}

// errNotStarted: the HTTP listener is not open yet.
var errNotStarted = errors.New("not started")

// readiness runs every check: the store, the HTTP listener (saturation,
// refusals, failed accepts) and every component's Checker and Checks.
func (d *Daemon) readiness(ctx context.Context) map[string]error {
	out := map[string]error{"store": nil}
	if d.store.DiskFull() {
		out["store"] = errors.New("the disk is full: " + d.store.DiskFullReason())
	}
	if d.lane == nil {
		out["http"] = errNotStarted
	} else if why := notReady(d.lane.Stats(), time.Now()); why != "" {
		out["http"] = errors.New(why)
	} else {
		out["http"] = nil
	}
	for _, c := range d.comps {
		if ch, ok := c.(platform.Checker); ok {
			out[c.Name()] = ch.Ready(ctx)
		}
		if ch, ok := c.(platform.Checks); ok {
			for name, err := range ch.ReadyChecks(ctx) {
				out[name] = err
			}
		}
	}
	return out
}

// registerHTTPMetrics exports the HTTP listener's load.
func (d *Daemon) registerHTTPMetrics() {
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_http_connections_open", Help: "HTTP connections open (fast lane and net/http).",
	}, func() float64 { return float64(d.httpStats().Open) }))
	const refusedHelp = "HTTP connections refused (answered 503 and closed) at http.max_conns or http.max_conns_per_peer."
	d.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "pbxagent_http_connections_refused_total", Help: refusedHelp, ConstLabels: prometheus.Labels{"limit": "max_conns"},
	}, func() float64 { return float64(d.httpStats().RefusedMax) }))
	d.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "pbxagent_http_connections_refused_total", Help: refusedHelp, ConstLabels: prometheus.Labels{"limit": "max_conns_per_peer"},
	}, func() float64 { return float64(d.httpStats().RefusedPeer) }))
	d.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "pbxagent_http_accept_errors_total", Help: "Failed accepts on the HTTP listener (e.g. too many open files), each retried after a backoff.",
	}, func() float64 { return float64(d.httpStats().AcceptErrors) }))
}
