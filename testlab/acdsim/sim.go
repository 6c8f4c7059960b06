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
	// PenaltyViolations: offers to a member while an eligible member of a
	// lower penalty had not been tried for the caller (must be 0).
	PenaltyViolations int `json:"penalty_violations"`
	// RandomPlace (random): the mean place of the chosen member among the
	// candidates, (i+½)/k: ½ for a uniform choice (standard deviation
	// about 0.29/√RandomChecked).
	RandomPlace   float64 `json:"random_place_mean,omitempty"`
	RandomChecked int     `json:"random_checked,omitempty"`
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
	// JournalNoAnswer: RINGNOANSWER entries (compare with NoAnswers).
	JournalNoAnswer int `json:"journal_ringnoanswer"`
	SimAnswered     int `json:"sim_answered"`
	SimAbandoned    int `json:"sim_abandoned"`
	// WaitMismatches: CONNECT entries whose Wait differs from the wait
	// the PBX saw by more than a millisecond.
	WaitMismatches int `json:"wait_mismatches"`
	// PathChecked: the run is one where the ideal FCFS path applies
	// (members answer at once; no abandon, no-answer, wrap-up or churn);
	// PathMismatches: answered callers whose journal wait differs from
	// that path by more than a millisecond (must be 0: the ACD adds no
	// wait of its own). PathSL and PathWait are the path's figures over
	// the measured callers.
	PathChecked    bool    `json:"path_checked"`
	PathMismatches int     `json:"path_mismatches"`
	PathSL         float64 `json:"path_service_level_pct,omitempty"`
	PathWait       float64 `json:"path_average_wait_s,omitempty"`
	// Other anomalies (each must be 0): bad telephony requests, answers
	// to offers whose caller was taken, offers left ringing for a caller
	// who left, pauses refused.
	BadRequests     int `json:"bad_requests"`
	OfferBeforeWait int `json:"offer_before_wait"`
	StaleAnswers    int `json:"stale_answers"`
	LeftRinging     int `json:"left_ringing"`
	PauseErrors     int `json:"pause_errors"`
	Pauses          int `json:"pauses"`
	// Totals are the journal's over every caller (warm-up included), by
	// the statistics' definitions, to compare with the statistics.
	Totals Totals `json:"journal_totals"`
	// MemberCalls: calls each member answered, in the group's order.
	MemberCalls []int `json:"member_calls,omitempty"`
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
		m := callgroups.Member{UserID: memberID(i)}
		if i < len(cfg.Penalties) {
			m.Penalty = cfg.Penalties[i]
		}
		g.Members = append(g.Members, m)
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
	var jr callgroups.Journal = tally
	if cfg.Journal != nil {
		jr = callgroups.Journals{tally, cfg.Journal(clk)}
	}
	acd, err := cfg.NewACD(Env{KV: newMemKV(), Directory: newDirectory(cfg.Agents), Telephony: w, Journal: jr,
		Presence: w, Clock: clk, Rand: rand.New(rand.NewPCG(cfg.Seed, 0xacd)), Location: time.UTC})
	if err != nil {
		return Result{}, fmt.Errorf("acdsim: new ACD: %w", err)
	}
	w.acd = acd
	if _, err := acd.CreateGroup(context.Background(), group(cfg)); err != nil {
		return Result{}, fmt.Errorf("acdsim: create group: %w", err)
	}
	w.arrivals(newCallerStream(cfg))
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

// callerStream draws the callers of a run from their own random stream,
// in arrival order: the gap since the previous arrival (Poisson arrivals
// of rate λ = Load·Agents/Talk), the talk time (Exp(Talk)) and whether
// the member ends the call. Every strategy and the ideal path see the
// same callers with the same calls.
type callerStream struct {
	rng    *rand.Rand
	lambda float64 // per second
	talk   time.Duration
	agent  float64
}

type callerDraw struct {
	gap, talk time.Duration
	byAgent   bool
}

func newCallerStream(cfg Config) *callerStream {
	return &callerStream{rng: rand.New(rand.NewPCG(cfg.Seed, 0xa771)),
		lambda: cfg.Load * float64(cfg.Agents) / cfg.Talk.Seconds(), talk: cfg.Talk, agent: cfg.AgentHangup}
}

func (s *callerStream) next() callerDraw {
	return callerDraw{gap: time.Duration(s.rng.ExpFloat64() / s.lambda * float64(time.Second)),
		talk: time.Duration(s.rng.ExpFloat64() * float64(s.talk)), byAgent: s.rng.Float64() < s.agent}
}

// arrivals schedules the burst and the Poisson arrivals until the end.
func (w *world) arrivals(s *callerStream) {
	for i := 0; i < w.cfg.Burst; i++ {
		d := s.next()
		w.clk.AfterFunc(0, func() { w.arrive(d.talk, d.byAgent) })
	}
	var next func()
	next = func() {
		d := s.next()
		if w.clk.Now().Add(d.gap).Before(w.end) {
			w.clk.AfterFunc(d.gap, func() { w.arrive(d.talk, d.byAgent); next() })
		}
	}
	next()
}

