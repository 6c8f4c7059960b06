package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/events"
)

// TestEventsSocketClosedAtLogout: a socket opened with the session
// cookie gets events while the session is live; after POST
// /api/v1/logout, the next event closes it with 4001 (session ended).
func TestEventsSocketClosedAtLogout(t *testing.T) {
	d, base := testDaemon(t, nil)
	ann := signIn(t, base, "ann", nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	h := http.Header{"Origin": {base}}
	for _, c := range ann.cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	conn, _, err := websocket.Dial(ctx, "ws://"+d.HTTPAddr()+"/api/v1/events?topics=calls", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial with the session cookie: %v", err)
	}
	defer conn.CloseNow()
	read := func() map[string]any {
		t.Helper()
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := read(); m["op"] != "welcome" {
		t.Fatalf("first message %v, want welcome", m)
	}
	publish := func(typ string) {
		t.Helper()
		if err := d.events.Publish(ctx, events.Event{Topic: "calls", Type: typ, Audience: events.Anyone()}); err != nil {
			t.Fatal(err)
		}
	}
	// Session live: the event is delivered.
	publish("before_logout")
	for {
		if m := read(); m["op"] == "event" && m["type"] == "before_logout" {
			break
		}
	}
	if code, b := ann.do("POST", "/api/v1/logout", ""); code != 200 && code != 204 {
		t.Fatalf("logout: %d %v", code, b)
	}
	publish("after_logout")
	for {
		_, b, err := conn.Read(ctx) // ctx is the deadline
		if err != nil {
			if code := websocket.CloseStatus(err); code != events.CloseSessionEnded {
				t.Fatalf("socket ended with %d (%v), want %d", code, err, events.CloseSessionEnded)
			}
			break
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if m["type"] == "after_logout" {
			t.Fatalf("the event published after logout was delivered: %s", b)
		}
	}
}
