package jsclient

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wallboardDoc adds getWallboardData, as the daemon documents it, to
// runtimeDoc.
func wallboardDoc(t *testing.T) []byte {
	return docWith(t, getOp{path: "/api/v1/wallboards/{id}/data", id: "getWallboardData"})
}

// groupStats is a GroupStats as JSON.
type groupStats struct {
	Day                  string  `json:"day"`
	Received             int     `json:"received"`
	Answered             int     `json:"answered"`
	Abandoned            int     `json:"abandoned"`
	AnsweredInSLA        int     `json:"answered_in_sla"`
	AbandonedInSLA       int     `json:"abandoned_in_sla"`
	Completed            int     `json:"completed"`
	WaitSeconds          float64 `json:"wait_seconds"`
	TalkSeconds          float64 `json:"talk_seconds"`
	LongestWaitSeconds   float64 `json:"longest_wait_seconds"`
	ServiceLevel         float64 `json:"service_level"`
	ServiceLevelAbandons float64 `json:"service_level_abandons"`
	AverageWaitSeconds   float64 `json:"average_wait_seconds"`
	AverageTalkSeconds   float64 `json:"average_talk_seconds"`
}

// TestWallboardArithmeticInNode checks the client's "since I connected"
// counters and SLA colours: sums minus the baseline, service levels and
// averages recomputed from the sums (not subtracted), the longest wait
// only when it grew, a new day counting from midnight, and the colour
// bands at their edges.
func TestWallboardArithmeticInNode(t *testing.T) {
	node, dir := moduleFor(t, wallboardDoc(t))
	base := groupStats{Day: "2026-12-07", Received: 10, Answered: 8, Abandoned: 2, AnsweredInSLA: 6, AbandonedInSLA: 1, Completed: 7,
		WaitSeconds: 80, TalkSeconds: 700, LongestWaitSeconds: 40, ServiceLevel: 75, ServiceLevelAbandons: 70, AverageWaitSeconds: 10, AverageTalkSeconds: 100}
	later := groupStats{Day: "2026-12-07", Received: 14, Answered: 11, Abandoned: 3, AnsweredInSLA: 9, AbandonedInSLA: 1, Completed: 10,
		WaitSeconds: 110, TalkSeconds: 1000, LongestWaitSeconds: 40, ServiceLevel: 81.8, ServiceLevelAbandons: 71.4, AverageWaitSeconds: 10, AverageTalkSeconds: 100}
	grown := later
	grown.LongestWaitSeconds = 65
	nextDay := later
	nextDay.Day = "2026-12-08"
	tests := []struct {
		Name     string     `json:"name"`
		Cur      groupStats `json:"cur"`
		Base     groupStats `json:"base"`
		Observed float64    `json:"observed"`
		Want     groupStats `json:"-"`
	}{
		{Name: "since connecting", Cur: later, Base: base, Observed: 12, Want: groupStats{Day: "2026-12-07", Received: 4, Answered: 3, Abandoned: 1,
			AnsweredInSLA: 3, AbandonedInSLA: 0, Completed: 3, WaitSeconds: 30, TalkSeconds: 300, LongestWaitSeconds: 12,
			ServiceLevel: 100, ServiceLevelAbandons: 75, AverageWaitSeconds: 10, AverageTalkSeconds: 100}},
		{Name: "the day's longest grew", Cur: grown, Base: base, Observed: 12, Want: groupStats{Day: "2026-12-07", Received: 4, Answered: 3, Abandoned: 1,
			AnsweredInSLA: 3, Completed: 3, WaitSeconds: 30, TalkSeconds: 300, LongestWaitSeconds: 65,
			ServiceLevel: 100, ServiceLevelAbandons: 75, AverageWaitSeconds: 10, AverageTalkSeconds: 100}},
		{Name: "nothing since", Cur: base, Base: base, Want: groupStats{Day: "2026-12-07"}},
		{Name: "a new day counts from midnight", Cur: nextDay, Base: base, Observed: 12, Want: nextDay},
	}
	colours := []struct {
		SL       float64 `json:"sl"`
		Target   float64 `json:"target"`
		Margin   float64 `json:"margin"`
		Answered int     `json:"answered"`
		Want     string  `json:"want"`
	}{
		{SL: 80, Target: 80, Margin: 5, Answered: 1, Want: "green"},
		{SL: 79.99, Target: 80, Margin: 5, Answered: 1, Want: "amber"},
		{SL: 75, Target: 80, Margin: 5, Answered: 1, Want: "amber"},
		{SL: 74.99, Target: 80, Margin: 5, Answered: 1, Want: "red"},
		{SL: 100 * 4.0 / 5.0, Target: 80, Margin: 0, Answered: 5, Want: "green"},
		{SL: 0, Target: 80, Margin: 5, Answered: 0, Want: "none"},
	}
	in, _ := json.Marshal(map[string]any{"groups": tests, "colours": colours})
	if err := os.WriteFile(filepath.Join(dir, "in.json"), in, 0o600); err != nil {
		t.Fatal(err)
	}
	writeScript(t, dir, `
import { readFileSync } from 'node:fs';
import { wallboardGroupSince, wallboardAgentSince, wallboardColour } from './pbxagent.mjs';
const input = JSON.parse(readFileSync('in.json', 'utf8'));
const out = {
  groups: input.groups.map((c) => wallboardGroupSince(c.cur, c.base, c.observed)),
  colours: input.colours.map((c) => wallboardColour(c.sl, c.target, c.margin, c.answered)),
  agent: wallboardAgentSince({ user_id: 'a', calls: 6, missed: 1, talk_seconds: 900, pause_seconds: 400, pause_seconds_by_reason: { lunch: 300, '': 100 } },
    { user_id: 'a', calls: 4, missed: 1, talk_seconds: 600, pause_seconds: 300, pause_seconds_by_reason: { lunch: 300 } }),
};
console.log(JSON.stringify(out));
`)
	var out struct {
		Groups  []groupStats
		Colours []string
		Agent   struct {
			Calls                int                `json:"calls"`
			Missed               int                `json:"missed"`
			TalkSeconds          float64            `json:"talk_seconds"`
			PauseSeconds         float64            `json:"pause_seconds"`
			PauseSecondsByReason map[string]float64 `json:"pause_seconds_by_reason"`
		}
	}
	stdout := runScript(t, node, dir, "", false, "node")
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for i, tt := range tests {
		g, w := out.Groups[i], tt.Want
		if g.Day != w.Day || g.Received != w.Received || g.Answered != w.Answered || g.Abandoned != w.Abandoned || g.AnsweredInSLA != w.AnsweredInSLA ||
			g.AbandonedInSLA != w.AbandonedInSLA || g.Completed != w.Completed || !near(g.WaitSeconds, w.WaitSeconds) || !near(g.TalkSeconds, w.TalkSeconds) ||
			!near(g.LongestWaitSeconds, w.LongestWaitSeconds) || !near(g.ServiceLevel, w.ServiceLevel) || !near(g.ServiceLevelAbandons, w.ServiceLevelAbandons) ||
			!near(g.AverageWaitSeconds, w.AverageWaitSeconds) || !near(g.AverageTalkSeconds, w.AverageTalkSeconds) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.Name, g, w)
		}
	}
	for i, c := range colours {
		if out.Colours[i] != c.Want {
			t.Errorf("colour(%v, %v, %v, %d) = %s, want %s", c.SL, c.Target, c.Margin, c.Answered, out.Colours[i], c.Want)
		}
	}
	if a := out.Agent; a.Calls != 2 || a.Missed != 0 || a.TalkSeconds != 300 || a.PauseSeconds != 100 || len(a.PauseSecondsByReason) != 1 || a.PauseSecondsByReason[""] != 100 {
		t.Errorf("agent since %+v", a)
	}
}

