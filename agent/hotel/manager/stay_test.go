package manager

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

func TestCheckInAndOut(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	in := r.checkIn("101", "Anna Rossi")
	if in.Occupancy != hotel.Occupied || in.Guest == nil || in.Guest.Name != "Anna Rossi" || in.BillID == "" {
		t.Fatalf("after check-in: %+v", in)
	}
	if in.EffectiveClass != hotel.ClassInternational {
		t.Errorf("effective class %s, want the default international", in.EffectiveClass)
	}
	if got := r.dir.get("101"); got != "Anna Rossi" {
		t.Errorf("directory entry %q, want the guest's name", got)
	}
	if a, _ := r.tel.last("101"); !slices.Equal(a.offline, []hotel.Class{hotel.ClassInternal, hotel.ClassLocal}) {
		t.Errorf("offline classes %v, want internal and local", a.offline)
	}
	if b, ok := r.m.Bill(ctx, "101"); !ok || b.ID != in.BillID || b.ClosedAt != nil {
		t.Fatalf("open bill %+v %v", b, ok)
	}
	// The same reservation again updates; another guest is a conflict.
	if _, err := r.m.CheckIn(ctx, "101", hotel.Guest{Name: "Anna Rossi-Bianchi", Reservation: "R101"}, api); err != nil {
		t.Fatalf("the same reservation again: %v", err)
	}
	_, err := r.m.CheckIn(ctx, "101", hotel.Guest{Name: "Bob", Reservation: "X"}, api)
	wantField(t, err, http.StatusConflict, "number")
	r.room("105")
	if _, err := r.m.CheckIn(ctx, "105", hotel.Guest{Name: "Eva"}, api); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.CheckIn(ctx, "105", hotel.Guest{Name: "Eva", Language: "de"}, api); err != nil {
		t.Fatalf("the same guest without a reservation again: %v", err)
	}
	_, err = r.m.CheckIn(ctx, "105", hotel.Guest{Name: "Fritz"}, api)
	wantField(t, err, http.StatusConflict, "number")
	_, err = r.m.CheckIn(ctx, "101", hotel.Guest{Name: " "}, api)
	wantField(t, err, http.StatusBadRequest, "name")

	if _, err := r.m.SetStatus(ctx, "101", hotel.StatusChange{MessageLight: ptr(true), DND: ptr(true)}, api); err != nil {
		t.Fatal(err)
	}
	w := r.wakeUp("101", t0.Add(10*time.Hour), "")
	r.clk.Advance(time.Hour)
	out, bill, err := r.m.CheckOut(ctx, "101", api)
	if err != nil {
		t.Fatal(err)
	}
	if out.Occupancy != hotel.Vacant || out.Guest != nil || out.MessageLight || out.DND || out.BillID != "" || out.EffectiveClass != hotel.ClassInternal {
		t.Fatalf("after check-out: %+v", out)
	}
	if bill.ID != in.BillID || bill.ClosedAt == nil || !bill.ClosedAt.Equal(t0.Add(time.Hour)) || bill.Guest != "Anna Rossi-Bianchi" {
		t.Fatalf("closed bill %+v", bill)
	}
	if r.dir.get("101") != "" {
		t.Error("the directory entry stays after check-out")
	}
	if a, _ := r.tel.last("101"); !slices.Equal(a.offline, []hotel.Class{hotel.ClassInternal}) || a.room.Occupancy != hotel.Vacant {
		t.Errorf("the PBX was last told %+v", a)
	}
	if _, live := r.sched.live()[w.ID]; live {
		t.Error("check-out left the wake-up scheduled")
	}
	ws := r.m.WakeUps(ctx, "101")
	if len(ws) != 1 || ws[0].Status != hotel.WakeCanceled {
		t.Errorf("wake-ups after check-out: %+v", ws)
	}
	if got := changes(r.hub, "101"); !slices.Equal(got, []hotel.Change{hotel.ChangeConfig, hotel.ChangeCheckIn, hotel.ChangeGuest,
		hotel.ChangeDND, hotel.ChangeMessageLight, hotel.ChangeCheckOut}) {
		t.Errorf("changes published: %v", got)
	}
	if len(r.hub.Of(hotel.EventBillClosed)) != 1 {
		t.Error("no bill_closed event")
	}
	if _, ok := r.m.Bill(ctx, "101"); ok {
		t.Error("an open bill after check-out")
	}
	if bs := r.m.Bills(ctx, "101", 10); len(bs) != 1 || bs[0].ID != bill.ID {
		t.Errorf("closed bills %+v", bs)
	}
	_, _, err = r.m.CheckOut(ctx, "101", api)
	wantField(t, err, http.StatusConflict, "number")
	if _, _, err := r.m.CheckOut(ctx, "999", api); !errors.Is(err, hotel.ErrNotFound) {
		t.Errorf("check-out of a missing room: %v", err)
	}
}

