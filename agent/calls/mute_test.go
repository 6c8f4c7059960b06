package calls

import (
	"context"
	"errors"
	"testing"
)

// TestMuteUnmute: mute cuts the user's leg's incoming audio (direction in)
// on a live call, publishes call_updated with muted, is idempotent, and
// unmute undoes it; a call that has not been answered yet, or has ended,
// is 409 (ErrState), and another user's is ErrNotFound.
func TestMuteUnmute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := Viewer{UserID: "u1"}
	c := e.up()
	steps := []struct {
		name      string
		do        func() (Call, error)
		wantMuted bool
		wantLeg   string // the user's leg's ARI mute direction
		wantEvent bool
		wantErr   error
	}{
		{name: "another user", do: func() (Call, error) { return e.eng.Mute(ctx, Viewer{UserID: "u2"}, c.ID) }, wantErr: ErrNotFound},
		{name: "mute", do: func() (Call, error) { return e.eng.Mute(ctx, v, c.ID) }, wantMuted: true, wantLeg: "in", wantEvent: true},
		{name: "mute twice", do: func() (Call, error) { return e.eng.Mute(ctx, v, c.ID) }, wantMuted: true, wantLeg: "in"},
		{name: "hold keeps the mute", do: func() (Call, error) { return e.eng.Hold(ctx, v, c.ID) }, wantMuted: true, wantLeg: "in"},
		{name: "unmute while held", do: func() (Call, error) { return e.eng.Unmute(ctx, v, c.ID) }, wantLeg: "", wantEvent: true},
	}
	for _, st := range steps {
		got, err := st.do()
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Errorf("%s: %v, want %v", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil || got.Muted != st.wantMuted {
			t.Fatalf("%s: %+v %v, want muted %v", st.name, got, err, st.wantMuted)
		}
		if leg, _ := e.srv.Channel(c.ID + "-u1"); leg.Muted != st.wantLeg {
			t.Errorf("%s: the user's leg is muted %q, want %q", st.name, leg.Muted, st.wantLeg)
		}
		if far, _ := e.srv.Channel(c.ID + "-far"); far.Muted != "" {
			t.Errorf("%s: the destination's leg is muted %q", st.name, far.Muted)
		}
		// The engine publishes before Mute returns: the call's last event
		// is the mute's call_updated, or, without one, the step's own.
		if ev := e.pub.lastOf(c.ID); st.wantEvent && (ev.typ != EventUpdated || ev.call.Muted != st.wantMuted) {
			t.Errorf("%s: last event %s muted %v, want call_updated muted %v", st.name, ev.typ, ev.call.Muted, st.wantMuted)
		} else if !st.wantEvent && ev.typ == EventUpdated && ev.call.Muted != st.wantMuted {
			t.Errorf("%s: published call_updated muted %v", st.name, ev.call.Muted)
		}
	}
	if _, err := e.eng.Hangup(ctx, v, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Mute(ctx, v, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("mute of an ended call: %v, want ErrState", err)
	}
	e.clean(c)
}

// lastOf returns the last event published about call id.
func (r *recorder) lastOf(id string) published {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.evs) - 1; i >= 0; i-- {
		if r.evs[i].call.ID == id {
			return r.evs[i]
		}
	}
	return published{}
}
