package agent

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// eventsUntil reads the calls events on c until one of type last and
// answers every event's type and data in order.
func eventsUntil(ctx context.Context, t *testing.T, c *websocket.Conn, last string) ([]string, []map[string]any) {
	t.Helper()
	var types []string
	var data []map[string]any
	for {
		m := readFrame(ctx, t, c)
		if m["op"] != "event" || m["topic"] != "calls" {
			continue
		}
		typ, _ := m["type"].(string)
		d, _ := m["data"].(map[string]any)
		types, data = append(types, typ), append(data, d)
		if typ == last {
			return types, data
		}
	}
}

// TestTransferThroughDaemon: an attended transfer through the whole
// daemon: the owner starts it, the recipient answers, the owner completes
// it; the transfer events (and the call's end with ended_by transfer)
// reach the owner's and a supervisor's events sockets, not another plain
// user's; the transfer is kept in the daemon's store while the
// transferred call lasts.
func TestTransferThroughDaemon(t *testing.T) {
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"),
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/102", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}),
		fakeari.WithPeer("PJSIP/400", fakeari.Desk{Manual: true}))
	d, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	bob := signIn(t, base, "bob", nil, []string{"PJSIP/102"})
	sam := signIn(t, base, "sam", []string{"manage_callcenter"}, nil)
	cleoWS, bobWS, samWS := cleo.events(ctx, "calls"), bob.events(ctx, "calls"), sam.events(ctx, "calls")

	code, call := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	awaitUp(ctx, t, cleo, id)
	if code, got := bob.do("POST", "/api/v1/calls/"+id+"/transfer", `{"to":"400","mode":"attended"}`); code != 404 {
		t.Errorf("another user's transfer: %d %v", code, got)
	}
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/transfer", `{"to":"400","mode":"sideways"}`); code != 400 {
		t.Errorf("bad mode: %d %v", code, got)
	}
	code, tr := cleo.do("POST", "/api/v1/calls/"+id+"/transfer", `{"to":"400","mode":"attended"}`)
	if code != http.StatusAccepted {
		t.Fatalf("transfer: %d %v", code, tr)
	}
	tid, _ := tr["id"].(string)
	if _, err := srv.AwaitChannel(ctx, tid+"-to", func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" }); err != nil {
		t.Fatalf("the recipient never rang: %v", err)
	}
	if err := srv.PickUp(tid + "-to"); err != nil {
		t.Fatal(err)
	}
	before, _ := eventsUntil(ctx, t, cleoWS, "transfer_answered")
	if code, got := bob.do("POST", "/api/v1/transfers/"+tid+"/complete", ""); code != 404 {
		t.Errorf("another user's complete: %d %v", code, got)
	}
	if code, got := cleo.do("POST", "/api/v1/transfers/"+tid+"/complete", ""); code != 200 || got["state"] != "completed" {
		t.Fatalf("complete: %d %v", code, got)
	}
	for _, tc := range []struct {
		who    string
		ws     *websocket.Conn
		before []string
	}{{who: "owner", ws: cleoWS, before: before}, {who: "supervisor", ws: samWS}} {
		types, data := eventsUntil(ctx, t, tc.ws, "call_ended")
		types = append(tc.before, types...)
		for _, want := range []string{"transfer_created", "transfer_answered", "transfer_completed"} {
			if !containsStr(types, want) {
				t.Errorf("%s got %v, want %s", tc.who, types, want)
			}
		}
		if end := data[len(data)-1]; end["id"] != id || end["ended_by"] != "transfer" {
			t.Errorf("%s: call_ended %v", tc.who, end)
		}
	}
	if _, err := srv.AwaitChannel(ctx, id+"-u1", func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil {
		t.Errorf("the user's leg is still up: %v", err)
	}
	far, _ := srv.Channel(id + "-far")
	rcpt, _ := srv.Channel(tid + "-to")
	if far.Bridge == "" || far.Bridge != rcpt.Bridge {
		t.Errorf("transferee in %q, recipient in %q", far.Bridge, rcpt.Bridge)
	}
	n := 0
	_ = d.Store().Meta("transfers").List(ctx, func(string, []byte) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d transfers stored while the transferred call lasts, want 1", n)
	}
	srv.Hangup(id+"-far", 16)
	if _, err := srv.AwaitChannel(ctx, tid+"-to", func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil {
		t.Errorf("the recipient is still up after the transferee hung up: %v", err)
	}

	// Bob's first call event is of his own call: none of cleo's reached him.
	code, own := bob.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("bob's place: %d %v", code, own)
	}
	for {
		m := readFrame(ctx, t, bobWS)
		if m["op"] != "event" {
			continue
		}
		if data, _ := m["data"].(map[string]any); data["id"] != own["id"] {
			t.Fatalf("bob got an event of another user's call or transfer: %v", m)
		}
		break
	}
}
