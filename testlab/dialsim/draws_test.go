package dialsim

import (
	"fmt"
	"testing"
	"time"
)

// TestDrawsCommonRandomNumbers: a dial's customer depends on the seed, the
// number and the attempt only — not on what was drawn before — so two
// paths dialling the same leads meet the same customers.
func TestDrawsCommonRandomNumbers(t *testing.T) {
	p := func(time.Time) float64 { return 0.5 }
	cases := []struct {
		name    string
		seedA   uint64
		seedB   uint64
		before  []string // numbers drawn on path B first
		number  string
		attempt int // the attempt on number both paths compare
		same    bool
	}{
		{name: "same dial, nothing else drawn", seedA: 1, seedB: 1, number: "+442070000001", attempt: 1, same: true},
		{name: "same dial after other dials", seedA: 1, seedB: 1, before: []string{"+442070000002", "+12122000003"}, number: "+442070000001", attempt: 1, same: true},
		{name: "second attempt", seedA: 7, seedB: 7, before: []string{"+442070000009"}, number: "+442070000001", attempt: 2, same: true},
		{name: "another seed", seedA: 1, seedB: 2, number: "+442070000001", attempt: 1, same: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newDraws(tc.seedA, p, 2*time.Minute), newDraws(tc.seedB, p, 2*time.Minute)
			for _, n := range tc.before {
				b.draw(n, start)
			}
			var da, db dialDraw
			for i := 0; i < tc.attempt; i++ {
				da, db = a.draw(tc.number, start), b.draw(tc.number, start)
			}
			if da.Attempt != tc.attempt || db.Attempt != tc.attempt {
				t.Fatalf("attempts %d and %d, want %d", da.Attempt, db.Attempt, tc.attempt)
			}
			if (da == db) != tc.same {
				t.Fatalf("draws %+v and %+v: same = %v, want %v", da, db, da == db, tc.same)
			}
		})
	}
}

// TestDrawsModel: the draws follow the model (answer share p, ring
// U(5 s, 25 s), talk at least a second with mean close to the given one).
func TestDrawsModel(t *testing.T) {
	d := newDraws(1, func(time.Time) float64 { return 0.2 }, 2*time.Minute)
	const n = 20000
	answers := 0
	var talk time.Duration
	for i := 0; i < n; i++ {
		x := d.draw(fmt.Sprintf("+44207%07d", i), start)
		if x.Ring < 5*time.Second || x.Ring >= 25*time.Second || x.Talk < minTalk {
			t.Fatalf("draw %d out of the model: %+v", i, x)
		}
		if x.Answer {
			answers++
		}
		talk += x.Talk
	}
	// Binomial(20000, 0.2): sd 57 answers; Exp mean over 20000: sd 0.7 %.
	if share := float64(answers) / n; share < 0.19 || share > 0.21 {
		t.Errorf("answer share %.4f, want 0.2 ± 0.01", share)
	}
	if mean := talk / n; mean < 115*time.Second || mean > 125*time.Second {
		t.Errorf("mean talk %s, want 120 s ± 5 s", mean)
	}
}
