package wakeupsim

import (
	"testing"
	"time"
)

// TestFiveHundredWakeUpsWithinTwoMinutes is the figure: 500
// wake-ups due in the same minute, placed within the cap and within 2
// minutes, none twice at once, the unanswered ones retried and reported
// once, over several seeds. The cap, 140, is the arithmetic's (about
// 130 with 60 s of ringing, on average) with the margin every seed
// needs (FIGURES.md).
func TestFiveHundredWakeUpsWithinTwoMinutes(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := Default(140)
		cfg.Seed = seed
		r := Run(cfg)
		checkRules(t, r)
		if r.FirstPlaced > 2*time.Minute {
			t.Errorf("seed %d: last first attempt placed %v after the due minute, want ≤ 2 min", seed, r.FirstPlaced)
		}
		if r.CapFor2Min > 140 {
			t.Errorf("seed %d: the arithmetic asks for a cap of %d", seed, r.CapFor2Min)
		}
		t.Logf("seed %d: %+v", seed, r)
	}
}

// TestTrunkCapThirty: with 30 channels the rules hold but 2 minutes
// cannot be met; the measured time agrees with Estimate within 5 %.
func TestTrunkCapThirty(t *testing.T) {
	r := Run(Default(30))
	checkRules(t, r)
	if r.FirstPlaced <= 2*time.Minute {
		t.Errorf("30 channels placed every first attempt within %v: the model is wrong", r.FirstPlaced)
	}
	if d := r.FirstPlaced - r.Predicted; d < -r.Predicted/20 || d > r.Predicted/20 {
		t.Errorf("first attempts all placed after %v, the estimate says %v", r.FirstPlaced, r.Predicted)
	}
	t.Logf("%+v", r)
}

// TestSpreadOverTheMinuteAndDeterministic: due times spread over the
// minute change nothing to the rules, and a seed gives the same run.
func TestSpreadOverTheMinuteAndDeterministic(t *testing.T) {
	cfg := Default(140)
	cfg.Spread = time.Minute
	a, b := Run(cfg), Run(cfg)
	checkRules(t, a)
	if a.FirstWaitMax > 2*time.Minute {
		t.Errorf("a first attempt waited %v after its time", a.FirstWaitMax)
	}
	if a.FirstPlaced != b.FirstPlaced || a.Attempts != b.Attempts || a.Unanswered != b.Unanswered || a.Done != b.Done {
		t.Fatalf("two runs of one seed differ:\n%+v\n%+v", a, b)
	}
}

func checkRules(t *testing.T, r Result) {
	t.Helper()
	cap := r.Config.Settings.MaxConcurrent
	if r.MaxConcurrent > cap || r.MaxConcurrent == 0 {
		t.Errorf("seed %d: %d calls at once, cap %d", r.Config.Seed, r.MaxConcurrent, cap)
	}
	if r.Twice != 0 {
		t.Errorf("seed %d: %d wake-ups placed twice at once", r.Config.Seed, r.Twice)
	}
	if len(r.Problems) > 0 {
		t.Errorf("seed %d: %d problems, first %q", r.Config.Seed, len(r.Problems), r.Problems[0])
	}
	if r.Answered+r.Unanswered != r.Config.WakeUps {
		t.Errorf("seed %d: %d answered + %d unanswered of %d", r.Config.Seed, r.Answered, r.Unanswered, r.Config.WakeUps)
	}
	if r.Unanswered == 0 || r.Retries == 0 || r.Alerts != r.Unanswered {
		t.Errorf("seed %d: the run did not exercise retries and reports: %d unanswered, %d retries, %d alerts",
			r.Config.Seed, r.Unanswered, r.Retries, r.Alerts)
	}
}
