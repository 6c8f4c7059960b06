package acdsim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// start is when every run begins (a Monday, 09:00 UTC; the ACD's "today"
// is UTC).
var start = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// drainLimit bounds the drain after the arrivals end.
const drainLimit = 72 * time.Hour

// Result is one run's figures.
type Result struct {
	Seed     uint64              `json:"seed"`
	Strategy callgroups.Strategy `json:"strategy"`
	Agents   int                 `json:"agents"`
	Load     float64             `json:"load"`
	Hours    float64             `json:"hours"`
	// Entered: callers who arrived (all of the run); Measured: answered
	// callers who entered after the warm-up (the figures' base).
	Entered  int `json:"entered"`
	Measured int `json:"measured_answered"`
	// ServiceLevel: measured answered within the SLA threshold ÷ measured
	// answered, from the journal, in percent; ErlangSL the prediction.
	ServiceLevel float64 `json:"service_level_pct"`
	ErlangSL     float64 `json:"erlang_service_level_pct"`
	// AverageWait: mean wait of the measured answered callers, from the
	// journal; ErlangASA the prediction.
	AverageWait float64 `json:"average_wait_s"`
	ErlangASA   float64 `json:"erlang_asa_s"`
	// PWait: share of measured answered callers who waited at all.
	PWait       float64 `json:"p_wait"`
	ErlangPWait float64 `json:"erlang_p_wait"`
	Abandoned   int     `json:"abandoned"`
	Offers      int     `json:"offers"`
	NoAnswers   int     `json:"ring_no_answer"`
	// Violations: offers to members the skip rules exclude (must be 0).
	Violations      Violations `json:"violations"`
	ViolationsTotal int        `json:"violations_total"`
	// StrategyChecked / StrategyViolations: offers checked against the
	// strategy's definition and those that broke it.
	StrategyChecked    int `json:"strategy_checked"`
	StrategyViolations int `json:"strategy_violations"`
	// IdleWhileWaiting: seconds during which a caller waited un-offered
	// while an eligible member was free.
	IdleWhileWaiting float64 `json:"idle_while_waiting_s"`
	// CallsPerMember: answered calls per member (min, max, coefficient of
	// variation).
	CallsMin int     `json:"calls_per_member_min"`
	CallsMax int     `json:"calls_per_member_max"`
	CallsCV  float64 `json:"calls_per_member_cv"`
	// Left: callers the ACD handed back to the dialplan, by exit.
	Left map[callgroups.Exit]int `json:"left,omitempty"`
	// Unfinished: callers still waiting or talking when the drain limit
	// came; Lost: callers neither answered, abandoned nor left.
	Unfinished int `json:"unfinished"`
	Lost       int `json:"lost"`
	// JournalProblems: callers whose journal entries are inconsistent
	// (see Tally.Problems); JournalExamples the first few.
	JournalProblems int      `json:"journal_problems"`
	JournalExamples []string `json:"journal_examples,omitempty"`
	// JournalAnswered / JournalAbandoned: every CONNECT / ABANDON, to
	// compare with what the PBX saw (Answered / Abandoned of Checks).
	JournalAnswered  int `json:"journal_connect"`
	JournalAbandoned int `json:"journal_abandon"`
	SimAnswered      int `json:"sim_answered"`
	SimAbandoned     int `json:"sim_abandoned"`
	// WaitMismatches: CONNECT entries whose Wait differs from the wait
	// the PBX saw by more than a millisecond.
	WaitMismatches int `json:"wait_mismatches"`
	// Other anomalies (each must be 0): bad telephony requests, answers
	// to offers whose caller was taken, offers left ringing for a caller
	// who left, pauses refused.
	BadRequests  int `json:"bad_requests"`
	StaleAnswers int `json:"stale_answers"`
	LeftRinging  int `json:"left_ringing"`
	PauseErrors  int `json:"pause_errors"`
	Pauses       int `json:"pauses"`
	// SimulatedEnd is how long the run took in simulated time, drain
	// included.
	SimulatedEnd float64 `json:"simulated_s"`
}

// group is the simulated group's configuration.
func group(cfg Config) callgroups.Group {
	g := callgroups.Group{
		ID: groupID, Name: "Simulated", Numbers: []string{"600"}, Strategy: cfg.Strategy,
		RingTimeout: int(cfg.RingTimeout / time.Second), RetryDelay: int(cfg.RetryDelay / time.Second),
		WrapUp: int(cfg.WrapUp / time.Second), Hold: callgroups.HoldMOH,
		SLAThreshold: int(cfg.SLA / time.Second), SLATarget: 80, ShortAbandon: 5,
	}
	for i := 0; i < cfg.Agents; i++ {
		g.Members = append(g.Members, callgroups.Member{UserID: memberID(i)})
	}
	return g
}

// Run runs one simulation through the ACD cfg.NewACD builds.
func Run(cfg Config) (Result, error) {
	cfg.defaults()
	clk := clock.NewVirtual(start)
	w := newWorld(cfg, clk, rand.New(rand.NewPCG(cfg.Seed, 0x5eed)))
	w.measure, w.end = start.Add(cfg.Warmup), start.Add(cfg.Duration)
	tally := NewTally(w.measure)
	acd, err := cfg.NewACD(Env{KV: newMemKV(), Directory: directory{n: cfg.Agents}, Telephony: w, Journal: tally,
		Presence: w, Clock: clk, Rand: rand.New(rand.NewPCG(cfg.Seed, 0xacd)), Location: time.UTC})
	if err != nil {
		return Result{}, fmt.Errorf("acdsim: new ACD: %w", err)
	}
	w.acd = acd
	if _, err := acd.CreateGroup(context.Background(), group(cfg)); err != nil {
		return Result{}, fmt.Errorf("acdsim: create group: %w", err)
	}
	for i := 0; i < cfg.Burst; i++ {
		clk.AfterFunc(0, w.arrive)
	}
	w.arrivals(rand.New(rand.NewPCG(cfg.Seed, 0xa771)))
	if cfg.Churn {
		w.startChurn()
	}
	clk.AdvanceTo(w.end)
	for w.live > 0 && clk.Now().Before(w.end.Add(drainLimit)) {
		if !clk.Next() {
			break
		}
	}
	w.account()
	return w.result(tally), nil
}

// arrivals schedules Poisson arrivals of rate λ = Load·Agents/Talk until
// the end (its own random stream, so that strategies see the same
// callers).
func (w *world) arrivals(rng *rand.Rand) {
	lambda := w.cfg.Load * float64(w.cfg.Agents) / w.cfg.Talk.Seconds()
	var next func()
	next = func() {
		gap := time.Duration(rng.ExpFloat64() / lambda * float64(time.Second))
		if w.clk.Now().Add(gap).Before(w.end) {
			w.clk.AfterFunc(gap, func() { w.arrive(); next() })
		}
	}
	next()
}

func (w *world) result(t *Tally) Result {
	cfg := w.cfg
	e := cfg.Erlang()
	r := Result{Seed: cfg.Seed, Strategy: cfg.Strategy, Agents: cfg.Agents, Load: cfg.Load, Hours: cfg.Duration.Hours(),
		Entered: w.ck.Entered, Measured: t.Answered, ServiceLevel: 100 * t.ServiceLevel(),
		ErlangSL: 100 * e.ServiceLevel(cfg.SLA), AverageWait: t.AverageWait().Seconds(), ErlangASA: e.ASA().Seconds(),
		ErlangPWait: e.PWait(), Abandoned: w.ck.Abandoned, Offers: w.ck.Offers, NoAnswers: w.ck.NoAnswers,
		Violations: w.ck.Violations, ViolationsTotal: w.ck.Violations.Total(),
		StrategyChecked: w.ck.StrategyChecked, StrategyViolations: w.ck.StrategyViolations,
		IdleWhileWaiting: w.ck.IdleWhileWaiting.Seconds(), Unfinished: w.live,
		SimAnswered: w.ck.Answered, SimAbandoned: w.ck.Abandoned, BadRequests: w.ck.BadRequests,
		StaleAnswers: w.ck.StaleAnswers, LeftRinging: w.ck.LeftRinging, PauseErrors: w.ck.PauseErrors, Pauses: w.ck.Pauses,
		SimulatedEnd: w.clk.Now().Sub(start).Seconds(),
	}
	if t.Answered > 0 {
		r.PWait = float64(t.AnsweredWaited) / float64(t.Answered)
	}
	left := 0
	for exit, n := range w.ck.Left {
		if r.Left == nil {
			r.Left = map[callgroups.Exit]int{}
		}
		r.Left[exit] = n
		left += n
	}
	r.Lost = w.ck.Entered - w.ck.Answered - w.ck.Abandoned - left - w.live
	r.JournalProblems, r.JournalExamples = t.Problems()
	v := t.Verbs()
	r.JournalAnswered, r.JournalAbandoned = v[callgroups.VerbConnect], v[callgroups.VerbAbandon]
	for id, jc := range t.callers {
		if jc.connects == 0 {
			continue
		}
		if tw, ok := w.ck.truthWait[id]; !ok || absDur(tw-jc.wait) > time.Millisecond {
			r.WaitMismatches++
		}
	}
	var sum, sq float64
	r.CallsMin = math.MaxInt
	for _, m := range w.members {
		r.CallsMin, r.CallsMax = min(r.CallsMin, m.answered), max(r.CallsMax, m.answered)
		sum += float64(m.answered)
		sq += float64(m.answered) * float64(m.answered)
	}
	if n := float64(len(w.members)); n > 0 && sum > 0 {
		mean := sum / n
		r.CallsCV = math.Sqrt(max(sq/n-mean*mean, 0)) / mean
	}
	return r
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
