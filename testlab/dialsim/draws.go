package dialsim

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"
)

// Common random numbers. The ARI stand-in and the SIP far end play the same
// customer model; each dial's customer is drawn from a stream of its own,
// seeded by (run seed, number dialled, attempt on that number), and always
// takes the same three draws (answer, ring, talk) in the same order. So a
// seed gives the same customers on both paths — the same answers, ring
// times and talk times for the same dials, whatever else the run did in
// between — and a difference per seed is the paths', not the sample's, as
// long as the dialer's decisions coincide.

// dialDraw is the customer of one dial.
type dialDraw struct {
	Number  string
	Attempt int // 1 for the first dial of Number in the run
	Answer  bool
	// Ring is the time from the INVITE (or originate) to the answer,
	// drawn for every dial; it is used only when Answer holds.
	Ring time.Duration
	// Talk is the time from the answer to the customer's hang-up.
	Talk time.Duration
}

// draws hands out the customers of a run's dials.
type draws struct {
	seed             uint64
	prob             func(time.Time) float64
	ringMin, ringMax time.Duration
	talkMean         time.Duration

	mu       sync.Mutex
	attempts map[string]int
	log      []dialDraw // every draw in order, when keep
	keep     bool
}

// minTalk is the shortest talk time: a customer who answers stays on for
// at least a second (the ARI stand-in's floor, kept on both paths).
const minTalk = time.Second

// newDraws returns the customer draws of a run: answer probability prob
// (by the time of the dial), ring U(5 s, 25 s), talk Exp(talkMean).
func newDraws(seed uint64, prob func(time.Time) float64, talkMean time.Duration) *draws {
	return &draws{seed: seed, prob: prob, ringMin: 5 * time.Second, ringMax: 25 * time.Second, talkMean: talkMean,
		attempts: map[string]int{}}
}

// streamKey is the second PCG seed word of a dial's stream.
func streamKey(number string, attempt int) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(number))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(attempt))
	_, _ = h.Write(b[:])
	return h.Sum64()
}

// draw returns the customer answering (or not) the next dial of number,
// placed at the given time.
func (d *draws) draw(number string, at time.Time) dialDraw {
	d.mu.Lock()
	d.attempts[number]++
	n := d.attempts[number]
	d.mu.Unlock()
	r := rand.New(rand.NewPCG(d.seed, streamKey(number, n)))
	u, ring, talk := r.Float64(), r.Float64(), r.ExpFloat64()
	dd := dialDraw{
		Number: number, Attempt: n, Answer: u < d.prob(at),
		Ring: d.ringMin + time.Duration(ring*float64(d.ringMax-d.ringMin)),
		Talk: max(time.Duration(talk*float64(d.talkMean)), minTalk),
	}
	if d.keep {
		d.mu.Lock()
		d.log = append(d.log, dd)
		d.mu.Unlock()
	}
	return dd
}

// drawn returns the draws kept so far, in order.
func (d *draws) drawn() []dialDraw {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]dialDraw(nil), d.log...)
}
