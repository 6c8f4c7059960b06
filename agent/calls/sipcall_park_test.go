package calls

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// A call over SIP parked: the user's leg is hung up, the destination
// hears the music under a slot; picked up by another user's device, the
// destination is bridged with it and the call is that user's; a pickup
// nobody answers leaves it parked; the park timeout rings the owner's
// devices again, and the call ends when none answers.
func TestSIPParkAndPickup(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	e := newSIPEnv(t, WithClock(clk), WithPark(701, 2, 45*time.Second))
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	c, user, far := e.up()
	if _, err := e.eng.Hold(ctx, v, c.ID); err != nil {
		t.Fatal(err)
	}
	e.pub.expect(t, EventHeld, EventUpdated)

	parked, err := e.eng.Park(ctx, v, c.ID)
	if err != nil || parked.State != StateParked || parked.ParkedSlot != 701 {
		t.Fatalf("park: %+v %v", parked, err)
	}
	far.await(t, "resume") // it was held
	user.await(t, "bridge-end")
	user.await(t, "hangup 16")
	far.await(t, "music")
	e.pub.expect(t, EventParked+":parked", EventUpdated+":parked")
	if _, err := e.eng.Park(ctx, v, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("park a parked call: %v", err)
	}
	if _, err := e.eng.Hold(ctx, v, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("hold a parked call: %v", err)
	}

	// A pickup nobody answers: still parked.
	if _, err := e.eng.Pickup(ctx, Viewer{All: true}, c.ID, "u2", []string{"PJSIP/102"}); err != nil {
		t.Fatal(err)
	}
	d := e.d.next(t)
	if d.req.To != "102" || d.req.From != "200" || d.req.FromName != "Parked 701: 200" {
		t.Errorf("the pickup rang %+v", d.req)
	}
	if _, err := e.eng.Pickup(ctx, Viewer{All: true}, c.ID, "u3", []string{"PJSIP/103"}); !errors.Is(err, ErrState) {
		t.Errorf("a second pickup while one rings: %v", err)
	}
	d.fail(480, 18)
	eventually(t, "the pickup is over", func() bool {
		e.eng.mu.Lock()
		defer e.eng.mu.Unlock()
		s := e.eng.calls[c.ID]
		return s.park != nil && s.park.picker == ""
	})
	if got, _ := e.eng.Get(v, c.ID); got.State != StateParked {
		t.Fatalf("after a failed pickup: %s", got.State)
	}

	// Picked up by u2's device.
	if _, err := e.eng.Pickup(ctx, Viewer{All: true}, c.ID, "u2", []string{"PJSIP/102"}); err != nil {
		t.Fatal(err)
	}
	picker := e.d.next(t).answer(t, "picker")
	far.await(t, "music-end")
	picker.await(t, "bridge far")
	up := e.pub.expect(t, EventPickedUp+":up", EventUpdated+":up")
	if up.UserID != "u2" || up.Device != "PJSIP/102" || up.ParkedSlot != 0 {
		t.Errorf("picked up %+v", up)
	}
	// The call is u2's now: parked again, its timeout rings u2's device,
	// and ends it when it does not answer.
	v2 := Viewer{UserID: "u2"}
	if _, err := e.eng.Park(ctx, v2, c.ID); err != nil {
		t.Fatal(err)
	}
	picker.await(t, "hangup 16")
	e.pub.expect(t, EventParked, EventUpdated)
	clk.Advance(45 * time.Second)
	again := e.d.next(t)
	if again.req.To != "102" {
		t.Errorf("the timeout rang %s", again.req.To)
	}
	again.fail(408, 19)
	ended := e.pub.expect(t, EventEnded)
	if ended.Cause != 19 || ended.EndedBy != "system" {
		t.Errorf("ended %+v", ended)
	}
	far.await(t, "hangup 19")
}

// eventually polls cond until it holds, failing after sipWait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(sipWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", sipWait, what)
		}
		time.Sleep(time.Millisecond) // poll with a deadline
	}
}
