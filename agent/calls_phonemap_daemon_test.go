package agent

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestCallAnswerRingingPhoneThroughDaemon: the owner has two desk phones,
// each declaring the endpoint it registers (POST /api/v1/phones
// "endpoints"). A call ringing on both needs "phone" (400); a call ringing
// on one endpoint is answered without "phone" on the phone that registers
// it (the Yealink's CTI gets its answer key, not the Polycom), and the
// user's leg carried the auto-answer header of the phone's vendor only.
func TestCallAnswerRingingPhoneThroughDaemon(t *testing.T) {
	fake, withCTI := yealinkCTI(t)
	srv, base := callsDaemon(t, withCTI,
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/104", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101", "PJSIP/104"})
	signIn(t, base, "bob", nil, []string{"PJSIP/102"})
	adm := client{t, base, "test-admin-token"}
	var token string
	for _, ph := range []struct{ body, want string }{
		{body: `{"mac":"0004f2aabbcc","vendor":"polycom","owner":"cleo","endpoints":["PJSIP/101"]}`, want: "201"},
		{body: `{"mac":"0015654aa937","vendor":"yealink","owner":"cleo","endpoints":["pjsip/104"]}`, want: "201"},
		// Bob's endpoint on Cleo's phone, an endpoint on two phones.
		{body: `{"mac":"0015654aa938","vendor":"yealink","owner":"cleo","endpoints":["PJSIP/102"]}`, want: "422"},
		{body: `{"mac":"0015654aa938","vendor":"yealink","owner":"bob","endpoints":["PJSIP/104"]}`, want: "422"},
		{body: `{"mac":"0015654aa938","vendor":"yealink","endpoints":["PJSIP/104"]}`, want: "409"},
	} {
		code, b := adm.do("POST", "/api/v1/phones", "application/json", []byte(ph.body))
		if strconv.Itoa(code) != ph.want {
			t.Fatalf("register %s: %d %s, want %s", ph.body, code, b, ph.want)
		}
		if strings.Contains(ph.body, "0015654aa937") {
			token = jsonField(t, b, "token")
		}
	}
	if r, err := http.Get(base + "/phonebook/yealink.xml?token=" + token); err != nil || r.StatusCode != 200 {
		t.Fatalf("phone book fetch: %v %v", err, r)
	} else {
		r.Body.Close()
	}

	// Both desks ring: which one?
	code, call := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	for _, leg := range []string{id + "-u1", id + "-u2"} {
		if _, err := srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" }); err != nil {
			t.Fatalf("%s never rang: %v", leg, err)
		}
	}
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/answer", `{}`); code != 400 || !strings.Contains(jsonText(got), `"field":"phone"`) {
		t.Errorf("two ringing phones: %d %v, want 400 naming phone", code, got)
	}
	if code, _ := cleo.do("DELETE", "/api/v1/calls/"+id, ""); code != 200 {
		t.Fatalf("hang up: %d", code)
	}

	// Only the Yealink's endpoint rings: it is the one.
	code, call = cleo.do("POST", "/api/v1/calls", `{"to":"200","device":"PJSIP/104"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ = call["id"].(string)
	leg, err := srv.AwaitChannel(ctx, id+"-u1", func(s fakeari.ChannelSnapshot) bool { return s.State == "Ringing" })
	if err != nil {
		t.Fatalf("the desk never rang: %v", err)
	}
	if leg.Variables["PJSIP_HEADER(add,Alert-Info)"] == "" || leg.Variables["PJSIP_HEADER(add,Call-Info)"] != "" {
		t.Errorf("the Yealink's leg carried %v, want Alert-Info only", leg.Variables)
	}
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/answer", ``); code != http.StatusAccepted || got["id"] != id {
		t.Fatalf("answer without phone: %d %v", code, got)
	}
	if p := fake.Pressed(); !slices.Equal(p, []string{"OK"}) || len(fake.Mistakes()) != 0 {
		t.Fatalf("the phone got %v (mistakes %v), want its answer key OK", p, fake.Mistakes())
	}
	if err := srv.PickUp(id + "-u1"); err != nil {
		t.Fatal(err)
	}
	awaitUp(ctx, t, cleo, id)
}
