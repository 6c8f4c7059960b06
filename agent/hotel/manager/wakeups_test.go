package manager

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func TestSetWakeUp(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.room("102")
	r.checkIn("101", "Anna")
	for _, tc := range []struct {
		name   string
		room   string
		at     time.Time
		lang   string
		status int
		field  string
	}{
		{name: "vacant room", room: "102", at: t0.Add(time.Hour), status: 409, field: "room"},
		{name: "missing room", room: "999", at: t0.Add(time.Hour), status: 400, field: "room"},
		{name: "in the past", room: "101", at: t0.Add(-time.Hour), status: 400, field: "at"},
		{name: "no time", room: "101", status: 400, field: "at"},
		{name: "bad language", room: "101", at: t0.Add(time.Hour), lang: "italian", status: 400, field: "language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.m.SetWakeUp(ctx, tc.room, tc.at, tc.lang, api)
			wantField(t, err, tc.status, tc.field)
		})
	}
	w := r.wakeUp("101", t0.Add(12*time.Hour), "IT")
	if w.Status != hotel.WakePending || w.Language != "it" || w.Next == nil || !w.Next.Equal(w.At) || w.Source != hotel.SourceAPI {
		t.Fatalf("wake-up %+v", w)
	}
	again, err := r.m.SetWakeUp(ctx, "101", t0.Add(12*time.Hour+20*time.Second), "", api)
	if err != nil || again.ID != w.ID {
		t.Fatalf("the same minute again: %+v %v, want %s", again, err, w.ID)
	}
	if n := len(r.sched.live()); n != 1 {
		t.Fatalf("%d scheduled, want 1", n)
	}
	if err := r.m.CancelWakeUp(ctx, w.ID, api); err != nil {
		t.Fatal(err)
	}
	wantField(t, r.m.CancelWakeUp(ctx, w.ID, api), http.StatusConflict, "id")
	if err := r.m.CancelWakeUp(ctx, "w-nope", api); !errors.Is(err, hotel.ErrNotFound) {
		t.Fatalf("cancel a missing wake-up: %v", err)
	}
	if err := r.m.CancelWakeUpAt(ctx, "101", t0.Add(12*time.Hour), hotel.Actor{Source: hotel.SourcePMS}); !errors.Is(err, hotel.ErrNotFound) {
		t.Fatalf("cancel at a time with none live: %v", err)
	}
	if len(r.sched.live()) != 0 || len(r.sched.canceled) != 1 {
		t.Fatalf("scheduler: %v live, canceled %v", r.sched.live(), r.sched.canceled)
	}
	// A day after it ended it is no longer listed.
	r.clk.Advance(25 * time.Hour)
	if ws := r.m.WakeUps(ctx, ""); len(ws) != 0 {
		t.Errorf("listed a day later: %+v", ws)
	}
}

func TestWakeUpChanged(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.checkIn("101", "Anna")
	for _, tc := range []struct {
		name    string
		final   hotel.WakeUpStatus
		alerts  int
		answers int
		unans   int
	}{
		{name: "answered", final: hotel.WakeAnswered, answers: 1},
		{name: "unanswered", final: hotel.WakeUnanswered, alerts: 1, answers: 1, unans: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.tel.alerts, r.pms.answers = nil, nil
			unans := len(r.hub.Of(hotel.EventWakeUpUnanswered))
			w := r.wakeUp("101", r.clk.Now().Add(time.Hour), "")
			r.clk.Advance(time.Hour)
			calling := w
			calling.Status, calling.Attempts = hotel.WakeCalling, 1
			r.m.WakeUpChanged(ctx, calling)
			if got := r.m.WakeUps(ctx, "101"); got[len(got)-1].Status != hotel.WakeCalling {
				t.Fatalf("after calling: %+v", got)
			}
			end := calling
			end.Status, end.Attempts = tc.final, 4
			r.m.WakeUpChanged(ctx, end)
			late := end
			late.Status = hotel.WakeAnswered // a report after the end is ignored
			r.m.WakeUpChanged(ctx, late)
			var got hotel.WakeUp
			for _, x := range r.m.WakeUps(ctx, "101") {
				if x.ID == w.ID {
					got = x
				}
			}
			if got.Status != tc.final || got.Attempts != 4 || got.Next != nil {
				t.Fatalf("kept %+v", got)
			}
			if len(r.tel.alerts) != tc.alerts || (tc.alerts > 0 && r.tel.alerts[0] != "900/101") {
				t.Errorf("reception alerts %v", r.tel.alerts)
			}
			if len(r.pms.answers) != tc.answers {
				t.Errorf("%d answers to the PMS, want %d", len(r.pms.answers), tc.answers)
			}
			if n := len(r.hub.Of(hotel.EventWakeUpUnanswered)) - unans; n != tc.unans {
				t.Errorf("%d wakeup_unanswered, want %d", n, tc.unans)
			}
		})
	}
	// A report about an unknown wake-up is ignored.
	r.m.WakeUpChanged(ctx, hotel.WakeUp{ID: "w-unknown", Status: hotel.WakeAnswered})
	r.m.WakeUpResult(ctx, "w-x", 1, hotel.WakeOutcomeAnswered, 0)
	if r.sched.results != 1 {
		t.Error("WakeUpResult was not passed to the scheduler")
	}
}

