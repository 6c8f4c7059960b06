// Command dialsim runs the predictive-dialer simulation over several seeds
// and prints one JSON object of figures (see testlab/dialsim).
//
//	go run ./testlab/cmd/dialsim -mode predictive -agents 20 -answer 0.2 -talk 120s -wrap 10s -hours 8 -seeds 20
//
// By default the dialer runs through the ari client and the Asterisk
// stand-in on a shared virtual clock (-via ari); -via model uses the
// in-process customer model, which is faster; -via sip runs it through
// the SIP telephony (siptel, sip/ua, RTP on loopback; see FIGURES.md,
// "Through SIP"). -trace FILE runs one seed through ari or sip and writes
// the dialer's timeline, to compare the two paths line by line.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/testlab/dialsim"
)

func main() {
	var (
		mode      = flag.String("mode", "predictive", "preview, progressive, spare or predictive")
		agents    = flag.Int("agents", 20, "agents logged in all shift")
		answer    = flag.Float64("answer", 0.2, "answer probability per attempt")
		after     = flag.Float64("answer-after", 0, "answer probability from -step-at on (0: no step)")
		stepAt    = flag.Duration("step-at", 4*time.Hour, "when the answer rate steps")
		talk      = flag.Duration("talk", 120*time.Second, "mean talk time (exponential)")
		wrap      = flag.Duration("wrap", 10*time.Second, "wrap-up time")
		hours     = flag.Float64("hours", 8, "simulated hours")
		seeds     = flag.Int("seeds", 20, "seeds 1..n")
		spare     = flag.Int("spare", 2, "spare calls (spare mode)")
		predictor = flag.String("predictor", "risk", "predictive algorithm: risk or margin")
		margin    = flag.Float64("margin", 2.8, "margin predictor's safety margin in agents")
		channels  = flag.Int("channels", 0, "trunk cap (default 6 per agent)")
		target    = flag.Float64("target", 0.03, "abandonment target")
		logoutAt  = flag.Duration("logout-at", 0, "log every agent out at this time (0: never)")
		runs      = flag.Bool("runs", false, "include per-seed results")
		via       = flag.String("via", "ari", "ari: through the ari client, the aritel adapter and the Asterisk stand-in (testlab/ari/fakeari); model: in-process customers (faster); sip: through siptel and a SIP user agent on loopback, against simulated customers as a SIP UAS with RTP (slowest: media on the virtual clock)")
		dropAt    = flag.Duration("drop-at", 0, "ari: drop the ARI WebSocket at this time (0: never)")
		dropFor   = flag.Duration("drop-for", 5*time.Second, "ari: simulated time the WebSocket stays down")
		trace     = flag.String("trace", "", "ari, sip: run one seed (-trace-seed) and write the dialer's timeline (its commands and events, by simulated time) to this file")
		traceSeed = flag.Uint64("trace-seed", 1, "the seed -trace runs")
	)
	flag.StringVar(via, "path", *via, "the same as -via")
	flag.Parse()
	cfg := dialsim.Config{
		Mode: dialer.Mode(*mode), Agents: *agents, Answer: *answer, AnswerAfter: *after, StepAt: *stepAt,
		Talk: *talk, Wrap: *wrap, Duration: time.Duration(*hours * float64(time.Hour)), SpareCalls: *spare,
		Predictor: *predictor, Margin: *margin, MaxChannels: *channels, Target: *target, LogoutAt: *logoutAt,
		DropAt: *dropAt, DropFor: *dropFor,
	}
	run := dialsim.RunSeeds
	switch *via {
	case "model":
	case "ari":
		run = dialsim.RunSeedsARI
	case "sip":
		run = dialsim.RunSeedsSIP
	default:
		fmt.Fprintln(os.Stderr, "dialsim: -via must be model, ari or sip")
		os.Exit(2)
	}
	if *trace != "" {
		one := dialsim.RunARI
		switch *via {
		case "sip":
			one = dialsim.RunSIP
		case "model":
			fmt.Fprintln(os.Stderr, "dialsim: -trace needs -via ari or sip")
			os.Exit(2)
		}
		run = func(cfg dialsim.Config, _ int) (dialsim.Summary, error) {
			f, err := os.Create(*trace)
			if err != nil {
				return dialsim.Summary{}, err
			}
			cfg.Seed, cfg.Trace = *traceSeed, f
			r, err := one(cfg)
			if cerr := f.Close(); err == nil && cerr != nil {
				err = cerr
			}
			if err != nil {
				return dialsim.Summary{}, err
			}
			return dialsim.Summarize(cfg, []dialsim.Result{r}), nil
		}
	}
	s, err := run(cfg, *seeds)
	s.Via = *via
	if err != nil {
		fmt.Fprintln(os.Stderr, "dialsim:", err)
		os.Exit(1)
	}
	if !*runs {
		s.Runs = nil
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		fmt.Fprintln(os.Stderr, "dialsim:", err)
		os.Exit(1)
	}
}
