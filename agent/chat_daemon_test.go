package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// chatEvent reads c until a chat event and returns its type and data.
func chatEvent(ctx context.Context, t *testing.T, c *websocket.Conn) (string, map[string]any) {
	t.Helper()
	for {
		m := readFrame(ctx, t, c)
		if m["op"] != "event" {
			continue
		}
		if m["topic"] != "chat" {
			t.Fatalf("an event of another topic: %v", m)
		}
		data, _ := m["data"].(map[string]any)
		typ, _ := m["type"].(string)
		return typ, data
	}
}

// TestChatThroughDaemon: two users chat through the REST API and get
// each other's messages, typing and read receipts on the events socket; a
// third user subscribed to chat gets none of them. When the recipient has
// no socket open, the message goes to their desk phone as a SIP MESSAGE
// through ARI (the stand-in records it), counts as delivered (via sip),
// and is waiting in the room list's unread count when they come back.
func TestChatThroughDaemon(t *testing.T) {
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	d, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
		c.Chat.SIPMessages = true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ann := signIn(t, base, "ann", nil, []string{"PJSIP/101"})
	ben := signIn(t, base, "ben", nil, []string{"PJSIP/102"})
	cat := signIn(t, base, "cat", nil, []string{"PJSIP/103"})
	id := func(p person) string {
		_, me := p.do("GET", "/api/v1/users/me", "")
		s, _ := me["id"].(string)
		if s == "" {
			t.Fatalf("no id in %v", me)
		}
		return s
	}
	annID, benID, catID := id(ann), id(ben), id(cat)
	adm := client{t, base, "test-admin-token"}
	if code, b := adm.do("PATCH", "/api/v1/users/"+annID, "application/json", []byte(`{"extensions":["101"],"display_name":"Ann Smith"}`)); code != 200 {
		t.Fatalf("ann's extension: %d %s", code, b)
	}
	annWS, benWS, catWS := ann.events(ctx, "chat"), ben.events(ctx, "chat"), cat.events(ctx, "chat")

	code, room := ann.do("POST", "/api/v1/chat/rooms", `{"members":["`+benID+`"]}`)
	if code != 201 {
		t.Fatalf("create room: %d %v", code, room)
	}
	rid, _ := room["id"].(string)
	for _, ws := range []*websocket.Conn{annWS, benWS} {
		if typ, _ := chatEvent(ctx, t, ws); typ != "room_updated" {
			t.Fatalf("first chat event %s, want room_updated", typ)
		}
	}
	code, msg := ann.do("POST", "/api/v1/chat/rooms/"+rid+"/messages", `{"text":"hello Ben","client_id":"a-1"}`)
	if code != 201 {
		t.Fatalf("send: %d %v", code, msg)
	}
	for _, ws := range []*websocket.Conn{annWS, benWS} {
		typ, data := chatEvent(ctx, t, ws)
		m, _ := data["message"].(map[string]any)
		if typ != "message_received" || m["text"] != "hello Ben" || m["id"] != msg["id"] {
			t.Fatalf("got %s %v", typ, data)
		}
	}
	if code, _ := ben.do("POST", "/api/v1/chat/rooms/"+rid+"/typing", ""); code != 204 {
		t.Fatalf("typing: %d", code)
	}
	if typ, data := chatEvent(ctx, t, annWS); typ != "typing" || data["user_id"] != benID {
		t.Fatalf("ann got %s %v, want ben typing", typ, data)
	}
	if code, v := ben.do("POST", "/api/v1/chat/rooms/"+rid+"/read", `{"up_to":"`+msg["id"].(string)+`"}`); code != 200 || v["unread"] != 0.0 {
		t.Fatalf("read: %d %v", code, v)
	}
	if typ, data := chatEvent(ctx, t, annWS); typ != "message_read" || data["user_id"] != benID || data["up_to"] != msg["id"] {
		t.Fatalf("ann got %s %v, want ben's read receipt", typ, data)
	}
	if code, _ := cat.do("GET", "/api/v1/chat/rooms/"+rid+"/messages", ""); code != 404 {
		t.Fatalf("cat reads the room: %d", code)
	}
	// Nobody had to be sent a SIP MESSAGE: both have a socket open.
	if got := srv.Messages(); len(got) != 0 {
		t.Fatalf("SIP MESSAGEs to users with a socket open: %+v", got)
	}

	// Ben goes offline: the next message goes to his desk phone.
	_ = benWS.Close(websocket.StatusNormalClosure, "")
	for d.sockets.Connected(benID) {
		if ctx.Err() != nil {
			t.Fatal("ben's socket never ends")
		}
		time.Sleep(time.Millisecond)
	}
	code, msg2 := ann.do("POST", "/api/v1/chat/rooms/"+rid+"/messages", `{"text":"are you there?"}`)
	if code != 201 {
		t.Fatalf("send: %d", code)
	}
	if typ, _ := chatEvent(ctx, t, annWS); typ != "message_received" {
		t.Fatalf("ann got %s", typ)
	}
	if typ, data := chatEvent(ctx, t, annWS); typ != "message_delivered" || data["user_id"] != benID || data["via"] != "sip" || data["up_to"] != msg2["id"] {
		t.Fatalf("ann got %s %v, want delivered to ben via sip", typ, data)
	}
	sent := srv.Messages()
	if len(sent) != 1 || sent[0].To != "pjsip:102" || sent[0].Body != "Ann Smith: are you there?" || sent[0].From != "101" {
		t.Fatalf("SIP MESSAGEs: %+v", sent)
	}
	// Back online, ben finds the message in the room list and the page
	// after what he read.
	code, list := ben.do("GET", "/api/v1/chat/rooms", "")
	rooms, _ := list["rooms"].([]any)
	if code != 200 || len(rooms) != 1 || rooms[0].(map[string]any)["unread"] != 1.0 {
		t.Fatalf("ben's rooms: %d %v", code, list)
	}
	code, page := ben.do("GET", "/api/v1/chat/rooms/"+rid+"/messages?after="+msg["id"].(string), "")
	if ms, _ := page["messages"].([]any); code != 200 || len(ms) != 1 || !strings.Contains(jsonText(ms[0]), "are you there?") {
		t.Fatalf("catching up: %d %v", code, page)
	}

	// Cat, subscribed to chat all along, got nothing of ann and ben's
	// room: her first chat event is her own room's.
	if code, _ := cat.do("POST", "/api/v1/chat/rooms", `{"members":["`+annID+`"]}`); code != 201 {
		t.Fatalf("cat's room: %d", code)
	}
	typ, data := chatEvent(ctx, t, catWS)
	r, _ := data["room"].(map[string]any)
	if typ != "room_updated" || r["id"] == rid || !strings.Contains(jsonText(r["members"]), catID) {
		t.Fatalf("cat's first chat event: %s %v", typ, data)
	}
}
