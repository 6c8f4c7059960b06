package callgroups

import (
	"slices"
	"testing"
	"time"
)

// TestExits: the ways a caller leaves unanswered, with what the
// telephony, the journal and the events are told.
func TestExits(t *testing.T) {
	overflow := Destination{Context: "overflow", Extension: "s", Priority: 1}
	tests := []struct {
		name   string
		change func(*Group)
		// act makes c1 (or, when the group refuses, c2) leave.
		act      func(r *rig)
		caller   string
		exit     Exit
		verb     Verb
		wait     time.Duration
		canceled bool // c1's offer to u1 was canceled
	}{
		{name: "max_wait", change: func(g *Group) { g.MaxWait = 60 },
			act:    func(r *rig) { r.enter("c1", "sales"); r.clk.Advance(60 * time.Second) },
			caller: "c1", exit: ExitTimeout, verb: VerbExitTimeout, wait: time.Minute, canceled: true},
		{name: "max_callers", change: func(g *Group) { g.MaxCallers = 1 },
			act:    func(r *rig) { r.enter("c1", "sales"); r.enter("c2", "sales") },
			caller: "c2", exit: ExitFull, verb: VerbFull},
		{name: "join_empty", change: func(g *Group) { g.JoinEmpty = []Factor{FactorUnavailable, FactorPaused} },
			act: func(r *rig) {
				r.pres.set("u1", func(p *MemberPresence) { p.Registered = false })
				mustPause(r, "sales", "u2", "")
				r.enter("c2", "sales")
			},
			caller: "c2", exit: ExitJoinEmpty, verb: VerbJoinEmpty},
		{name: "leave_when_empty", change: func(g *Group) { g.LeaveWhenEmpty = []Factor{FactorPaused, FactorDND} },
			act: func(r *rig) {
				r.enter("c1", "sales")
				r.clk.Advance(5 * time.Second)
				mustPause(r, "sales", "u2", "break")
				r.pres.set("u1", func(p *MemberPresence) { p.DND = true })
				r.acd.PresenceChanged(ctx, "u1")
			},
			caller: "c1", exit: ExitLeaveEmpty, verb: VerbExitEmpty, wait: 5 * time.Second, canceled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.group("sales", Linear, []string{"u1", "u2"}, func(g *Group) { g.Overflow = overflow; tt.change(g) })
			tt.act(r)
			calls := r.tel.take()
			if !slices.Contains(calls, "leave "+tt.caller+" "+string(tt.exit)) {
				t.Fatalf("calls %v: no leave %s %s", calls, tt.caller, tt.exit)
			}
			if d := r.tel.leaves[len(r.tel.leaves)-1]; d != overflow {
				t.Fatalf("left to %+v, want the overflow %+v", d, overflow)
			}
			if tt.canceled && !slices.Contains(calls, "cancel "+r.tel.lastOffer(t, "c1", "u1")) {
				t.Fatalf("calls %v: the offer to u1 was not canceled", calls)
			}
			e := r.jr.find(t, tt.verb)
			if e.Caller != tt.caller || e.Wait != tt.wait || e.GroupID != "sales" {
				t.Fatalf("%s %+v", tt.verb, e)
			}
			evs := r.hub.Of(EventCallLeft)
			if len(evs) != 1 || evs[0].Data.(LeftCall).Exit != tt.exit || evs[0].Data.(LeftCall).ID != tt.caller {
				t.Fatalf("callgroup_call_left events %+v", evs)
			}
			for _, w := range r.acd.Waiting(ctx, "sales") {
				if w.ID == tt.caller {
					t.Fatalf("%s still waiting", tt.caller)
				}
			}
		})
	}
}

// TestJoinEmptyWithoutMembers: a group without members is empty.
func TestJoinEmptyWithoutMembers(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, nil, func(g *Group) { g.JoinEmpty = []Factor{FactorUnavailable} })
	r.enter("c1", "sales")
	if calls := r.tel.take(); !slices.Equal(calls, []string{"leave c1 JOINEMPTY"}) {
		t.Fatalf("calls %v", calls)
	}
	r.group("open", Linear, nil, nil)
	r.enter("c2", "open")
	if calls := r.tel.take(); !slices.Equal(calls, []string{"wait c2 moh"}) {
		t.Fatalf("without join_empty the caller waits: calls %v", calls)
	}
}

// TestAbandon: a caller who hangs up while waiting (here while a member
// rings) is ABANDON with their wait and positions; the callers behind
// move up.
func TestAbandon(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, func(g *Group) { g.ShortAbandon = 3 })
	r.enter("c1", "sales")
	r.enter("c2", "sales")
	r.enter("c3", "sales")
	r.clk.Advance(12 * time.Second)
	r.acd.CallerGone(ctx, "c2")
	e := r.jr.find(t, VerbAbandon)
	if e.Caller != "c2" || e.Wait != 12*time.Second || e.Position != 2 || e.OrigPosition != 2 ||
		e.ShortAbandon != 3*time.Second || e.SLAThreshold != 20*time.Second {
		t.Fatalf("ABANDON %+v", e)
	}
	w := r.acd.Waiting(ctx, "sales")
	if len(w) != 2 || w[1].ID != "c3" || w[1].Position != 2 {
		t.Fatalf("waiting %+v", w)
	}
	r.tel.take()
	r.acd.CallerGone(ctx, "c1") // while u1 rings
	if calls := r.tel.take(); !slices.Contains(calls, "cancel "+r.tel.lastOffer(t, "c1", "u1")) ||
		!slices.Contains(calls, "offer c3 u1") {
		t.Fatalf("calls %v: want the offer canceled and c3 offered", calls)
	}
	if evs := r.hub.Of(EventCallAbandoned); len(evs) != 2 {
		t.Fatalf("%d abandoned events, want 2", len(evs))
	}
	// An answered caller hanging up is no abandon.
	r.acd.OfferAnswered(ctx, r.tel.lastOffer(t, "c3", "u1"), "x")
	r.acd.CallerGone(ctx, "c3")
	if n := len(r.hub.Of(EventCallAbandoned)); n != 2 {
		t.Fatalf("an answered caller's hang-up counted abandoned")
	}
}

// TestDeleteGroup: waiting callers leave with FAILED; an unknown group
// refuses callers with FAILED.
func TestDeleteGroup(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, nil)
	r.enter("c1", "sales")
	r.tel.take()
	if err := r.acd.DeleteGroup(ctx, "sales"); err != nil {
		t.Fatal(err)
	}
	calls := r.tel.take()
	if !slices.Contains(calls, "leave c1 FAILED") {
		t.Fatalf("calls %v", calls)
	}
	if _, ok := r.acd.Group(ctx, "sales"); ok {
		t.Fatal("group still there")
	}
	r.enter("c2", "sales")
	if calls := r.tel.take(); !slices.Equal(calls, []string{"leave c2 FAILED"}) {
		t.Fatalf("calls %v", calls)
	}
	if err := r.acd.DeleteGroup(ctx, "sales"); err != ErrNotFound {
		t.Fatalf("deleting again: %v", err)
	}
	if n := len(r.build().Groups(ctx)); n != 0 {
		t.Fatalf("%d groups after a restart", n)
	}
}
