package callgroups

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSkipRules: a member who is paused, in DND, offline, on a call
// (unless ring_in_use), ringing for another group or in wrap-up of
// another group's call is not offered the call; the next one is.
func TestSkipRules(t *testing.T) {
	tests := []struct {
		name      string
		ringInUse bool
		setup     func(r *rig)
		want      string // the member offered (u1 skipped, u2 next)
		state     MemberState
	}{
		{name: "paused", setup: func(r *rig) { mustPause(r, "sales", "u1", "lunch") }, want: "u2", state: StatePaused},
		// DND pauses the member (reason dnd), and paused precedes dnd.
		{name: "dnd", setup: func(r *rig) { r.pres.set("u1", func(p *MemberPresence) { p.DND = true }) }, want: "u2", state: StatePaused},
		{name: "offline", setup: func(r *rig) { r.pres.set("u1", func(p *MemberPresence) { p.Registered = false }) }, want: "u2", state: StateOffline},
		{name: "on a call", setup: func(r *rig) { r.pres.set("u1", func(p *MemberPresence) { p.OnCall = true }) }, want: "u2", state: StateTalking},
		{name: "on a call with ring_in_use", ringInUse: true, setup: func(r *rig) { r.pres.set("u1", func(p *MemberPresence) { p.OnCall = true }) }, want: "u1", state: StateTalking},
		{name: "away is not skipped", setup: func(r *rig) { r.pres.set("u1", func(p *MemberPresence) { p.Away = true }) }, want: "u1", state: StateAway},
		{name: "ringing for another group", setup: func(r *rig) {
			r.group("support", Linear, []string{"u1"}, nil)
			r.enter("x", "support")
		}, want: "u2", state: StateRinging},
		{name: "wrap-up of another group's call", setup: func(r *rig) {
			r.group("support", Linear, []string{"u1"}, func(g *Group) { g.WrapUp = 30 })
			r.enter("x", "support")
			r.acd.CallEnded(ctx, r.answer("x", "u1"), PartyCaller)
		}, want: "u2", state: StateWrapUp},
		{name: "an unknown user", setup: func(r *rig) { delete(r.dir, "u1") }, want: "u2", state: StateOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.group("sales", Linear, []string{"u1", "u2"}, func(g *Group) { g.RingInUse = tt.ringInUse })
			tt.setup(r)
			r.acd.PresenceChanged(ctx, "u1")
			r.tel.take()
			r.enter("c1", "sales")
			if got := offered(r.tel.take()); !slices.Equal(got, []string{tt.want}) {
				t.Fatalf("offered %v, want %s", got, tt.want)
			}
			if got := r.states("sales")["u1"]; got != tt.state && tt.want != "u1" {
				t.Fatalf("u1's state %s, want %s", got, tt.state)
			}
		})
	}
}

func mustPause(r *rig, g, u, reason string) {
	r.t.Helper()
	if _, err := r.acd.Pause(ctx, g, u, true, reason); err != nil {
		r.t.Fatal(err)
	}
}

// TestRingAllCancelsLosers: the first to answer takes the call; the
// others stop ringing and their canceled offers are no RINGNOANSWER.
func TestRingAllCancelsLosers(t *testing.T) {
	r := newRig(t)
	r.group("sales", RingAll, []string{"u1", "u2", "u3"}, nil)
	r.enter("c1", "sales")
	r.tel.take()
	r.clk.Advance(4 * time.Second)
	won := r.answer("c1", "u2")
	calls := r.tel.take()
	var canceled []string
	for _, c := range calls {
		if id, ok := strings.CutPrefix(c, "cancel "); ok {
			canceled = append(canceled, id)
		}
	}
	want := sorted([]string{r.tel.lastOffer(t, "c1", "u1"), r.tel.lastOffer(t, "c1", "u3")})
	if !slices.Equal(sorted(canceled), want) {
		t.Fatalf("canceled %v, want %v (calls %v)", canceled, want, calls)
	}
	for _, id := range canceled {
		r.acd.OfferFailed(ctx, id, OutcomeCanceled)
	}
	if slices.Contains(r.jr.verbs(), VerbRingNoAnswer) {
		t.Fatal("a canceled offer was journaled RINGNOANSWER")
	}
	e := r.jr.find(t, VerbConnect)
	if e.UserID != "u2" || e.Wait != 4*time.Second || e.Ring != 4*time.Second || e.CallID != "call-"+won ||
		e.SLAThreshold != 20*time.Second || e.Position != 1 || e.OrigPosition != 1 || e.Agent != "User 2" {
		t.Fatalf("CONNECT %+v", e)
	}
	st := r.states("sales")
	if st["u2"] != StateTalking || st["u1"] != StateAvailable || st["u3"] != StateAvailable {
		t.Fatalf("states %v", st)
	}
	if a := r.acd.Active(ctx, "sales"); len(a) != 1 || a[0].UserID != "u2" || a[0].ID != "c1" {
		t.Fatalf("active %+v", a)
	}
	if w := r.acd.Waiting(ctx, ""); len(w) != 0 {
		t.Fatalf("still waiting: %+v", w)
	}
}

