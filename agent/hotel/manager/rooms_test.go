package manager

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// wantField checks that err is an APIError of status naming field.
func wantField(t *testing.T, err error, status int, field string) {
	t.Helper()
	var ae *platform.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError naming %s", err, field)
	}
	if ae.Status != status || len(ae.Details) == 0 || ae.Details[0].Field != field {
		t.Fatalf("err = %d %v, want %d naming %s", ae.Status, ae.Details, status, field)
	}
}

func TestPutRoomValidation(t *testing.T) {
	r := newRig(t)
	r.room("101")
	if _, err := r.m.PutGroup(context.Background(), hotel.RoomGroup{ID: "east", Class: hotel.ClassLocal}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		room   hotel.Room
		status int
		field  string
	}{
		{name: "empty number", room: hotel.Room{}, status: 400, field: "number"},
		{name: "lower case", room: hotel.Room{Number: "10a"}, status: 400, field: "number"},
		{name: "nine characters", room: hotel.Room{Number: "123456789"}, status: 400, field: "number"},
		{name: "letters need extensions", room: hotel.Room{Number: "A1"}, status: 400, field: "extensions"},
		{name: "bad extension", room: hotel.Room{Number: "102", Extensions: []string{"10x"}}, status: 400, field: "extensions[0]"},
		{name: "twice", room: hotel.Room{Number: "102", Extensions: []string{"102", "102"}}, status: 400, field: "extensions[1]"},
		{name: "bad device", room: hotel.Room{Number: "102", Devices: []string{"102"}}, status: 400, field: "devices[0]"},
		{name: "bad class", room: hotel.Room{Number: "102", Class: "galactic"}, status: 400, field: "class"},
		{name: "no such group", room: hotel.Room{Number: "102", Group: "west"}, status: 400, field: "group"},
		{name: "another room's extension", room: hotel.Room{Number: "102", Extensions: []string{"102", "101"}}, status: 409, field: "extensions[1]"},
		{name: "another room's device", room: hotel.Room{Number: "102", Devices: []string{"PJSIP/101"}}, status: 409, field: "devices[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.m.PutRoom(context.Background(), tc.room)
			wantField(t, err, tc.status, tc.field)
		})
	}
	got := r.room("A1", func(x *hotel.Room) { x.Extensions = []string{"201"}; x.Group = "east" })
	if got.Occupancy != hotel.Vacant || got.Housekeeping != hotel.Clean || got.EffectiveClass != hotel.ClassInternal {
		t.Fatalf("new room = %+v, want vacant, clean, internal", got)
	}
	if n := len(r.m.Rooms(context.Background())); n != 2 {
		t.Fatalf("%d rooms, want 2", n)
	}
}

func TestDeleteRoomAndGroup(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.m.PutGroup(ctx, hotel.RoomGroup{ID: "east", Class: hotel.ClassLocal}); err != nil {
		t.Fatal(err)
	}
	r.room("101", func(x *hotel.Room) { x.Group = "east" })
	r.checkIn("101", "Anna Rossi")
	wantField(t, r.m.DeleteRoom(ctx, "101"), http.StatusConflict, "number")
	wantField(t, r.m.DeleteGroup(ctx, "east"), http.StatusConflict, "id")
	if err := r.m.DeleteRoom(ctx, "999"); !errors.Is(err, hotel.ErrNotFound) {
		t.Fatalf("delete a missing room: %v", err)
	}
	if _, _, err := r.m.CheckOut(ctx, "101", api); err != nil {
		t.Fatal(err)
	}
	if err := r.m.DeleteRoom(ctx, "101"); err != nil {
		t.Fatal(err)
	}
	if err := r.m.DeleteGroup(ctx, "east"); err != nil {
		t.Fatal(err)
	}
	if len(r.hub.Of(hotel.EventRoomDeleted)) != 1 {
		t.Fatal("no room_deleted event")
	}
	// The room's extension and device are free again.
	r.room("102", func(x *hotel.Room) { x.Extensions = []string{"101"}; x.Devices = []string{"PJSIP/101"} })
}

func TestGroupClassAppliesToItsRooms(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.m.PutGroup(ctx, hotel.RoomGroup{ID: "east", Class: hotel.ClassLocal}); err != nil {
		t.Fatal(err)
	}
	r.room("101", func(x *hotel.Room) { x.Group = "east" })
	r.room("102", func(x *hotel.Room) { x.Group = "east"; x.Class = hotel.ClassNational })
	r.checkIn("101", "Anna")
	r.checkIn("102", "Bob")
	if _, err := r.m.PutGroup(ctx, hotel.RoomGroup{ID: "east", Class: hotel.ClassInternational}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		room string
		want hotel.Class
	}{{room: "101", want: hotel.ClassInternational}, {room: "102", want: hotel.ClassNational}} {
		got, _ := r.m.Room(ctx, tc.room)
		if got.EffectiveClass != tc.want {
			t.Errorf("room %s: effective class %s, want %s", tc.room, got.EffectiveClass, tc.want)
		}
	}
	if a, _ := r.tel.last("101"); a.room.EffectiveClass != hotel.ClassInternational {
		t.Errorf("the PBX was last told %s for 101, want international", a.room.EffectiveClass)
	}
}
