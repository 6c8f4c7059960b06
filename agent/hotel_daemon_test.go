package agent

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// TestHotelThroughDaemon: an administrator adds room 101; reception (a
// user with hotel_admin) checks Anna Rossi in over the API and gets
// room_updated on the events socket; the room's calls then show "101 –
// Anna Rossi", an international call passes the gate and a caller-ID
// lookup of 101 names her; a plain user may not check her out;
// reception does, and the room is barred and nameless again.
func TestHotelThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, base := testDaemon(t, nil)
	if d.hotel == nil {
		t.Fatal("no hotel manager in the daemon")
	}
	adm := client{t, base, "test-admin-token"}
	if code, b := adm.do("PUT", "/api/v1/hotel/rooms/101", "application/json", []byte(`{"devices":["PJSIP/101"],"floor":"1"}`)); code != 200 {
		t.Fatalf("add room: %d %s", code, b)
	}
	desk := signIn(t, base, "desk", []string{"hotel_admin"}, nil)
	joe := signIn(t, base, "joe", nil, nil)
	evs := desk.events(ctx, "hotel")
	room := hotel.Origin{Endpoint: "PJSIP/101"}

	if dec := d.hotel.Gate(ctx, room, "00442071234567"); dec.Allowed || dec.Reason != "vacant" {
		t.Fatalf("vacant room's call: %+v", dec)
	}
	if code, b := joe.do("POST", "/api/v1/hotel/rooms/101/checkin", `{"name":"Mallory"}`); code != 403 {
		t.Fatalf("a plain user checks in: %d %v, want 403 (no scope hotel)", code, b)
	}
	if code, b := desk.do("POST", "/api/v1/hotel/rooms/101/checkin", `{"name":"Anna Rossi","language":"it","departure":"2026-12-10"}`); code != 200 || b["occupancy"] != "occupied" {
		t.Fatalf("check-in: %d %v", code, b)
	}
	ev := nextTopicEvent(ctx, t, evs, "hotel", "room_updated", func(m map[string]any) bool { return m["change"] == "checkin" })
	if ev["number"] != "101" || ev["source"] != "api" {
		t.Fatalf("room_updated %v", ev)
	}
	if dec := d.hotel.Gate(ctx, room, "00442071234567"); !dec.Allowed || dec.CallerName != "101 – Anna Rossi" || dec.Class != hotel.ClassInternational {
		t.Fatalf("occupied room's call: %+v", dec)
	}
	if name, ok := d.hotel.CallerName(ctx, room); !ok || name != "101 – Anna Rossi" {
		t.Fatalf("caller name %q %v", name, ok)
	}
	if res, err := d.store.Lookup(ctx, "101"); err != nil || res.Name != "Anna Rossi" || res.Source != hotelSource {
		t.Fatalf("lookup of 101: %+v %v, want the guest from source hotel", res, err)
	}
	if code, b := desk.do("POST", "/api/v1/hotel/wakeups", `{"room":"101","at":"07:00"}`); code != 201 {
		t.Fatalf("wake-up: %d %v", code, b)
	}
	if code, b := desk.do("GET", "/api/v1/hotel/rooms/101/bill", ""); code != 200 || b["guest"] != "Anna Rossi" {
		t.Fatalf("open bill: %d %v", code, b)
	}

	if code, b := joe.do("POST", "/api/v1/hotel/rooms/101/checkout", ""); code != 403 {
		t.Fatalf("a plain user checks out: %d %v, want 403", code, b)
	}
	code, b := desk.do("POST", "/api/v1/hotel/rooms/101/checkout", "")
	if code != 200 {
		t.Fatalf("check-out: %d %v", code, b)
	}
	if bill, _ := b["bill"].(map[string]any); bill["closed_at"] == nil {
		t.Fatalf("check-out answered %v, want the closed bill", b)
	}
	nextTopicEvent(ctx, t, evs, "hotel", "room_updated", func(m map[string]any) bool { return m["change"] == "checkout" })
	if dec := d.hotel.Gate(ctx, room, "00442071234567"); dec.Allowed || dec.CallerName != "101" {
		t.Fatalf("after check-out: %+v", dec)
	}
	if dec := d.hotel.Gate(ctx, room, "112"); !dec.Allowed {
		t.Fatalf("emergency after check-out: %+v", dec)
	}
	if res, err := d.store.Lookup(ctx, "101"); err != nil || res.Name != "" {
		t.Fatalf("lookup of 101 after check-out: %+v %v, want a miss", res, err)
	}
	if ws := d.hotel.WakeUps(ctx, "101"); len(ws) != 1 || ws[0].Status != hotel.WakeCanceled {
		t.Fatalf("wake-ups after check-out: %+v", ws)
	}
}

// TestHotelDirectory: the room's contact is made once, renamed in place,
// found again when its id was lost, and removed.
func TestHotelDirectory(t *testing.T) {
	ctx := context.Background()
	d, _ := testDaemon(t, nil)
	dir := &hotelDirectory{store: d.store, ids: d.store.Meta("hotel_directory")}
	room := hotel.Room{Number: "101", Extensions: []string{"101", "1011"}}
	lookup := func(n string) string {
		t.Helper()
		res, err := d.store.Lookup(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return res.Name
	}
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{name: "check-in", do: func() error { return dir.SetRoomName(ctx, room, "Anna Rossi") }, want: "Anna Rossi"},
		{name: "renamed", do: func() error { return dir.SetRoomName(ctx, room, "Anna Bianchi") }, want: "Anna Bianchi"},
		{name: "id lost", do: func() error {
			if err := dir.ids.Delete(ctx, "101"); err != nil {
				return err
			}
			return dir.SetRoomName(ctx, room, "Anna Verdi")
		}, want: "Anna Verdi"},
		{name: "check-out", do: func() error { return dir.ClearRoomName(ctx, room) }, want: ""},
		{name: "check-out again", do: func() error { return dir.ClearRoomName(ctx, room) }, want: ""},
		{name: "the next guest", do: func() error { return dir.SetRoomName(ctx, room, "Bob") }, want: "Bob"},
		{name: "check-out with the id lost", do: func() error {
			if err := dir.ids.Delete(ctx, "101"); err != nil {
				return err
			}
			return dir.ClearRoomName(ctx, room)
		}, want: ""},
		{name: "and another guest", do: func() error { return dir.SetRoomName(ctx, room, "Carl") }, want: "Carl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); err != nil {
				t.Fatal(err)
			}
			for _, ext := range room.Extensions {
				if got := lookup(ext); got != tc.want {
					t.Errorf("lookup %s: %q, want %q", ext, got, tc.want)
				}
			}
			if n, err := d.store.CountSource(ctx, hotelSource); err != nil || n > 1 {
				t.Errorf("%d contacts of source hotel (%v), want at most 1", n, err)
			}
		})
	}
}
