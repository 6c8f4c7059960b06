package agiclient

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// LoadConfig drives many sessions.
type LoadConfig struct {
	// Base is the template session; CallerID is replaced from Numbers when given.
	Base Config
	// Numbers are used round-robin as agi_callerid.
	Numbers []string
	// Sessions is the number of sessions to run (required).
	Sessions int
	// Rate, when > 0, starts sessions open-loop at this many per second (the load does not slow
	// down with the server); when 0 the Workers run closed-loop. Latencies run from the moment a
	// worker connects (see FromSchedule).
	Rate float64
	// Workers bounds sessions in flight (default 64).
	Workers int
	// HangupShare is the share of sessions (0..1) in which the caller hangs up at a random command.
	HangupShare float64
	// Seed makes the hangup choice reproducible.
	Seed uint64
	// FromSchedule measures open-loop latencies from each session's scheduled start.
	FromSchedule bool
}

// LoadResult summarises a load run.
type LoadResult struct {
	Sessions int
	// Failures counts sessions whose AGISTATUS was FAILURE.
	Failures int
	// Statuses counts AGISTATUS values.
	Statuses map[string]int
	// Latencies are the sorted session times.
	Latencies []time.Duration
	// Wall is the run's duration; Achieved = Sessions / Wall.
	Wall     time.Duration
	Achieved float64
	// FirstErr is the first failure's error.
	FirstErr error
}

// Percentile returns the p-quantile (0..1) of the latencies.
func (r LoadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(p*float64(len(r.Latencies)-1) + 0.5)
	return r.Latencies[i]
}

// String prints the figures a closing note wants.
func (r LoadResult) String() string {
	return fmt.Sprintf("sessions=%d failures=%d achieved=%.0f/s p50=%v p99=%v p999=%v max=%v statuses=%v",
		r.Sessions, r.Failures, r.Achieved, r.Percentile(0.5), r.Percentile(0.99), r.Percentile(0.999),
		r.Percentile(1), r.Statuses)
}

// RunLoad runs cfg.Sessions sessions and collects their latencies.
func RunLoad(ctx context.Context, cfg LoadConfig) (LoadResult, error) {
	if cfg.Sessions <= 0 {
		return LoadResult{}, fmt.Errorf("agi load: sessions %d: must be positive", cfg.Sessions)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	type job struct {
		cfg   Config
		sched time.Time
	}
	jobs := make(chan job, cfg.Workers)
	lat := make([]time.Duration, cfg.Sessions)
	statuses := make([]string, cfg.Sessions)
	errs := make([]error, cfg.Sessions)
	var wg sync.WaitGroup
	var idx int
	var mu sync.Mutex
	for w := 0; w < cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t0 := time.Now()
				r := Run(ctx, j.cfg)
				d := time.Since(t0)
				if cfg.FromSchedule {
					d = time.Since(j.sched)
				}
				mu.Lock()
				lat[idx], statuses[idx], errs[idx] = d, r.Status, r.Err
				idx++
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	timer := time.NewTimer(0)
	<-timer.C
produce:
	for i := 0; i < cfg.Sessions; i++ {
		c := cfg.Base
		if len(cfg.Numbers) > 0 {
			c.CallerID = cfg.Numbers[i%len(cfg.Numbers)]
		}
		if cfg.HangupShare > 0 && rng.Float64() < cfg.HangupShare {
			c.HangupBeforeCommand = 1 + rng.IntN(3)
		}
		sched := time.Now()
		if interval > 0 {
			sched = start.Add(time.Duration(i) * interval)
			if wait := time.Until(sched); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					break produce
				case <-timer.C:
				}
			}
		}
		select {
		case jobs <- job{c, sched}:
		case <-ctx.Done():
			break produce
		}
	}
	close(jobs)
	wg.Wait()
	res := LoadResult{Wall: time.Since(start), Statuses: map[string]int{}}
	res.Sessions = idx
	res.Latencies = lat[:idx]
	slices.Sort(res.Latencies)
	for i := 0; i < idx; i++ {
		res.Statuses[statuses[i]]++
		if statuses[i] == StatusFailure {
			res.Failures++
			if res.FirstErr == nil {
				res.FirstErr = errs[i]
			}
		}
	}
	if res.Wall > 0 {
		res.Achieved = float64(idx) / res.Wall.Seconds()
	}
	return res, ctx.Err()
}
