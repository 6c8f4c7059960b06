package callgroups

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestStrategyOrder: the order in which one caller is offered to the
// members when nobody answers, for each strategy.
func TestStrategyOrder(t *testing.T) {
	members := []string{"u1", "u2", "u3", "u4"}
	tests := []struct {
		name     string
		strategy Strategy
		// before runs calls before the one observed (answered by the
		// given users, each ended a minute later).
		before []string
		// want is the sequence of offers, each a set rung at once.
		want [][]string
	}{
		{name: "ringall rings everyone at once", strategy: RingAll, want: [][]string{{"u1", "u2", "u3", "u4"}}},
		{name: "linear always from the first", strategy: Linear, before: []string{"u1", "u2"},
			want: [][]string{{"u1"}, {"u2"}, {"u3"}, {"u4"}}},
		{name: "rrmemory after the last offered", strategy: RRMemory, before: []string{"u1", "u2"},
			want: [][]string{{"u3"}, {"u4"}, {"u1"}, {"u2"}}},
		{name: "leastrecent: never first, then the oldest end", strategy: LeastRecent, before: []string{"u3", "u1", "u2"},
			want: [][]string{{"u4"}, {"u3"}, {"u1"}, {"u2"}}},
		{name: "fewestcalls: fewest completed today first", strategy: FewestCalls, before: []string{"u1", "u1", "u2", "u4"},
			want: [][]string{{"u3"}, {"u2"}, {"u4"}, {"u1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.group("sales", tt.strategy, members, nil)
			for i, u := range tt.before {
				c := fmt.Sprintf("b%d", i)
				r.enter(c, "sales")
				// Whoever the strategy picked, the call is answered by u:
				// make u the one rung by failing the others.
				for range members {
					if slices.Contains(offered(r.tel.take()), u) {
						break
					}
					for _, o := range r.acd.Waiting(ctx, "sales")[0].Ringing {
						r.acd.OfferFailed(ctx, r.tel.lastOffer(t, c, o), OutcomeNoAnswer)
					}
				}
				off := r.answer(c, u)
				r.clk.Advance(time.Minute)
				r.acd.CallEnded(ctx, off, PartyCaller)
				r.tel.take()
			}
			r.enter("c", "sales")
			var got [][]string
			for len(got) < len(tt.want) {
				o := offered(r.tel.take())
				slices.Sort(o)
				if len(o) == 0 {
					break
				}
				got = append(got, o)
				for _, u := range o {
					r.noAnswer("c", u)
				}
			}
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Fatalf("offers %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRandomSpreads: random offers each call to one of the free members,
// every member in turn over many calls, reproducibly with a seed.
func TestRandomSpreads(t *testing.T) {
	run := func() []string {
		r := newRig(t)
		r.group("sales", Random, []string{"u1", "u2", "u3", "u4"}, nil)
		var seq []string
		for i := range 200 {
			c := fmt.Sprintf("c%d", i)
			r.enter(c, "sales")
			o := offered(r.tel.take())
			if len(o) != 1 {
				t.Fatalf("call %d offered to %v, want one member", i, o)
			}
			seq = append(seq, o[0])
			r.acd.CallEnded(ctx, r.answer(c, o[0]), PartyAgent)
		}
		return seq
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave another sequence")
	}
	counts := map[string]int{}
	for _, u := range a {
		counts[u]++
	}
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		// Binomial(200, 1/4): mean 50, sd 6.1; 25 is 4 sd below.
		if counts[u] < 25 {
			t.Fatalf("counts %v: %s offered too rarely for a uniform choice", counts, u)
		}
	}
}

// TestPenalties: the lowest penalty with a free member is rung first; a
// higher one only when no lower one is free or untried.
func TestPenalties(t *testing.T) {
	r := newRig(t)
	r.group("sales", RingAll, nil, func(g *Group) {
		g.Members = []Member{{UserID: "u1", Penalty: 2}, {UserID: "u2", Penalty: 0}, {UserID: "u3", Penalty: 0}, {UserID: "u4", Penalty: 1}}
	})
	r.enter("c1", "sales")
	if got := sorted(offered(r.tel.take())); !slices.Equal(got, []string{"u2", "u3"}) {
		t.Fatalf("first offered %v, want the penalty-0 tier u2 u3", got)
	}
	r.noAnswer("c1", "u2")
	if got := offered(r.tel.take()); len(got) != 0 {
		t.Fatalf("offered %v while u3 still rings (ringall)", got)
	}
	r.noAnswer("c1", "u3")
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u4"}) {
		t.Fatalf("after tier 0 rang out, offered %v, want u4 (penalty 1)", got)
	}
	r.noAnswer("c1", "u4")
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u1"}) {
		t.Fatalf("then offered %v, want u1 (penalty 2)", got)
	}

	// A second caller while u2 is paused: u3 alone is tier 0.
	r2 := newRig(t)
	r2.group("sales", Linear, nil, func(g *Group) {
		g.Members = []Member{{UserID: "u1", Penalty: 5}, {UserID: "u2", Penalty: 0}, {UserID: "u3", Penalty: 3}}
	})
	if _, err := r2.acd.Pause(ctx, "sales", "u2", true, "lunch"); err != nil {
		t.Fatal(err)
	}
	r2.enter("c1", "sales")
	if got := offered(r2.tel.take()); !slices.Equal(got, []string{"u3"}) {
		t.Fatalf("with u2 paused offered %v, want u3 (lowest penalty among the free)", got)
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }
