package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callhistory"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestCallHistoryThroughDaemon: a click-to-call through the whole daemon
// against the ARI stand-in, answered and hung up, is in its user's
// history with both parties named from the phone book, its answer, its
// cause and who ended it; another user does not see it; the CSV export
// holds it.
func TestCallHistoryThroughDaemon(t *testing.T) {
	srv, base := callsDaemon(t, nil,
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	adm := client{t, base, "test-admin-token"}
	for _, c := range []string{
		`{"company":"Muster AG","first_name":"Reception","numbers":[{"type":"work","value":"200"}]}`,
		`{"first_name":"Cleo","last_name":"Desk","numbers":[{"type":"work","value":"101"}]}`,
	} {
		if code, b := adm.do("POST", "/api/v1/contacts", "application/json", []byte(c)); code != http.StatusCreated {
			t.Fatalf("seed the directory: %d %s", code, b)
		}
	}
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	dora := signIn(t, base, "dora", nil, nil)

	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	var call struct{ ID string }
	call.ID, _ = placed["id"].(string)
	if code != http.StatusAccepted || call.ID == "" {
		t.Fatalf("place: %d %v", code, placed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := srv.AwaitChannel(ctx, call.ID+"-far", func(s fakeari.ChannelSnapshot) bool { return s.Bridge != "" }); err != nil {
		t.Fatalf("the destination was never bridged: %v", err)
	}
	for { // the engine marks the call up right after the bridge: bounded
		code, got := cleo.do("GET", "/api/v1/calls/"+call.ID, "")
		if code == 200 && got["state"] == "up" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("call never up: %d %v", code, got)
		}
	}
	if code, got := cleo.do("DELETE", "/api/v1/calls/"+call.ID, ""); code != 200 {
		t.Fatalf("hang up: %d %v", code, got)
	}

	// The record is written before call_ended goes out, so before the
	// hang-up answers; an eventual check all the same, bounded.
	var page callhistory.Page
	for {
		code, b := cleo.raw("GET", "/api/v1/calls/history")
		page = callhistory.Page{}
		if err := json.Unmarshal(b, &page); code != 200 || err != nil {
			t.Fatalf("history: %d %s", code, b)
		}
		if len(page.Calls) > 0 || ctx.Err() != nil {
			break
		}
	}
	if len(page.Calls) != 1 {
		t.Fatalf("history: %+v", page)
	}
	r := page.Calls[0]
	if r.ID != call.ID || r.Direction != "outbound" || r.From != "101" || r.FromName != "Cleo Desk" || r.To != "200" ||
		r.ToName != "Reception" {
		t.Errorf("record %+v", r)
	}
	if r.AnsweredAt == nil || r.EndedAt.Before(*r.AnsweredAt) || r.Cause != 16 || r.EndedBy != "api" || r.Device != "PJSIP/101" {
		t.Errorf("record %+v", r)
	}
	if code, b := dora.raw("GET", "/api/v1/calls/history"); code != 200 || strings.Contains(string(b), call.ID) {
		t.Errorf("another user sees the call: %d %s", code, b)
	}
	if code, b := dora.raw("GET", "/api/v1/calls/history?user="+r.UserID); code != 200 || strings.Contains(string(b), call.ID) {
		t.Errorf("another user sees the call with ?user=: %d %s", code, b)
	}
	if code, b := adm.do("GET", "/api/v1/calls/history?answered=true", "", nil); code != 200 || !strings.Contains(string(b), call.ID) {
		t.Errorf("the admin does not see the call: %d %s", code, b)
	}
	code, b := cleo.raw("GET", "/api/v1/calls/history/export?direction=outbound")
	if code != 200 || !strings.HasPrefix(string(b), "id,user_id,direction,") || !strings.Contains(string(b), call.ID+","+r.UserID+",outbound,101,Cleo Desk,200,") {
		t.Errorf("export: %d %s", code, b)
	}
	if code, b := cleo.raw("GET", "/api/v1/calls/history?since=yesterday"); code != 400 || !strings.Contains(string(b), `"since"`) {
		t.Errorf("bad since: %d %s", code, b)
	}
}
