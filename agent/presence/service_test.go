package presence

import (
	"context"
	"strings"
	"testing"
	"time"
)

func ptime(t time.Time) *time.Time { return &t }

func TestStateRules(t *testing.T) {
	tests := []struct {
		name  string
		req   StateRequest
		field string // "" : accepted
	}{
		{name: "available", req: StateRequest{State: Available}},
		{name: "dnd with a message and an end", req: StateRequest{State: DND, Message: "In a meeting", Until: ptime(t0.Add(time.Hour))}},
		{name: "away with a message with a comma", req: StateRequest{State: Away, Message: "Lunch, back at 2"}},
		{name: "no state", req: StateRequest{}, field: "state"},
		{name: "unknown state", req: StateRequest{State: "busy"}, field: "state"},
		{name: "message too long", req: StateRequest{State: Away, Message: strings.Repeat("x", MaxMessage+1)}, field: "message"},
		{name: "control character", req: StateRequest{State: Away, Message: "a\nb"}, field: "message"},
		{name: "until on available", req: StateRequest{State: Available, Until: ptime(t0.Add(time.Hour))}, field: "until"},
		{name: "until in the past", req: StateRequest{State: DND, Until: ptime(t0.Add(-time.Second))}, field: "until"},
		{name: "until too far", req: StateRequest{State: DND, Until: ptime(t0.Add(MaxUntil + time.Hour))}, field: "until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			p, err := r.s.SetState(context.Background(), "ana", tt.req)
			if tt.field != "" {
				if got := fieldOf(err); got != tt.field {
					t.Fatalf("error %v names %q, want %q", err, got, tt.field)
				}
				if got := r.get(t, "ana", "ana"); got.State != Available {
					t.Errorf("a refused request changed the state to %s", got.State)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.State != tt.req.State || p.Message != tt.req.Message {
				t.Errorf("got %+v", p)
			}
		})
	}
	if _, err := newRig(t).s.SetState(context.Background(), "nobody", StateRequest{State: DND}); err != ErrNoUser {
		t.Errorf("unknown user: %v", err)
	}
}

// TestUntilExpires: a DND with an end returns to available at the end,
// kept, published, and the calls engine rings the user again.
func TestUntilExpires(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: DND, Message: "Focus", Until: ptime(t0.Add(30 * time.Minute))}); err != nil {
		t.Fatal(err)
	}
	if r.s.Available("ana") {
		t.Fatal("a user in DND is available")
	}
	r.clk.Advance(29 * time.Minute)
	if p := r.get(t, "ana", "ana"); p.State != DND || p.Until == nil {
		t.Fatalf("before the end: %+v", p)
	}
	// Run's timer is set once it has seen the until: advance until it
	// fires.
	r.hub.await(t, "back to available", func() bool {
		r.clk.Advance(time.Minute)
		seen := r.hub.seen(user("ana"))
		return len(seen) > 0 && seen[len(seen)-1].State == Available
	})
	if !r.s.Available("ana") {
		t.Error("still not available after until")
	}
	p := r.get(t, "ana", "ana")
	if p.State != Available || p.Message != "" || p.Until != nil {
		t.Errorf("after the end: %+v", p)
	}
	// Kept: a new service reads available.
	s2 := New(r.kv, r.dir, WithClock(r.clk))
	if err := s2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !s2.Available("ana") {
		t.Error("the return to available was not kept")
	}
}

