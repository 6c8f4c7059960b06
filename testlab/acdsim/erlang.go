package acdsim

import (
	"math"
	"time"
)

// ErlangC is the M/M/c queue (Erlang's delay system): Poisson arrivals,
// exponential service, Agents servers, an unlimited queue served first come
// first served, nobody abandons. Load is the offered traffic in erlangs
// (a = λ·h), Talk the mean service time h.
type ErlangC struct {
	Agents int
	Load   float64
	Talk   time.Duration
}

// ErlangB is the blocking probability of c servers offered a erlangs, by
// the recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), which is
// numerically stable for any c.
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// PWait is the probability that a caller waits at all (the Erlang C
// formula), C = c·B / (c − a·(1 − B)) with B = ErlangB(c, a); 1 when the
// load reaches the agents (a ≥ c: the queue grows without bound).
func (e ErlangC) PWait() float64 {
	c, a := float64(e.Agents), e.Load
	if e.Agents <= 0 || a >= c {
		return 1
	}
	if a <= 0 {
		return 0
	}
	b := ErlangB(e.Agents, a)
	return c * b / (c - a*(1-b))
}

// ASA is the mean wait of all callers (average speed of answer),
// C / (cμ − λ) = C·h / (c − a); +Inf when a ≥ c.
func (e ErlangC) ASA() time.Duration {
	c, a := float64(e.Agents), e.Load
	if a >= c {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(e.PWait() * float64(e.Talk) / (c - a))
}

// ServiceLevel is the share of callers answered within t:
// 1 − C·exp(−(cμ − λ)·t) = 1 − C·exp(−(c − a)·t/h).
func (e ErlangC) ServiceLevel(t time.Duration) float64 {
	c, a := float64(e.Agents), e.Load
	if a >= c {
		return 0
	}
	return 1 - e.PWait()*math.Exp(-(c-a)*t.Seconds()/e.Talk.Seconds())
}
