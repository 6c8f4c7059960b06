package dialer

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAnswerRateFollowsRisesOnly(t *testing.T) {
	cfg := CampaignConfig{DialTimeout: Duration(25 * time.Second), ExpectedAnswerRate: 0.25}
	for _, tc := range []struct {
		name          string
		before, after float64
		n             int // attempts after the change
		wantChanges   int
		// within: after this many attempts past the change the estimate
		// is within 0.07 of the new rate (0: not checked)
		within int
	}{
		{"steady 0.1", 0.1, 0.1, 200_000, 0, 0},
		{"steady 0.3", 0.3, 0.3, 200_000, 0, 0},
		{"rise 0.1 to 0.3", 0.1, 0.3, 2_000, 1, 250},
		{"rise 0.05 to 0.2", 0.05, 0.2, 2_000, 1, 300},
		{"fall 0.3 to 0.1 (long window pace)", 0.3, 0.1, 2_000, 0, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			e := newEstimator(cfg)
			for range 2000 {
				e.attempt(rng.Float64() < tc.before)
			}
			for i := 1; i <= tc.n; i++ {
				e.attempt(rng.Float64() < tc.after)
				if i == tc.within {
					if got := e.answerRate(); math.Abs(got-tc.after) > 0.07 {
						t.Errorf("%d attempts after the change the estimate is %.3f, want %.2f ± 0.07", i, got, tc.after)
					}
				}
			}
			if e.changes != tc.wantChanges {
				t.Errorf("%d changes detected, want %d", e.changes, tc.wantChanges)
			}
		})
	}
}

// The estimator takes attempts in the order they were placed: answers
// that come back before the unanswered calls placed ahead of them wait.
func TestAttemptsReachEstimatorInDialOrder(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeSpare, SpareCalls: 2})
	r.leads("+442071234001", "+442071234002", "+442071234003")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	est := r.d.campaigns["camp"].est
	r.clk.Advance(6 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c2"})
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c3"})
	if n := est.count(); n != 0 {
		t.Fatalf("%d attempts in the estimator while the first call still rings, want 0", n)
	}
	r.clk.Advance(19 * time.Second)
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 19})
	if n, a := est.count(), est.answered; n != 3 || a != 2 {
		t.Fatalf("estimator holds %d attempts, %d answered; want 3 and 2", n, a)
	}
	if got := est.outcomes[:3]; got[0] || !got[1] || !got[2] {
		t.Fatalf("attempts in the order %v, want [false true true]", got)
	}
}

func TestControllerDoesNotBankQuietSpells(t *testing.T) {
	var k controller
	k.init(CampaignConfig{AbandonTarget: 0.03})
	base := math.Log(k.theta0)
	// 1000 answers without an abandoned call: the window's slack is ~28,
	// the bucket stops at maxSlack.
	quiet, calm := counts{1000, 0}, counts{300, 0}
	top := k.thresh(quiet, calm, calm, quiet)
	if want := math.Exp(base + k.gain*k.maxSlack); math.Abs(top-want) > 1e-12 {
		t.Fatalf("theta after a quiet spell %.5f, want %.5f (slack capped at %g)", top, want, k.maxSlack)
	}
	// Then 5 abandoned calls in 10 answers, outside the recent windows:
	// the window still shows 23 calls of slack, the bucket is in deficit.
	after := counts{1010, 5}
	th := k.thresh(after, calm, calm, after)
	if th >= k.theta0 {
		t.Errorf("theta %.5f after spending more than the capped credit, want below theta0 %.5f", th, k.theta0)
	}
	// A deficit over the medium window lowers theta further.
	low := k.thresh(after, calm, counts{100, 6}, after)
	if low >= th {
		t.Errorf("theta %.5f with a 2-hour deficit, want below %.5f", low, th)
	}
}