// TestUntilPassedWhileDown: a state whose end passed while the daemon was
// down reads available at once.
func TestUntilPassedWhileDown(t *testing.T) {
	r := newRig(t)
	if _, err := r.s.SetState(context.Background(), "ana", StateRequest{State: DND, Until: ptime(t0.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(2 * time.Minute)
	s2 := New(r.kv, r.dir, WithClock(r.clk))
	if err := s2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !s2.Available("ana") {
		t.Error("an ended DND still holds")
	}
}

func TestCallStatePrecedence(t *testing.T) {
	type step struct {
		call string
		st   CallState
	}
	tests := []struct {
		name  string
		steps []step
		want  CallState
	}{
		{name: "no call", want: CallIdle},
		{name: "held", steps: []step{{"c1", CallHeld}}, want: CallHeld},
		{name: "talking wins over held", steps: []step{{"c1", CallHeld}, {"c2", CallTalking}}, want: CallTalking},
		{name: "ringing wins over talking", steps: []step{{"c1", CallTalking}, {"c2", CallRinging}, {"c3", CallHeld}}, want: CallRinging},
		{name: "the ringing call ends", steps: []step{{"c1", CallTalking}, {"c2", CallRinging}, {"c2", CallIdle}}, want: CallTalking},
		{name: "every call ends", steps: []step{{"c1", CallTalking}, {"c1", CallIdle}}, want: CallIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			for _, s := range tt.steps {
				r.s.CallChanged(context.Background(), "ana", s.call, s.st)
			}
			if got := r.get(t, "bob", "ana").Call; got != tt.want {
				t.Errorf("call state %s, want %s", got, tt.want)
			}
		})
	}
}

// TestLocationPrivacy: a location is seen by its owner and the users it
// is shared with, in GET and in the events; never by others nor by a
// principal acting for no user.
func TestLocationPrivacy(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, id := range []string{"bob", "cid"} {
		if _, err := r.s.SetRoster(ctx, id, []string{"ana"}); err != nil {
			t.Fatal(err)
		}
	}
	loc := &Location{Lat: 47.3769, Lon: 8.5417, Address: "Bahnhofstrasse 1, Zürich"}
	if _, err := r.s.SetLocation(ctx, "ana", LocationRequest{Location: loc, ShareWith: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		viewer string
		sees   bool
	}{{"ana", true}, {"bob", true}, {"cid", false}, {"", false}} {
		if got := r.get(t, tt.viewer, "ana").Location != nil; got != tt.sees {
			t.Errorf("GET as %q: location seen %v, want %v", tt.viewer, got, tt.sees)
		}
		p := user(tt.viewer)
		if tt.viewer == "" {
			p.Kind, p.UserID = "admin_token", ""
		}
		evs := r.hub.seen(p)
		if len(evs) == 0 {
			t.Fatalf("%q got no event", tt.viewer)
		}
		for _, ev := range evs {
			if ev.Location != nil && !tt.sees {
				t.Errorf("event to %q holds the location", tt.viewer)
			}
		}
		if tt.sees && evs[len(evs)-1].Location == nil {
			t.Errorf("last event to %q lacks the location", tt.viewer)
		}
		if n := len(evs); n != 1 {
			t.Errorf("%q got %d events about the change, want 1", tt.viewer, n)
		}
	}
	// Bad input names the field.
	_, err := r.s.SetLocation(ctx, "ana", LocationRequest{Location: &Location{Lat: 91}, ShareWith: []string{"zed"}})
	if got := fieldOf(err); got != "location.lat,share_with[0]" {
		t.Errorf("fields %q", got)
	}
	// Cleared.
	if _, err := r.s.SetLocation(ctx, "ana", LocationRequest{}); err != nil {
		t.Fatal(err)
	}
	if r.get(t, "bob", "ana").Location != nil {
		t.Error("a cleared location is still shown")
	}
}

// TestEventsToRosterOnly: presence_updated about a user reaches the user
// and those whose roster holds them, nobody else; the roster is read at
// delivery.
func TestEventsToRosterOnly(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.s.SetRoster(ctx, "bob", []string{"ana", "ana"}); err != nil {
		t.Fatal(err)
	}
	if got := r.s.Roster("bob"); len(got) != 1 {
		t.Errorf("duplicates kept: %v", got)
	}
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: Away, Message: "Lunch"}); err != nil {
		t.Fatal(err)
	}
	r.s.Connected(ctx, "ana", 1)
	r.s.Connected(ctx, "ana", 1) // a second client: no change
	r.s.CallChanged(ctx, "ana", "c1", CallRinging)
	for _, tt := range []struct {
		who  string
		want int
	}{{"ana", 3}, {"bob", 3}, {"cid", 0}} {
		if got := len(r.hub.seen(user(tt.who))); got != tt.want {
			t.Errorf("%s got %d events, want %d", tt.who, got, tt.want)
		}
	}
	last := r.hub.seen(user("bob"))[2]
	if last.State != Away || !last.Online || last.Call != CallRinging {
		t.Errorf("last event %+v", last)
	}
	// Out of the roster: no more events.
	if _, err := r.s.SetRoster(ctx, "bob", nil); err != nil {
		t.Fatal(err)
	}
	r.s.CallChanged(ctx, "ana", "c1", CallIdle)
	if got := len(r.hub.seen(user("bob"))); got != 3 {
		t.Errorf("bob got %d events, want still 3", got)
	}
	if got := len(r.hub.seen(user("ana"))); got != 4 {
		t.Errorf("ana got %d events about herself, want 4", got)
	}
	// Bad roster.
	if _, err := r.s.SetRoster(ctx, "bob", []string{"ana", "zed"}); fieldOf(err) != "users[1]" {
		t.Errorf("bad roster: %v", err)
	}
}

func TestOnline(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.s.Connected(ctx, "ana", 1)
	r.s.Connected(ctx, "ana", 1)
	r.s.Connected(ctx, "ana", -1)
	if !r.get(t, "bob", "ana").Online {
		t.Error("offline with one client left")
	}
	r.s.Connected(ctx, "ana", -1)
	if r.get(t, "bob", "ana").Online {
		t.Error("online with no client")
	}
}
