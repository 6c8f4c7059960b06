package callgroups

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestEventsAndAudience: a call's life as events, each for the group's
// members, the holders of manage_callcenter and the group's wallboards
// only.
func TestEventsAndAudience(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1", "u2"}, nil)
	r.group("support", Linear, []string{"u3"}, nil)
	r.hub.Events = nil
	r.enter("c1", "sales")
	r.clk.Advance(3 * time.Second)
	off := r.answer("c1", "u1")
	r.clk.Advance(time.Minute)
	r.acd.CallEnded(ctx, off, PartyCaller)

	var types []string
	for _, ev := range r.hub.Events {
		if ev.Topic != Topic {
			t.Fatalf("topic %q", ev.Topic)
		}
		types = append(types, ev.Type)
	}
	want := []string{EventCallWaiting, EventCallWaiting, EventMemberState, EventCallAnswered, EventMemberState, EventCallCompleted, EventMemberState}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	w := r.hub.Events[1].Data.(WaitingCall)
	if w.ID != "c1" || w.Position != 1 || !slices.Equal(w.Ringing, []string{"u1"}) {
		t.Fatalf("waiting %+v", w)
	}
	if m := r.hub.Events[2].Data.(MemberEvent); m.UserID != "u1" || m.State != StateRinging || m.GroupID != "sales" {
		t.Fatalf("member_state %+v", m)
	}
	if a := r.hub.Events[3].Data.(ActiveCall); a.UserID != "u1" || a.CallID != "call-"+off || !a.AnsweredAt.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("answered %+v", a)
	}
	if m := r.hub.Events[6].Data.(MemberEvent); m.State != StateAvailable || m.CallsTaken != 1 {
		t.Fatalf("member_state after the call %+v", m)
	}

	aud := r.hub.Events[0].Audience
	tests := []struct {
		name string
		p    platform.Principal
		want bool
	}{
		{name: "a member", p: platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}, want: true},
		{name: "another group's member", p: platform.Principal{Kind: platform.KindSession, UserID: "u3", Role: platform.RoleUser}},
		{name: "a supervisor with manage_callcenter", p: platform.Principal{Kind: platform.KindSession, UserID: "u9", Role: platform.RoleSupervisor, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}, want: true},
		{name: "a supervisor without it", p: platform.Principal{Kind: platform.KindSession, UserID: "u9", Role: platform.RoleSupervisor}},
		{name: "an admin", p: platform.Principal{Kind: platform.KindSession, UserID: "u10", Role: platform.RoleAdmin}, want: true},
		{name: "the group's wallboard", p: platform.Principal{Kind: platform.KindWallboard, Groups: []string{"support", "sales"}}, want: true},
		{name: "another group's wallboard", p: platform.Principal{Kind: platform.KindWallboard, Groups: []string{"support"}}},
	}
	for _, tt := range tests {
		if got := aud.Match(tt.p); got != tt.want {
			t.Errorf("%s: match %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPauseEvents: pausing publishes member_state with the reason;
// Pause("") pauses in every group; errors for non-members.
func TestPauseEvents(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, nil)
	r.group("support", Linear, []string{"u1", "u2"}, nil)
	r.hub.Events = nil
	vs, err := r.acd.Pause(ctx, "", "u1", true, "lunch")
	if err != nil || len(vs) != 2 {
		t.Fatalf("pause everywhere: %v %+v", err, vs)
	}
	evs := r.hub.Of(EventMemberState)
	if len(evs) != 2 || evs[0].Data.(MemberEvent).PauseReason != "lunch" || evs[1].Data.(MemberEvent).State != StatePaused {
		t.Fatalf("member_state %+v", evs)
	}
	if _, err := r.acd.Pause(ctx, "sales", "u2", true, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pausing a non-member: %v", err)
	}
	if _, err := r.acd.Pause(ctx, "nope", "u1", true, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pausing in no group: %v", err)
	}
	if got := r.acd.GroupsOf("u1"); !slices.Equal(got, []string{"sales", "support"}) {
		t.Fatalf("groups of u1 %v", got)
	}
	if got := r.acd.Colleagues("u2"); !slices.Equal(got, []string{"u1", "u2"}) {
		t.Fatalf("colleagues of u2 %v", got)
	}
}

// TestMemberStateOnPresence: a presence change publishes member_state in
// each of the member's groups only when their state changes there.
func TestMemberStateOnPresence(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1", "u2"}, nil)
	r.group("support", Linear, []string{"u1"}, nil)
	r.hub.Events = nil
	r.pres.set("u1", func(p *MemberPresence) { p.OnCall = true })
	r.acd.PresenceChanged(ctx, "u1")
	evs := r.hub.Of(EventMemberState)
	if len(evs) != 2 {
		t.Fatalf("%d member_state, want one per group", len(evs))
	}
	for i, g := range []string{"sales", "support"} {
		m := evs[i].Data.(MemberEvent)
		if m.GroupID != g || m.UserID != "u1" || m.State != StateTalking || !m.StateSince.Equal(t0) {
			t.Fatalf("member_state %+v", m)
		}
	}
	r.clk.Advance(time.Minute)
	r.acd.PresenceChanged(ctx, "u1") // nothing changed
	if n := len(r.hub.Of(EventMemberState)); n != 2 {
		t.Fatalf("%d member_state after a change that changed nothing", n)
	}
	r.pres.set("u1", func(p *MemberPresence) { p.OnCall, p.Away = false, true })
	r.acd.PresenceChanged(ctx, "u1")
	evs = r.hub.Of(EventMemberState)
	if m := evs[len(evs)-1].Data.(MemberEvent); m.State != StateAway || !m.StateSince.Equal(t0.Add(time.Minute)) {
		t.Fatalf("member_state %+v", m)
	}
	if ms, _ := r.acd.Members(ctx, "sales"); ms[0].State != StateAway || !ms[0].StateSince.Equal(t0.Add(time.Minute)) || ms[1].State != StateAvailable {
		t.Fatalf("members %+v", ms)
	}
}

// TestPositionEvents: when a caller leaves, those behind get
// callgroup_call_waiting with their new position.
func TestPositionEvents(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, func(g *Group) { g.MaxCallers = 5 })
	r.pres.set("u1", func(p *MemberPresence) { p.Registered = false })
	r.acd.PresenceChanged(ctx, "u1")
	for _, c := range []string{"c1", "c2", "c3"} {
		r.enter(c, "sales")
	}
	r.hub.Events = nil
	r.acd.CallerGone(ctx, "c1")
	var got []string
	for _, ev := range r.hub.Of(EventCallWaiting) {
		w := ev.Data.(WaitingCall)
		got = append(got, fmt.Sprintf("%s@%d", w.ID, w.Position))
	}
	if want := []string{"c2@1", "c3@2"}; !slices.Equal(got, want) {
		t.Fatalf("waiting events %v, want %v", got, want)
	}
}