// IdealPath runs cfg's callers (the same draws as Run) through the ideal
// FCFS M/M/c queue alone, without the ACD, and returns the service level
// (percent) and mean wait (seconds) of the callers who entered after the
// warm-up: what Run measures when the ACD adds no wait of its own. It is
// cheap, so that long horizons show how close the sample comes to
// Erlang C.
func IdealPath(cfg Config) (serviceLevel, averageWait float64) {
	cfg.defaults()
	s := newCallerStream(cfg)
	var p fcfsPath
	p.init(cfg.Agents, start)
	measure, end := start.Add(cfg.Warmup), start.Add(cfg.Duration)
	n, in := 0, 0
	var sum time.Duration
	add := func(at time.Time, talk time.Duration) {
		w := p.next(at, talk)
		if !at.Before(measure) {
			n++
			sum += w
			if w <= cfg.SLA {
				in++
			}
		}
	}
	for i := 0; i < cfg.Burst; i++ {
		add(start, s.next().talk)
	}
	for at := start; ; {
		d := s.next()
		if at = at.Add(d.gap); !at.Before(end) {
			break
		}
		add(at, d.talk)
	}
	if n == 0 {
		return 0, 0
	}
	return 100 * float64(in) / float64(n), (sum / time.Duration(n)).Seconds()
}

func (w *world) result(t *Tally) Result {
	cfg := w.cfg
	e := cfg.Erlang()
	r := Result{Seed: cfg.Seed, Strategy: cfg.Strategy, Agents: cfg.Agents, Load: cfg.Load, Hours: cfg.Duration.Hours(),
		Entered: w.ck.Entered, Measured: t.Answered, ServiceLevel: 100 * t.ServiceLevel(),
		ErlangSL: 100 * e.ServiceLevel(cfg.SLA), AverageWait: t.AverageWait().Seconds(), ErlangASA: e.ASA().Seconds(),
		ErlangPWait: e.PWait(), Abandoned: w.ck.Abandoned, Offers: w.ck.Offers, NoAnswers: w.ck.NoAnswers,
		Violations: w.ck.Violations, ViolationsTotal: w.ck.Violations.Total(),
		StrategyChecked: w.ck.StrategyChecked, StrategyViolations: w.ck.StrategyViolations, PenaltyViolations: w.ck.PenaltyViolations,
		IdleWhileWaiting: w.ck.IdleWhileWaiting.Seconds(), Unfinished: w.live,
		SimAnswered: w.ck.Answered, SimAbandoned: w.ck.Abandoned, BadRequests: w.ck.BadRequests, OfferBeforeWait: w.ck.OfferBeforeWait,
		StaleAnswers: w.ck.StaleAnswers, LeftRinging: w.ck.LeftRinging, PauseErrors: w.ck.PauseErrors, Pauses: w.ck.Pauses,
		SimulatedEnd: w.clk.Now().Sub(start).Seconds(),
	}
	if w.ck.RandomN > 0 {
		r.RandomChecked, r.RandomPlace = w.ck.RandomN, w.ck.RandomUSum/float64(w.ck.RandomN)
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
	r.JournalNoAnswer = v[callgroups.VerbRingNoAnswer]
	for id, jc := range t.callers {
		if jc.connects == 0 {
			continue
		}
		if tw, ok := w.ck.truthWait[id]; !ok || absDur(tw-jc.wait) > time.Millisecond {
			r.WaitMismatches++
		}
	}
	r.Totals = t.Totals
	for _, m := range w.members {
		r.MemberCalls = append(r.MemberCalls, m.answered)
	}
	w.pathFigures(&r, t)
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

// pathFigures compares the journal's waits with the ideal FCFS path.
func (w *world) pathFigures(r *Result, t *Tally) {
	cfg := w.cfg
	r.PathChecked = cfg.RingMax == 0 && cfg.NoAnswer == 0 && len(cfg.Silent) == 0 && cfg.Patience == 0 && cfg.WrapUp == 0 && !cfg.Churn
	if !r.PathChecked {
		return
	}
	n, in := 0, 0
	var sum time.Duration
	for id, jc := range t.callers {
		pw, ok := w.path.waits[id]
		if jc.connects == 0 || !ok {
			continue
		}
		if absDur(pw-jc.wait) > time.Millisecond {
			r.PathMismatches++
		}
		if !jc.enterAt.Before(t.From) {
			n++
			sum += pw
			if pw <= cfg.SLA {
				in++
			}
		}
	}
	if n > 0 {
		r.PathSL = 100 * float64(in) / float64(n)
		r.PathWait = (sum / time.Duration(n)).Seconds()
	}
}
