package chat

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// mux serves the chat routes as the daemon does (without authorisation:
// the principal is put in the request).
func mux(s *Service) http.Handler {
	m := http.NewServeMux()
	for _, r := range NewHandler(s).Routes() {
		m.Handle(r.Pattern(), r.Handler)
	}
	return m
}

func TestAPI(t *testing.T) {
	e := newEnv(t, Config{MaxMessageBytes: 20, RatePerMinute: 60, Burst: 3})
	h := mux(e.s)
	w := call(t, h, alice, "POST", "/api/v1/chat/rooms", `{"members":["`+bob+`"]}`)
	if w.Code != 201 {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var room RoomView
	_ = json.Unmarshal(w.Body.Bytes(), &room)
	if w = call(t, h, bob, "POST", "/api/v1/chat/rooms", `{"kind":"direct","members":["`+alice+`"]}`); w.Code != 200 {
		t.Fatalf("the pair's room again: %d", w.Code)
	}
	base := "/api/v1/chat/rooms/" + room.ID
	w = call(t, h, alice, "POST", base+"/messages", `{"text":"hi Bob","client_id":"k1"}`)
	if w.Code != 201 {
		t.Fatalf("send: %d %s", w.Code, w.Body)
	}
	var m Message
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	if w = call(t, h, alice, "POST", base+"/messages", `{"text":"hi Bob","client_id":"k1"}`); w.Code != 200 || !strings.Contains(w.Body.String(), m.ID) {
		t.Fatalf("retry: %d %s", w.Code, w.Body)
	}
	for _, tc := range []struct {
		name, user, method, path, body string
		status                         int
		field                          string
	}{
		{name: "non-member reads the room", user: carol, method: "GET", path: base, status: 404},
		{name: "non-member reads messages", user: carol, method: "GET", path: base + "/messages", status: 404},
		{name: "non-member sends", user: carol, method: "POST", path: base + "/messages", body: `{"text":"x"}`, status: 404},
		{name: "non-member sends garbage", user: carol, method: "POST", path: base + "/messages", body: `{`, status: 404},
		{name: "non-member edits", user: carol, method: "PATCH", path: base + "/messages/" + m.ID, body: `{"text":"x"}`, status: 404},
		{name: "non-member deletes", user: carol, method: "DELETE", path: base + "/messages/" + m.ID, status: 404},
		{name: "non-member reads receipts", user: carol, method: "POST", path: base + "/read", body: `{"up_to":"` + m.ID + `"}`, status: 404},
		{name: "non-member types", user: carol, method: "POST", path: base + "/typing", status: 404},
		{name: "non-member renames", user: carol, method: "PATCH", path: base, body: `{"name":"x"}`, status: 404},
		{name: "another's message edited", user: bob, method: "PATCH", path: base + "/messages/" + m.ID, body: `{"text":"x"}`, status: 403},
		{name: "another's message deleted", user: bob, method: "DELETE", path: base + "/messages/" + m.ID, status: 403},
		{name: "unknown message", user: alice, method: "DELETE", path: base + "/messages/01jeq7h2b3c4d5e6f7g8h9j0zz", status: 404},
		{name: "text too long", user: alice, method: "POST", path: base + "/messages", body: `{"text":"012345678901234567890"}`, status: 422, field: "text"},
		{name: "body far too large", user: alice, method: "POST", path: base + "/messages", body: `{"text":"` + strings.Repeat("x", 2000) + `"}`, status: 413},
		{name: "unknown field", user: alice, method: "POST", path: base + "/messages", body: `{"txt":"x"}`, status: 400, field: "txt"},
		{name: "bad limit", user: alice, method: "GET", path: base + "/messages?limit=0", status: 400, field: "limit"},
		{name: "bad cursor", user: alice, method: "GET", path: base + "/messages?before=zz", status: 400, field: "before"},
		{name: "bad up_to", user: bob, method: "POST", path: base + "/read", body: `{"up_to":"x"}`, status: 400, field: "up_to"},
		{name: "read", user: bob, method: "POST", path: base + "/read", body: `{"up_to":"` + m.ID + `"}`, status: 200},
		{name: "delivered", user: bob, method: "POST", path: base + "/delivered", body: `{"up_to":"` + m.ID + `"}`, status: 200},
		{name: "typing", user: bob, method: "POST", path: base + "/typing", status: 204},
		{name: "edit", user: alice, method: "PATCH", path: base + "/messages/" + m.ID, body: `{"text":"hi, Bob"}`, status: 200},
		{name: "search", user: bob, method: "GET", path: base + "/messages?q=BOB&limit=5", status: 200},
		{name: "list", user: bob, method: "GET", path: "/api/v1/chat/rooms", status: 200},
		{name: "users", user: bob, method: "GET", path: "/api/v1/chat/users", status: 200},
		{name: "no user", user: "", method: "GET", path: "/api/v1/chat/rooms", status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := call(t, h, tc.user, tc.method, tc.path, tc.body)
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.field != "" && !strings.Contains(w.Body.String(), `"field":"`+tc.field+`"`) {
				t.Fatalf("error does not name %s: %s", tc.field, w.Body)
			}
		})
	}
	// Rate limit: the burst is 3 and one was sent (the retry is free).
	call(t, h, alice, "POST", base+"/messages", `{"text":"two"}`)
	call(t, h, alice, "POST", base+"/messages", `{"text":"three"}`)
	w = call(t, h, alice, "POST", base+"/messages", `{"text":"four"}`)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("over the rate: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	e.clk.Advance(time.Second)
	if w = call(t, h, alice, "POST", base+"/messages", `{"text":"four"}`); w.Code != 201 {
		t.Fatalf("after Retry-After: %d", w.Code)
	}
	var list RoomList
	_ = json.Unmarshal(call(t, h, bob, "GET", "/api/v1/chat/rooms", "").Body.Bytes(), &list)
	if len(list.Rooms) != 1 || list.Rooms[0].Unread != 3 {
		t.Fatalf("bob's list: %+v", list)
	}
}
