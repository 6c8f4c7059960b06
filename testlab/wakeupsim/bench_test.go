package wakeupsim

import "testing"

// BenchmarkRush500 runs the reference rush (500 wake-ups at once, cap
// 140) through the real scheduler and reports the figures with the wall
// time a run takes.
func BenchmarkRush500(b *testing.B) {
	var r Result
	for i := 0; b.Loop(); i++ {
		cfg := Default(140)
		cfg.Seed = uint64(i%20 + 1)
		r = Run(cfg)
	}
	b.ReportMetric(r.FirstPlaced.Seconds(), "first_placed_s")
	b.ReportMetric(float64(r.MaxConcurrent), "max_concurrent")
	b.ReportMetric(float64(r.Twice), "twice")
	b.ReportMetric(float64(r.Unanswered), "unanswered")
}
