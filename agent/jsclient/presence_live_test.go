package jsclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// presenceDoc adds getPresence, as the daemon documents it, to runtimeDoc.
func presenceDoc(t *testing.T) []byte {
	return docWith(t, getOp{path: "/api/v1/presence", id: "getPresence", query: []string{"users"}})
}

// presenceFrame is an events-socket presence_updated frame.
func presenceFrame(seq int, user, state, message string) string {
	return eventFrame(seq, "2026-12-07T09:00:00Z", "presence", "presence_updated",
		map[string]any{"user_id": user, "state": state, "message": message, "online": true, "registered": false, "devices": []any{}, "call": "idle", "updated_at": "2026-12-07T09:00:00Z"})
}

// TestPresenceLiveInNode runs presence.live() in Node against a stand-in
// of GET /api/v1/presence and the events socket: an update delivered while
// the list loads is applied over the (older) list, a live update changes
// the view and is told as presence_updated, resync_required loads the list
// again, and close() closes the socket with 1000.
func TestPresenceLiveInNode(t *testing.T) {
	node, dir := moduleFor(t, presenceDoc(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var loads int
	var queries []string
	ws := newLiveSocket(ctx, t, "presence")
	send := ws.send
	item := func(user, state string) map[string]any {
		return map[string]any{"user_id": user, "state": state, "online": false, "registered": false, "devices": []any{}, "call": "idle", "updated_at": "2026-12-07T08:00:00Z"}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/events":
			mu.Lock()
			queries = append(queries, "events?"+r.URL.RawQuery)
			mu.Unlock()
			ws.serve(w, r)
		case "/api/v1/presence":
			mu.Lock()
			loads++
			n := loads
			queries = append(queries, "list?"+r.URL.RawQuery)
			mu.Unlock()
			var items []map[string]any
			if n == 1 {
				ws.accept()
				send(presenceFrame(101, "b", "away", "lunch")) // newer than the list below
				items = []map[string]any{item("a", "available"), item("b", "available")}
			} else {
				items = []map[string]any{item("a", "available"), item("b", "available"), item("c", "dnd")}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
		case "/ready":
			send(presenceFrame(102, "b", "dnd", "Board meeting"),
				`{"op":"resync_required","since":50,"oldest":90,"seq":102}`)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	writeScript(t, dir, `
import { PbxAgent } from './pbxagent.mjs';
const c = new PbxAgent({ baseUrl: process.argv[2], token: 't' });
const out = { log: [] };
const show = (list) => list.map((p) => p.user_id + '/' + p.state + (p.message ? ':' + p.message : '')).join(' ');
const live = c.presence.live();
live.on('presence_updated', (e) => out.log.push('updated ' + e.user.user_id + ' [' + show(e.presence) + ']'));
live.on('resync', (e) => out.log.push('resync [' + show(e.presence) + ']'));
const resynced = new Promise((resolve) => live.on('resync', resolve));
out.ready = show(await live.ready);
out.same = c.presence === c.presence;
await fetch(process.argv[2] + '/ready');
await resynced;
out.after = show(live.presence);
out.b = live.get('b').state;
live.close();
out.state = live.state;
console.log(JSON.stringify(out));
`)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct {
		Log             []string
		Ready, After, B string
		Same            bool
		State           string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	code := ws.closeCode()
	mu.Lock()
	defer mu.Unlock()
	log := strings.Join(out.Log, "\n")
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "ready: the list with the update held during the load applied", ok: out.Ready == "a/available b/away:lunch"},
		{name: "a live update changes the view", ok: strings.Contains(log, "updated b [a/available b/dnd:Board meeting]")},
		{name: "resync reloads the list", ok: strings.Contains(log, "resync [a/available b/available c/dnd]") && out.After == "a/available b/available c/dnd"},
		{name: "get by id", ok: out.B == "available"},
		{name: "one presence module per client", ok: out.Same},
		{name: "closed with 1000", ok: out.State == "closed" && code == websocket.StatusNormalClosure},
		{name: "subscribed to presence, the list without users", ok: len(queries) == 3 && queries[0] == "events?topics=presence" && queries[1] == "list?" && queries[2] == "list?"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s:\nlog:\n%s\nready %q, after %q, state %s, code %d, requests %q", c.name, log, out.Ready, out.After, out.State, code, queries)
		}
	}
}
