package manager

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func TestClassify(t *testing.T) {
	st := hotel.DefaultSettings()
	st.Numbering.Rules = map[string]hotel.Class{"0800": hotel.ClassLocal, "00417": hotel.ClassNational}
	for _, tc := range []struct {
		number string
		want   hotel.Class
	}{
		{number: "112", want: hotel.ClassEmergency},
		{number: "911", want: hotel.ClassEmergency},
		{number: "101", want: hotel.ClassInternal},
		{number: "4321", want: hotel.ClassInternal},
		{number: "*41", want: hotel.ClassInternal},
		{number: "55512", want: hotel.ClassLocal},
		{number: "0612345678", want: hotel.ClassNational},
		{number: "00442071234567", want: hotel.ClassInternational},
		{number: "+41 44 123 45 67", want: hotel.ClassInternational},
		{number: "0800123456", want: hotel.ClassLocal},
		{number: "0041791234567", want: hotel.ClassNational},
		{number: "", want: hotel.ClassInternal},
	} {
		t.Run(tc.number, func(t *testing.T) {
			if got := Classify(st, tc.number); got != tc.want {
				t.Errorf("Classify(%q) = %s, want %s", tc.number, got, tc.want)
			}
		})
	}
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.m.PutGroup(ctx, hotel.RoomGroup{ID: "budget", Class: hotel.ClassLocal}); err != nil {
		t.Fatal(err)
	}
	r.room("101")
	r.room("102", func(x *hotel.Room) { x.Group = "budget" })
	r.room("103", func(x *hotel.Room) {
		x.Class = hotel.ClassNational
		x.Extensions = []string{"103", "1031"}
		x.Devices = []string{"PJSIP/r103-a"}
	})
	r.room("104")
	r.checkIn("101", "Anna Rossi")
	r.checkIn("102", "Bob")
	r.checkIn("103", "Carl")
	dev := func(d string) hotel.Origin { return hotel.Origin{Endpoint: d} }
	ext := func(e string) hotel.Origin { return hotel.Origin{Endpoint: "PJSIP/unknown", Extension: e} }
	for _, tc := range []struct {
		name    string
		from    hotel.Origin
		number  string
		allowed bool
		reason  string
		room    string
		caller  string
	}{
		{name: "not a room", from: dev("PJSIP/office"), number: "0044207", allowed: true},
		{name: "vacant: internal", from: dev("PJSIP/104"), number: "101", allowed: true, room: "104", caller: "104"},
		{name: "vacant: local barred", from: dev("PJSIP/104"), number: "55512", reason: "vacant", room: "104", caller: "104"},
		{name: "vacant: emergency", from: dev("PJSIP/104"), number: "112", allowed: true, room: "104", caller: "104"},
		{name: "occupied default: international", from: dev("PJSIP/101"), number: "0044207", allowed: true, room: "101", caller: "101 – Anna Rossi"},
		{name: "group class local: national barred", from: dev("PJSIP/102"), number: "0612345", reason: "class", room: "102", caller: "102 – Bob"},
		{name: "group class local: local", from: dev("PJSIP/102"), number: "55512", allowed: true, room: "102", caller: "102 – Bob"},
		{name: "group class: emergency", from: dev("PJSIP/102"), number: "999", allowed: true, room: "102", caller: "102 – Bob"},
		{name: "room class national by second extension", from: ext("1031"), number: "0044207", reason: "class", room: "103", caller: "103 – Carl"},
		{name: "room class national by device", from: dev("PJSIP/r103-a"), number: "0612345", allowed: true, room: "103", caller: "103 – Carl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := r.m.Gate(ctx, tc.from, tc.number)
			if d.Allowed != tc.allowed || d.Reason != tc.reason || d.Room != tc.room || d.CallerName != tc.caller {
				t.Errorf("Gate = %+v, want allowed %v reason %q room %q caller %q", d, tc.allowed, tc.reason, tc.room, tc.caller)
			}
			name, ok := r.m.CallerName(ctx, tc.from)
			if ok != (tc.room != "") || name != tc.caller {
				t.Errorf("CallerName = %q %v, want %q", name, ok, tc.caller)
			}
			room, name, ok := r.m.RoomOf(ctx, tc.from)
			if ok != (tc.room != "") || room.Number != tc.room || name != tc.caller {
				t.Errorf("RoomOf = %q %q %v, want %q %q", room.Number, name, ok, tc.room, tc.caller)
			}
		})
	}
	// After check-out the room is barred again.
	if _, _, err := r.m.CheckOut(ctx, "101", api); err != nil {
		t.Fatal(err)
	}
	if d := r.m.Gate(ctx, dev("PJSIP/101"), "0044207"); d.Allowed || d.Reason != "vacant" || d.CallerName != "101" {
		t.Errorf("after check-out: %+v", d)
	}
}

