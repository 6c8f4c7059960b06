package manager

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// TestStoreFailureChangesNothing: when the store refuses a change, the
// operation fails with the store's error, the hotel is as it was, and
// nobody was told anything (no event, no PBX or PMS call, no directory
// or scheduler change).
func TestStoreFailureChangesNothing(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		op   func(m *Manager) error
	}{
		{name: "check-in", op: func(m *Manager) error { _, err := m.CheckIn(ctx, "102", hotel.Guest{Name: "Bob"}, api); return err }},
		{name: "check-out", op: func(m *Manager) error { _, _, err := m.CheckOut(ctx, "101", api); return err }},
		{name: "move", op: func(m *Manager) error { _, err := m.Move(ctx, "101", "102", api); return err }},
		{name: "status", op: func(m *Manager) error {
			_, err := m.SetStatus(ctx, "101", hotel.StatusChange{DND: ptr(true)}, api)
			return err
		}},
		{name: "wake-up", op: func(m *Manager) error { _, err := m.SetWakeUp(ctx, "101", t0.Add(2*time.Hour), "", api); return err }},
		{name: "cancel wake-up", op: func(m *Manager) error { return m.CancelWakeUpAt(ctx, "101", time.Time{}, api) }},
		{name: "room", op: func(m *Manager) error { _, err := m.PutRoom(ctx, hotel.Room{Number: "103"}); return err }},
		{name: "group", op: func(m *Manager) error {
			_, err := m.PutGroup(ctx, hotel.RoomGroup{ID: "g", Class: hotel.ClassLocal})
			return err
		}},
		{name: "rates", op: func(m *Manager) error { return m.PutRates(ctx, []hotel.RateTable{{ID: "t", Currency: "EUR"}}) }},
		{name: "delete room", op: func(m *Manager) error { return m.DeleteRoom(ctx, "102") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.room("101")
			r.room("102")
			r.checkIn("101", "Anna")
			r.wakeUp("101", t0.Add(time.Hour), "")
			snap := func() string {
				b, _ := json.Marshal([]any{r.m.Rooms(ctx), r.m.WakeUps(ctx, ""), r.m.Groups(ctx), r.m.Rates(ctx), r.m.Bills(ctx, "", 0)})
				return string(b) + r.kvDump()
			}
			before, evs, applied, scheduled, canceled, names := snap(), len(r.hub.Events), len(r.tel.applied), len(r.sched.live()), len(r.sched.canceled), len(r.dir.names)
			r.kv.fail = true
			if err := tc.op(r.m); !errors.Is(err, errDisk) {
				t.Fatalf("err = %v, want the store's", err)
			}
			if after := snap(); after != before {
				t.Fatalf("the hotel changed:\n%s\n%s", before, after)
			}
			if len(r.hub.Events) != evs || len(r.tel.applied) != applied || len(r.sched.live()) != scheduled ||
				len(r.sched.canceled) != canceled || len(r.dir.names) != names || r.pms.statuses() != 0 {
				t.Fatal("a refused change was told to someone")
			}
		})
	}
}

// kvDump is the store's content as text.
func (r *rig) kvDump() string {
	out := ""
	for _, k := range r.kv.Keys("") {
		v, _ := r.kv.Get(context.Background(), k)
		out += k + "=" + string(v) + "\n"
	}
	return out
}
