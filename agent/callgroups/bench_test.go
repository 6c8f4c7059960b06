package callgroups

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// benchTel keeps the offers made, to be answered by the benchmark.
type benchTel struct {
	mu     sync.Mutex
	offers []Offer
}

func (t *benchTel) Wait(context.Context, string, Hold, string) error       { return nil }
func (t *benchTel) Announce(context.Context, string, []string) error       { return nil }
func (t *benchTel) Cancel(context.Context, string) error                   { return nil }
func (t *benchTel) Leave(context.Context, string, Exit, Destination) error { return nil }
func (t *benchTel) Offer(_ context.Context, o Offer) error {
	t.mu.Lock()
	t.offers = append(t.offers, o)
	t.mu.Unlock()
	return nil
}

func (t *benchTel) take() []Offer {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.offers
	t.offers = nil
	return out
}

// nopHub takes the events (their audiences and data are built).
type nopHub struct{ n int }

func (h *nopHub) Publish(context.Context, events.Event) error { h.n++; return nil }

// benchACD is an ACD with a group of members (leastrecent) over fakes.
func benchACD(tb testing.TB, members int, p Presence) (*ACD, *benchTel, *clock.Virtual) {
	tb.Helper()
	d := newDir(members)
	tel := &benchTel{}
	clk := clock.NewVirtual(t0)
	a := New(newKV(), d, WithTelephony(tel), WithHub(&nopHub{}), WithJournal(Journals{}), WithPresence(p),
		WithClock(clk), WithRand(rand.New(rand.NewPCG(1, 2))), WithLocation(time.UTC))
	g := NewGroup()
	g.ID, g.Strategy, g.WrapUp = "sales", LeastRecent, 0
	for i := 1; i <= members; i++ {
		g.Members = append(g.Members, Member{UserID: fmt.Sprintf("u%d", i), Penalty: i % 3})
	}
	if _, err := a.CreateGroup(context.Background(), g); err != nil {
		tb.Fatal(err)
	}
	return a, tel, clk
}

// BenchmarkEnter500: 500 callers enter at once a group of 50 members;
// members answer each offer and end each call a virtual 30 s later
// until every caller was handled. One op is the whole burst.
func BenchmarkEnter500(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		a, tel, clk := benchACD(b, 50, newPres())
		for i := range 500 {
			a.Enter(ctx, Caller{ID: fmt.Sprintf("c%d", i), Number: "+41445550000"}, "sales")
		}
		handled := 0
		for handled < 500 {
			offers := tel.take()
			if len(offers) == 0 {
				b.Fatalf("stuck with %d handled, %d waiting", handled, len(a.Waiting(ctx, "sales")))
			}
			for _, o := range offers {
				a.OfferAnswered(ctx, o.ID, "call-"+o.ID)
			}
			clk.Advance(30 * time.Second)
			for _, o := range offers {
				a.CallEnded(ctx, o.ID, PartyCaller)
				handled++
			}
		}
		if n := len(a.Waiting(ctx, "")); n != 0 {
			b.Fatalf("%d still waiting", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/caller")
}

// BenchmarkPick: with 500 callers waiting and 100 members all busy, one
// member comes free (a presence change): the ACD re-evaluates them,
// chooses the caller and offers the call. One op is one such decision;
// p99-ns is the 99th percentile of their latencies.
func BenchmarkPick(b *testing.B) {
	ctx := context.Background()
	p := newPres()
	for i := 1; i <= 100; i++ {
		p.set(fmt.Sprintf("u%d", i), func(mp *MemberPresence) { mp.OnCall = true })
	}
	a, tel, _ := benchACD(b, 100, p)
	for i := range 500 {
		a.Enter(ctx, Caller{ID: fmt.Sprintf("c%d", i)}, "sales")
	}
	next := 500
	lat := make([]time.Duration, 0, 1<<16)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		u := fmt.Sprintf("u%d", i%100+1)
		p.set(u, func(mp *MemberPresence) { mp.OnCall = false })
		start := time.Now()
		a.PresenceChanged(ctx, u)
		lat = append(lat, time.Since(start))
		b.StopTimer()
		offers := tel.take()
		if len(offers) != 1 || offers[0].UserID != u {
			b.Fatalf("offers %+v, want one to %s", offers, u)
		}
		// The member answers, goes busy, the call ends; a new caller
		// keeps 500 waiting.
		a.OfferAnswered(ctx, offers[0].ID, "x")
		p.set(u, func(mp *MemberPresence) { mp.OnCall = true })
		a.CallEnded(ctx, offers[0].ID, PartyCaller)
		a.Enter(ctx, Caller{ID: fmt.Sprintf("c%d", next)}, "sales")
		next++
		tel.take()
		b.StartTimer()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}
