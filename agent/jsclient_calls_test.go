package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/jsclient"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// nodeClient writes the JavaScript client generated from d's OpenAPI
// document as pbxagent.mjs and script as run.mjs in a new folder, runs
// the script in Node with args (WebSocket enabled on Node 20) and returns
// what it printed. Without Node the test is skipped (failed under CI=true).
func nodeClient(t *testing.T, d *Daemon, script string, args ...string) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not on PATH")
		}
		t.Skip("node is not on PATH")
	}
	js, _, err := jsclient.Generate(httpx.OpenAPI(d.Mux().Routes(), openAPIInfo()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"pbxagent.mjs": js, "run.mjs": []byte(script)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Generous: CI runs this beside other packages on two cores. A script
	// that hangs says where through what it printed on stderr.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	flags := []string{}
	if out, _ := exec.CommandContext(ctx, node, "-e", "process.stdout.write(typeof WebSocket)").Output(); string(out) != "function" {
		flags = append(flags, "--experimental-websocket") // Node 20
	}
	cmd := exec.CommandContext(ctx, node, append(append(flags, "run.mjs"), args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

// TestJSCallsModuleRoutes: each method of the client's calls module,
// generated from the daemon's own OpenAPI document, sends the request of
// its route (method, path, query, body), through a fetch that records.
func TestJSCallsModuleRoutes(t *testing.T) {
	d, _ := ariDaemon(t)
	script := `
import { PbxAgent } from './pbxagent.mjs';
const sent = [];
const fetch = async (url, init) => {
  const u = new URL(url);
  sent.push(init.method + ' ' + u.pathname + u.search + (init.body ? ' ' + init.body : ''));
  const body = u.pathname === '/api/v1/calls' && init.method === 'GET' ? '{"calls":[{"id":"c1"}]}' : '{}';
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
};
const calls = new PbxAgent({ baseUrl: 'http://pbx.test', token: 't', fetch }).calls;
const out = {};
await calls.place('+41441234567', { device: 'PJSIP/101' });
await calls.place('200');
out.list = (await calls.list({ user: 'u1' })).map((c) => c.id);
await calls.get('c/1');
await calls.hangup('c1');
await calls.answer('c1', { phone: '0015654aa937' });
await calls.answer('c1');
await calls.hold('c1');
await calls.resume('c1');
await calls.mute('c1');
await calls.unmute('c1');
await calls.dtmf('c1', '12#');
await calls.record('c1');
await calls.record('c1', 'stop');
await calls.transfer('c1', '400', 'attended');
await calls.transfer('c1', '400');
await calls.getTransfer('t1');
await calls.completeTransfer('t1');
await calls.cancelTransfer('t1');
await calls.swapTransfer('t1');
await calls.park('c1');
await calls.pickup('c1', { device: 'PJSIP/102' });
await calls.pickup('c1');
await calls.history({ direction: 'inbound', limit: 5 });
await calls.exportHistory({ q: 'ada' });
out.sent = sent;
console.log(JSON.stringify(out));
`
	var out struct {
		List []string
		Sent []string
	}
	stdout := nodeClient(t, d, script)
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	want := []string{
		`POST /api/v1/calls {"to":"+41441234567","device":"PJSIP/101"}`,
		`POST /api/v1/calls {"to":"200"}`,
		`GET /api/v1/calls?user=u1`,
		`GET /api/v1/calls/c%2F1`,
		`DELETE /api/v1/calls/c1`,
		`POST /api/v1/calls/c1/answer {"phone":"0015654aa937"}`,
		`POST /api/v1/calls/c1/answer {}`,
		`POST /api/v1/calls/c1/hold`,
		`POST /api/v1/calls/c1/resume`,
		`POST /api/v1/calls/c1/mute`,
		`POST /api/v1/calls/c1/unmute`,
		`POST /api/v1/calls/c1/dtmf {"digits":"12#"}`,
		`POST /api/v1/calls/c1/record {"action":"start"}`,
		`POST /api/v1/calls/c1/record {"action":"stop"}`,
		`POST /api/v1/calls/c1/transfer {"to":"400","mode":"attended"}`,
		`POST /api/v1/calls/c1/transfer {"to":"400","mode":"blind"}`,
		`GET /api/v1/transfers/t1`,
		`POST /api/v1/transfers/t1/complete`,
		`POST /api/v1/transfers/t1/cancel`,
		`POST /api/v1/transfers/t1/swap`,
		`POST /api/v1/calls/c1/park`,
		`POST /api/v1/calls/c1/pickup {"device":"PJSIP/102"}`,
		`POST /api/v1/calls/c1/pickup {}`,
		`GET /api/v1/calls/history?direction=inbound&limit=5`,
		`GET /api/v1/calls/history/export?q=ada`,
	}
	if strings.Join(out.Sent, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(out.Sent, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(out.List, ",") != "c1" {
		t.Errorf("list: %v, want the calls of the answer", out.List)
	}
}

// TestJSCallsLiveThroughDaemon runs the calls module in Node against the
// daemon on the ARI stand-in, as a small app does: a user signs in (the
// session cookie), opens a live view, places a call and follows it up,
// holds and resumes it, transfers it attended and completes the transfer
// once the recipient answered; the view shows each state, the transfer
// attached to its call (the call held while the user consults the
// recipient), and drops the call at its end.
func TestJSCallsLiveThroughDaemon(t *testing.T) {
	_, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"),
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}),
		fakeari.WithPeer("PJSIP/400", fakeari.Fixed{Outcome: fakeari.Answer}))
	d, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
	})
	signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	script := `
import { PbxAgent } from './pbxagent.mjs';
const base = process.argv[2];
let cookie = '';
// Node's fetch keeps no cookies: this one keeps the session's.
const fetchWithCookie = async (url, init) => {
  const h = new Headers(init.headers);
  if (cookie) h.set('Cookie', cookie);
  const res = await fetch(url, { ...init, headers: h });
  const set = res.headers.getSetCookie();
  if (set.length) cookie = set.map((s) => s.split(';')[0]).join('; ');
  return res;
};
// The socket with the session cookie, from the daemon's own origin.
class SessionSocket extends WebSocket {
  constructor(url, protocols) { super(url, { protocols, headers: { Cookie: cookie, Origin: base } }); }
}
const api = new PbxAgent({ baseUrl: base, fetch: fetchWithCookie });
await api.postLogin({}, { username: 'cleo', password: 'correct horse battery' });
const live = api.calls.live({ WebSocket: SessionSocket });
const out = { types: [], states: [] };
live.on('error', (e) => out.error = String(e.error && e.error.message));
const until = (pred) => new Promise((resolve) => {
  const check = () => { if (pred()) { off(); resolve(); } };
  const off = live.on('change', check);
  check();
});
out.first = (await live.ready).length;
const seen = [];
for (const type of ['call_created', 'call_answered', 'call_held', 'call_resumed', 'transfer_created', 'transfer_answered', 'transfer_completed', 'call_ended']) {
  live.on(type, (e) => { seen.push({ type, id: e.call && e.call.id }); if (type === 'call_ended') out.endedBy = e.call.ended_by; });
}
// The states of every call, followed from before the call is placed (it
// may be up by the time place() answers).
const statesOf = new Map();
live.on('change', () => {
  const push = (id, s) => { const l = statesOf.get(id) || []; if (l[l.length - 1] !== s) l.push(s); statesOf.set(id, l); };
  for (const c of live.calls) push(c.id, c.state + (c.activeTransfer ? '+' + c.activeTransfer.state : ''));
  for (const id of statesOf.keys()) if (!live.get(id)) push(id, 'gone');
});
const step = (s) => console.error('step: ' + s);
step('place');
const call = await api.calls.place('200');
step('placed ' + call.id);
await until(() => live.get(call.id) && live.get(call.id).state === 'up');
step('up');
await api.calls.hold(call.id);
await until(() => live.get(call.id).state === 'held');
step('held');
await api.calls.resume(call.id);
await until(() => live.get(call.id).state === 'up');
step('resumed');
const tr = await api.calls.transfer(call.id, '400', 'attended');
step('transfer ' + tr.id);
await until(() => { const c = live.get(call.id); return c && c.activeTransfer && c.activeTransfer.state === 'answered'; });
out.transfer = live.get(call.id).activeTransfer.id === tr.id;
step('transfer answered');
await api.calls.completeTransfer(tr.id);
await until(() => !live.get(call.id));
step('call gone');
out.left = live.calls.length;
out.states = statesOf.get(call.id) || [];
out.types = seen.filter((e) => e.id === call.id).map((e) => e.type);
live.close();
out.state = live.state;
console.log(JSON.stringify(out));
`
	stdout := nodeClient(t, d, script, base)
	var out struct {
		First, Left   int
		Types, States []string
		Transfer      bool
		EndedBy       string
		State, Error  string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	types := strings.Join(out.Types, ",")
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "empty at first", ok: out.First == 0},
		{name: "the call's events in order", ok: strings.HasPrefix(types, "call_created,") && strings.Contains(types, "call_answered") &&
			strings.Contains(types, "call_held,call_resumed,transfer_created") && strings.HasSuffix(types, "transfer_answered,transfer_completed,call_ended")},
		{name: "states followed", ok: strings.Contains(strings.Join(out.States, ","), "up,held,up,") && out.States[len(out.States)-1] == "gone"},
		{name: "the transfer attached to its call", ok: out.Transfer && strings.Contains(strings.Join(out.States, ","), "held+answered")},
		{name: "ended by the transfer and gone", ok: out.EndedBy == "transfer" && out.Left == 0},
		{name: "closed, no error", ok: out.State == "closed" && out.Error == ""},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s", c.name, stdout)
		}
	}
}
