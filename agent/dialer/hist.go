package dialer

import (
	"math"
	"time"
)

// durHist keeps time-to-agent samples in 10 ms bins up to 10 s; bin i
// holds (i·10 ms, (i+1)·10 ms], so a sample on an edge is read exactly.
type durHist struct {
	bins  [1001]int
	n     int
	sum   time.Duration
	max   time.Duration
	over2 int
}

func (h *durHist) add(d time.Duration) {
	b := int((d+10*time.Millisecond-1)/(10*time.Millisecond)) - 1
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

// quantile returns the q-quantile by the nearest-rank method (the
// ceil(q·n)-th smallest sample), read as the upper edge of its 10 ms bin
// and never above the largest sample: a percentile can be no larger than
// the maximum it is reported with. The last bin (10 s and more) is open, so
// a quantile falling in it is the maximum.
func (h *durHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	c := 0
	for i, v := range h.bins {
		c += v
		if c >= rank {
			if i == len(h.bins)-1 {
				return h.max
			}
			return min(time.Duration(i+1)*10*time.Millisecond, h.max)
		}
	}
	return h.max
}
