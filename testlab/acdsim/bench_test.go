package acdsim

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// timedACD measures the wall time of every Sink call the simulation makes
// (each one re-evaluates, chooses members and makes the offers).
type timedACD struct {
	ACD
	lat *[]time.Duration
}

func (t timedACD) since(start time.Time) { *t.lat = append(*t.lat, time.Since(start)) }

func (t timedACD) Enter(ctx context.Context, c callgroups.Caller, g string) {
	defer t.since(time.Now())
	t.ACD.Enter(ctx, c, g)
}

func (t timedACD) CallerGone(ctx context.Context, c string) {
	defer t.since(time.Now())
	t.ACD.CallerGone(ctx, c)
}

func (t timedACD) OfferAnswered(ctx context.Context, o, call string) {
	defer t.since(time.Now())
	t.ACD.OfferAnswered(ctx, o, call)
}

func (t timedACD) OfferFailed(ctx context.Context, o string, out callgroups.Outcome) {
	defer t.since(time.Now())
	t.ACD.OfferFailed(ctx, o, out)
}

func (t timedACD) CallEnded(ctx context.Context, o string, p callgroups.Party) {
	defer t.since(time.Now())
	t.ACD.CallEnded(ctx, o, p)
}

// BenchmarkSimHour: one simulated hour of the reference scenario (20
// agents, load 0.8: about 320 callers) through the real ACD, drain
// included. sink-p99-ns is the 99th percentile of the wall time of the
// ACD's Sink calls during the runs (each decides whom to offer to).
func BenchmarkSimHour(b *testing.B) {
	for _, s := range []callgroups.Strategy{callgroups.RingAll, callgroups.LeastRecent} {
		b.Run(string(s), func(b *testing.B) {
			var lat []time.Duration
			timed := func(e Env) (ACD, error) {
				a, err := RealACD(e)
				return timedACD{ACD: a, lat: &lat}, err
			}
			calls := 0
			seed := uint64(0)
			for b.Loop() {
				seed++
				r, err := Run(Config{Strategy: s, Duration: time.Hour, Seed: seed, NewACD: timed})
				if err != nil {
					b.Fatal(err)
				}
				calls += r.SimAnswered
			}
			slices.Sort(lat)
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "sink-p99-ns")
			}
		})
	}
}

// BenchmarkSimBurst500: 500 callers at once, drained by 20 members who
// ring U(1, 6) s, let 5 % of offers ring out and wrap up 5 s.
func BenchmarkSimBurst500(b *testing.B) {
	var lat []time.Duration
	timed := func(e Env) (ACD, error) {
		a, err := RealACD(e)
		return timedACD{ACD: a, lat: &lat}, err
	}
	seed := uint64(0)
	for b.Loop() {
		seed++
		r, err := Run(Config{Strategy: callgroups.RingAll, Burst: 500, Duration: time.Nanosecond, Seed: seed,
			RingMin: time.Second, RingMax: 6 * time.Second, NoAnswer: 0.05, WrapUp: 5 * time.Second, NewACD: timed})
		if err != nil {
			b.Fatal(err)
		}
		if r.SimAnswered != 500 {
			b.Fatalf("answered %d of 500", r.SimAnswered)
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "sink-p99-ns")
	}
}
