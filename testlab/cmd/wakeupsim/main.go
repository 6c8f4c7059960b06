// Command wakeupsim runs the wake-up rush simulation (testlab/wakeupsim)
// through the real wake-up scheduler for several caps and seeds and
// prints one JSON object of figures per cap, over the seeds.
//
//	go run ./testlab/cmd/wakeupsim -caps 30,60,100,125,140,150 -seeds 20
//
// The defaults are the reference scenario of testlab/wakeupsim/FIGURES.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/testlab/wakeupsim"
)

// figures are one cap's results over the seeds.
type figures struct {
	Cap              int     `json:"cap"`
	Seeds            int     `json:"seeds"`
	WakeUps          int     `json:"wakeups"`
	RingTimeoutS     float64 `json:"ring_timeout_s"`
	FirstPlacedMaxS  float64 `json:"first_placed_max_s"`
	FirstPlacedMeanS float64 `json:"first_placed_mean_s"`
	FirstWaitMeanS   float64 `json:"first_wait_mean_s"`
	FirstWaitP95MaxS float64 `json:"first_wait_p95_max_s"`
	FirstWaitMaxS    float64 `json:"first_wait_max_s"`
	Within2Min       int     `json:"seeds_within_2min"`
	MaxConcurrent    int     `json:"max_concurrent"`
	Twice            int     `json:"twice"`
	Problems         int     `json:"problems"`
	Attempts         int     `json:"attempts"`
	Retries          int     `json:"retries"`
	Snoozes          int     `json:"snoozes"`
	Answered         int     `json:"answered"`
	Unanswered       int     `json:"unanswered"`
	Alerts           int     `json:"alerts"`
	DoneMaxS         float64 `json:"done_max_s"`
	MeanHoldS        float64 `json:"mean_hold_s"`
	HoldSDS          float64 `json:"hold_sd_s"`
	PredictedS       float64 `json:"predicted_first_placed_s"`
	CapFor2Min       int     `json:"cap_for_2min"`
	WallMS           float64 `json:"wall_ms_per_run"`
}

func main() {
	var (
		caps    = flag.String("caps", "30,60,100,125,140,150", "comma-separated caps (MaxConcurrent)")
		seeds   = flag.Int("seeds", 20, "seeds 1..n")
		n       = flag.Int("n", 500, "wake-ups due in the same minute")
		spread  = flag.Duration("spread", 0, "spread the due times over this long (0: all at 07:00:00)")
		ring    = flag.Duration("ring-timeout", 60*time.Second, "how long an unanswered attempt rings")
		away    = flag.Float64("away", 0.05, "share of guests who never answer")
		answer  = flag.Float64("answer", 0.85, "chance a guest in the room answers an attempt")
		snoozeP = flag.Float64("snooze", 0.10, "chance an answer is a snooze")
	)
	flag.Parse()
	enc := json.NewEncoder(os.Stdout)
	for _, cs := range strings.Split(*caps, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(cs))
		if err != nil {
			fmt.Fprintf(os.Stderr, "wakeupsim: cap %q: %v\n", cs, err)
			os.Exit(2)
		}
		f := figures{Cap: c, Seeds: *seeds, WakeUps: *n, RingTimeoutS: ring.Seconds()}
		var holdSum, sdSum, firstSum, waitSum time.Duration
		t0 := time.Now()
		for s := 1; s <= *seeds; s++ {
			cfg := wakeupsim.Default(c)
			cfg.WakeUps, cfg.Spread, cfg.Seed = *n, *spread, uint64(s)
			cfg.Settings.RingTimeout, cfg.Away, cfg.Answer, cfg.Snooze = *ring, *away, *answer, *snoozeP
			r := wakeupsim.Run(cfg)
			f.FirstPlacedMaxS = max(f.FirstPlacedMaxS, r.FirstPlaced.Seconds())
			f.FirstWaitP95MaxS = max(f.FirstWaitP95MaxS, r.FirstWaitP95.Seconds())
			f.FirstWaitMaxS = max(f.FirstWaitMaxS, r.FirstWaitMax.Seconds())
			f.DoneMaxS = max(f.DoneMaxS, r.Done.Seconds())
			f.MaxConcurrent = max(f.MaxConcurrent, r.MaxConcurrent)
			if r.FirstPlaced <= 2*time.Minute {
				f.Within2Min++
			}
			f.Twice += r.Twice
			f.Problems += len(r.Problems)
			f.Attempts += r.Attempts
			f.Retries += r.Retries
			f.Snoozes += r.Snoozes
			f.Answered += r.Answered
			f.Unanswered += r.Unanswered
			f.Alerts += r.Alerts
			holdSum += r.MeanHold
			sdSum += r.HoldSD
			firstSum += r.FirstPlaced
			waitSum += r.FirstWaitMean
		}
		k := time.Duration(max(*seeds, 1))
		f.WallMS = float64(time.Since(t0).Microseconds()) / 1000 / float64(k)
		h := holdSum / k
		f.HoldSDS = (sdSum / k).Seconds()
		f.MeanHoldS, f.FirstPlacedMeanS, f.FirstWaitMeanS = h.Seconds(), (firstSum / k).Seconds(), (waitSum / k).Seconds()
		pred, capFor := wakeupsim.Estimate(*n, c, h, sdSum/k, 2*time.Minute)
		f.PredictedS, f.CapFor2Min = pred.Seconds(), capFor
		if err := enc.Encode(f); err != nil {
			fmt.Fprintln(os.Stderr, "wakeupsim:", err)
			os.Exit(1)
		}
	}
}
