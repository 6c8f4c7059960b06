package agent

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// callEvents reads the call events of call id on c until call_ended and
// answers their types in order; events of other calls fail the test.
func callEvents(ctx context.Context, t *testing.T, c *websocket.Conn, id string) []string {
	t.Helper()
	var types []string
	for {
		m := readFrame(ctx, t, c)
		if m["op"] != "event" {
			continue
		}
		data, _ := m["data"].(map[string]any)
		if m["topic"] != "calls" || data["id"] != id {
			t.Fatalf("an event of another call or topic: %v", m)
		}
		typ, _ := m["type"].(string)
		types = append(types, typ)
		if typ == "call_ended" {
			return types
		}
	}
}

// callDaemon is a daemon on the ARI stand-in where PJSIP/101 and
// PJSIP/102 are desks that answer by themselves and 200 answers.
func callDaemon(t *testing.T) (*fakeari.Server, string) {
	t.Helper()
	srv, base := callsDaemon(t, nil,
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/102", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	return srv, base
}

// awaitUp waits (bounded) until the call is up for p.
func awaitUp(ctx context.Context, t *testing.T, p person, id string) {
	t.Helper()
	for {
		code, got := p.do("GET", "/api/v1/calls/"+id, "")
		if code == 200 && got["state"] == "up" {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("call %s never up: %d %v", id, code, got)
		}
	}
}

// TestCallEventsThroughDaemon: a click-to-call's events reach its owner's
// events socket, call_created first and call_ended last, and a
// supervisor's (manage_callcenter); another plain user subscribed to the
// calls topic gets none of them (the first call event they get is of
// their own call, placed after the first ended).
func TestCallEventsThroughDaemon(t *testing.T) {
	_, base := callDaemon(t)
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
	if code, got := cleo.do("DELETE", "/api/v1/calls/"+id, ""); code != 200 {
		t.Fatalf("hang up: %d %v", code, got)
	}
	for _, tc := range []struct {
		who string
		ws  *websocket.Conn
	}{{who: "owner", ws: cleoWS}, {who: "supervisor", ws: samWS}} {
		types := callEvents(ctx, t, tc.ws, id)
		if types[0] != "call_created" || !containsStr(types, "call_answered") {
			t.Errorf("%s got %v, want call_created … call_answered … call_ended", tc.who, types)
		}
	}

	code, own := bob.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("bob's place: %d %v", code, own)
	}
	ownID, _ := own["id"].(string)
	for {
		m := readFrame(ctx, t, bobWS)
		if m["op"] != "event" {
			continue
		}
		if data, _ := m["data"].(map[string]any); data["id"] != ownID {
			t.Fatalf("bob got an event of another user's call: %v", m)
		}
		break
	}
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestCallSupervisorThroughDaemon: a user holding manage_callcenter lists
// another user's calls (all, and with ?user=), reads one, holds, resumes
// mutes, unmutes and hangs it up; a plain user gets 404 on it for every action and an
// empty list.
func TestCallSupervisorThroughDaemon(t *testing.T) {
	srv, base := callDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	bob := signIn(t, base, "bob", nil, []string{"PJSIP/102"})
	sam := signIn(t, base, "sam", []string{"manage_callcenter"}, nil)

	code, call := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	owner, _ := call["user_id"].(string)
	awaitUp(ctx, t, cleo, id)

	listed := func(p person, path string) []string {
		t.Helper()
		code, got := p.do("GET", path, "")
		if code != 200 {
			t.Fatalf("GET %s: %d %v", path, code, got)
		}
		var ids []string
		list, _ := got["calls"].([]any)
		for _, c := range list {
			m, _ := c.(map[string]any)
			s, _ := m["id"].(string)
			ids = append(ids, s)
		}
		return ids
	}
	for _, tc := range []struct {
		who  string
		p    person
		path string
		want int
	}{
		{who: "supervisor", p: sam, path: "/api/v1/calls", want: 1},
		{who: "supervisor", p: sam, path: "/api/v1/calls?user=" + owner, want: 1},
		{who: "supervisor", p: sam, path: "/api/v1/calls?user=someone-else", want: 0},
		{who: "plain user", p: bob, path: "/api/v1/calls", want: 0},
		{who: "plain user", p: bob, path: "/api/v1/calls?user=" + owner, want: 0},
	} {
		if got := listed(tc.p, tc.path); len(got) != tc.want || (tc.want == 1 && got[0] != id) {
			t.Errorf("%s GET %s: %v, want %d call(s)", tc.who, tc.path, got, tc.want)
		}
	}
	for _, tc := range []struct{ method, path string }{
		{method: "GET", path: "/api/v1/calls/" + id},
		{method: "POST", path: "/api/v1/calls/" + id + "/hold"},
		{method: "POST", path: "/api/v1/calls/" + id + "/resume"},
		{method: "POST", path: "/api/v1/calls/" + id + "/mute"},
		{method: "DELETE", path: "/api/v1/calls/" + id},
	} {
		if code, got := bob.do(tc.method, tc.path, ""); code != 404 {
			t.Errorf("plain user %s %s: %d %v, want 404", tc.method, tc.path, code, got)
		}
	}
	for _, tc := range []struct {
		method, path, state string
		muted               bool
	}{
		{method: "GET", path: "/api/v1/calls/" + id, state: "up"},
		{method: "POST", path: "/api/v1/calls/" + id + "/hold", state: "held"},
		{method: "POST", path: "/api/v1/calls/" + id + "/resume", state: "up"},
		{method: "POST", path: "/api/v1/calls/" + id + "/mute", state: "up", muted: true},
		{method: "POST", path: "/api/v1/calls/" + id + "/unmute", state: "up"},
		{method: "DELETE", path: "/api/v1/calls/" + id, state: "ended"},
	} {
		if code, got := sam.do(tc.method, tc.path, ""); code != 200 || got["state"] != tc.state || got["muted"] != tc.muted {
			t.Errorf("supervisor %s %s: %d %v, want 200 %s", tc.method, tc.path, code, got, tc.state)
		}
	}
	if s, _ := srv.Channel(id + "-far"); !s.Destroyed {
		t.Errorf("the destination is still up after the supervisor's hang-up")
	}
}
