package dialer

import (
	"testing"
	"time"
)

func TestDurHistQuantileNeverAboveMax(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{name: "no sample", samples: nil, q: 0.99, want: 0},
		{name: "one sample", samples: []time.Duration{1234 * ms}, q: 0.99, want: 1234 * ms},
		{name: "one sample p50", samples: []time.Duration{1234 * ms}, q: 0.5, want: 1234 * ms},
		{name: "two samples p99 is the larger", samples: []time.Duration{100 * ms, 2003 * ms}, q: 0.99, want: 2003 * ms},
		{name: "two samples p50 is the smaller", samples: []time.Duration{100 * ms, 2003 * ms}, q: 0.5, want: 100 * ms},
		{name: "p50 is its bin's upper edge", samples: []time.Duration{101 * ms, 2003 * ms}, q: 0.5, want: 110 * ms},
		{name: "all equal", samples: []time.Duration{1501 * ms, 1501 * ms, 1501 * ms, 1501 * ms}, q: 0.99, want: 1501 * ms},
		{name: "all equal on a bin edge", samples: []time.Duration{1500 * ms, 1500 * ms, 1500 * ms}, q: 0.99, want: 1500 * ms},
		{name: "zero durations", samples: []time.Duration{0, 0}, q: 0.99, want: 0},
		{name: "beyond the last bin", samples: []time.Duration{ms, 25 * time.Second}, q: 0.99, want: 25 * time.Second},
		{name: "p99 of 100 samples is the 99th", samples: ramp(100, 10*ms), q: 0.99, want: 990 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h durHist
			for _, d := range tc.samples {
				h.add(d)
			}
			got := h.quantile(tc.q)
			if got != tc.want {
				t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
			if got > h.max {
				t.Errorf("quantile(%v) = %v above the max %v", tc.q, got, h.max)
			}
		})
	}
}

// ramp returns n samples step, 2·step, … n·step.
func ramp(n int, step time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * step
	}
	return out
}

func FuzzDurHistQuantile(f *testing.F) {
	f.Add(int64(1234), int64(1234), int64(5), uint8(99))
	f.Fuzz(func(t *testing.T, a, b, c int64, q uint8) {
		var h durHist
		lo := time.Duration(1<<62 - 1)
		for _, v := range []int64{a, b, c} {
			d := time.Duration(v % int64(time.Minute))
			if d < 0 {
				d = -d
			}
			h.add(d)
			lo = min(lo, d)
		}
		got := h.quantile(float64(q%101) / 100)
		if got > h.max || got < lo {
			t.Fatalf("quantile %v outside [%v, %v]", got, lo, h.max)
		}
	})
}
