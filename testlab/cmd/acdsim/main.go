// Command acdsim runs the call-group simulation (testlab/acdsim) over
// several seeds through the real ACD and prints one JSON object of
// figures per strategy, pooled over the seeds, with the Erlang-C
// prediction.
//
//	go run ./testlab/cmd/acdsim -strategies ringall,leastrecent -hours 50 -seeds 20
//
// The defaults are the reference scenario of testlab/acdsim/FIGURES.md:
// 20 agents, load 0.8, talk Exp(180 s), SLA 20 s, members answer at once,
// nobody abandons.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/testlab/acdsim"
)

func main() {
	var (
		strategies = flag.String("strategies", "ringall,leastrecent", "comma-separated strategies")
		agents     = flag.Int("agents", 20, "members")
		load       = flag.Float64("load", 0.8, "offered load per agent")
		talk       = flag.Duration("talk", 180*time.Second, "mean talk time (exponential)")
		sla        = flag.Duration("sla", 20*time.Second, "SLA threshold")
		hours      = flag.Float64("hours", 50, "hours of arrivals per seed")
		warmup     = flag.Duration("warmup", time.Hour, "callers entering earlier are not measured")
		seeds      = flag.Int("seeds", 10, "seeds 1..n")
		ringMin    = flag.Duration("ring-min", 0, "members answer after U(ring-min, ring-max)")
		ringMax    = flag.Duration("ring-max", 0, "see ring-min; 0: at once")
		noAnswer   = flag.Float64("no-answer", 0, "probability an offer rings out")
		patience   = flag.Duration("patience", 0, "mean caller patience (exponential); 0: nobody abandons")
		wrap       = flag.Duration("wrapup", 0, "group wrap-up time")
		burst      = flag.Int("burst", 0, "callers entering at once at the start")
		churn      = flag.Bool("churn", false, "members pause, go DND and unregister at random")
		ideal      = flag.Bool("ideal", false, "the ideal FCFS queue on the same callers only (no ACD; fast)")
		runs       = flag.Bool("runs", false, "include per-seed results")
	)
	flag.Parse()
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	for _, s := range strings.Split(*strategies, ",") {
		cfg := acdsim.Config{Strategy: callgroups.Strategy(strings.TrimSpace(s)), Agents: *agents, Load: *load, Talk: *talk,
			SLA: *sla, Duration: time.Duration(*hours * float64(time.Hour)), Warmup: *warmup, RingMin: *ringMin, RingMax: *ringMax,
			NoAnswer: *noAnswer, Patience: *patience, WrapUp: *wrap, Burst: *burst, Churn: *churn}
		if *ideal {
			out := idealSeeds(cfg, *seeds)
			if err := enc.Encode(out); err != nil {
				fail(err)
			}
			return
		}
		t0 := time.Now()
		sum, err := acdsim.RunSeeds(cfg, *seeds)
		if err != nil {
			fail(err)
		}
		if !*runs {
			sum.Runs = nil
		}
		fmt.Fprintf(os.Stderr, "acdsim: %s, %d seeds × %.0f h in %v\n", cfg.Strategy, *seeds, *hours, time.Since(t0).Round(time.Millisecond))
		if err := enc.Encode(sum); err != nil {
			fail(err)
		}
	}
}

// idealSeeds pools IdealPath over seeds 1..n (equal horizons: the mean of
// the seeds' figures).
func idealSeeds(cfg acdsim.Config, n int) map[string]float64 {
	var sl, wait, sl2, wait2, lo, hi float64
	lo = 100
	for i := 1; i <= n; i++ {
		cfg.Seed = uint64(i)
		s, w := acdsim.IdealPath(cfg)
		sl += s / float64(n)
		wait += w / float64(n)
		sl2 += s * s / float64(n)
		wait2 += w * w / float64(n)
		lo, hi = min(lo, s), max(hi, s)
	}
	e := cfg.Erlang()
	return map[string]float64{"seeds": float64(n), "service_level_pct": sl, "average_wait_s": wait,
		"service_level_min_pct": lo, "service_level_max_pct": hi,
		"service_level_sd_per_seed": math.Sqrt(max(sl2-sl*sl, 0)), "average_wait_sd_per_seed": math.Sqrt(max(wait2-wait*wait, 0)),
		"erlang_service_level_pct": 100 * e.ServiceLevel(cfg.SLA), "erlang_asa_s": e.ASA().Seconds()}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "acdsim:", err)
	os.Exit(1)
}
