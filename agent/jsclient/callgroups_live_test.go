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

// callGroupsDoc adds getCallGroup, as the daemon documents it, to
// runtimeDoc.
func callGroupsDoc(t *testing.T) []byte {
	return docWith(t, getOp{path: "/api/v1/callgroups/{id}", id: "getCallGroup"})
}

// cgFrame is an events-socket frame of topic callgroups.
func cgFrame(seq int, typ string, data map[string]any) string {
	return eventFrame(seq, "2026-12-07T12:00:00Z", "callgroups", typ, data)
}

func cgWaiting(id, group string, pos int, entered string) map[string]any {
	return map[string]any{"id": id, "group_id": group, "caller_number": "+4144555" + id, "position": pos, "entered_at": entered, "ringing": []any{}}
}

func cgMember(user, state string) map[string]any {
	return map[string]any{"user_id": user, "name": strings.ToUpper(user), "state": state, "paused": state == "paused", "penalty": 0, "dynamic": true,
		"joined_at": "2026-12-07T08:00:00Z", "state_since": "2026-12-07T11:00:00Z", "calls_taken": 0}
}

// TestCallGroupLiveInNode runs callgroups.live() in Node against a
// stand-in of GET /api/v1/callgroups/{id} and the events socket: a caller
// who joins while the group loads is applied over the (older) list; waits
// tick on the server's clock (the offset measured at the load); an answer
// moves the caller to the active calls and renumbers the line; abandons,
// completions, member changes and group updates apply; events of another
// group and late events of an ended call are ignored; resync_required
// loads the group again; callgroup_deleted empties the view; close()
// closes the socket with 1000.
func TestCallGroupLiveInNode(t *testing.T) {
	node, dir := moduleFor(t, callGroupsDoc(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var loads int
	var queries []string
	ws := newLiveSocket(ctx, t, "callgroups")
	send := ws.send
	group := map[string]any{"id": "sales", "name": "Sales", "strategy": "leastrecent"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/events":
			mu.Lock()
			queries = append(queries, "events?"+r.URL.RawQuery)
			mu.Unlock()
			ws.serve(w, r)
		case "/api/v1/callgroups/sales":
			mu.Lock()
			loads++
			n := loads
			queries = append(queries, "get "+r.URL.Path)
			mu.Unlock()
			var view map[string]any
			if n == 1 {
				ws.accept()
				// c2 joins while the list is made (the list does not hold it).
				send(cgFrame(101, "callgroup_call_waiting", cgWaiting("c2", "sales", 2, "2026-12-07T12:00:05Z")))
				view = map[string]any{"group": group, "server_time": "2026-12-07T12:00:10Z",
					"members": []any{cgMember("ana", "available"), cgMember("bob", "paused")},
					"waiting": []any{cgWaiting("c1", "sales", 1, "2026-12-07T12:00:00Z")}, "active": []any{}}
			} else {
				view = map[string]any{"group": group, "server_time": "2026-12-07T12:01:00Z",
					"members": []any{cgMember("ana", "wrapup")}, "waiting": []any{}, "active": []any{}}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(view)
		case "/live":
			answered := cgWaiting("c1", "sales", 0, "2026-12-07T12:00:00Z")
			answered["user_id"], answered["call_id"], answered["answered_at"] = "ana", "pbxcall-1", "2026-12-07T12:00:12Z"
			abandoned := cgWaiting("c2", "sales", 1, "2026-12-07T12:00:05Z")
			abandoned["wait_seconds"] = 9.0
			removed := cgMember("bob", "offline")
			removed["group_id"], removed["removed"] = "sales", true
			unpaused := cgMember("bob", "available")
			unpaused["group_id"] = "sales"
			send(cgFrame(102, "member_state", unpaused),
				cgFrame(103, "callgroup_call_answered", answered),
				cgFrame(104, "callgroup_call_abandoned", abandoned),
				cgFrame(105, "callgroup_call_waiting", cgWaiting("x9", "support", 1, "2026-12-07T12:00:13Z")),
				cgFrame(106, "callgroup_call_completed", answered),
				cgFrame(107, "member_state", removed),
				cgFrame(108, "callgroup_call_waiting", cgWaiting("c1", "sales", 1, "2026-12-07T12:00:00Z")),
				cgFrame(109, "callgroup_updated", map[string]any{"id": "sales", "name": "Sales EU", "strategy": "linear"}))
			w.WriteHeader(http.StatusNoContent)
		case "/resync":
			send(`{"op":"resync_required","since":50,"oldest":90,"seq":109}`)
			w.WriteHeader(http.StatusNoContent)
		case "/delete":
			send(cgFrame(110, "callgroup_deleted", map[string]any{"id": "support"}), cgFrame(111, "callgroup_deleted", map[string]any{"id": "sales"}))
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
let clock = 1000000;
const show = (v) => 'members ' + v.members.map((m) => m.user_id + '/' + m.state).join(',') +
  ' waiting ' + v.waiting.map((w) => w.id + '#' + w.position + '@' + w.wait_seconds).join(',') +
  ' active ' + v.active.map((a) => a.id + ':' + a.user_id + '@' + a.talk_seconds).join(',');
const live = c.callgroups.live('sales', { tickMs: 0, now: () => clock });
for (const type of ['callgroup_call_waiting', 'callgroup_call_answered', 'callgroup_call_abandoned', 'callgroup_call_left', 'callgroup_call_completed', 'callgroup_updated', 'callgroup_deleted', 'tick', 'resync']) {
  live.on(type, (e) => out.log.push(type + (e.call ? ' ' + e.call.id : '') + ' [' + show(e.view) + ']'));
}
live.on('member_state', (e) => out.log.push('member_state ' + e.member.user_id + '/' + e.member.state + (e.member.removed ? ' removed' : '') + ' [' + show(e.view) + ']'));
const when = (type) => new Promise((resolve) => { const off = live.on(type, (e) => { off(); resolve(e); }); });
out.ready = show(await live.ready);
clock += 2500;
live.tick();
out.ticked = show(live.view);
out.wait = live.waitSeconds({ entered_at: '2026-12-07T12:00:02.5Z' });
const updated = when('callgroup_updated');
await fetch(process.argv[2] + '/live');
await updated;
out.name = live.group.name;
out.after = show(live.view);
const resynced = when('resync');
await fetch(process.argv[2] + '/resync');
await resynced;
const deleted = when('callgroup_deleted');
await fetch(process.argv[2] + '/delete');
await deleted;
out.deleted = live.deleted + ' ' + show(live.view);
out.same = c.callgroups === c.callgroups;
live.close();
out.state = live.state;
console.log(JSON.stringify(out));
`)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct {
		Log                        []string
		Ready, Ticked, After, Name string
		Deleted, State             string
		Wait                       float64
		Same                       bool
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
		{name: "ready: the list with the caller who joined during the load, waits on the server's clock",
			ok: out.Ready == "members ana/available,bob/paused waiting c1#1@10,c2#2@5 active "},
		{name: "waits tick with the local clock", ok: out.Ticked == "members ana/available,bob/paused waiting c1#1@12.5,c2#2@7.5 active " &&
			strings.Contains(log, "tick [members ana/available,bob/paused waiting c1#1@12.5,c2#2@7.5 active ]")},
		{name: "waitSeconds of any time", ok: out.Wait == 10},
		{name: "a member's state changes", ok: strings.Contains(log, "member_state bob/available [members ana/available,bob/available waiting c1#1@12.5,c2#2@7.5 active ]")},
		{name: "an answer moves the caller to the active calls and renumbers the line",
			ok: strings.Contains(log, "callgroup_call_answered c1 [members ana/available,bob/available waiting c2#1@7.5 active c1:ana@0.5]")},
		{name: "an abandon leaves the line", ok: strings.Contains(log, "callgroup_call_abandoned c2 [members ana/available,bob/available waiting  active c1:ana@0.5]")},
		{name: "another group's caller is not shown", ok: !strings.Contains(log, "x9")},
		{name: "a completed call leaves the active calls", ok: strings.Contains(log, "callgroup_call_completed c1 [members ana/available,bob/available waiting  active ]")},
		{name: "a member who left is removed", ok: strings.Contains(log, "member_state bob/offline removed [members ana/available waiting  active ]")},
		{name: "a late event of an ended call does not bring it back", ok: strings.Count(log, "callgroup_call_waiting c1") == 0},
		{name: "the group's configuration is updated", ok: out.Name == "Sales EU" && out.After == "members ana/available waiting  active "},
		{name: "resync reloads the group", ok: strings.Contains(log, "resync [members ana/wrapup waiting  active ]")},
		{name: "another group's deletion is ignored, this one's empties the view",
			ok: strings.Count(log, "callgroup_deleted") == 1 && out.Deleted == "true members  waiting  active "},
		{name: "one callgroups module per client", ok: out.Same},
		{name: "closed with 1000", ok: out.State == "closed" && code == websocket.StatusNormalClosure},
		{name: "subscribed to callgroups, the group loaded twice", ok: len(queries) == 3 && queries[0] == "events?topics=callgroups" &&
			queries[1] == "get /api/v1/callgroups/sales" && queries[2] == "get /api/v1/callgroups/sales"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s:\nlog:\n%s\nready %q\nticked %q\nafter %q\ndeleted %q\nstate %s, code %d, requests %q", c.name, log, out.Ready, out.Ticked, out.After, out.Deleted, out.State, code, queries)
		}
	}
}
