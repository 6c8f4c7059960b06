package calls

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// apiCase is one request of TestTransferAPI and what it must answer.
type apiCase struct {
	name         string
	p            platform.Principal
	method, path string
	body         string
	status       int
	fields       []string // the error's detail fields, in order
	check        func(map[string]any) bool
}

func TestTransferAPI(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.eng, fakeDevices{"u1": {"PJSIP/101"}, "u2": {"PJSIP/102"}})
	owner := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	other := platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}
	sup := platform.Principal{Kind: platform.KindSession, UserID: "u9", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	c := e.up()
	base := "/api/v1/calls/" + c.ID + "/transfer"

	fields := func(m map[string]any) []string {
		errObj, _ := m["error"].(map[string]any)
		details, _ := errObj["details"].([]any)
		var out []string
		for _, d := range details {
			f, _ := d.(map[string]any)["field"].(string)
			out = append(out, f)
		}
		return out
	}
	var tid string
	tests := []apiCase{
		{name: "no body", p: owner, method: "POST", path: base, status: 415},
		{name: "bad destination and mode", p: owner, method: "POST", path: base, body: `{"to":"2@x","mode":"warm"}`, status: 400, fields: []string{"to", "mode"}},
		{name: "no mode", p: owner, method: "POST", path: base, body: `{"to":"400"}`, status: 400, fields: []string{"mode"}},
		{name: "unknown field", p: owner, method: "POST", path: base, body: `{"to":"400","mode":"blind","x":1}`, status: 400},
		{name: "another user's call", p: other, method: "POST", path: base, body: `{"to":"400","mode":"attended"}`, status: 404},
		{name: "unknown call", p: owner, method: "POST", path: "/api/v1/calls/pbxcall-nope/transfer", body: `{"to":"400","mode":"attended"}`, status: 404},
		{name: "owner starts one", p: owner, method: "POST", path: base, body: `{"to":"400","mode":"attended"}`, status: 202, check: func(m map[string]any) bool {
			tid, _ = m["id"].(string)
			return m["mode"] == "attended" && m["call_id"] == c.ID && (m["state"] == "ringback" || m["state"] == "starting")
		}},
		{name: "a second one", p: owner, method: "POST", path: base, body: `{"to":"200","mode":"blind"}`, status: 409},
	}
	run := func(tt apiCase) {
		t.Helper()
		code, got := serve(t, h, tt.p, tt.method, tt.path, tt.body)
		if code != tt.status {
			t.Errorf("%s: %d %v, want %d", tt.name, code, got, tt.status)
			return
		}
		if tt.fields != nil {
			if f := fields(got); !slices.Equal(f, tt.fields) {
				t.Errorf("%s: fields %v, want %v", tt.name, f, tt.fields)
			}
		}
		if tt.check != nil && !tt.check(got) {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
	for _, tt := range tests {
		run(tt)
	}
	if tid == "" {
		t.Fatal("no transfer started")
	}
	e.ring(tid + "-to")
	tp := "/api/v1/transfers/" + tid
	for _, tt := range []apiCase{
		{name: "swap while ringing", p: owner, method: "POST", path: tp + "/swap", status: 409},
		{name: "owner reads it", p: owner, method: "GET", path: tp, status: 200, check: func(m map[string]any) bool { return m["id"] == tid }},
		{name: "supervisor reads it", p: sup, method: "GET", path: tp, status: 200},
		{name: "another user's get", p: other, method: "GET", path: tp, status: 404},
		{name: "another user's complete", p: other, method: "POST", path: tp + "/complete", status: 404},
		{name: "another user's cancel", p: other, method: "POST", path: tp + "/cancel", status: 404},
		{name: "another user's swap", p: other, method: "POST", path: tp + "/swap", status: 404},
		{name: "unknown transfer", p: owner, method: "GET", path: "/api/v1/transfers/pbxcall-xfer-nope", status: 404},
	} {
		run(tt)
	}
	if err := e.srv.PickUp(tid + "-to"); err != nil {
		t.Fatal(err)
	}
	e.pub.awaitTransfer(t, EventTransferAnswered, tid)
	for _, tt := range []apiCase{
		{name: "owner swaps", p: owner, method: "POST", path: tp + "/swap", status: 200, check: func(m map[string]any) bool { return m["talking"] == "transferee" }},
		{name: "supervisor swaps back", p: sup, method: "POST", path: tp + "/swap", status: 200, check: func(m map[string]any) bool { return m["talking"] == "recipient" }},
		{name: "supervisor cancels", p: sup, method: "POST", path: tp + "/cancel", status: 200, check: func(m map[string]any) bool { return m["state"] == "cancelled" && m["reason"] == "api" }},
		{name: "complete a cancelled one", p: owner, method: "POST", path: tp + "/complete", status: 409},
		{name: "the call shows its last transfer", p: owner, method: "GET", path: "/api/v1/calls/" + c.ID, status: 200, check: func(m map[string]any) bool { return m["transfer"] == tid && m["state"] == "up" }},
		{name: "owner blind-transfers", p: owner, method: "POST", path: base, body: `{"to":"200","mode":"blind"}`, status: 202, check: func(m map[string]any) bool { return m["mode"] == "blind" }},
	} {
		run(tt)
	}
	if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
		t.Errorf("ended %+v", end)
	}
	e.clk.Advance(3 * time.Second)
	if code, got := serve(t, h, owner, "GET", "/api/v1/calls/"+c.ID, ""); code != http.StatusOK || got["ended_by"] != "transfer" {
		t.Errorf("the call after a blind transfer: %d %v", code, got)
	}
}

func FuzzParseMode(f *testing.F) {
	for _, s := range []string{"blind", "attended", "", "Blind", "warm", "blind\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMode(s)
		if err == nil && m != Blind && m != Attended {
			t.Fatalf("ParseMode(%q) = %q", s, m)
		}
		if err == nil && string(m) != s {
			t.Fatalf("ParseMode(%q) changed it to %q", s, m)
		}
	})
}