// TestNoAnswerNextThenRetry: a member who does not answer is journaled
// RINGNOANSWER and the next is rung; once every free member was tried,
// nobody is rung until retry_delay has passed.
func TestNoAnswerNextThenRetry(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1", "u2"}, func(g *Group) { g.RetryDelay = 7 })
	r.enter("c1", "sales")
	r.clk.Advance(15 * time.Second)
	r.noAnswer("c1", "u1")
	if e := r.jr.find(t, VerbRingNoAnswer); e.UserID != "u1" || e.Ring != 15*time.Second {
		t.Fatalf("RINGNOANSWER %+v", e)
	}
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u1", "u2"}) {
		t.Fatalf("offers %v, want u1 then u2", got)
	}
	r.acd.OfferFailed(ctx, r.tel.lastOffer(t, "c1", "u2"), OutcomeBusy)
	r.clk.Advance(6 * time.Second)
	if got := offered(r.tel.take()); len(got) != 0 {
		t.Fatalf("offered %v before retry_delay", got)
	}
	r.clk.Advance(time.Second)
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u1"}) {
		t.Fatalf("after retry_delay offered %v, want u1 (a new round)", got)
	}
}

// TestWrapUp: after a call the member is not offered another for
// wrapup_time seconds, in any group, then is.
func TestWrapUp(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, func(g *Group) { g.WrapUp = 10 })
	r.group("support", Linear, []string{"u1"}, nil)
	r.enter("c1", "sales")
	off := r.answer("c1", "u1")
	r.clk.Advance(time.Minute)
	r.acd.CallEnded(ctx, off, PartyAgent)
	if e := r.jr.find(t, VerbCompleteAgent); e.Talk != time.Minute || e.UserID != "u1" {
		t.Fatalf("COMPLETEAGENT %+v", e)
	}
	r.tel.take()
	r.enter("c2", "support")
	r.clk.Advance(9 * time.Second)
	if got := offered(r.tel.take()); len(got) != 0 {
		t.Fatalf("offered %v during wrap-up", got)
	}
	if st := r.states("support")["u1"]; st != StateWrapUp {
		t.Fatalf("state %s in the other group, want wrapup", st)
	}
	r.clk.Advance(time.Second)
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u1"}) {
		t.Fatalf("after wrap-up offered %v, want u1", got)
	}
	ms, _ := r.acd.Members(ctx, "sales")
	if ms[0].CallsTaken != 1 || ms[0].LastCallAt == nil || !ms[0].LastCallAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("member %+v: want 1 call taken ending at %v", ms[0], t0.Add(time.Minute))
	}
}

// TestAutofill: as many waiting callers are offered at once as there
// are free members, in order.
func TestAutofill(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1", "u2"}, nil)
	r.pres.set("u1", func(p *MemberPresence) { p.OnCall = true })
	r.pres.set("u2", func(p *MemberPresence) { p.OnCall = true })
	for _, c := range []string{"c1", "c2", "c3"} {
		r.enter(c, "sales")
	}
	r.tel.take()
	r.pres.set("u1", func(p *MemberPresence) { p.OnCall = false })
	r.pres.set("u2", func(p *MemberPresence) { p.OnCall = false })
	r.acd.PresenceChanged(ctx, "u1")
	r.acd.PresenceChanged(ctx, "u2")
	got := r.tel.take()
	want := []string{"offer c1 u1", "offer c2 u2"}
	if !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	w := r.acd.Waiting(ctx, "sales")
	if len(w) != 3 || w[2].ID != "c3" || len(w[2].Ringing) != 0 || !slices.Equal(w[0].Ringing, []string{"u1"}) {
		t.Fatalf("waiting %+v", w)
	}
}

// TestSynchronousTelephony: a telephony that reports within Offer (here
// every member refuses at once) does not deadlock, and the caller is
// offered to each member once per round.
func TestSynchronousTelephony(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1", "u2", "u3"}, nil)
	r.tel.onOffer = func(o Offer) { r.acd.OfferFailed(ctx, o.ID, OutcomeUnavailable) }
	r.enter("c1", "sales")
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u1", "u2", "u3"}) {
		t.Fatalf("offers %v", got)
	}
	r.clk.Advance(5 * time.Second)
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u1", "u2", "u3"}) {
		t.Fatalf("second round %v", got)
	}
}

// TestClose: after Close the timers do nothing (a retry round, the
// maximum wait) and the telephony's reports are ignored.
func TestClose(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, func(g *Group) { g.MaxWait = 30 })
	r.enter("c1", "sales")
	r.noAnswer("c1", "u1")
	r.tel.take()
	r.acd.Close()
	r.clk.Advance(time.Minute)
	r.enter("c2", "sales")
	if calls := r.tel.take(); len(calls) != 0 {
		t.Fatalf("calls after Close: %v", calls)
	}
}