// TestWallboardLiveInNode runs wallboard.live() in Node against a
// stand-in of the board's data and the events socket: events of the
// board's groups change the waiting callers and agents at once (another
// group's are ignored), an answered call reads the counters again, and
// view() gives the counters since connecting or since midnight with the
// SLA colour judged on them.
func TestWallboardLiveInNode(t *testing.T) {
	node, dir := moduleFor(t, wallboardDoc(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	serverTime := time.Now().UTC().Truncate(time.Second)
	var mu sync.Mutex
	phase, loads := 1, 0
	socket := make(chan *websocket.Conn, 1)
	var conn *websocket.Conn
	send := func(frames ...any) {
		for _, f := range frames {
			b, _ := json.Marshal(f)
			if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
				t.Errorf("write: %v", err)
			}
		}
	}
	ev := func(seq int, typ string, data map[string]any) map[string]any {
		return map[string]any{"op": "event", "seq": seq, "time": serverTime, "topic": "callgroups", "type": typ, "data": data}
	}
	entered := serverTime.Add(-5 * time.Second).Format(time.RFC3339)
	board := func(p int) map[string]any {
		st := map[string]any{"day": "2026-12-07", "received": 10, "answered": 8, "abandoned": 2, "answered_in_sla": 6, "abandoned_in_sla": 1,
			"completed": 7, "wait_seconds": 80, "talk_seconds": 700, "longest_wait_seconds": 40, "service_level": 75, "service_level_abandons": 70}
		ana := map[string]any{"user_id": "ana", "name": "Ana", "member": true, "state": "available", "state_since": serverTime.Add(-time.Minute), "paused": false,
			"calls": 4, "missed": 0, "talk_seconds": 600, "pause_seconds": 300, "pause_seconds_by_reason": map[string]any{"lunch": 300}}
		if p == 2 {
			st = map[string]any{"day": "2026-12-07", "received": 13, "answered": 10, "abandoned": 3, "answered_in_sla": 7, "abandoned_in_sla": 1,
				"completed": 9, "wait_seconds": 110, "talk_seconds": 900, "longest_wait_seconds": 40, "service_level": 70, "service_level_abandons": 61.5}
			ana["calls"], ana["talk_seconds"] = 6, 800
		}
		active := 0
		if p == 2 {
			active = 1 // the call answered in step 2
		}
		return map[string]any{"wallboard": map[string]any{"id": "w1", "name": "Floor", "groups": []string{"sales"}, "counters_mode": "midnight"},
			"server_time": serverTime, "day": "2026-12-07",
			"groups": []any{map[string]any{"id": "sales", "name": "Sales", "sla_threshold": 20, "sla_target": 80, "amber_margin": 5, "sla_colour": "red",
				"stats": st, "waiting": []any{}, "active": active, "members": []any{}}},
			"agents": []any{ana}}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/events":
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"pbxagent.events"}})
			if err != nil {
				return
			}
			defer c.CloseNow()
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"op":"welcome","seq":100,"topics":["callgroups"],"window":{"events":10000,"seconds":300}}`))
			socket <- c
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
		case "/api/v1/wallboards/w1/data":
			mu.Lock()
			loads++
			p := phase
			mu.Unlock()
			if conn == nil {
				conn = <-socket
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(board(p))
		case "/step1":
			send(ev(101, "callgroup_call_waiting", map[string]any{"id": "c1", "group_id": "sales", "caller_number": "+4144", "position": 1, "entered_at": entered, "ringing": []any{}}),
				ev(102, "callgroup_call_waiting", map[string]any{"id": "x1", "group_id": "other", "caller_number": "+1", "position": 1, "entered_at": entered, "ringing": []any{}}),
				ev(103, "member_state", map[string]any{"group_id": "sales", "user_id": "ana", "name": "Ana", "state": "paused", "paused": true, "pause_reason": "lunch",
					"paused_at": serverTime, "state_since": serverTime}))
			w.WriteHeader(http.StatusNoContent)
		case "/step2":
			mu.Lock()
			phase = 2
			mu.Unlock()
			send(ev(104, "callgroup_call_answered", map[string]any{"id": "c1", "group_id": "sales", "user_id": "ana", "caller_number": "+4144",
				"entered_at": entered, "answered_at": serverTime.Format(time.RFC3339), "call_id": "pbxcall-1"}))
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	writeScript(t, dir, `
import { PbxAgent } from './pbxagent.mjs';
const c = new PbxAgent({ baseUrl: process.argv[2], token: 'wb_t' });
const out = {};
const live = c.wallboard.live('w1', { mode: 'connect', refreshMs: 0, debounceMs: 5 });
const once = (type) => new Promise((resolve) => { const off = live.on(type, (e) => { off(); resolve(e); }); });
await live.ready;
let v = live.view();
out.start = { received: v.groups[0].stats.received, colour: v.groups[0].sla_colour, calls: v.agents[0].calls };
const st = once('member_state');
await fetch(process.argv[2] + '/step1');
await st;
v = live.view();
out.step1 = { waiting: v.groups[0].waiting.map((w) => w.id), wait: v.groups[0].waiting[0].wait_seconds, state: v.agents[0].state, reason: v.agents[0].pause_reason };
await fetch(process.argv[2] + '/step2');
// The counters read again after the answer (an earlier read, after step 1's events, may land first).
while (live.board.groups[0].stats.received !== 13) await once('change');
v = live.view();
const g = v.groups[0];
out.connect = { waiting: g.waiting.length, received: g.stats.received, answered: g.stats.answered, sl: g.stats.service_level, sl2: g.stats.service_level_abandons,
  avgWait: g.stats.average_wait_seconds, avgTalk: g.stats.average_talk_seconds, longest: g.stats.longest_wait_seconds, colour: g.sla_colour, calls: v.agents[0].calls, talk: v.agents[0].talk_seconds, active: g.active };
