package agent

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestClickToCallThroughDaemon places a call as a signed-in user through
// the whole daemon (users, sessions, the HTTP layer, the calls feature on
// the ARI connection) against the ARI stand-in: the user's desk
// auto-answers, the destination answers, both are bridged, and the API's
// hang-up clears everything.
func TestClickToCallThroughDaemon(t *testing.T) {
	srv, base := callsDaemon(t, nil,
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	as := cleo.do
	adm := client{t, base, "test-admin-token"}

	code, call := as("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := srv.AwaitChannel(ctx, id+"-far", func(s fakeari.ChannelSnapshot) bool { return s.Bridge != "" }); err != nil {
		t.Fatalf("the destination was never bridged: %v", err)
	}
	// The engine marks the call up right after the bridge takes the
	// destination: an eventual check, bounded.
	for {
		code, got := as("GET", "/api/v1/calls/"+id, "")
		if code == 200 && got["state"] == "up" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("call never up: %d %v", code, got)
		}
	}
	if code, got := adm.do("GET", "/api/v1/calls", "", nil); code != 200 || !strings.Contains(string(got), id) {
		t.Errorf("the admin does not list the call: %d %s", code, got)
	}
	if code, got := as("DELETE", "/api/v1/calls/"+id, ""); code != 200 || got["state"] != "ended" {
		t.Fatalf("hang up: %d %v", code, got)
	}
	for _, leg := range []string{id + "-u1", id + "-far"} {
		if s, _ := srv.Channel(leg); !s.Destroyed {
			t.Errorf("leg %s still up after the hang-up", leg)
		}
	}
	if b := srv.BridgeIDs(); len(b) != 0 {
		t.Errorf("bridges left: %v", b)
	}
}
