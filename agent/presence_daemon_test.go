package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// nextPresence reads the socket's presence_updated events until one
// matches.
func nextPresence(ctx context.Context, t *testing.T, c *websocket.Conn, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for {
		m := readFrame(ctx, t, c)
		if m["op"] != "event" || m["topic"] != "presence" || m["type"] != "presence_updated" {
			continue
		}
		data, _ := m["data"].(map[string]any)
		if match(data) {
			return data
		}
	}
}

func fieldOfBody(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	if len(ds) == 0 {
		return ""
	}
	d, _ := ds[0].(map[string]any)
	f, _ := d["field"].(string)
	return f
}

// TestPresenceThroughDaemon: ana (extension 555) sets DND; bob, whose
// roster holds her, gets presence_updated on the events socket, cid does
// not; the PBX lights Stasis:dnd-555 and sets her presence state; a call
// to 555 is handed back to the dialplan with PBXAGENT_STATUS=DND without
// ringing; bob may not change her state, cid with change_presence may.
func TestPresenceThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, ana, _, _ := inboundDaemon(t, ctx, nil)
	bob := signIn(t, ana.base, "bob", nil, nil)
	cid := signIn(t, ana.base, "cid", []string{"change_presence"}, nil)
	idOf := func(p person) string {
		code, me := p.do("GET", "/api/v1/users/me", "")
		if code != 200 {
			t.Fatalf("me: %d", code)
		}
		return me["id"].(string)
	}
	anaID, cidID := idOf(ana), idOf(cid)
	if code, b := bob.do("PUT", "/api/v1/users/me/roster", `{"users":["`+anaID+`"]}`); code != 200 {
		t.Fatalf("roster: %d %v", code, b)
	}
	if code, b := bob.do("PUT", "/api/v1/users/me/roster", `{"users":["nobody"]}`); code != 400 || fieldOfBody(b) != "users[0]" {
		t.Errorf("bad roster: %d %v", code, b)
	}
	bws := bob.events(ctx, "presence")
	cws := cid.events(ctx, "presence")

	if code, b := ana.do("PUT", "/api/v1/users/me/presence", `{"state":"busy"}`); code != 400 || fieldOfBody(b) != "state" {
		t.Errorf("bad state: %d %v", code, b)
	}
	if code, b := ana.do("PUT", "/api/v1/users/me/presence", `{"state":"dnd","message":"Board meeting"}`); code != 200 || b["state"] != "dnd" {
		t.Fatalf("set DND: %d %v", code, b)
	}
	got := nextPresence(ctx, t, bws, func(d map[string]any) bool { return d["user_id"] == anaID && d["state"] == "dnd" })
	if got["message"] != "Board meeting" || got["online"] != true {
		t.Errorf("bob got %v", got)
	}

	// The PBX honours it.
	if l, _ := srv.DeviceState("Stasis:dnd-555"); l != "BUSY" {
		t.Errorf("BLF lamp %q", l)
	}
	if p, _ := srv.PresenceState("555"); !strings.HasPrefix(p, "dnd,,") {
		t.Errorf("presence state %q", p)
	}
	caller, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "+38761111222", Context: "from-trunk",
		Exten: "555", Args: []string{"inbound", "555"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := srv.AwaitChannel(ctx, caller, func(s fakeari.ChannelSnapshot) bool { return !s.InStasis || s.Destroyed })
	if err != nil || s.Variables["PBXAGENT_STATUS"] != "DND" || s.Label != "noanswer" {
		t.Errorf("call to ana in DND: %v %+v", err, s)
	}
	for _, c := range srv.Channels() {
		if c.Endpoint == "PJSIP/701" || c.Endpoint == "PJSIP/702" {
			t.Errorf("ana's phone rang: %+v", c)
		}
	}

	// Another user's state needs change_presence.
	if code, _ := bob.do("PUT", "/api/v1/users/"+anaID+"/presence", `{"state":"available"}`); code != 403 {
		t.Errorf("bob changed ana's state: %d", code)
	}
	if code, b := cid.do("PUT", "/api/v1/users/"+anaID+"/presence", `{"state":"available"}`); code != 200 {
		t.Fatalf("cid with change_presence: %d %v", code, b)
	}
	nextPresence(ctx, t, bws, func(d map[string]any) bool { return d["user_id"] == anaID && d["state"] == "available" })
	if l, _ := srv.DeviceState("Stasis:dnd-555"); l != "NOT_INUSE" {
		t.Errorf("BLF lamp after DND %q", l)
	}

	// Her call state follows her calls: ringing while a call rings her
	// phones, idle once it ended.
	caller, err = srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "+38761111222", Context: "from-trunk",
		Exten: "555", Args: []string{"inbound", "555"}})
	if err != nil {
		t.Fatal(err)
	}
	nextPresence(ctx, t, bws, func(d map[string]any) bool { return d["user_id"] == anaID && d["call"] == "ringing" })
	srv.Hangup(caller, 16)
	nextPresence(ctx, t, bws, func(d map[string]any) bool { return d["user_id"] == anaID && d["call"] == "idle" })

	// cid's roster is empty: the first presence event cid gets is about
	// cid.
	if code, _ := cid.do("PUT", "/api/v1/users/me/presence", `{"state":"away"}`); code != 200 {
		t.Fatal("cid away")
	}
	if first := nextPresence(ctx, t, cws, func(map[string]any) bool { return true }); first["user_id"] != cidID {
		t.Errorf("cid got an event about %v", first["user_id"])
	}

	// GET: bob sees ana online (her events socket), idle.
	code, b := bob.do("GET", "/api/v1/presence?users="+anaID+",me", "")
	items, _ := b["items"].([]any)
	if code != 200 || len(items) != 2 {
		t.Fatalf("GET presence: %d %v", code, b)
	}
	if a := items[0].(map[string]any); a["online"] != true || a["call"] != "idle" || a["state"] != "available" {
		t.Errorf("ana as bob sees her: %v", a)
	}
}
