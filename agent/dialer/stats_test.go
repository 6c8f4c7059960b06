package dialer

import (
	"slices"
	"testing"
	"time"
)

// TestTimeToAgentQuantilesNeverExceedTheMax: the figures a campaign shows
// are nearest-rank quantiles, never above the longest wait seen, and exact
// for a sample on a bin's edge.
func TestTimeToAgentQuantilesNeverExceedTheMax(t *testing.T) {
	for _, tc := range []struct {
		name              string
		samples           []time.Duration
		p50, p99, maxWant time.Duration
	}{
		{name: "none", samples: nil},
		{name: "one short wait", samples: []time.Duration{3 * time.Millisecond}, p50: 3 * time.Millisecond, p99: 3 * time.Millisecond, maxWant: 3 * time.Millisecond},
		{name: "zero waits", samples: []time.Duration{0, 0}},
		{name: "one long wait in 101", samples: append(slices.Repeat([]time.Duration{100 * time.Millisecond}, 100), 1500*time.Millisecond),
			p50: 100 * time.Millisecond, p99: 100 * time.Millisecond, maxWant: 1500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, CampaignConfig{Mode: ModeProgressive})
			r.d.mu.Lock()
			for _, s := range tc.samples {
				r.d.campaigns["camp"].tta.add(s)
			}
			r.d.mu.Unlock()
			v := r.view()
			if time.Duration(v.TimeToAgentP50) != tc.p50 || time.Duration(v.TimeToAgentP99) != tc.p99 || time.Duration(v.TimeToAgentMax) != tc.maxWant {
				t.Fatalf("p50 %v p99 %v max %v, want %v %v %v", time.Duration(v.TimeToAgentP50), time.Duration(v.TimeToAgentP99),
					time.Duration(v.TimeToAgentMax), tc.p50, tc.p99, tc.maxWant)
			}
		})
	}
}