func TestMoveCarriesGuestBillAndWakeUps(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.room("102", func(x *hotel.Room) { x.Class = hotel.ClassLocal })
	r.room("103")
	in := r.checkIn("101", "Anna Rossi")
	r.checkIn("103", "Carl")
	r.m.CallEnded(ctx, answered("c1", "101", "0612345", 90))
	w := r.wakeUp("101", t0.Add(12*time.Hour), "it")
	if _, err := r.m.SetStatus(ctx, "101", hotel.StatusChange{MessageLight: ptr(true)}, api); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from, to string
		status         int
		field          string
	}{
		{name: "to an occupied room", from: "101", to: "103", status: 409, field: "to"},
		{name: "to a missing room", from: "101", to: "999", status: 400, field: "to"},
		{name: "to itself", from: "101", to: "101", status: 400, field: "to"},
		{name: "from a vacant room", from: "102", to: "101", status: 409, field: "number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.m.Move(ctx, tc.from, tc.to, api)
			wantField(t, err, tc.status, tc.field)
		})
	}
	got, err := r.m.Move(ctx, "101", "102", api)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != "102" || got.Guest == nil || got.Guest.Name != "Anna Rossi" || got.BillID != in.BillID || !got.MessageLight || got.EffectiveClass != hotel.ClassLocal {
		t.Fatalf("moved to %+v", got)
	}
	old, _ := r.m.Room(ctx, "101")
	if old.Occupancy != hotel.Vacant || old.Guest != nil || old.MessageLight {
		t.Fatalf("left behind %+v", old)
	}
	b, ok := r.m.Bill(ctx, "102")
	if !ok || b.Room != "102" || len(b.Lines) != 1 {
		t.Fatalf("bill after the move %+v", b)
	}
	ws := r.m.WakeUps(ctx, "102")
	if len(ws) != 1 || ws[0].ID != w.ID || ws[0].Status != hotel.WakePending {
		t.Fatalf("wake-ups of 102: %+v", ws)
	}
	if s := r.sched.live()[w.ID]; s.Room != "102" {
		t.Errorf("the scheduler has the wake-up in room %q, want 102", s.Room)
	}
	if r.dir.get("101") != "" || r.dir.get("102") != "Anna Rossi" {
		t.Errorf("directory: 101 %q, 102 %q", r.dir.get("101"), r.dir.get("102"))
	}
	if !slices.Contains(changes(r.hub, "101"), hotel.ChangeMoveOut) || !slices.Contains(changes(r.hub, "102"), hotel.ChangeMoveIn) {
		t.Errorf("move events: %v / %v", changes(r.hub, "101"), changes(r.hub, "102"))
	}
	// A call from the new room lands on the same bill.
	r.m.CallEnded(ctx, answered("c2", "102", "0698765", 30))
	if b, _ := r.m.Bill(ctx, "102"); len(b.Lines) != 2 {
		t.Errorf("bill lines after a call from the new room: %d", len(b.Lines))
	}
}

