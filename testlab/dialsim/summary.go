package dialsim

import (
	"math"
	"runtime"
	"slices"
	"sync"
)

// Summary aggregates runs over seeds.
type Summary struct {
	Mode                 string  `json:"mode"`
	Agents               int     `json:"agents"`
	Seeds                int     `json:"seeds"`
	Hours                float64 `json:"hours"`
	Occupancy            float64 `json:"occupancy"`
	OccupancyMin         float64 `json:"occupancy_min"`
	AbandonRateMean      float64 `json:"abandon_rate_mean"`
	AbandonRateMax       float64 `json:"abandon_rate_max"`
	AbandonRateP95       float64 `json:"abandon_rate_p95"`
	SeedsWithinTarget    float64 `json:"share_of_seeds_within_target"`
	TalkMinPerAgentHour  float64 `json:"talk_minutes_per_agent_hour"`
	ConnectsPerAgentHour float64 `json:"connects_per_agent_hour"`
	DialsPerAgentHour    float64 `json:"dials_per_agent_hour"`
	TimeToAgentP99ms     float64 `json:"time_to_agent_p99_ms"`
	Within2s             float64 `json:"messaged_or_connected_within_2s"`
	RingViolations       int     `json:"ring_time_violations"`
	WindowViolations     int     `json:"window_violations"`
	DNCViolations        int     `json:"dnc_violations"`
	Redials72h           int     `json:"redials_within_72h"`
	MaxChannels          int     `json:"max_channels_seen"`
	ChannelCap           int     `json:"channel_cap"`
	DialsAfterLogout     int     `json:"dials_after_logout"`
	Leaked               int     `json:"leaked"`
	DuplicateIDs         int     `json:"duplicate_call_ids"`
	Via                  string  `json:"via"`
	AsteriskOriginates   int     `json:"asterisk_originates,omitempty"`
	DialerDialed         int     `json:"dialer_dialed,omitempty"`
	Reconnects           int     `json:"reconnects,omitempty"`
	TrunkInvites         int     `json:"trunk_invites,omitempty"`
	LateDeadlines        int     `json:"late_deadlines,omitempty"`
	// Cold start (first 10 minutes), summed over seeds.
	ColdAbandoned int `json:"cold_start_abandoned"`
	ColdAnswered  int `json:"cold_start_answered"`
	// Step runs: the worst seed.
	AbandonFirst30mAfterStepMax float64  `json:"abandon_rate_first_30m_after_step_max,omitempty"`
	AbandonAfter30mAfterStepMax float64  `json:"abandon_rate_after_30m_after_step_max,omitempty"`
	Runs                        []Result `json:"runs,omitempty"`
}

// RunSeeds runs cfg for seeds 1..n on up to GOMAXPROCS goroutines and
// summarises. Each run is deterministic by its seed.
func RunSeeds(cfg Config, n int) (Summary, error) { return runSeeds(cfg, n, Run) }

// RunSeedsARI is RunSeeds through the Asterisk stand-in (RunARI).
func RunSeedsARI(cfg Config, n int) (Summary, error) { return runSeeds(cfg, n, RunARI) }

// RunSeedsSIP is RunSeeds through the SIP path (RunSIP).
func RunSeedsSIP(cfg Config, n int) (Summary, error) { return runSeeds(cfg, n, RunSIP) }

func runSeeds(cfg Config, n int, run func(Config) (Result, error)) (Summary, error) {
	res := make([]Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c := cfg
			c.Seed = uint64(i + 1)
			res[i], errs[i] = run(c)
		}(i)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return Summary{}, e
		}
	}
	return Summarize(cfg, res), nil
}

// Summarize aggregates results.
func Summarize(cfg Config, rs []Result) Summary {
	s := Summary{Mode: string(cfg.Mode), Agents: cfg.Agents, Seeds: len(rs), Hours: cfg.Duration.Hours(), Within2s: 1, OccupancyMin: 1}
	if len(rs) == 0 {
		return s
	}
	var ab []float64
	within := 0
	for _, r := range rs {
		s.Occupancy += r.Occupancy / float64(len(rs))
		s.OccupancyMin = math.Min(s.OccupancyMin, r.Occupancy)
		s.AbandonRateMean += r.AbandonRate / float64(len(rs))
		ab = append(ab, r.AbandonRate)
		if r.AbandonRate <= cfg.targetOr() {
			within++
		}
		s.TalkMinPerAgentHour += r.TalkMinPerAgentHour / float64(len(rs))
		s.ConnectsPerAgentHour += r.ConnectsPerAgentHour / float64(len(rs))
		s.DialsPerAgentHour += r.DialsPerAgentHour / float64(len(rs))
		s.TimeToAgentP99ms = math.Max(s.TimeToAgentP99ms, r.TimeToAgentP99ms)
		s.Within2s = math.Min(s.Within2s, r.Within2s)
		s.RingViolations += r.RingViolations
		s.WindowViolations += r.WindowViolations
		s.DNCViolations += r.DNCViolations
		s.Redials72h += r.Redials72h
		s.MaxChannels = max(s.MaxChannels, r.MaxChannels)
		s.ChannelCap = r.ChannelCap
		s.DialsAfterLogout += r.DialsAfterLogout
		s.Leaked += r.Leaked
		s.DuplicateIDs += r.DuplicateIDs
		s.AsteriskOriginates += r.AsteriskOriginates
		s.DialerDialed += r.DialerDialed
		s.Reconnects += r.Reconnects
		s.TrunkInvites += r.TrunkInvites
		s.LateDeadlines += r.LateDeadlines
		s.ColdAbandoned += r.ColdAbandoned
		s.ColdAnswered += r.ColdAnswered
		s.AbandonFirst30mAfterStepMax = math.Max(s.AbandonFirst30mAfterStepMax, r.AbandonFirst30mAfterStep)
		s.AbandonAfter30mAfterStepMax = math.Max(s.AbandonAfter30mAfterStepMax, r.AbandonAfter30mAfterStep)
	}
	slices.Sort(ab)
	s.AbandonRateMax = ab[len(ab)-1]
	s.AbandonRateP95 = ab[int(math.Ceil(0.95*float64(len(ab))))-1]
	s.SeedsWithinTarget = float64(within) / float64(len(rs))
	s.Runs = rs
	return s
}

func (c Config) targetOr() float64 {
	if c.Target == 0 {
		return 0.03
	}
	return c.Target
}
