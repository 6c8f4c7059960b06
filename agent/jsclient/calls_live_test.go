package jsclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// callsDoc adds the two operations the live view reads (listCalls,
// getTransfer), as the daemon documents them, to runtimeDoc.
func callsDoc(t *testing.T) []byte {
	return docWith(t, getOp{path: "/api/v1/calls", id: "listCalls", query: []string{"user"}},
		getOp{path: "/api/v1/transfers/{id}", id: "getTransfer"})
}

// callFrame is an events-socket frame of topic calls.
func callFrame(seq int, typ string, data map[string]any) string {
	return eventFrame(seq, "2026-12-07T09:00:00Z", "calls", typ, data)
}

// aCall is a call as the API shows it.
func aCall(id, state string, more ...any) map[string]any {
	c := map[string]any{"id": id, "user_id": "u1", "state": state, "direction": "outbound", "from": "101", "to": "200",
		"devices": []string{"PJSIP/101"}, "muted": false, "recording": "off", "created_at": "2026-12-07T09:00:00Z"}
	for i := 0; i+1 < len(more); i += 2 {
		c[more[i].(string)] = more[i+1]
	}
	return c
}

// TestCallsLiveInNode runs calls.live() in Node against a stand-in of the
// list and the events socket that makes the races happen in a fixed order:
// while the first GET /api/v1/calls is answered, the socket has already
// delivered (the server waits for the client's pong after the frames) an
// update of a listed call, the end of another listed call (the list is
// stale: it still holds it) and a new call; then live events update,
// transfer, record and end calls, a late event of an ended call comes;
// the socket drops, the server says resync_required and the view loads
// the list again; close() closes the socket with 1000 and it is not
// opened again.
func TestCallsLiveInNode(t *testing.T) {
	node, dir := moduleFor(t, callsDoc(t))

	var mu sync.Mutex
	var conns, loads int
	var queries []string
	socket := make(chan *websocket.Conn, 2)      // the connections, in order
	closed := make(chan websocket.StatusCode, 2) // how each connection ended
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// send writes frames, then waits for the client's pong: the client has
	// read every frame before it.
	send := func(c *websocket.Conn, frames ...string) {
		for _, f := range frames {
			if err := c.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
				t.Errorf("write: %v", err)
			}
		}
		if err := c.Ping(ctx); err != nil {
			t.Errorf("ping: %v", err)
		}
	}
	var first *websocket.Conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/events":
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"pbxagent.events"}})
			if err != nil {
				return
			}
			defer c.CloseNow()
			mu.Lock()
			n := conns
			conns++
			queries = append(queries, "events?"+r.URL.RawQuery)
			mu.Unlock()
			if n == 0 {
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"op":"welcome","seq":100,"topics":["calls"],"window":{"events":10000,"seconds":300}}`))
			} else {
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"op":"welcome","seq":300,"topics":["calls"],"window":{"events":10000,"seconds":300}}`))
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"op":"resync_required","since":108,"oldest":200,"seq":300}`))
			}
			socket <- c
			for { // reads (answers pings' pongs) until the client closes
				if _, _, err := c.Read(ctx); err != nil {
					closed <- websocket.CloseStatus(err)
					return
				}
			}
		case "/api/v1/calls":
			mu.Lock()
			loads++
			n := loads
			queries = append(queries, "list?"+r.URL.RawQuery)
			mu.Unlock()
			var list []map[string]any
			if n == 1 {
				first = <-socket
				send(first,
					callFrame(101, "call_updated", aCall("c1", "ringing")),
					callFrame(102, "call_ended", aCall("c0", "ended", "cause", 16)),
					callFrame(103, "call_created", aCall("c2", "dialing")))
				list = []map[string]any{aCall("c0", "up"), aCall("c1", "dialing"), aCall("c3", "up", "transfer", "t9")}
			} else {
				<-socket
				list = []map[string]any{aCall("c4", "up")}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"calls": list})
		case "/api/v1/transfers/t9":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"t9","call_id":"c3","user_id":"u1","state":"ringback","mode":"attended","source":"api","to":"300","created_at":"2026-12-07T09:00:00Z"}`)
		case "/ready": // the script's view is ready: the live events, then a drop
			transfer := func(state string) map[string]any {
				return map[string]any{"id": "t9", "call_id": "c3", "user_id": "u1", "state": state, "mode": "attended", "source": "api", "to": "300", "created_at": "2026-12-07T09:00:00Z"}
			}
			send(first,
				callFrame(104, "call_updated", aCall("c0", "up")), // late: c0 ended
				callFrame(105, "transfer_answered", transfer("answered")),
				callFrame(106, "recording_started", aCall("c1", "up", "recording", "recording")),
				callFrame(107, "call_ended", aCall("c1", "ended", "cause", 16)),
				callFrame(108, "transfer_completed", transfer("completed")),
				callFrame(109, "call_created", aCall("x1", "dialing", "user_id", "u2"))) // another user's
			_ = first.Close(websocket.StatusGoingAway, "server stopping")
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	script := `
import { PbxAgent } from './pbxagent.mjs';
const c = new PbxAgent({ baseUrl: process.argv[2], token: 't' });
const out = { log: [], changes: [] };
const live = c.calls.live({ user: 'u1', minBackoffMs: 10, maxBackoffMs: 20 });
const ids = (calls) => calls.map((x) => x.id + '/' + x.state + (x.activeTransfer ? '/' + x.activeTransfer.id + ':' + x.activeTransfer.state : '') +
  (x.recording !== 'off' ? '/' + x.recording : '')).join(' ');
for (const type of ['ready', 'resync', 'error', 'call_created', 'call_updated', 'call_ended', 'transfer_answered', 'transfer_completed', 'recording_started']) {
  live.on(type, (e) => out.log.push(type + ' ' + (e.call ? e.call.id : '-') + (e.transfer ? ' ' + e.transfer.id : '') + ' [' + ids(e.calls) + ']'));
}
live.on('change', (e) => out.changes.push(ids(e.calls)));
const resynced = new Promise((resolve) => live.on('resync', resolve));
out.ready = ids(await live.ready);
out.same = c.calls === c.calls;
await fetch(process.argv[2] + '/ready');
await resynced;
out.afterResync = ids(live.calls);
live.close();
out.state = live.state;
console.log(JSON.stringify(out));
`
	writeScript(t, dir, script)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct {
		Log, Changes       []string
		Ready, AfterResync string
		Same               bool
		State              string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	var code websocket.StatusCode
	for i := 0; i < 2; i++ {
		select {
		case code = <-closed: // the second is the one the client closed
		case <-ctx.Done():
			t.Fatal("the sockets did not close")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	log := strings.Join(out.Log, "\n")
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "ready: the list with the held events applied, the transfer in progress attached, the call ended meanwhile left out",
			ok: out.Ready == "c1/ringing c3/up/t9:ringback c2/dialing"},
		{name: "a call ended while the list loaded is never shown", ok: !strings.Contains(strings.Join(out.Changes, "|"), "c0/")},
		{name: "its call_ended is still told", ok: strings.Contains(log, "call_ended c0 [")},
		{name: "the late event of an ended call is dropped", ok: !strings.Contains(log, "call_updated c0")},
		{name: "transfer answered attaches to its call", ok: strings.Contains(log, "transfer_answered c3 t9 [c1/ringing c3/up/t9:answered c2/dialing]")},
		{name: "recording_started updates the call", ok: strings.Contains(log, "recording_started c1 [c1/up/recording c3/up/t9:answered c2/dialing]")},
		{name: "call_ended removes the call", ok: strings.Contains(log, "call_ended c1 [c3/up/t9:answered c2/dialing]")},
		{name: "transfer completed detaches", ok: strings.Contains(log, "transfer_completed c3 t9 [c3/up c2/dialing]")},
		{name: "another user's call is not in a one-user view", ok: !strings.Contains(log, "x1")},
		{name: "resync reloads the list", ok: out.AfterResync == "c4/up" && strings.Contains(log, "resync - [c4/up]")},
		{name: "one calls module per client", ok: out.Same},
		{name: "closed", ok: out.State == "closed" && code == websocket.StatusNormalClosure},
		{name: "two connections, the second resuming", ok: conns == 2 && len(queries) == 4 && queries[0] == "events?topics=calls" &&
			queries[1] == "list?user=u1" && queries[2] == "events?topics=calls&since=109"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s:\nlog:\n%s\nchanges: %q\nready %q, after resync %q, state %s, close code %d, requests %q",
				c.name, log, out.Changes, out.Ready, out.AfterResync, out.State, code, queries)
		}
	}
}

