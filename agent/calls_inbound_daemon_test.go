package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// inboundDaemon is a daemon on the ARI stand-in with two desk phones
// answered by hand (PJSIP/701, PJSIP/702), the dialplan labels of
// docs/asterisk.md in from-trunk, a directory contact (Amra Hodžić,
// 061 111 222) and a user, ana, at extension 555 with both phones, signed
// in and listening to the calls topic.
func inboundDaemon(t *testing.T, ctx context.Context, mut func(*config.Config)) (*fakeari.Server, person, *websocket.Conn, client) {
	t.Helper()
	srv, base := callsDaemon(t, mut,
		fakeari.WithPeer("PJSIP/701", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/702", fakeari.Desk{Manual: true}),
		fakeari.WithDialplanLabels("from-trunk", map[string]int{"fallback": 2, "noanswer": 3}))
	adm := client{t, base, "test-admin-token"}
	if code, b := adm.do("POST", "/api/v1/contacts", "application/json",
		[]byte(`{"first_name":"Amra","last_name":"Hodžić","numbers":[{"type":"mobile","value":"061 111 222"}]}`)); code != http.StatusCreated {
		t.Fatalf("contact: %d %s", code, b)
	}
	body := `{"username":"ana","display_name":"Ana Anić","role":"user","password":"correct horse battery","extensions":["555"],"devices":{"endpoints":["PJSIP/701","PJSIP/702"]}}`
	if code, b := adm.do("POST", "/api/v1/users", "application/json", []byte(body)); code != http.StatusCreated {
		t.Fatalf("create ana: %d %s", code, b)
	}
	resp := post(t, base+"/api/v1/login", "application/json", `{"username":"ana","password":"correct horse battery"}`, nil)
	defer resp.Body.Close()
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	ana := person{t: t, base: base, cookies: resp.Cookies(), csrf: login.CSRF}
	ws := ana.events(ctx, "calls")
	if err := srv.AwaitApp(ctx, "pbxagent-calls"); err != nil {
		t.Fatal(err)
	}
	return srv, ana, ws, adm
}

// nextCallEvent reads the next call event of the socket.
func nextCallEvent(ctx context.Context, t *testing.T, c *websocket.Conn) (string, map[string]any) {
	t.Helper()
	for {
		m := readFrame(ctx, t, c)
		if m["op"] != "event" || m["topic"] != "calls" {
			continue
		}
		typ, _ := m["type"].(string)
		data, _ := m["data"].(map[string]any)
		return typ, data
	}
}

// TestInboundCallThroughDaemon: a trunk call to extension 555 enters
// Stasis(pbxagent-calls,inbound,555); the daemon finds ana, looks the
// caller up in the directory, rings both her phones without auto-answer
// and showing the caller's name; the one she picks up is bridged with
// the caller, the other stops with cause 26; she holds it through the
// API; the caller hangs up. Her events socket gets the call from
// call_created to call_ended.
func TestInboundCallThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, ana, ws, _ := inboundDaemon(t, ctx, nil)
	caller, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "+38761111222", Context: "from-trunk",
		Exten: "555", Args: []string{"inbound", "555"}})
	if err != nil {
		t.Fatal(err)
	}
	typ, c := nextCallEvent(ctx, t, ws)
	id, _ := c["id"].(string)
	if typ != "call_created" || c["direction"] != "inbound" || c["from"] != "+38761111222" || c["to"] != "555" || c["state"] != "ringing" {
		t.Fatalf("first event %s %v", typ, c)
	}
	types := []string{typ}
	for _, leg := range []string{id + "-u1", id + "-u2"} {
		s, err := srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" })
		if err != nil {
			t.Fatal(err)
		}
		if s.Caller.Name != "Amra Hodžić" || s.Variables["PJSIP_HEADER(add,Call-Info)"] != "" || s.Variables["PJSIP_HEADER(add,Alert-Info)"] != "" {
			t.Errorf("device leg %s: caller %+v, variables %v (want the directory's name, no auto-answer)", leg, s.Caller, s.Variables)
		}
	}
	if err := srv.PickUp(id + "-u2"); err != nil {
		t.Fatal(err)
	}
	for {
		typ, c = nextCallEvent(ctx, t, ws)
		types = append(types, typ)
		if typ == "call_answered" {
			break
		}
	}
	if c["from_name"] != "Amra Hodžić" || c["device"] != "PJSIP/702" || c["state"] != "up" {
		t.Errorf("answered %v", c)
	}
	if s, err := srv.AwaitChannel(ctx, id+"-u1", func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil || s.Cause != 26 {
		t.Errorf("the other phone: %+v %v, want hung up with cause 26", s, err)
	}
	if code, got := ana.do("POST", "/api/v1/calls/"+id+"/hold", ""); code != 200 || got["state"] != "held" {
		t.Fatalf("hold: %d %v", code, got)
	}
	if s, _ := srv.Channel(caller); !s.Hold || !s.MOH {
		t.Errorf("the caller is not held: %+v", s)
	}
	srv.Hangup(caller, 16)
	for typ != "call_ended" {
		typ, c = nextCallEvent(ctx, t, ws)
		types = append(types, typ)
	}
	if c["ended_by"] != "destination" || c["cause"] != float64(16) {
		t.Errorf("ended %v", c)
	}
	for _, want := range []string{"call_updated", "call_answered", "call_held"} {
		if !containsStr(types, want) {
			t.Errorf("events %v lack %s", types, want)
		}
	}
	if _, err := srv.AwaitChannel(ctx, id+"-u2", func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil {
		t.Error(err)
	}
}

// TestInboundBusyThroughDaemon: both phones refuse (busy); the caller goes
// on in the dialplan at the noanswer label with PBXAGENT_STATUS=BUSY,
// never hung up.
func TestInboundBusyThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, _, ws, _ := inboundDaemon(t, ctx, nil)
	caller, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "+38761999000", Context: "from-trunk",
		Exten: "555", Args: []string{"inbound", "555"}})
	if err != nil {
		t.Fatal(err)
	}
	_, c := nextCallEvent(ctx, t, ws)
	id, _ := c["id"].(string)
	for _, leg := range []string{id + "-u1", id + "-u2"} {
		if _, err := srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" }); err != nil {
			t.Fatal(err)
		}
		if err := srv.Reject(leg, 17); err != nil {
			t.Fatal(err)
		}
	}
	s, err := srv.AwaitChannel(ctx, caller, func(s fakeari.ChannelSnapshot) bool { return !s.InStasis || s.Destroyed })
	if err != nil || s.Destroyed || s.Label != "noanswer" || s.Variables["PBXAGENT_STATUS"] != "BUSY" {
		t.Fatalf("caller %+v %v: want it at noanswer with PBXAGENT_STATUS=BUSY", s, err)
	}
	for typ := ""; typ != "call_ended"; {
		typ, c = nextCallEvent(ctx, t, ws)
	}
	if c["cause"] != float64(17) || c["ended_by"] != "system" {
		t.Errorf("ended %v", c)
	}
}