func TestFeatureCodes(t *testing.T) {
	ctx := context.Background()
	r := newRig(t) // t0 is 19:00 in Rome
	r.room("101")
	r.checkIn("101", "Anna")
	from := hotel.Origin{Endpoint: "PJSIP/101"}
	for _, tc := range []struct {
		name  string
		f     hotel.Feature
		dig   string
		hk    hotel.Housekeeping
		field string
	}{
		{name: "make-up requested", f: hotel.FeatureMakeUpRequested, hk: hotel.MakeUpRequested},
		{name: "made up", f: hotel.FeatureMakeUpDone, hk: hotel.Clean},
		{name: "inspected", f: hotel.FeatureInspected, hk: hotel.Inspected},
		{name: "wake-up with a bad time", f: hotel.FeatureWakeUp, dig: "2460", hk: hotel.Inspected, field: "digits"},
		{name: "wake-up with three digits", f: hotel.FeatureWakeUp, dig: "700", hk: hotel.Inspected, field: "digits"},
		{name: "unknown feature", f: "sauna", hk: hotel.Inspected, field: "feature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := r.m.Feature(ctx, from, tc.f, tc.dig)
			if tc.field != "" {
				wantField(t, err, http.StatusBadRequest, tc.field)
			} else if err != nil {
				t.Fatal(err)
			}
			if got, _ := r.m.Room(ctx, "101"); got.Housekeeping != tc.hk {
				t.Errorf("housekeeping %s, want %s", got.Housekeeping, tc.hk)
			}
		})
	}
	if last := r.hub.Of(hotel.EventRoomUpdated); last[len(last)-1].Data.(hotel.RoomEvent).Source != hotel.SourcePhone {
		t.Error("a feature code's change is not from the phone")
	}
	loc := rome(t)
	for _, tc := range []struct {
		digits string
		want   time.Time
	}{
		{digits: "0700", want: time.Date(2026, 12, 8, 7, 0, 0, 0, loc)},   // tomorrow
		{digits: "2230", want: time.Date(2026, 12, 7, 22, 30, 0, 0, loc)}, // later today
		{digits: "1900", want: time.Date(2026, 12, 8, 19, 0, 0, 0, loc)},  // now: tomorrow
	} {
		if err := r.m.Feature(ctx, from, hotel.FeatureWakeUp, tc.digits); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, w := range r.m.WakeUps(ctx, "101") {
			found = found || (w.At.Equal(tc.want) && w.Source == hotel.SourcePhone)
		}
		if !found {
			t.Errorf("no wake-up at %s for %s: %+v", tc.want, tc.digits, r.m.WakeUps(ctx, "101"))
		}
	}
	if err := r.m.Feature(ctx, from, hotel.FeatureWakeUpCancel, ""); err != nil {
		t.Fatal(err)
	}
	for _, w := range r.m.WakeUps(ctx, "101") {
		if w.Status.Live() {
			t.Errorf("wake-up %s still live after the cancel code", w.ID)
		}
	}
	wantField(t, r.m.Feature(ctx, hotel.Origin{Endpoint: "PJSIP/lobby"}, hotel.FeatureMakeUpRequested, ""), http.StatusBadRequest, "origin")
}
