package agent

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/config"
	pbxsip "github.com/pbxagent/pbxagent/sip"
)

// newSIPServer builds the SIP redirect server from its configuration. resolveTimeout must stay
// under 150 ms: sipgo sends 100 Trying after 200 ms and the dip must answer before.
func newSIPServer(c config.SIP, r pbxsip.Resolver, miss pbxsip.MissMode, resolveTimeout time.Duration, log *slog.Logger) (*pbxsip.RedirectServer, error) {
	trusted := make([]netip.Prefix, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		p, err := pbxsip.ParseTrustedProxy(s)
		if err != nil {
			return nil, fmt.Errorf("config sip_redirect.trusted_proxies: %w", err)
		}
		trusted = append(trusted, p)
	}
	return pbxsip.NewRedirectServer(r, pbxsip.WithMissMode(miss), pbxsip.WithLogger(log),
		pbxsip.WithResolveTimeout(resolveTimeout), pbxsip.WithTrustedProxies(trusted...),
		pbxsip.WithTCPConnLimits(c.TCPMaxConns, c.TCPMaxConnsPerIP),
		pbxsip.WithTCPTimeouts(c.TCPMessageTimeout, c.TCPIdleTimeout),
		pbxsip.WithUnackedPerIP(c.UnackedPerIP), pbxsip.WithLogLimit(c.LogBurst, c.LogInterval))
}

// SetLibraryLogging routes the SIP library's process-wide logger through the SIP log filter, with
// the limits of cfg. Call it once at process start, before New.
func SetLibraryLogging(cfg config.Config, log *slog.Logger) {
	pbxsip.SetLibraryLogger(log.With("component", "sip"), cfg.SIP.LogBurst, cfg.SIP.LogInterval)
}

// registerSIPMetrics exposes the SIP server's counters.
func registerSIPMetrics(reg prometheus.Registerer, s *pbxsip.RedirectServer) {
	up := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, tr := range []string{"udp", "tcp"} {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pbxagent_sip_transport_up", Help: "1 while the SIP redirect transport serves; 0 once its listener has failed (the other keeps serving).",
			ConstLabels: prometheus.Labels{"transport": tr},
		}, func() float64 {
			st := s.Stats()
			if tr == "udp" {
				return up(st.UDPUp)
			}
			return up(st.TCPUp)
		}))
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_sip_tcp_connections", Help: "SIP TCP connections held now.",
	}, func() float64 { return float64(s.Stats().TCPConns) }))
	counters := []struct {
		name, help string
		v          func(pbxsip.Stats) uint64
	}{
		{"pbxagent_sip_tcp_refused_total", "SIP TCP connections closed at once for being over sip_redirect.tcp_max_conns or tcp_max_conns_per_ip.", func(st pbxsip.Stats) uint64 { return st.TCPRefused }},
		{"pbxagent_sip_tcp_timeouts_total", "SIP TCP connections closed for a message not received (or a response not written) within sip_redirect.tcp_message_timeout, or idle for tcp_idle_timeout.", func(st pbxsip.Stats) uint64 { return st.TCPTimeouts }},
		{"pbxagent_sip_accept_errors_total", "Failed SIP TCP accepts (retried with a backoff).", func(st pbxsip.Stats) uint64 { return st.AcceptErrors }},
		{"pbxagent_sip_udp_read_errors_total", "Failed SIP UDP reads (retried with a backoff).", func(st pbxsip.Stats) uint64 { return st.UDPReadErrors }},
		{"pbxagent_sip_not_retransmitted_total", "INVITE answers sent once only, their address being over sip_redirect.unacked_per_ip.", func(st pbxsip.Stats) uint64 { return st.NotRetransmitted }},
		{"pbxagent_sip_log_suppressed_total", "SIP log lines dropped by the rate limit (sip_redirect.log_burst per log_interval).", func(st pbxsip.Stats) uint64 { return st.LogSuppressed }},
	}
	for _, c := range counters {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(c.v(s.Stats())) }))
	}
}