live.mode = 'midnight';
v = live.view();
out.midnight = { received: v.groups[0].stats.received, colour: v.groups[0].sla_colour, calls: v.agents[0].calls };
out.same = c.wallboard === c.wallboard;
live.close();
console.log(JSON.stringify(out));
`)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct {
		Start struct {
			Received, Calls int
			Colour          string
		}
		Step1 struct {
			Waiting       []string
			Wait          float64
			State, Reason string
		}
		Connect struct {
			Waiting, Received, Answered, Calls, Active int
			SL, SL2, AvgWait, AvgTalk, Longest, Talk   float64
			Colour                                     string
		}
		Midnight struct {
			Received, Calls int
			Colour          string
		}
		Same bool
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "connect mode starts at zero, nothing answered: no colour", ok: out.Start.Received == 0 && out.Start.Calls == 0 && out.Start.Colour == "none"},
		{name: "a caller of the board's group waits; another group's is ignored", ok: len(out.Step1.Waiting) == 1 && out.Step1.Waiting[0] == "c1"},
		{name: "the wait ticks from the server's clock", ok: out.Step1.Wait >= 4 && out.Step1.Wait < 15},
		{name: "member_state pauses the agent at once", ok: out.Step1.State == "paused" && out.Step1.Reason == "lunch"},
		{name: "answered: no longer waiting, one more active", ok: out.Connect.Waiting == 0 && out.Connect.Active == 1},
		{name: "counters since connecting", ok: out.Connect.Received == 3 && out.Connect.Answered == 2 && out.Connect.Calls == 2 && out.Connect.Talk == 200},
		{name: "service levels and averages from the sums", ok: out.Connect.SL == 50 && math.Abs(out.Connect.SL2-100.0/3) < 1e-9 && out.Connect.AvgWait == 15 && out.Connect.AvgTalk == 100},
		{name: "longest wait: seen in the events since", ok: out.Connect.Longest == 5},
		{name: "50 % against 80 − 5: red", ok: out.Connect.Colour == "red"},
		{name: "midnight mode: the day's counters, 70 %: red", ok: out.Midnight.Received == 13 && out.Midnight.Calls == 6 && out.Midnight.Colour == "red"},
		{name: "one wallboard module per client", ok: out.Same},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if loads < 2 {
		t.Errorf("the board was read %d times, want a second read after the answer", loads)
	}
}
