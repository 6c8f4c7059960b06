package browser

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clientUse is TypeScript that uses the generated client's declarations as
// an application would; it must compile under --strict.
const clientUse = `import { PbxAgent, PbxAgentError, type ContactView, type LoginResponse, type LiveCall, type PbxAgentCallsEvent, type Presence, type GroupSummary, type MemberView, type CallGroupLiveView, type PbxAgentCallGroupEvent, type Room, type HotelLiveView, type PbxAgentHotelEvent } from './pbxagent.js';
const api = new PbxAgent({ baseUrl: 'https://pbx.example.com', token: 't' });
export async function use(): Promise<string> {
  const me: LoginResponse = await api.postLogin({}, { username: 'ada', password: 'secret' });
  await api.getContacts({ q: '+387 61', scope: 'global' });
  const c: ContactView = await api.getContactsById({ id: 'x' });
  await api.patchContactsById({ id: c.id }, { company: 'y' });
  await api.postContactsImport({ mode: 'replace', confirm: true }, new Blob(['a,b\n'], { type: 'text/csv' }));
  const csv: string = await api.getContactsExport();
  const gone: void = await api.deleteContactsById({ id: 'x' });
  const stop: () => void = api.subscribe('/api/v1/dialer/stream', (e) => console.log(e.type, e.data));
  stop();
  const events = api.events({ topics: ['calls', 'dialer'], onEvent: (e) => console.log(e.seq + 1, e.topic, e.type), onResync: (r) => console.log(r.seq) });
  const ack = await events.subscribe(['presence']);
  const last: number = events.lastSeq;
  events.close();
  const call = await api.calls.place('200', { device: 'PJSIP/101' });
  const live = api.calls.live({ user: call.user_id, minBackoffMs: 100 });
  const calls: LiveCall[] = await live.ready;
  const off = live.on('call_ended', (e: PbxAgentCallsEvent) => console.log(e.call?.cause, e.calls.length, e.seq));
  live.on('transfer_answered', (e) => console.log(e.transfer?.state, e.call?.activeTransfer?.talking));
  off();
  const tr = await api.calls.transfer(call.id, '300', 'attended');
  await api.calls.swapTransfer(tr.id);
  await api.calls.record(call.id, 'pause');
  const hist = await api.calls.history({ direction: 'inbound', limit: 10 });
  live.close();
  await api.presence.set('dnd', { message: 'Board meeting', until: new Date() });
  const roster: string[] = await api.presence.setRoster([...(await api.presence.roster()), 'u2']);
  await api.presence.setLocation({ lat: 47.3769, lon: 8.5417 }, roster);
  const plive = api.presence.live();
  const seen: Presence[] = await plive.ready;
  plive.on('presence_updated', (e) => console.log(e.user?.state, e.presence.length, e.seq));
  plive.close();
  const who: Presence[] = await api.presence.get(['me', 'u2']);
  const groups: GroupSummary[] = await api.callgroups.list();
  await api.callgroups.create({ id: 'sales', name: 'Sales', strategy: 'leastrecent', members: [{ user_id: 'u2', penalty: 1 }] });
  await api.callgroups.join('sales', { paused: true, reason: 'training' });
  const paused: MemberView = await api.callgroups.pause('sales', 'lunch');
  await api.callgroups.unpauseAll();
  const sl: number = (await api.callgroups.stats('sales', { day: '2026-12-07' })).service_level;
  const mine = await api.callgroups.agentStats({ user: 'me' });
  const glive = api.callgroups.live('sales', { tickMs: 500 });
  const gview: CallGroupLiveView = await glive.ready;
  glive.on('callgroup_call_waiting', (e: PbxAgentCallGroupEvent) => console.log(e.call?.position, e.view.waiting.map((w) => w.wait_seconds)));
  glive.on('member_state', (e) => console.log(e.member?.state, e.member?.removed));
  glive.close();
  const room: Room = await api.hotel.checkIn('101', { name: 'Rossi', first_name: 'Anna', language: 'it', departure: '2026-12-10' });
  await api.hotel.setWakeUp(room.number, '2026-12-08T07:00', { language: 'it' });
  const out = await api.hotel.checkOut(room.number);
  const csvLink: string = api.hotel.csvUrl({ id: out.bill.id });
  await api.hotel.status('101', { dnd: true, class: 'local' });
  const hlive = api.hotel.live({ link: false });
  const hview: HotelLiveView = await hlive.ready;
  hlive.on('room_updated', (e: PbxAgentHotelEvent) => console.log(e.room?.occupancy, e.change, e.source, e.view.rooms.length));
  hlive.close();
  try { await api.getUsersMe(); } catch (e) { if (e instanceof PbxAgentError) return e.code + e.details.map((d) => d.field).join() + e.requestId; }
  return me.csrf_token + c.display_name + csv + String(gone) + ack.topics.join() + last + calls.map((x) => x.state).join() + hist.calls.length + seen.length + who[0].call + groups.length + paused.state + gview.members.length + sl + mine.length + csvLink + hview.wakeups.length;
}
`

