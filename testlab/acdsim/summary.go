package acdsim

import (
	"runtime"
	"sync"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Summary pools runs over seeds.
type Summary struct {
	Strategy callgroups.Strategy `json:"strategy"`
	Agents   int                 `json:"agents"`
	Load     float64             `json:"load"`
	Seeds    int                 `json:"seeds"`
	// Hours: measured hours over all seeds (warm-up left out).
	Hours    float64 `json:"measured_hours"`
	Answered int     `json:"measured_answered"`
	// Pooled over the measured callers of every seed.
	ServiceLevel float64 `json:"service_level_pct"`
	AverageWait  float64 `json:"average_wait_s"`
	PWait        float64 `json:"p_wait"`
	// Per seed: the lowest and highest service level.
	ServiceLevelMin float64 `json:"service_level_min_pct"`
	ServiceLevelMax float64 `json:"service_level_max_pct"`
	ErlangSL        float64 `json:"erlang_service_level_pct"`
	ErlangASA       float64 `json:"erlang_asa_s"`
	ErlangPWait     float64 `json:"erlang_p_wait"`
	// Sums over seeds of the checks (each must be 0 where it applies).
	Violations         int     `json:"violations"`
	StrategyChecked    int     `json:"strategy_checked"`
	StrategyViolations int     `json:"strategy_violations"`
	PenaltyViolations  int     `json:"penalty_violations"`
	PathMismatches     int     `json:"path_mismatches"`
	PathChecked        bool    `json:"path_checked"`
	IdleWhileWaiting   float64 `json:"idle_while_waiting_s"`
	JournalProblems    int     `json:"journal_problems"`
	Lost               int     `json:"lost"`
	Unfinished         int     `json:"unfinished"`
	Anomalies          int     `json:"anomalies"` // bad requests, offers before Wait, stale answers, left ringing, pause errors, wait mismatches
	Offers             int     `json:"offers"`
	Abandoned          int     `json:"abandoned"`
	CallsCVMax         float64 `json:"calls_per_member_cv_max"`
	// RandomPlace (random): the mean place of the chosen member among the
	// candidates over every seed's checked offers (½ for a uniform choice).
	RandomPlace   float64  `json:"random_place_mean,omitempty"`
	RandomChecked int      `json:"random_checked,omitempty"`
	Runs          []Result `json:"runs,omitempty"`
}

// RunSeeds runs cfg for seeds 1..n, up to GOMAXPROCS at a time, and pools
// the figures. Each run is deterministic by its seed.
func RunSeeds(cfg Config, n int) (Summary, error) {
	res := make([]Result, n)
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := cfg
			c.Seed = uint64(i + 1)
			res[i], errs[i] = Run(c)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Summary{}, err
		}
	}
	return Summarize(res, cfg.Warmup.Hours()), nil
}

// Summarize pools results (warmup: hours left out of each run).
func Summarize(rs []Result, warmup float64) Summary {
	s := Summary{Seeds: len(rs), Runs: rs, ServiceLevelMin: 100, PathChecked: len(rs) > 0}
	var in, wait, waited float64
	for _, r := range rs {
		s.Strategy, s.Agents, s.Load = r.Strategy, r.Agents, r.Load
		s.ErlangSL, s.ErlangASA, s.ErlangPWait = r.ErlangSL, r.ErlangASA, r.ErlangPWait
		s.Hours += r.Hours - warmup
		s.Answered += r.Measured
		in += r.ServiceLevel / 100 * float64(r.Measured)
		wait += r.AverageWait * float64(r.Measured)
		waited += r.PWait * float64(r.Measured)
		s.ServiceLevelMin, s.ServiceLevelMax = min(s.ServiceLevelMin, r.ServiceLevel), max(s.ServiceLevelMax, r.ServiceLevel)
		s.Violations += r.ViolationsTotal
		s.StrategyChecked += r.StrategyChecked
		s.StrategyViolations += r.StrategyViolations
		s.PenaltyViolations += r.PenaltyViolations
		s.PathMismatches += r.PathMismatches
		s.PathChecked = s.PathChecked && r.PathChecked
		s.IdleWhileWaiting += r.IdleWhileWaiting
		s.JournalProblems += r.JournalProblems
		s.Lost += r.Lost
		s.Unfinished += r.Unfinished
		s.Anomalies += r.BadRequests + r.OfferBeforeWait + r.StaleAnswers + r.LeftRinging + r.PauseErrors + r.WaitMismatches
		s.Offers += r.Offers
		s.Abandoned += r.Abandoned
		s.CallsCVMax = max(s.CallsCVMax, r.CallsCV)
		s.RandomPlace += r.RandomPlace * float64(r.RandomChecked)
		s.RandomChecked += r.RandomChecked
	}
	if s.RandomChecked > 0 {
		s.RandomPlace /= float64(s.RandomChecked)
	}
	if s.Answered > 0 {
		n := float64(s.Answered)
		s.ServiceLevel, s.AverageWait, s.PWait = 100*in/n, wait/n, waited/n
	}
	return s
}
