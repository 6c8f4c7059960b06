package agent

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSChatModuleRoutes: each method of the client's chat module,
// generated from the daemon's own OpenAPI document, sends the request of
// its route (method, path, query, body), through a fetch that records.
func TestJSChatModuleRoutes(t *testing.T) {
	d, _ := testDaemon(t, nil)
	script := `
import { PbxAgent } from './pbxagent.mjs';
const sent = [];
const fetch = async (url, init) => {
  const u = new URL(url);
  sent.push(init.method + ' ' + u.pathname + u.search + (init.body ? ' ' + init.body : ''));
  const body = u.pathname === '/api/v1/chat/rooms' && init.method === 'GET' ? '{"rooms":[{"id":"r1"}]}'
    : u.pathname === '/api/v1/chat/users' ? '{"users":[{"id":"u2"}]}' : '{}';
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
};
const chat = new PbxAgent({ baseUrl: 'http://pbx.test', token: 't', fetch }).chat;
const out = {};
out.users = (await chat.users()).map((u) => u.id);
out.rooms = (await chat.rooms()).map((r) => r.id);
await chat.room('r1');
await chat.open('u2');
await chat.createGroup('Desk', ['u2', 'u3']);
await chat.update('r1', { name: 'Front' });
await chat.messages('r1', { before: 'm9', limit: 20 });
await chat.messages('r1');
await chat.send('r1', 'hi', { clientId: 'k1' });
await chat.edit('r1', 'm1', 'hello');
await chat.remove('r1', 'm1');
await chat.read('r1', 'm2');
await chat.delivered('r1', 'm2');
await chat.typing('r1');
const sentBefore = sent.length;
await chat.send('r1', 'again');
out.madeUpClientID = JSON.parse(sent[sentBefore].split(' ').slice(2).join(' ')).client_id.startsWith('js-');
out.sent = sent.slice(0, sentBefore);
console.log(JSON.stringify(out));
`
	var out struct {
		Users, Rooms   []string
		MadeUpClientID bool
		Sent           []string
	}
	stdout := nodeClient(t, d, script)
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	want := []string{
		`GET /api/v1/chat/users`,
		`GET /api/v1/chat/rooms`,
		`GET /api/v1/chat/rooms/r1`,
		`POST /api/v1/chat/rooms {"kind":"direct","members":["u2"]}`,
		`POST /api/v1/chat/rooms {"kind":"group","name":"Desk","members":["u2","u3"]}`,
		`PATCH /api/v1/chat/rooms/r1 {"name":"Front"}`,
		`GET /api/v1/chat/rooms/r1/messages?before=m9&limit=20`,
		`GET /api/v1/chat/rooms/r1/messages`,
		`POST /api/v1/chat/rooms/r1/messages {"text":"hi","client_id":"k1"}`,
		`PATCH /api/v1/chat/rooms/r1/messages/m1 {"text":"hello"}`,
		`DELETE /api/v1/chat/rooms/r1/messages/m1`,
		`POST /api/v1/chat/rooms/r1/read {"up_to":"m2"}`,
		`POST /api/v1/chat/rooms/r1/delivered {"up_to":"m2"}`,
		`POST /api/v1/chat/rooms/r1/typing`,
	}
	if strings.Join(out.Sent, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(out.Sent, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(out.Users, ",") != "u2" || strings.Join(out.Rooms, ",") != "r1" || !out.MadeUpClientID {
		t.Errorf("answers: %+v", out)
	}
}
