package dialer

import (
	"math"
	"time"
)

// ring is a fixed-size ring of float64 samples kept with per-bin counts, so
// empirical distributions are O(1) to update and O(bins) to rebuild.
type sampleRing struct {
	vals  []float64
	next  int
	full  bool
	bins  []int // counts per 1-unit bin (last bin = overflow)
	n     int
	sum   float64
	cum   []int // cum[i] = samples with value >= i (survival counts); rebuilt lazily
	dirty bool
}

func newSampleRing(size, bins int) *sampleRing {
	return &sampleRing{vals: make([]float64, size), bins: make([]int, bins), cum: make([]int, bins+1), dirty: true}
}

func (r *sampleRing) bin(v float64) int {
	b := int(v)
	if b < 0 {
		b = 0
	}
	if b >= len(r.bins) {
		b = len(r.bins) - 1
	}
	return b
}

func (r *sampleRing) add(v float64) {
	if r.full {
		old := r.vals[r.next]
		r.bins[r.bin(old)]--
		r.sum -= old
		r.n--
	}
	r.vals[r.next] = v
	r.bins[r.bin(v)]++
	r.sum += v
	r.n++
	r.next++
	if r.next == len(r.vals) {
		r.next = 0
		r.full = true
	}
	r.dirty = true
}

func (r *sampleRing) rebuild() {
	if !r.dirty {
		return
	}
	c := 0
	for i := len(r.bins) - 1; i >= 0; i-- {
		c += r.bins[i]
		r.cum[i] = c
	}
	r.cum[len(r.bins)] = 0
	r.dirty = false
}

// survivalCount returns how many samples exceed x (linear inside a bin).
func (r *sampleRing) survivalCount(x float64) float64 {
	if x <= 0 {
		return float64(r.n)
	}
	b := int(x)
	if b >= len(r.bins) {
		return 0
	}
	frac := x - float64(b)
	return float64(r.cum[b]) - frac*float64(r.bins[b])
}

func (r *sampleRing) mean() float64 {
	if r.n == 0 {
		return 0
	}
	return r.sum / float64(r.n)
}

// estimator learns a campaign's answer rate, answer delay, the life of
// unanswered calls and talk time from recent calls.
type estimator struct {
	outcomes    []bool // recent attempts: true = live answer
	outNext     int
	outFull     bool
	answered    int
	priorP      float64
	priorW      float64
	answerDelay *sampleRing // seconds from originate to answer
	failAge     *sampleRing // seconds from originate to end, unanswered calls
	talk        *sampleRing // seconds of talk
	priorTalk   float64
	dialTimeout float64
	delayPrior  bool
	quantCache  []float64
	quantDirty  bool
}

func newEstimator(cfg CampaignConfig) *estimator {
	to := time.Duration(cfg.DialTimeout).Seconds()
	return &estimator{
		outcomes:    make([]bool, 300),
		priorP:      cfg.ExpectedAnswerRate,
		priorW:      20,
		answerDelay: newSampleRing(500, int(to)+2),
		failAge:     newSampleRing(500, int(to)+2),
		talk:        newSampleRing(500, 3601),
		priorTalk:   time.Duration(cfg.ExpectedTalk).Seconds(),
		dialTimeout: to,
		quantDirty:  true,
	}
}

func (e *estimator) attempt(live bool) {
	if e.outFull && e.outcomes[e.outNext] {
		e.answered--
	}
	e.outcomes[e.outNext] = live
	if live {
		e.answered++
	}
	e.outNext++
	if e.outNext == len(e.outcomes) {
		e.outNext = 0
		e.outFull = true
	}
}

// answerRate is the share of attempts answered live, shrunk towards the
// configured prior while few attempts are known.
func (e *estimator) answerRate() float64 {
	n := float64(e.outNext)
	if e.outFull {
		n = float64(len(e.outcomes))
	}
	return (float64(e.answered) + e.priorP*e.priorW) / (n + e.priorW)
}

func (e *estimator) answeredAfter(d time.Duration) {
	e.answerDelay.add(d.Seconds())
	e.quantDirty = true
}
func (e *estimator) failedAfter(d time.Duration) { e.failAge.add(d.Seconds()) }
func (e *estimator) talked(d time.Duration)      { e.talk.add(d.Seconds()) }

// answerCDF is P(answer delay <= a | the call is answered).
func (e *estimator) answerCDF(a float64) float64 {
	if e.answerDelay.n < 20 { // prior: uniform over [3 s, timeout]
		lo, hi := 3.0, e.dialTimeout
		switch {
		case a <= lo:
			return 0
		case a >= hi:
			return 1
		}
		return (a - lo) / (hi - lo)
	}
	e.answerDelay.rebuild()
	return 1 - e.answerDelay.survivalCount(a)/float64(e.answerDelay.n)
}

// failAlive is P(an unanswered call is still ringing at age a).
func (e *estimator) failAlive(a float64) float64 {
	if e.failAge.n < 20 {
		if a < e.dialTimeout {
			return 1
		}
		return 0
	}
	e.failAge.rebuild()
	return e.failAge.survivalCount(a) / float64(e.failAge.n)
}

// answerWithin is P(a call still ringing at age a is answered live within
// the next x seconds), for answer rate p.
func (e *estimator) answerWithin(p, a, x float64) float64 {
	fa := e.answerCDF(a)
	alive := p*(1-fa) + (1-p)*e.failAlive(a)
	if alive <= 1e-9 {
		return 0
	}
	v := p * (e.answerCDF(a+x) - fa) / alive
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// delayQuantiles returns k answer delays at the mid-points of k equal
// probability slices of the answer-delay distribution.
func (e *estimator) delayQuantiles(k int) []float64 {
	if !e.quantDirty && len(e.quantCache) == k {
		return e.quantCache
	}
	q := make([]float64, k)
	for i := range q {
		target := (float64(i) + 0.5) / float64(k)
		lo, hi := 0.0, e.dialTimeout+1
		for it := 0; it < 30; it++ {
			mid := (lo + hi) / 2
			if e.answerCDF(mid) < target {
				lo = mid
			} else {
				hi = mid
			}
		}
		q[i] = hi
	}
	e.quantCache, e.quantDirty = q, false
	return q
}

// talkEndsWithin is P(a talk that has lasted el seconds ends within x more).
func (e *estimator) talkEndsWithin(el, x float64) float64 {
	if x <= 0 {
		return 0
	}
	t := e.talk
	if t.n >= 30 {
		t.rebuild()
		s0 := t.survivalCount(el)
		if s0 >= 10 {
			return (s0 - t.survivalCount(el+x)) / s0
		}
	}
	mean := e.priorTalk
	if t.n >= 30 {
		mean = t.mean()
	}
	if mean <= 0 {
		return 1
	}
	return 1 - math.Exp(-x/mean)
}