// clientMisuse holds mistakes the declarations must refuse, one a line.
var clientMisuse = []string{
	`api.getContactsById({});`,                                                 // a path parameter is required
	`api.getContacts({ bogus: 1 });`,                                           // no such parameter
	`api.postContacts({}, { first_name: 3 });`,                                 // a field of the wrong type
	`const n: number = (await api.getContactsById({ id: 'x' })).display_name;`, // a result's field type
	`api.events({ topics: ['weather'] });`,                                     // no such topic
	`api.calls.record('x', 'begin');`,                                          // no such recording action
	`api.calls.live().on('call_exploded', () => {});`,                          // no such live-view event
	`const s: number = (await api.calls.place('200')).state;`,                  // a call's state is a string
	`api.presence.set('busy');`,                                                // no such presence state
	`api.presence.live().on('presence_exploded', () => {});`,                   // no such presence live-view event
	`api.callgroups.create({ id: 'x', strategy: 'roundrobin' });`,              // no such strategy
	`api.callgroups.live('x').on('callgroup_exploded', () => {});`,             // no such call group live-view event
	`api.callgroups.pause('x', 'lunch', { user: 3 });`,                         // a user is an id
	`api.hotel.housekeeping('101', 'dirty');`,                                  // no such housekeeping state
	`api.hotel.live().on('room_exploded', () => {});`,                          // no such hotel live-view event
}

// TestClientDeclarations compiles TypeScript against web/public/pbxagent.d.ts
// with tsc --strict (npm typescript): the use compiles, and each misuse
// is an error.
func TestClientDeclarations(t *testing.T) {
	_, node := tools(t)
	tsc := filepath.Join("node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		msg := "the client's declarations need npm typescript (npm ci --prefix testlab/browser)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	for _, f := range []string{"pbxagent.js", "pbxagent.d.ts"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "web", "public", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{"use.ts"}
	if err := os.WriteFile(filepath.Join(dir, "use.ts"), []byte(clientUse), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, m := range clientMisuse {
		name := "misuse" + string(rune('a'+i)) + ".ts"
		src := "import { PbxAgent } from './pbxagent.js';\nconst api = new PbxAgent();\nexport async function f(): Promise<void> {\n" + m + "\n}\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	abs, _ := filepath.Abs(tsc)
	args := append([]string{abs, "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--lib", "es2022,dom", "--pretty", "false"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	report := string(out)
	for _, line := range strings.Split(report, "\n") {
		if strings.HasPrefix(line, "use.ts") || strings.HasPrefix(line, "pbxagent.d.ts") {
			t.Errorf("tsc: %s", line)
		}
	}
	for i, m := range clientMisuse {
		if !strings.Contains(report, "misuse"+string(rune('a'+i))+".ts(") {
			t.Errorf("tsc accepted %s", m)
		}
	}
	t.Logf("tsc output:\n%s", report)
}
