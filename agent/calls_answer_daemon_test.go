package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestCallAnswerThroughDaemon: a click-to-call rings on the owner's desk
// (it does not answer by itself); POST /api/v1/calls/{id}/answer sends the
// Yealink phone the owner owns its answer key through its CTI (at the
// address of its latest phone-book fetch), then the call goes on once the
// phone picks up. A Polycom phone (no remote answer) is 409 "this device
// cannot be answered remotely", a phone the owner does not own is 400, a
// plain user is 404 and a call that is up is 409.
func TestCallAnswerThroughDaemon(t *testing.T) {
	fake, withCTI := yealinkCTI(t)
	srv, base := callsDaemon(t, withCTI,
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/102", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	bob := signIn(t, base, "bob", nil, []string{"PJSIP/102"})
	adm := client{t, base, "test-admin-token"}
	var token string
	for _, ph := range []struct{ mac, vendor, owner string }{
		{mac: "0015654aa937", vendor: "yealink", owner: "cleo"},
		{mac: "0004f2aabbcc", vendor: "polycom", owner: "cleo"},
		{mac: "0015654aa938", vendor: "yealink", owner: "bob"},
	} {
		code, b := adm.do("POST", "/api/v1/phones", "application/json",
			[]byte(`{"mac":"`+ph.mac+`","vendor":"`+ph.vendor+`","owner":"`+ph.owner+`"}`))
		if code != 201 {
			t.Fatalf("register %s: %d %s", ph.mac, code, b)
		}
		if ph.mac == "0015654aa937" {
			token = jsonField(t, b, "token")
		}
	}
	// The phone fetches its book: its address (loopback) is known now.
	if r, err := http.Get(base + "/phonebook/yealink.xml?token=" + token); err != nil || r.StatusCode != 200 {
		t.Fatalf("phone book fetch: %v %v", err, r)
	} else {
		r.Body.Close()
	}

	code, call := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	leg := id + "-u1"
	if _, err := srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" }); err != nil {
		t.Fatalf("the desk never rang: %v", err)
	}
	for _, tc := range []struct {
		name, body string
		as         person
		code       int
		msg        string
	}{
		{name: "another user", as: bob, body: `{}`, code: 404},
		{name: "a phone the owner does not own", as: cleo, body: `{"phone":"0015654aa938"}`, code: 400, msg: `"field":"phone"`},
		{name: "two phones and none named", as: cleo, body: `{}`, code: 400, msg: `"field":"phone"`},
		{name: "a phone without remote answer", as: cleo, body: `{"phone":"00:04:F2:AA:BB:CC"}`, code: 409, msg: "this device cannot be answered remotely"},
	} {
		code, got := tc.as.do("POST", "/api/v1/calls/"+id+"/answer", tc.body)
		if code != tc.code || !strings.Contains(jsonText(got), tc.msg) {
			t.Errorf("%s: %d %v, want %d %q", tc.name, code, got, tc.code, tc.msg)
		}
	}
	if p := fake.Pressed(); len(p) != 0 {
		t.Fatalf("keys pressed before the answer: %v", p)
	}
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/answer", `{"phone":"0015654aa937"}`); code != http.StatusAccepted || got["id"] != id {
		t.Fatalf("answer: %d %v", code, got)
	}
	if p := fake.Pressed(); !slices.Equal(p, []string{"OK"}) || len(fake.Mistakes()) != 0 {
		t.Fatalf("the phone got %v (mistakes %v), want its answer key OK", p, fake.Mistakes())
	}
	// The phone answers as the key tells it.
	if err := srv.PickUp(leg); err != nil {
		t.Fatal(err)
	}
	awaitUp(ctx, t, cleo, id)
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/answer", `{"phone":"0015654aa937"}`); code != 409 {
		t.Errorf("answer of a call that is up: %d %v, want 409", code, got)
	}
}

// jsonField returns the string field name of the JSON object b.
func jsonField(t *testing.T, b []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	s, _ := m[name].(string)
	return s
}
