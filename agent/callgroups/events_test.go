package callgroups

import (
	"errors"
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
	r.hub.evs = nil
	r.enter("c1", "sales")
	r.clk.Advance(3 * time.Second)
	off := r.answer("c1", "u1")
	r.clk.Advance(time.Minute)
	r.acd.CallEnded(ctx, off, PartyCaller)

	var types []string
	for _, ev := range r.hub.evs {
		if ev.Topic != Topic {
			t.Fatalf("topic %q", ev.Topic)
		}
		types = append(types, ev.Type)
	}
	want := []string{EventCallWaiting, EventCallWaiting, EventMemberState, EventCallAnswered, EventMemberState, EventCallCompleted, EventMemberState}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	w := r.hub.evs[1].Data.(WaitingCall)
	if w.ID != "c1" || w.Position != 1 || !slices.Equal(w.Ringing, []string{"u1"}) {
		t.Fatalf("waiting %+v", w)
	}
	if m := r.hub.evs[2].Data.(MemberEvent); m.UserID != "u1" || m.State != StateRinging || m.GroupID != "sales" {
		t.Fatalf("member_state %+v", m)
	}
	if a := r.hub.evs[3].Data.(ActiveCall); a.UserID != "u1" || a.CallID != "call-"+off || !a.AnsweredAt.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("answered %+v", a)
	}
	if m := r.hub.evs[6].Data.(MemberEvent); m.State != StateAvailable || m.CallsTaken != 1 {
		t.Fatalf("member_state after the call %+v", m)
	}

	aud := r.hub.evs[0].Audience
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
	r.hub.evs = nil
	vs, err := r.acd.Pause(ctx, "", "u1", true, "lunch")
	if err != nil || len(vs) != 2 {
		t.Fatalf("pause everywhere: %v %+v", err, vs)
	}
	evs := r.hub.of(EventMemberState)
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