// TestRestartReload checks that a manager over the same store finds the
// rooms, groups, rates, open and closed bills and wake-ups, and hands the
// live wake-ups back to its scheduler.
func TestRestartReload(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.m.PutGroup(ctx, hotel.RoomGroup{ID: "east", Class: hotel.ClassLocal}); err != nil {
		t.Fatal(err)
	}
	if err := r.m.PutRates(ctx, []hotel.RateTable{{ID: "default", Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0", PerMinute: 100}}}}); err != nil {
		t.Fatal(err)
	}
	r.room("101", func(x *hotel.Room) { x.Group = "east" })
	r.room("102")
	r.checkIn("101", "Anna")
	r.checkIn("102", "Bob")
	r.m.CallEnded(ctx, answered("c1", "101", "0612345", 30))
	live := r.wakeUp("101", t0.Add(10*time.Hour), "")
	r.wakeUp("102", t0.Add(11*time.Hour), "")
	_, closed, err := r.m.CheckOut(ctx, "102", api)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.SetStatus(ctx, "102", hotel.StatusChange{Housekeeping: ptr(hotel.OutOfOrder)}, api); err != nil {
		t.Fatal(err)
	}
	before := r.m.Rooms(ctx)
	r.m.Close()
	if !r.sched.closed {
		t.Error("Close did not stop the scheduler")
	}
	if _, err := r.m.SetStatus(ctx, "101", hotel.StatusChange{DND: ptr(true)}, api); err == nil {
		t.Error("a closed manager took a change")
	}

	r.build()
	after := r.m.Rooms(ctx)
	if len(after) != len(before) {
		t.Fatalf("%d rooms after the restart, want %d", len(after), len(before))
	}
	for i := range before {
		if !sameRoom(before[i], after[i]) || before[i].Housekeeping != after[i].Housekeeping || before[i].EffectiveClass != after[i].EffectiveClass {
			t.Errorf("room %d: %+v, want %+v", i, after[i], before[i])
		}
	}
	if got := r.sched.live(); len(got) != 1 || got[live.ID].Room != "101" || r.sched.rooms[live.ID].Guest == nil {
		t.Errorf("scheduled after the restart: %+v", got)
	}
	if b, ok := r.m.Bill(ctx, "101"); !ok || len(b.Lines) != 1 || b.Lines[0].Posting != 100 {
		t.Errorf("open bill after the restart: %+v", b)
	}
	if b, ok := r.m.BillByID(ctx, closed.ID); !ok || b.ClosedAt == nil {
		t.Errorf("closed bill after the restart: %+v %v", b, ok)
	}
	if err := r.m.ChargePosted(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if b, _ := r.m.Bill(ctx, "101"); !b.Lines[0].Posted {
		t.Error("a posting kept across the restart was not acknowledged")
	}
	if len(r.m.Rates(ctx)) != 1 || len(r.m.Groups(ctx)) != 1 {
		t.Error("rates or groups lost")
	}
	if d := r.m.Gate(ctx, hotel.Origin{Endpoint: "PJSIP/101"}, "0612345"); d.Allowed || d.Reason != "class" {
		t.Errorf("the group's class after the restart: %+v", d)
	}
}

func TestOldWakeUpsForgotten(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.checkIn("101", "Anna")
	w := r.wakeUp("101", t0.Add(time.Hour), "")
	if err := r.m.CancelWakeUp(ctx, w.ID, api); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(25 * time.Hour)
	r.wakeUp("101", r.clk.Now().Add(time.Hour), "")
	if keys := r.kv.Keys(keyWakeUp); len(keys) != 1 {
		t.Fatalf("wake-ups kept %v, want only the new one", keys)
	}
}

func TestApplyAllAndLink(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.room("102")
	r.checkIn("102", "Bob")
	n := len(r.tel.applied)
	r.m.ApplyAll(ctx)
	if got := len(r.tel.applied) - n; got != 2 {
		t.Fatalf("ApplyAll applied %d rooms, want 2", got)
	}
	r.m.LinkChanged(ctx, hotel.LinkState{Connected: true, Peer: "127.0.0.1:5010"})
	if evs := r.hub.Of(hotel.EventLink); len(evs) != 1 || !evs[0].Data.(hotel.LinkState).Connected {
		t.Fatalf("pms_link events %+v", evs)
	}
}
