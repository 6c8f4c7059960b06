package acdsim

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// The harness against the textbook reference ACD (refacd_test.go):
// its waits are the ideal FCFS queue's and its choices leastrecent's,
// which tests the simulated PBX, the path and the checks independently of
// the real ACD.
func TestHarnessWithReferenceACD(t *testing.T) {
	r, err := Run(Config{Strategy: callgroups.LeastRecent, Duration: 6 * time.Hour, Seed: 1, NewACD: newRefACD})
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, r)
	if r.PathMismatches != 0 || r.StrategyViolations != 0 || r.StrategyChecked != r.Offers || r.IdleWhileWaiting != 0 {
		t.Errorf("reference ACD: %d path mismatches, %d/%d strategy violations, idle %.1f s", r.PathMismatches, r.StrategyViolations, r.StrategyChecked, r.IdleWhileWaiting)
	}
}

// pauseBlind is the reference ACD ignoring pauses.
type pauseBlind struct{ *refACD }

func (p pauseBlind) Pause(context.Context, string, string, bool, string) ([]callgroups.MemberView, error) {
	return nil, nil
}

// The checks can fail: an ACD that ignores pauses is caught offering to
// paused members, one that picks the least recent member is caught when
// the group says linear, one that ignores penalties when they are set,
// and one that holds callers back by the path and idle checks.
func TestChecksCatchAMisbehavingACD(t *testing.T) {
	blind := func(e Env) (ACD, error) { a, _ := newRefACD(e); return pauseBlind{a.(*refACD)}, nil }
	r, err := Run(Config{Strategy: callgroups.LeastRecent, Duration: 3 * time.Hour, Seed: 2, Churn: true, NewACD: blind})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violations.Paused == 0 {
		t.Errorf("pause-blind ACD: no paused violation counted (%+v)", r.Violations)
	}
	r, err = Run(Config{Strategy: callgroups.Linear, Duration: 3 * time.Hour, Seed: 2, NewACD: newRefACD})
	if err != nil {
		t.Fatal(err)
	}
	if r.StrategyViolations == 0 {
		t.Errorf("least-recent ACD in a linear group: no strategy violation counted")
	}
	pen := make([]int, 20)
	for i := 10; i < 20; i++ {
		pen[i] = 5
	}
	r, err = Run(Config{Strategy: callgroups.LeastRecent, Duration: 3 * time.Hour, Seed: 2, Penalties: pen, NewACD: newRefACD})
	if err != nil {
		t.Fatal(err)
	}
	if r.PenaltyViolations == 0 {
		t.Errorf("penalty-blind ACD: no penalty violation counted")
	}
	slow := func(e Env) (ACD, error) {
		a, _ := newRefACD(e)
		ra := a.(*refACD)
		ra.delay = 3 * time.Second
		return ra, nil
	}
	r, err = Run(Config{Strategy: callgroups.LeastRecent, Duration: 3 * time.Hour, Seed: 2, NewACD: slow})
	if err != nil {
		t.Fatal(err)
	}
	if r.PathMismatches == 0 || r.IdleWhileWaiting == 0 {
		t.Errorf("ACD that offers 3 s late: %d path mismatches, idle %.1f s", r.PathMismatches, r.IdleWhileWaiting)
	}
}
