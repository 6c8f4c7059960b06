package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestHotelRoomCallsThroughDaemon: room 101's phone (PJSIP/601, no user)
// dials an international number through the dialplan
// (Stasis(pbxagent-calls,outbound,…)). While vacant the call is barred:
// the phone hears hotel.barred_sound and is hung up (cause 21), nothing
// is dialled. Checked in through the API, the same call is dialled on
// the trunk of ari.calls_dial with "101 – Anna Rossi" as the caller name,
// answered, hung up, and costed on the room's bill; the room's state is
// on Asterisk (offline classes, message light), and again after Asterisk
// restarts.
func TestHotelRoomCallsThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, base := callsDaemon(t, func(c *config.Config) { c.ARI.CallsDial = "PJSIP/{to}@trunk1" },
		fakeari.WithPeer("PJSIP/601", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/0044207", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 100 * time.Millisecond}),
		fakeari.WithMediaDuration(func(string) (time.Duration, bool) { return 50 * time.Millisecond, true }),
		fakeari.WithDialplanLabels("from-internal", map[string]int{"fallback": 2, "noanswer": 3}))
	adm := client{t, base, "test-admin-token"}
	if err := srv.AwaitApp(ctx, "pbxagent-calls"); err != nil {
		t.Fatal(err)
	}
	must := func(what string, want int, method, path, body string) []byte {
		t.Helper()
		code, b := adm.do(method, path, "application/json", []byte(body))
		if code != want {
			t.Fatalf("%s: %d %s", what, code, b)
		}
		return b
	}
	must("room", http.StatusOK, "PUT", "/api/v1/hotel/rooms/101", `{"number":"101","extensions":["101"],"devices":["PJSIP/601"]}`)
	must("rates", http.StatusOK, "PUT", "/api/v1/hotel/rates",
		`{"tables":[{"id":"default","currency":"EUR","rates":[{"prefix":"0044","name":"United Kingdom","per_minute":0.6,"increment":60}]}]}`)

	dial := func() string {
		t.Helper()
		id, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "101", Context: "from-internal",
			Exten: "0044207", Endpoint: "PJSIP/601", Args: []string{"outbound", "0044207"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	// Vacant: barred.
	phone := dial()
	s, err := srv.AwaitChannel(ctx, phone, func(s fakeari.ChannelSnapshot) bool { return s.Destroyed })
	if err != nil || s.Cause != ari.CauseCallRejected {
		t.Fatalf("a vacant room's call: %+v %v, want hung up with cause 21", s, err)
	}
	for _, c := range srv.Channels() {
		if c.Endpoint != "PJSIP/601" {
			t.Errorf("a barred call dialled %s", c.Endpoint)
		}
	}

	// Checked in: dialled, named, costed.
	must("check in", http.StatusOK, "POST", "/api/v1/hotel/rooms/101/checkin", `{"name":"Anna Rossi","language":"it"}`)
	phone = dial()
	var far fakeari.ChannelSnapshot
	eventually(t, "the number is dialled, answered and bridged", func() bool {
		for _, c := range srv.Channels() {
			if c.Endpoint == "PJSIP/0044207@trunk1" && c.State == ari.StateUp && c.Bridge != "" {
				far = c
				return true
			}
		}
		return false
	})
	if far.Caller.Name != "101 – Anna Rossi" || far.Caller.Number != "101" {
		t.Errorf("the far end sees %+v", far.Caller)
	}
	srv.Hangup(far.ID, ari.CauseNormalClearing)
	if _, err := srv.AwaitChannel(ctx, phone, func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil {
		t.Fatal(err)
	}
	var bill hotel.Bill
	eventually(t, "the call is on the bill", func() bool {
		code, b := adm.do("GET", "/api/v1/hotel/rooms/101/bill", "", nil)
		return code == http.StatusOK && json.Unmarshal(b, &bill) == nil && len(bill.Lines) == 1
	})
	l := bill.Lines[0]
	if l.Number != "0044207" || l.Room != "101" || l.Class != hotel.ClassInternational || l.Trunk != "trunk1" ||
		l.Answered == nil || l.Prefix != "0044" || l.Currency != "EUR" {
		t.Errorf("bill line %+v", l)
	}

	// The room's state on Asterisk: occupied, offline classes the
	// default's (internal, local), no message light.
	eventually(t, "the room's state is on Asterisk", func() bool {
		v, _ := srv.Global("PBXAGENT_HOTEL_101")
		m, ok := srv.Mailbox("101@pbxagent")
		return v == "internal,local" && ok && m.NewMessages == 0
	})
	// Asterisk restarts: its global variables are gone; pbxagent
	// reconnects and writes every room's again.
	srv.Restart("02:fa:ce:00:00:09")
	eventually(t, "the room's offline classes are written again after a restart", func() bool {
		v, _ := srv.Global("PBXAGENT_HOTEL_101")
		return v == "internal,local"
	})
}

// TestHotelRoomPhoneThroughDaemon: an occupied room 101 (PJSIP/601) and
// a user, ana (555, PJSIP/701). The room dials the emergency number while
// vacant: dialled. Checked in, it keys *44 0730: a wake-up is set from
// the phone. It calls ana: her phone shows "101 – Anna Rossi". Ana
// calls 101: the room's phone rings; with the room in DND it does not,
// and the caller goes back to the dialplan with PBXAGENT_STATUS=DND.
func TestHotelRoomPhoneThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, base := callsDaemon(t, nil,
		fakeari.WithPeer("PJSIP/601", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/701", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/112", fakeari.Fixed{Outcome: fakeari.Wait}),
		fakeari.WithMediaDuration(func(string) (time.Duration, bool) { return 50 * time.Millisecond, true }),
		fakeari.WithDialplanLabels("from-internal", map[string]int{"fallback": 2, "noanswer": 3}))
	adm := client{t, base, "test-admin-token"}
	if err := srv.AwaitApp(ctx, "pbxagent-calls"); err != nil {
		t.Fatal(err)
	}
	must := func(what string, want int, method, path, body string) []byte {
		t.Helper()
		code, b := adm.do(method, path, "application/json", []byte(body))
		if code != want {
			t.Fatalf("%s: %d %s", what, code, b)
		}
		return b
	}
	must("room", http.StatusOK, "PUT", "/api/v1/hotel/rooms/101", `{"number":"101","extensions":["101"],"devices":["PJSIP/601"]}`)
	must("ana", http.StatusCreated, "POST", "/api/v1/users",
		`{"username":"ana","display_name":"Ana Anić","role":"user","password":"correct horse battery","extensions":["555"],"devices":{"endpoints":["PJSIP/701"]}}`)
	place := func(ep, caller, kind, to string) string {
		t.Helper()
		id, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: caller, Context: "from-internal",
			Exten: to, Endpoint: ep, Args: []string{kind, to}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ringing := func(endpoint string) fakeari.ChannelSnapshot {
		t.Helper()
		var got fakeari.ChannelSnapshot
		eventually(t, endpoint+" rings", func() bool {
			for _, c := range srv.Channels() {
				if c.Endpoint == endpoint && !c.Destroyed && c.State == ari.StateRinging {
					got = c
					return true
				}
			}
			return false
		})
		return got
	}

	// Vacant: the emergency number is dialled all the same.
	phone := place("PJSIP/601", "101", "outbound", "112")
	if far := ringing("PJSIP/112"); far.Caller.Name != "101" {
		t.Errorf("the emergency call shows %+v", far.Caller)
	}
	srv.Hangup(phone, ari.CauseNormalClearing)

	must("check in", http.StatusOK, "POST", "/api/v1/hotel/rooms/101/checkin", `{"name":"Anna Rossi"}`)

	// *44 0730: a wake-up from the phone.
	phone = place("PJSIP/601", "101", "feature", "*44")
	if _, err := srv.AwaitChannel(ctx, phone, func(s fakeari.ChannelSnapshot) bool { return s.State == ari.StateUp }); err != nil {
		t.Fatal(err)
	}
	if err := srv.PressDTMF(phone, "0730", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AwaitChannel(ctx, phone, func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil {
		t.Fatal(err)
	}
	var ws struct {
		WakeUps []hotel.WakeUp `json:"wakeups"`
	}
	if err := json.Unmarshal(must("wake-ups", http.StatusOK, "GET", "/api/v1/hotel/wakeups?room=101", ""), &ws); err != nil {
		t.Fatal(err)
	}
	if len(ws.WakeUps) != 1 || ws.WakeUps[0].Source != hotel.SourcePhone || ws.WakeUps[0].Status != hotel.WakePending {
		t.Fatalf("wake-ups %+v", ws.WakeUps)
	}
	loc := ws.WakeUps[0].At.In(time.Local)
	if loc.Hour() != 7 || loc.Minute() != 30 {
		t.Errorf("wake-up at %v, want 07:30 in the hotel's zone", ws.WakeUps[0].At)
	}

	// The room calls ana: her phone shows the room's name.
	phone = place("PJSIP/601", "101", "internal", "555")
	if leg := ringing("PJSIP/701"); leg.Caller.Name != "101 – Anna Rossi" {
		t.Errorf("ana's phone shows %+v", leg.Caller)
	}
	srv.Hangup(phone, ari.CauseNormalClearing)

	// Ana calls the room: it rings; in DND it does not.
	caller := place("PJSIP/701", "555", "internal", "101")
	ringing("PJSIP/601")
	srv.Hangup(caller, ari.CauseNormalClearing)
	must("dnd", http.StatusOK, "PATCH", "/api/v1/hotel/rooms/101/status", `{"dnd":true}`)
	caller = place("PJSIP/701", "555", "internal", "101")
	s, err := srv.AwaitChannel(ctx, caller, func(s fakeari.ChannelSnapshot) bool { return !s.InStasis || s.Destroyed })
	if err != nil || s.Label != "noanswer" || s.Variables["PBXAGENT_STATUS"] != "DND" {
		t.Errorf("a call to a room in DND: %+v %v", s, err)
	}
}