func TestResyncAllOrNothing(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	for _, n := range []string{"101", "102", "103", "104"} {
		r.room(n)
	}
	r.checkIn("101", "Anna") // stays (same reservation R101)
	r.checkIn("102", "Bob")  // not listed: checked out
	r.checkIn("104", "Dora") // another reservation: out, then in
	snapshot := func() []hotel.Room { return r.m.Rooms(ctx) }
	before := snapshot()
	for _, tc := range []struct {
		name  string
		rooms map[string]hotel.Guest
		field string
		fail  bool
	}{
		{name: "a missing room", rooms: map[string]hotel.Guest{"101": {Name: "Anna", Reservation: "R101"}, "999": {Name: "X"}}, field: "rooms[999]"},
		{name: "a guest without a name", rooms: map[string]hotel.Guest{"103": {Name: ""}}, field: "rooms[103].name"},
		{name: "a bad date", rooms: map[string]hotel.Guest{"103": {Name: "C", Arrival: "2026-13-01"}}, field: "rooms[103].arrival"},
		{name: "the store fails", rooms: map[string]hotel.Guest{"103": {Name: "C"}}, fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.kv.fail = tc.fail
			err := r.m.Resync(ctx, tc.rooms, hotel.Actor{Source: hotel.SourcePMS})
			if tc.fail {
				if !errors.Is(err, errDisk) {
					t.Fatalf("err = %v, want the store's", err)
				}
			} else {
				wantField(t, err, http.StatusBadRequest, tc.field)
			}
			if after := snapshot(); !slices.EqualFunc(before, after, sameRoom) {
				t.Fatalf("a failed resync changed the rooms:\n%+v\n%+v", before, after)
			}
		})
	}
	batches := r.kv.batches
	err := r.m.Resync(ctx, map[string]hotel.Guest{
		"101": {Name: "Anna", Reservation: "R101"},
		"103": {Name: "Carl", Reservation: "R103"},
		"104": {Name: "Emil", Reservation: "E104"},
	}, hotel.Actor{Source: hotel.SourcePMS})
	if err != nil {
		t.Fatal(err)
	}
	if r.kv.batches != batches+1 {
		t.Errorf("the resync took %d batches, want 1", r.kv.batches-batches)
	}
	want := map[string]string{"101": "Anna", "102": "", "103": "Carl", "104": "Emil"}
	for n, name := range want {
		got, _ := r.m.Room(ctx, n)
		if (name == "") != (got.Occupancy == hotel.Vacant) || (got.Guest != nil && got.Guest.Name != name) {
			t.Errorf("room %s after resync: %+v, want guest %q", n, got, name)
		}
	}
	if n := len(r.m.Bills(ctx, "", 0)); n != 2 {
		t.Errorf("%d closed bills, want 2 (102 and 104's first guest)", n)
	}
	if r.pms.statuses() != 0 {
		t.Error("a resync from the PMS was echoed to it")
	}
}

func sameRoom(a, b hotel.Room) bool {
	ga, gb := "", ""
	if a.Guest != nil {
		ga = a.Guest.Name
	}
	if b.Guest != nil {
		gb = b.Guest.Name
	}
	return a.Number == b.Number && a.Occupancy == b.Occupancy && ga == gb && a.BillID == b.BillID && a.UpdatedAt.Equal(b.UpdatedAt)
}

