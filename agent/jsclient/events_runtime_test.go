package jsclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestEventsRuntimeInNode runs events() in Node against a stand-in of the
// events socket that ends each connection in its own way: the client
// sends its token, subscribes through the query, reconnects with backoff
// after 1001 and after 4008 resuming from the last sequence number it
// got, drops a repeated event, reports resync_required, and resolves and
// rejects subscribe() on the server's ack and error.
func TestEventsRuntimeInNode(t *testing.T) {
	node, dir := nodeModule(t)
	type conn struct{ Auth, Query string }
	var mu sync.Mutex
	var conns []conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(conns)
		conns = append(conns, conn{Auth: r.Header.Get("Sec-WebSocket-Protocol"), Query: r.URL.RawQuery})
		mu.Unlock()
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"pbxagent.events"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		send := func(s string) bool { return c.Write(ctx, websocket.MessageText, []byte(s)) == nil }
		ev := func(seq int) string {
			b, _ := json.Marshal(map[string]any{"op": "event", "seq": seq, "time": "2026-12-07T09:00:00Z", "topic": "calls", "type": "call_updated", "data": map[string]int{"n": seq}})
			return string(b)
		}
		switch n {
		case 0:
			send(`{"op":"welcome","seq":100,"topics":["calls"],"window":{"events":10000,"seconds":300}}`)
			send(ev(101))
			send(ev(102))
			c.Close(websocket.StatusGoingAway, "server stopping")
		case 1:
			send(`{"op":"welcome","seq":102,"topics":["calls"],"window":{"events":10000,"seconds":300}}`)
			send(ev(103))
			send(ev(103)) // repeated: the client drops it
			send(ev(104))
			c.Close(4008, "slow consumer")
		default:
			send(`{"op":"welcome","seq":300,"topics":["calls"],"window":{"events":10000,"seconds":300}}`)
			send(`{"op":"resync_required","since":104,"oldest":200,"seq":300}`)
			send(ev(301))
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					return
				}
				var m struct {
					Op, ID string
					Topics []string
				}
				_ = json.Unmarshal(b, &m)
				if len(m.Topics) > 0 && m.Topics[0] == "weather" {
					send(`{"op":"error","id":"` + m.ID + `","error":{"code":"invalid","message":"bad message: topics[0]: unknown topic","details":[{"field":"topics[0]","message":"unknown topic \"weather\""}]}}`)
				} else {
					send(`{"op":"ack","id":"` + m.ID + `","of":"` + m.Op + `","topics":["calls","presence"]}`)
				}
			}
		}
	}))
	defer srv.Close()

	script := `
import { PbxAgent, PbxAgentError } from './pbxagent.mjs';
const out = { events: [], resyncs: [], states: [] };
const c = new PbxAgent({ baseUrl: process.argv[2], token: 'tök?/' });
await new Promise((resolve) => {
  const ev = c.events({ topics: ['calls'], minBackoffMs: 20, maxBackoffMs: 100,
    onEvent: (e) => { out.events.push(e.seq); if (e.seq === 301) resolve(); },
    onResync: (r) => out.resyncs.push(r),
    onState: (s) => out.states.push(s) });
  globalThis.ev = ev;
});
try { await ev.subscribe(['weather']); } catch (e) {
  out.err = { instance: e instanceof PbxAgentError, field: e.details[0] && e.details[0].field, topics: ev.topics };
}
out.ack = await ev.subscribe(['presence']);
out.last = ev.lastSeq;
ev.close();
out.closed = ev.state;
console.log(JSON.stringify(out));
`
	writeScript(t, dir, script)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct {
		Events  []int
		Resyncs []struct{ Since, Oldest, Seq int }
		States  []string
		Err     struct {
			Instance bool
			Field    string
			Topics   []string
		}
		Ack struct {
			Op, Of string
			Topics []string
		}
		Last   int
		Closed string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, string(stdout))
	}
	mu.Lock()
	defer mu.Unlock()
	want := "pbxagent.events, pbxagent.bearer." + base64.RawURLEncoding.EncodeToString([]byte("tök?/"))
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "every event once, in order, across two reconnects", ok: jsonOf(out.Events) == "[101,102,103,104,301]"},
		{name: "resync reported", ok: len(out.Resyncs) == 1 && out.Resyncs[0].Since == 104 && out.Resyncs[0].Seq == 300},
		{name: "a refused subscribe rejects naming the field and is undone", ok: out.Err.Instance && out.Err.Field == "topics[0]" && strings.Join(out.Err.Topics, ",") == "calls"},
		{name: "subscribe resolves with the ack", ok: out.Ack.Op == "ack" && out.Ack.Of == "subscribe" && strings.Join(out.Ack.Topics, ",") == "calls,presence"},
		{name: "last sequence number", ok: out.Last == 301},
		{name: "closed", ok: out.Closed == "closed" && len(out.States) > 0 && out.States[len(out.States)-1] == "closed"},
		{name: "three connections", ok: len(conns) == 3},
		{name: "bearer token as a subprotocol on every connection", ok: len(conns) == 3 && conns[0].Auth == want && conns[2].Auth == want},
		{name: "first connection: topics, no since", ok: len(conns) > 0 && conns[0].Query == "topics=calls"},
		{name: "resumed after 1001 from the last event", ok: len(conns) > 1 && conns[1].Query == "topics=calls&since=102"},
		{name: "resumed after 4008 from the last event", ok: len(conns) > 2 && conns[2].Query == "topics=calls&since=104"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: output %s, connections %+v", c.name, string(stdout), conns)
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
