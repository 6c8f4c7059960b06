package dialer

import (
	"time"
)

// durHist keeps time-to-agent samples in 10 ms bins up to 10 s.
type durHist struct {
	bins  [1001]int
	n     int
	sum   time.Duration
	max   time.Duration
	over2 int
}

func (h *durHist) add(d time.Duration) {
	b := int(d / (10 * time.Millisecond))
	if b > 1000 {
		b = 1000
	}
	if b < 0 {
		b = 0
	}
	h.bins[b]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
	if d > MaxGrace {
		h.over2++
	}
}

// quantile returns the upper edge of the bin holding the q-quantile.
func (h *durHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int(q*float64(h.n-1)) + 1
	c := 0
	for i, v := range h.bins {
		c += v
		if c >= rank {
			return time.Duration(i+1) * 10 * time.Millisecond
		}
	}
	return h.max
}
