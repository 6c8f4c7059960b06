package calls

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// awaitParkedIdle waits (bounded, real time) until call id is parked
// with no pickup ringing and its timeout armed.
func (e *env) awaitParkedIdle(id string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.eng.mu.Lock()
		s := e.eng.calls[id]
		idle := s != nil && s.call.State == StateParked && s.park != nil && s.park.picker == "" && s.park.timer != nil
		e.eng.mu.Unlock()
		if idle {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("call %s never parked and idle", id)
		}
		runtime.Gosched()
	}
}

// newParkEnv is newEnv with the engine on the stand-in's virtual clock
// (the park timeout runs on it).
func newParkEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithClock(clk)}, testPeers...)...)
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attach(append([]Option{WithClock(clk)}, opts...)...)
	return e
}

// bridgeOf returns the bridge the stand-in has under id, or nil.
func (e *env) bridgeOf(id string) *ari.Bridge {
	b, err := e.eng.cli.Bridges().Get(context.Background(), id)
	if err != nil {
		return nil
	}
	return b
}

// TestParkAndPickup: a call that is up is parked (the far party alone in a
// holding bridge, the user's leg hung up without ending the call, slot
// 701, call_parked), refuses hold and a second park, and is picked up by a
// supervisor on their own desk: bridged with the parked party in a new
// bridge, the holding bridge destroyed, the call now theirs, and
// call_picked_up to both users.
func TestParkAndPickup(t *testing.T) {
	e := newEnv(t)
	c := e.up()
	ctx := context.Background()
	owner := Viewer{UserID: "u1"}
	parked, err := e.eng.Park(ctx, owner, c.ID)
	if err != nil || parked.State != StateParked || parked.ParkedSlot != DefaultParkFirst {
		t.Fatalf("park: %+v %v", parked, err)
	}
	e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
	hold := e.bridgeOf(c.ID + "-park1")
	if hold == nil || hold.BridgeType != "holding" || !slices.Equal(hold.Channels, []string{c.ID + "-far"}) {
		t.Fatalf("holding bridge %+v", hold)
	}
	if b := e.bridgeOf(c.ID + "-bridge"); b != nil {
		t.Errorf("the call's bridge is left: %+v", b)
	}
	e.pub.await(t, EventParked, c.ID)
	if got, _ := e.eng.Get(owner, c.ID); got.State != StateParked {
		t.Fatalf("the user's leg hanging up ended the parked call: %+v", got)
	}
	if _, err := e.eng.Hold(ctx, owner, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("hold of a parked call: %v", err)
	}
	if _, err := e.eng.Park(ctx, owner, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("park of a parked call: %v", err)
	}
	if _, err := e.eng.Pickup(ctx, Viewer{UserID: "u2"}, c.ID, "u2", []string{"PJSIP/102"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("pickup by another plain user: %v", err)
	}

	// A supervisor picks it up on their desk.
	if _, err := e.eng.Pickup(ctx, Viewer{UserID: "u9", All: true}, c.ID, "u9", []string{"PJSIP/102"}); err != nil {
		t.Fatal(err)
	}
	leg := c.ID + "-p2-1"
	if s := e.ring(leg); s.Endpoint != "PJSIP/102" || s.Variables["PJSIP_HEADER(add,Call-Info)"] == "" {
		t.Errorf("pickup leg %+v", s)
	}
	if _, err := e.eng.Pickup(ctx, Viewer{All: true}, c.ID, "u1", []string{"PJSIP/101"}); !errors.Is(err, ErrState) {
		t.Errorf("a second pickup while one rings: %v", err)
	}
	if err := e.srv.PickUp(leg); err != nil {
		t.Fatal(err)
	}
	ev := e.pub.await(t, EventPickedUp, c.ID)
	if ev.call.State != StateUp || ev.call.UserID != "u9" || ev.call.Device != "PJSIP/102" || ev.call.ParkedSlot != 0 ||
		!slices.Equal(ev.audience, []string{"u9", "u1"}) {
		t.Errorf("picked up %+v to %v", ev.call, ev.audience)
	}
	far, _ := e.srv.Channel(c.ID + "-far")
	me := e.awaitChannel(leg, "bridged", func(s fakeari.ChannelSnapshot) bool { return s.Bridge != "" && s.Bridge == far.Bridge })
	if me.Bridge != c.ID+"-bridge2" {
		t.Errorf("bridged in %s", me.Bridge)
	}
	for deadline := time.Now().Add(10 * time.Second); e.bridgeOf(c.ID+"-park1") != nil; {
		if time.Now().After(deadline) {
			t.Fatal("the holding bridge is left")
		}
	}
	if _, err := e.eng.Get(owner, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the former owner still sees the call: %v", err)
	}
	// The call goes on as any other: the far party hangs up.
	e.srv.Hangup(c.ID+"-far", 16)
	end := e.pub.await(t, EventEnded, c.ID).call
	if end.EndedBy != "destination" || end.UserID != "u9" {
		t.Errorf("ended %+v", end)
	}
	e.noBridges()
	want := []string{EventCreated, EventUpdated, EventAnswered, EventUpdated, EventParked, EventUpdated, EventPickedUp, EventUpdated, EventEnded}
	if got := e.pub.types(c.ID); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// TestParkTimeout: a parked call nobody picks up rings its owner's devices
// after the park timeout (the auto-answering desk takes it back); when
// they do not answer either, the call ends (no answer, by the system). A
// declined pickup leaves the call parked.
func TestParkTimeout(t *testing.T) {
	t.Run("back to the owner", func(t *testing.T) {
		e := newParkEnv(t, WithPark(701, 10, 45*time.Second))
		c := e.up()
		if _, err := e.eng.Park(context.Background(), Viewer{UserID: "u1"}, c.ID); err != nil {
			t.Fatal(err)
		}
		e.pub.await(t, EventParked, c.ID)
		e.clk.Advance(44 * time.Second)
		if _, ok := e.srv.Channel(c.ID + "-p2-1"); ok {
			t.Fatal("rang back before the timeout")
		}
		e.clk.Advance(time.Second)
		e.ring(c.ID + "-p2-1")
		e.clk.Advance(time.Second) // PJSIP/101 auto-answers
		if ev := e.pub.await(t, EventPickedUp, c.ID); ev.call.UserID != "u1" || ev.call.State != StateUp {
			t.Errorf("back to the owner: %+v", ev.call)
		}
	})
	t.Run("nobody answers", func(t *testing.T) {
		e := newParkEnv(t, WithPark(701, 10, 45*time.Second))
		c := e.place("200", "PJSIP/102") // a desk answered by hand
		e.ring(c.ID + "-u1")
		if err := e.srv.PickUp(c.ID + "-u1"); err != nil {
			t.Fatal(err)
		}
		e.ring(c.ID + "-far")
		e.clk.Advance(3 * time.Second)
		e.pub.await(t, EventAnswered, c.ID)
		if _, err := e.eng.Park(context.Background(), Viewer{UserID: "u1"}, c.ID); err != nil {
			t.Fatal(err)
		}
		e.pub.await(t, EventParked, c.ID)
		// A declined pickup: still parked, and picked up again later.
		if _, err := e.eng.Pickup(context.Background(), Viewer{UserID: "u1"}, c.ID, "u1", []string{"PJSIP/400"}); err != nil {
			t.Fatal(err)
		}
		e.ring(c.ID + "-p2-1")
		if err := e.srv.Reject(c.ID+"-p2-1", 21); err != nil {
			t.Fatal(err)
		}
		e.awaitChannel(c.ID+"-p2-1", "gone", destroyed)
		e.awaitParkedIdle(c.ID)
		// The timeout starts again from the declined pickup.
		e.clk.Advance(45 * time.Second)
		e.ring(c.ID + "-p3-1")
		e.clk.Advance(30 * time.Second) // the owner's desk rings out
		end := e.pub.await(t, EventEnded, c.ID).call
		if end.Cause != ari.CauseNoAnswer || end.EndedBy != "system" {
			t.Errorf("ended %+v, want no answer by system", end)
		}
		e.noBridges()
		e.awaitChannel(c.ID+"-far", "hung up (the parked party)", destroyed)
	})
}

// TestParkSlots: slots are handed out from the first; with every slot
// taken a park is refused (ErrState); a slot is free again once its call
// ended.
func TestParkSlots(t *testing.T) {
	e := newEnv(t, WithPark(801, 1, 0))
	a, b := e.up(), e.up()
	ctx := context.Background()
	if p, err := e.eng.Park(ctx, Viewer{UserID: "u1"}, a.ID); err != nil || p.ParkedSlot != 801 {
		t.Fatalf("park a: %+v %v", p, err)
	}
	if _, err := e.eng.Park(ctx, Viewer{UserID: "u1"}, b.ID); !errors.Is(err, ErrState) {
		t.Fatalf("park b with no slot left: %v", err)
	}
	if _, err := e.eng.Hangup(ctx, Viewer{UserID: "u1"}, a.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := e.eng.Park(ctx, Viewer{UserID: "u1"}, b.ID); err != nil || p.ParkedSlot != 801 {
		t.Fatalf("park b once a ended: %+v %v", p, err)
	}
	if _, err := e.eng.Park(ctx, Viewer{UserID: "u1"}, "pbxcall-nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("park of no call: %v", err)
	}
}

// TestParkAPI: POST /api/v1/calls/{id}/park and /pickup: who may, which
// states, the device named.
func TestParkAPI(t *testing.T) {
	e := newEnv(t)
	ringing := e.place("200", "PJSIP/102")
	e.ring(ringing.ID + "-u1")
	c := e.up()
	h := NewHandler(e.eng, fakeDevices{"u1": {"PJSIP/101", "PJSIP/102"}, "u2": {"PJSIP/400"}})
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	u2 := platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}
	admin := platform.Principal{Kind: platform.KindAdminToken, Role: platform.RoleAdmin, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	for _, tc := range []struct {
		name       string
		as         platform.Principal
		path, body string
		code       int
		msg        string
	}{
		{name: "park a ringing call", as: u1, path: "/api/v1/calls/" + ringing.ID + "/park", code: 409, msg: "only a call that is up or held"},
		{name: "park another user's call", as: u2, path: "/api/v1/calls/" + c.ID + "/park", code: 404},
		{name: "pickup of a call that is up", as: u1, path: "/api/v1/calls/" + c.ID + "/pickup", code: 409, msg: "not parked"},
		{name: "park", as: u1, path: "/api/v1/calls/" + c.ID + "/park", code: 200, msg: `"parked_slot":701`},
		{name: "pickup by the admin token", as: admin, path: "/api/v1/calls/" + c.ID + "/pickup", code: 403},
		{name: "pickup by another user", as: u2, path: "/api/v1/calls/" + c.ID + "/pickup", code: 404},
		{name: "pickup on a device not theirs", as: u1, path: "/api/v1/calls/" + c.ID + "/pickup", body: `{"device":"PJSIP/400"}`, code: 400, msg: `"field":"device"`},
		{name: "pickup on one device", as: u1, path: "/api/v1/calls/" + c.ID + "/pickup", body: `{"device":"PJSIP/102"}`, code: 202, msg: `"state":"parked"`},
	} {
		code, out := serve(t, h, tc.as, "POST", tc.path, tc.body)
		if code != tc.code || !strings.Contains(jsonString(out), tc.msg) {
			t.Errorf("%s: %d %v, want %d %q", tc.name, code, out, tc.code, tc.msg)
		}
	}
	if s := e.ring(c.ID + "-p2-1"); s.Endpoint != "PJSIP/102" {
		t.Errorf("the pickup rings %s", s.Endpoint)
	}
	if _, ok := e.srv.Channel(c.ID + "-p2-2"); ok {
		t.Errorf("a device not named rings")
	}
}
