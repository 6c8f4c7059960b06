package agent

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// nextTopicEvent reads the socket until an event of topic and type typ
// for which match holds, and returns its data.
func nextTopicEvent(ctx context.Context, t *testing.T, c *websocket.Conn, topic, typ string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for {
		m := readFrame(ctx, t, c)
		if m["op"] != "event" || m["topic"] != topic || m["type"] != typ {
			continue
		}
		data, _ := m["data"].(map[string]any)
		if match == nil || match(data) {
			return data
		}
	}
}

// TestCallGroupCallThroughDaemon: an administrator creates group sales
// with ana (two desk phones) as its member; a trunk caller enters with
// Stasis(pbxagent-calls,group,sales), waits in the group's holding
// bridge, ana's phones ring showing the group and the caller, she picks
// one up and is bridged with the caller: her call (group_id sales) and
// the group's active call name each other. A second caller hangs up while
// waiting: abandoned.
func TestCallGroupCallThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"),
		fakeari.WithPeer("PJSIP/701", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/702", fakeari.Desk{Manual: true}),
		fakeari.WithDialplanLabels("from-trunk", map[string]int{"fallback": 3}))
	// Ana's phones are registered (presence reads the endpoints' states
	// when the daemon connects): she may be offered calls.
	srv.SetEndpointState("PJSIP/701", "online")
	srv.SetEndpointState("PJSIP/702", "online")
	d, base := testDaemon(t, func(c *config.Config) { c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret" })
	ana := signIn(t, base, "ana", nil, []string{"PJSIP/701", "PJSIP/702"})
	code, me := ana.do("GET", "/api/v1/users/me", "")
	if code != 200 {
		t.Fatalf("me: %d", code)
	}
	anaID := me["id"].(string)
	g := callgroups.NewGroup()
	g.ID, g.Name, g.Members = "sales", "Sales", []callgroups.Member{{UserID: anaID}}
	if _, err := d.callgroups.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	ws := ana.events(ctx, "calls,callgroups")
	if err := srv.AwaitApp(ctx, "pbxagent-calls"); err != nil {
		t.Fatal(err)
	}
	enter := func(number, name string) string {
		id, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: number, CallerName: name,
			Context: "from-trunk", Exten: "600", Args: []string{"group", "sales"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	caller := enter("+41445551234", "Contoso AG")
	created := nextTopicEvent(ctx, t, ws, "calls", "call_created", nil)
	callID, _ := created["id"].(string)
	if created["group_id"] != "sales" || created["user_id"] != anaID || created["from"] != "+41445551234" || created["direction"] != "inbound" {
		t.Fatalf("ana's call %v", created)
	}
	if s, err := srv.AwaitChannel(ctx, caller, func(s fakeari.ChannelSnapshot) bool { return s.Bridge == "pbxgroup-sales" }); err != nil || !s.BridgeMOH {
		t.Fatalf("the caller waiting: %+v %v (want it in the holding bridge with music)", s, err)
	}
	var legs []string
	for _, leg := range []string{callID + "-u1", callID + "-u2"} {
		s, err := srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" })
		if err != nil {
			t.Fatalf("leg %s never rang: %v", leg, err)
		}
		if s.Caller.Name != "[Sales] Contoso AG" {
			t.Errorf("leg %s shows %+v", leg, s.Caller)
		}
		legs = append(legs, leg)
	}
	if err := srv.PickUp(legs[1]); err != nil {
		t.Fatal(err)
	}
	nextTopicEvent(ctx, t, ws, "calls", "call_answered", func(d map[string]any) bool { return d["id"] == callID })
	answered := nextTopicEvent(ctx, t, ws, "callgroups", callgroups.EventCallAnswered, nil)
	if answered["call_id"] != callID || answered["user_id"] != anaID {
		t.Errorf("callgroup_call_answered %v, want ana's call %s", answered, callID)
	}
	if s, err := srv.AwaitChannel(ctx, legs[0], func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil || s.Cause != 26 {
		t.Errorf("the other phone: %+v %v, want hung up with cause 26", s, err)
	}
	cs, _ := srv.Channel(caller)
	ls, _ := srv.Channel(legs[1])
	if cs.Bridge == "" || cs.Bridge != ls.Bridge {
		t.Fatalf("not bridged: caller %+v, phone %+v", cs, ls)
	}
	if act := d.callgroups.Active(ctx, "sales"); len(act) != 1 || act[0].CallID != callID {
		t.Errorf("active calls %+v", act)
	}

	second := enter("+41445559999", "")
	if _, err := srv.AwaitChannel(ctx, second, func(s fakeari.ChannelSnapshot) bool { return s.Bridge == "pbxgroup-sales" }); err != nil {
		t.Fatalf("the second caller never waited: %v", err)
	}
	srv.Hangup(second, 16)
	nextTopicEvent(ctx, t, ws, "callgroups", callgroups.EventCallAbandoned, func(d map[string]any) bool { return d["id"] == second })
	if w := d.callgroups.Waiting(ctx, "sales"); len(w) != 0 {
		t.Errorf("still waiting: %+v", w)
	}
	srv.Hangup(caller, 16)
	nextTopicEvent(ctx, t, ws, "callgroups", callgroups.EventCallCompleted, nil)
}
