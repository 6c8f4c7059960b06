package acdsim

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// The harness against the textbook reference ACD (refacd_test.go): its
// measured service level and wait must agree with Erlang C, which tests
// the arrivals, the members, the journal tally and the formulas together,
// independently of the real ACD.
func TestHarnessReferenceACDMatchesErlangC(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		cfg := Config{Strategy: callgroups.LeastRecent, Duration: 40 * time.Hour, Warmup: time.Hour, Seed: seed, NewACD: newRefACD}
		r, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: SL %.2f%% (Erlang %.2f%%), wait %.2f s (ASA %.2f s), P(wait) %.4f (%.4f), answered %d, strategy %d/%d", seed,
			r.ServiceLevel, r.ErlangSL, r.AverageWait, r.ErlangASA, r.PWait, r.ErlangPWait, r.Measured, r.StrategyViolations, r.StrategyChecked)
	}
}