// TestInboundAnswerThroughDaemon: an inbound call ringing on ana's phones
// is answered through her Yealink desk phone's CTI
// (POST /api/v1/calls/{id}/answer): the phone gets its answer key, picks
// up, and the call is up with the caller.
func TestInboundAnswerThroughDaemon(t *testing.T) {
	fake, withCTI := yealinkCTI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, ana, ws, adm := inboundDaemon(t, ctx, withCTI)
	code, b := adm.do("POST", "/api/v1/phones", "application/json", []byte(`{"mac":"0015654aa937","vendor":"yealink","owner":"ana"}`))
	if code != 201 {
		t.Fatalf("register the phone: %d %s", code, b)
	}
	if r, err := http.Get(ana.base + "/phonebook/yealink.xml?token=" + jsonField(t, b, "token")); err != nil || r.StatusCode != 200 {
		t.Fatalf("phone book fetch: %v %v", err, r)
	} else {
		r.Body.Close()
	}
	caller, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "+38761999000", Context: "from-trunk",
		Exten: "555", Args: []string{"inbound", "555"}})
	if err != nil {
		t.Fatal(err)
	}
	_, c := nextCallEvent(ctx, t, ws)
	id, _ := c["id"].(string)
	leg := id + "-u1"
	if _, err := srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" }); err != nil {
		t.Fatal(err)
	}
	if code, got := ana.do("POST", "/api/v1/calls/"+id+"/answer", ""); code != http.StatusAccepted || got["id"] != id {
		t.Fatalf("answer: %d %v", code, got)
	}
	if p := fake.Pressed(); !slices.Equal(p, []string{"OK"}) {
		t.Fatalf("the phone got %v, want its answer key OK", p)
	}
	if err := srv.PickUp(leg); err != nil {
		t.Fatal(err)
	}
	awaitUp(ctx, t, ana, id)
	if s, _ := srv.Channel(caller); s.State != "Up" || s.Bridge == "" {
		t.Errorf("the caller is not connected: %+v", s)
	}
}
