package acdsim

import (
	"math"
	"testing"
	"time"
)

// erlangCDirect is the textbook form of Erlang C, written independently of
// the recursion in erlang.go (terms a^k/k! in log space):
// C = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)).
func erlangCDirect(c int, a float64) float64 {
	term := func(k int) float64 {
		lg, _ := math.Lgamma(float64(k + 1))
		return math.Exp(float64(k)*math.Log(a) - lg)
	}
	sum := 0.0
	for k := 0; k < c; k++ {
		sum += term(k)
	}
	top := term(c) * float64(c) / (float64(c) - a)
	return top / (sum + top)
}

func TestErlangCTextbookValues(t *testing.T) {
	for _, tc := range []struct {
		name             string
		agents           int
		load             float64
		talk, slaT       time.Duration
		pwait, tolP      float64
		asa              time.Duration
		tolASA           time.Duration
		sl, tolSL        float64
		checkASA, checkS bool
	}{
		// M/M/1: P(wait) = ρ, mean wait = ρ/(μ−λ) (any queueing text, e.g.
		// Kleinrock, Queueing Systems vol. 1, §3.2). ρ = 0.5, h = 60 s:
		// wait = 0.5·60/0.5 = 60 s; P(W ≤ 30 s) = 1 − 0.5·e^{−0.25}.
		{name: "M/M/1 rho 0.5", agents: 1, load: 0.5, talk: time.Minute, slaT: 30 * time.Second,
			pwait: 0.5, tolP: 1e-12, asa: time.Minute, tolASA: time.Microsecond, sl: 1 - 0.5*math.Exp(-0.25), tolSL: 1e-12, checkASA: true, checkS: true},
		// M/M/2 with a = 1 erlang: P(wait) = 2ρ²/(1+ρ) = 1/3 at ρ = 0.5
		// (Kleinrock §3.5, the M/M/m queue with m = 2).
		{name: "M/M/2 a 1", agents: 2, load: 1, talk: time.Minute, pwait: 1.0 / 3, tolP: 1e-12,
			asa: 20 * time.Second, tolASA: time.Microsecond, checkASA: true},
		// Call Centre Helper's worked example
		// (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm):
		// 100 calls in 30 minutes, 180 s handling (A = 10 erlangs), 20 s
		// target. The values to three places are those asserted by
		// pyworkforce's tests for the same example
		// (github.com/rodrigo-arenas/pyworkforce,
		// pyworkforce/queuing/tests/test_erlang.py): 14 agents: waiting
		// probability 0.174, service level 0.888; 15 agents: 0.102, 0.941.
		// ASA = C·h/(c−a): 0.1741·180/4 = 7.8 s and 0.1020·180/5 = 3.7 s.
		{name: "callcentrehelper 14 agents", agents: 14, load: 10, talk: 180 * time.Second, slaT: 20 * time.Second,
			pwait: 0.174, tolP: 0.0005, asa: 7836 * time.Millisecond, tolASA: 5 * time.Millisecond, sl: 0.888, tolSL: 0.0005, checkASA: true, checkS: true},
		{name: "callcentrehelper 15 agents", agents: 15, load: 10, talk: 180 * time.Second, slaT: 20 * time.Second,
			pwait: 0.102, tolP: 0.0005, asa: 3674 * time.Millisecond, tolASA: 5 * time.Millisecond, sl: 0.941, tolSL: 0.0005, checkASA: true, checkS: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ErlangC{Agents: tc.agents, Load: tc.load, Talk: tc.talk}
			if got := e.PWait(); math.Abs(got-tc.pwait) > tc.tolP {
				t.Errorf("PWait = %.6f, want %.6f ± %g", got, tc.pwait, tc.tolP)
			}
			if got := e.ASA(); tc.checkASA && (got-tc.asa > tc.tolASA || tc.asa-got > tc.tolASA) {
				t.Errorf("ASA = %v, want %v ± %v", got, tc.asa, tc.tolASA)
			}
			if got := e.ServiceLevel(tc.slaT); tc.checkS && math.Abs(got-tc.sl) > tc.tolSL {
				t.Errorf("ServiceLevel(%v) = %.6f, want %.6f ± %g", tc.slaT, got, tc.sl, tc.tolSL)
			}
		})
	}
}

func TestErlangCMatchesDirectFormula(t *testing.T) {
	for c := 1; c <= 120; c += 7 {
		for _, rho := range []float64{0.1, 0.5, 0.8, 0.95, 0.99} {
			a := rho * float64(c)
			got, want := ErlangC{Agents: c, Load: a, Talk: time.Minute}.PWait(), erlangCDirect(c, a)
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("c=%d a=%.2f: recursion %.12f, direct %.12f", c, a, got, want)
			}
		}
	}
}

func TestErlangCEdges(t *testing.T) {
	if p := (ErlangC{Agents: 20, Load: 20, Talk: time.Minute}).PWait(); p != 1 {
		t.Errorf("a = c: PWait %v, want 1", p)
	}
	if sl := (ErlangC{Agents: 20, Load: 25, Talk: time.Minute}).ServiceLevel(time.Minute); sl != 0 {
		t.Errorf("overload: service level %v, want 0", sl)
	}
	if p := (ErlangC{Agents: 3, Load: 0, Talk: time.Minute}).PWait(); p != 0 {
		t.Errorf("no load: PWait %v, want 0", p)
	}
	// More agents never make waiting more likely.
	prev := 1.0
	for c := 17; c <= 40; c++ {
		p := ErlangC{Agents: c, Load: 16, Talk: time.Minute}.PWait()
		if p > prev {
			t.Fatalf("c=%d: PWait %.6f > %.6f at c−1", c, p, prev)
		}
		prev = p
	}
}
