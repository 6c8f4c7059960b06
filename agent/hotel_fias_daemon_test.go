package agent

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/testlab/pmssim"
)

// TestHotelFIASThroughDaemon: a daemon with hotel.fias.addr links to the
// PMS simulator; reception watches the pms_link event and GET
// /api/v1/hotel/link; the PMS checks a guest in (the room's calls show
// her name and pass the gate), a change at the PBX goes to the PMS as
// RE, and the PMS checks her out.
func TestHotelFIASThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sim, err := pmssim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	d, base := testDaemon(t, func(c *config.Config) {
		c.Hotel.FIAS.Addr = sim.Addr()
		c.Hotel.FIAS.ResyncOnStart = true
	})
	adm := client{t, base, "test-admin-token"}
	if code, b := adm.do("PUT", "/api/v1/hotel/rooms/101", "application/json", []byte(`{"devices":["PJSIP/101"]}`)); code != 200 {
		t.Fatalf("add room: %d %s", code, b)
	}
	desk := signIn(t, base, "desk", []string{"hotel_admin"}, nil)
	if err := sim.WaitLinked(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := sim.Wait(ctx, func() bool { return len(sim.Received("DR")) == 1 }); err != nil {
		t.Fatalf("no DR after the link start: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, b := desk.do("GET", "/api/v1/hotel/link", "")
		if code == 200 && b["connected"] == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /api/v1/hotel/link: %d %v, want connected", code, b)
		}
		<-time.After(5 * time.Millisecond)
	}
	evs := desk.events(ctx, "hotel")

	if _, err := sim.CheckIn("101", pmssim.Guest{Name: "Anna Rossi", Reservation: "4821"}); err != nil {
		t.Fatal(err)
	}
	ev := nextTopicEvent(ctx, t, evs, "hotel", "room_updated", func(m map[string]any) bool { return m["change"] == "checkin" })
	if ev["number"] != "101" || ev["source"] != "pms" {
		t.Fatalf("room_updated %v", ev)
	}
	room := hotel.Origin{Endpoint: "PJSIP/101"}
	if dec := d.hotel.Gate(ctx, room, "00442071234567"); !dec.Allowed || dec.CallerName != "101 – Anna Rossi" {
		t.Fatalf("after GI: %+v", dec)
	}

	if code, b := desk.do("PATCH", "/api/v1/hotel/rooms/101/status", `{"dnd":true}`); code != 200 {
		t.Fatalf("DND: %d %v", code, b)
	}
	if err := sim.Wait(ctx, func() bool { return len(sim.Received("RE")) == 1 }); err != nil {
		t.Fatalf("no RE at the PMS: %v", err)
	}
	if re := sim.Received("RE")[0]; re.Fields["RN"] != "101" || re.Fields["DN"] != "Y" {
		t.Fatalf("RE = %q", re.Raw)
	}

	if _, err := sim.CheckOut("101"); err != nil {
		t.Fatal(err)
	}
	nextTopicEvent(ctx, t, evs, "hotel", "room_updated", func(m map[string]any) bool { return m["change"] == "checkout" })
	if dec := d.hotel.Gate(ctx, room, "00442071234567"); dec.Allowed {
		t.Fatalf("after GO: %+v", dec)
	}

	// The link goes down: pms_link tells reception.
	sim.Drop()
	nextTopicEvent(ctx, t, evs, "hotel", "pms_link", func(m map[string]any) bool { return m["connected"] == false })
}