func TestSetStatusAndPMSEcho(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.checkIn("101", "Anna")
	for _, tc := range []struct {
		name      string
		ch        hotel.StatusChange
		src       hotel.Source
		changes   int  // room_updated events
		toPMS     bool // a RoomStatus
		toPBX     bool // an ApplyRoom
		wantField string
	}{
		{name: "housekeeping from the console", ch: hotel.StatusChange{Housekeeping: ptr(hotel.Cleaning)}, src: hotel.SourceAPI, changes: 1, toPMS: true},
		{name: "the same again changes nothing", ch: hotel.StatusChange{Housekeeping: ptr(hotel.Cleaning)}, src: hotel.SourceAPI},
		{name: "DND from the PMS is not echoed", ch: hotel.StatusChange{DND: ptr(true)}, src: hotel.SourcePMS, changes: 1, toPBX: true},
		{name: "light and class from a phone", ch: hotel.StatusChange{MessageLight: ptr(true), Class: ptr(hotel.ClassLocal)}, src: hotel.SourcePhone, changes: 2, toPMS: true, toPBX: true},
		{name: "a bad state", ch: hotel.StatusChange{Housekeeping: ptr(hotel.Housekeeping("dusty"))}, src: hotel.SourceAPI, wantField: "housekeeping"},
		{name: "a bad class", ch: hotel.StatusChange{Class: ptr(hotel.Class("galactic"))}, src: hotel.SourceAPI, wantField: "class"},
		{name: "nothing asked", ch: hotel.StatusChange{}, src: hotel.SourceAPI, wantField: "housekeeping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, st, ap := len(r.hub.Of(hotel.EventRoomUpdated)), r.pms.statuses(), len(r.tel.applied)
			_, err := r.m.SetStatus(ctx, "101", tc.ch, hotel.Actor{Source: tc.src})
			if tc.wantField != "" {
				wantField(t, err, http.StatusBadRequest, tc.wantField)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(r.hub.Of(hotel.EventRoomUpdated)) - evs; got != tc.changes {
				t.Errorf("%d room_updated, want %d", got, tc.changes)
			}
			if got := r.pms.statuses() - st; got != map[bool]int{true: 1}[tc.toPMS] {
				t.Errorf("%d RoomStatus to the PMS, want toPMS=%v", got, tc.toPMS)
			}
			if got := len(r.tel.applied) - ap; got != map[bool]int{true: 1}[tc.toPBX] {
				t.Errorf("%d ApplyRoom, want toPBX=%v", got, tc.toPBX)
			}
		})
	}
	// Only what changed is told to the PMS.
	last := r.pms.status[len(r.pms.status)-1]
	if last.Housekeeping != nil || last.DND != nil || last.MessageLight == nil || last.Class == nil {
		t.Errorf("last RoomStatus %+v, want the light and the class only", last)
	}
	if _, err := r.m.SetStatus(ctx, "999", hotel.StatusChange{DND: ptr(true)}, api); !errors.Is(err, hotel.ErrNotFound) {
		t.Errorf("a missing room: %v", err)
	}
}

func TestEventsAudience(t *testing.T) {
	r := newRig(t)
	r.room("101")
	evs := r.hub.Of(hotel.EventRoomUpdated)
	if len(evs) != 1 || evs[0].Topic != hotel.Topic {
		t.Fatalf("events %+v", evs)
	}
	aud := evs[0].Audience
	for _, tc := range []struct {
		name string
		p    platform.Principal
		want bool
	}{
		{name: "admin", p: platform.Principal{Kind: platform.KindSession, UserID: "a", Role: platform.RoleAdmin}, want: true},
		{name: "hotel_admin user", p: platform.Principal{Kind: platform.KindSession, UserID: "h", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityHotelAdmin}}, want: true},
		{name: "admin token", p: platform.Principal{Kind: platform.KindAdminToken}, want: true},
		{name: "app for itself", p: platform.Principal{Kind: platform.KindApp, AppID: "pms", Granted: []platform.Scope{platform.ScopeHotel}}, want: true},
		{name: "plain user", p: platform.Principal{Kind: platform.KindSession, UserID: "u", Role: platform.RoleUser}},
		{name: "supervisor", p: platform.Principal{Kind: platform.KindSession, UserID: "s", Role: platform.RoleSupervisor}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := aud.Match(tc.p); got != tc.want {
				t.Errorf("audience matches %s: %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}
