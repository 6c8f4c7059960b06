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
	cusum       float64 // CUSUM statistic for a rise in the answer rate
	run         int     // attempts since the CUSUM was last zero
	reset       bool    // restart the window after this attempt
	changes     int     // answer-rate rises detected (reported)
	priorP      float64
	priorW      float64
	answerDelay *sampleRing // seconds from originate to answer
	failAge     *sampleRing // seconds from originate to end, unanswered calls
	talk        *sampleRing // seconds of talk
	priorTalk   float64
	dialTimeout float64
	quantCache  []float64
	quantDirty  bool
	// seen and seenLive count every attempt since the campaign's start
	// (never reset), for the cold start.
	seen, seenLive int
	warmed         bool
}

// Cold start. ExpectedAnswerRate is a guess; a campaign whose real answer
// rate is far above it would be over-dialled in its first minutes (seen on
// a real Asterisk: 3 calls for 2 agents, 1 abandoned). Until the estimator
// has counted coldAnswers live answers in at least coldAttempts attempts
// (or coldMaxAttempts attempts, for lists that rarely answer), the
// predictive modes place no more calls than there are agents free to take
// them, so no answer can find every agent busy; then the prior is dropped
// and the measured rate drives the pace.
const (
	coldAnswers     = 5
	coldAttempts    = 20
	coldMaxAttempts = 100
)

// cold reports whether the campaign is still in its cold start.
func (e *estimator) cold() bool { return !e.warmed }

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

// Answer-rate change detection. A CUSUM test for a doubling of the answer
// rate runs over the attempts (taken in the order they were placed): each
// answer adds log(p1/p0), each other outcome log((1-p1)/(1-p0)), with p0 the
// long-window rate and p1 = 2 p0, and the sum is floored at zero. When it
// passes cusumH the answer rate has risen (a new list, the time of day) and
// the long window restarts from the attempts since the sum last left zero
// (at least minRun), so the pacing follows within about a hundred attempts
// instead of the whole long window. cusumH = 12 puts a false alarm at about
// e^12 (~160 000) attempts, several days of a 20-agent campaign, against a
// detection delay of about 100 attempts for a rise from 0.1 to 0.3.
//
// Only rises are followed at once: they are what makes the dialler
// abandon. A fall makes it cautious and is followed at the long window's
// pace; a short window's estimate is noisy, and reading it low overdials.
const (
	cusumH = 12.0
	minRun = 50
)

func (e *estimator) attempt(live bool) {
	e.seen++
	if live {
		e.seenLive++
	}
	if !e.warmed && (e.seenLive >= coldAnswers && e.seen >= coldAttempts || e.seen >= coldMaxAttempts) {
		e.warmed = true
		e.priorW = 0 // measured now; the guess would bias it for another 20 attempts
	}
	e.detectChange(live)
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
	if e.reset {
		e.restart()
	}
}

// count is how many attempts the long window holds.
func (e *estimator) count() int {
	if e.outFull {
		return len(e.outcomes)
	}
	return e.outNext
}

// detectChange updates the CUSUM with the next outcome (before it enters
// the window) and flags a restart when it passes cusumH.
func (e *estimator) detectChange(live bool) {
	n := e.count()
	if n < 2*minRun {
		return
	}
	p0 := math.Max(float64(e.answered)/float64(n), 0.01)
	p1 := math.Min(2*p0, 0.95)
	if live {
		e.cusum += math.Log(p1 / p0)
	} else {
		e.cusum += math.Log((1 - p1) / (1 - p0))
	}
	if e.cusum <= 0 {
		e.cusum, e.run = 0, 0
		return
	}
	e.run++
	if e.cusum > cusumH {
		e.reset = true
	}
}

// restart keeps only the attempts since the CUSUM left zero.
func (e *estimator) restart() {
	keep := min(max(e.run, minRun), e.count())
	last := make([]bool, keep)
	k := 0
	for i := 1; i <= keep; i++ {
		v := e.outcomes[(e.outNext-i+len(e.outcomes))%len(e.outcomes)]
		last[keep-i] = v
		if v {
			k++
		}
	}
	clear(e.outcomes)
	copy(e.outcomes, last)
	e.outNext, e.outFull, e.answered = keep%len(e.outcomes), keep == len(e.outcomes), k
	e.priorW = 0 // the prior is a start-up guess, not a memory of the old rate
	e.cusum, e.run, e.reset = 0, 0, false
	e.changes++
}

// answerRate is the share of attempts answered live, shrunk towards the
// configured prior while few attempts are known.
func (e *estimator) answerRate() float64 {
	return (float64(e.answered) + e.priorP*e.priorW) / (float64(e.count()) + e.priorW)
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