// TestCallsLiveRetriesTheList: when GET /api/v1/calls fails, the live view
// reports the error and loads the list again after retryMs; ready
// resolves with the list of the load that worked.
func TestCallsLiveRetriesTheList(t *testing.T) {
	node, dir := moduleFor(t, callsDoc(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	loads := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/events":
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"pbxagent.events"}})
			if err != nil {
				return
			}
			defer c.CloseNow()
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"op":"welcome","seq":100,"topics":["calls"],"window":{"events":10000,"seconds":300}}`))
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
		case "/api/v1/calls":
			mu.Lock()
			loads++
			n := loads
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"error":{"code":"unavailable","message":"the calls engine is not connected to Asterisk"}}`)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"calls": []map[string]any{aCall("c1", "up")}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	writeScript(t, dir, `
import { PbxAgent } from './pbxagent.mjs';
const c = new PbxAgent({ baseUrl: process.argv[2], token: 't' });
const out = { errors: [] };
const live = c.calls.live({ retryMs: 10 });
live.on('error', (e) => out.errors.push(e.error.status + ' ' + e.error.code));
out.ready = (await live.ready).map((x) => x.id);
live.close();
console.log(JSON.stringify(out));
`)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct{ Errors, Ready []string }
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if strings.Join(out.Errors, ",") != "503 unavailable" || strings.Join(out.Ready, ",") != "c1" {
		t.Errorf("got %s, want one error 503 then the list [c1]", stdout)
	}
}
