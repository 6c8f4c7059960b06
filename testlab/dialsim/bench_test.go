package dialsim

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
)

// BenchmarkSimulatedHourModel: one simulated hour, 20 agents, predictive,
// in-process customers.
func BenchmarkSimulatedHourModel(b *testing.B) {
	cfg := base(dialer.ModePredictive, 20, 1)
	for i := 0; i < b.N; i++ {
		cfg.Seed = uint64(i + 1)
		if _, err := Run(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulatedHourARI: the same hour through the ari client, the
// aritel adapter and the Asterisk stand-in (HTTP + WebSocket on loopback).
func BenchmarkSimulatedHourARI(b *testing.B) {
	cfg := base(dialer.ModePredictive, 20, 1)
	for i := 0; i < b.N; i++ {
		cfg.Seed = uint64(i + 1)
		r, err := RunARI(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.DialerDialed), "calls/op")
	}
}

// BenchmarkSimulatedTenMinutesSIP: ten minutes of 20 agents through the
// SIP path (siptel, sip/ua, RTP on loopback on the virtual clock); the
// wall time per simulated hour is what the media cost.
func BenchmarkSimulatedTenMinutesSIP(b *testing.B) {
	cfg := base(dialer.ModePredictive, 20, 0)
	cfg.Duration = 10 * time.Minute
	for i := 0; i < b.N; i++ {
		cfg.Seed = uint64(i + 1)
		r, err := RunSIP(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.DialerDialed), "calls/op")
		b.ReportMetric(float64(r.CustomerRTPSent+r.CustomerRTPReceived+r.PhoneRTPReceived), "far-end-rtp/op")
	}
}
