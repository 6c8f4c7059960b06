package wakeupsim

import (
	"testing"
	"time"
)

func TestEstimate(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name       string
		n, c       int
		h, sd      time.Duration
		wantLast   time.Duration
		wantCapFor int
	}{
		// Holds all 30 s: 75 wait, 25 channels, 3 rounds of 30 s, plus a
		// lag of h/2 = 15 s (the renewal asymptote of a constant hold);
		// within 120 s a channel starts 1 + 4 − 0.5 = 4.5 calls: 100/4.5.
		{name: "constant holds", n: 100, c: 25, h: 30 * s, sd: 0, wantLast: 105 * s, wantCapFor: 23},
		// Exponential holds (sd = h): no lag.
		// Below: h = 36 s, sd = 12 s: lag (36² − 12²)/72 = 16 s; a channel
		// starts 1 + 120/36 − 16/36 = 3.89 calls within 120 s: 500/3.89.
		{name: "exponential holds", n: 100, c: 25, h: 30 * s, sd: 30 * s, wantLast: 90 * s, wantCapFor: 20},
		{name: "enough channels for all at once", n: 500, c: 500, h: 36 * s, sd: 12 * s, wantLast: 0, wantCapFor: 129},
		{name: "no cap", n: 500, c: 0, h: 36 * s, sd: 12 * s, wantLast: 0, wantCapFor: 129},
		{name: "holds longer than the bound: a channel each", n: 50, c: 10, h: 5 * time.Minute, sd: 0, wantLast: 1350 * s, wantCapFor: 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			last, capFor := Estimate(tc.n, tc.c, tc.h, tc.sd, 2*time.Minute)
			if last != tc.wantLast || capFor != tc.wantCapFor {
				t.Fatalf("got %v and %d, want %v and %d", last, capFor, tc.wantLast, tc.wantCapFor)
			}
		})
	}
}
