package agent

import (
	"context"
	"testing"
	"time"
)

// TestCallGroupsAPIDaemon drives the call groups API of a daemon (the
// real ACD): an administrator creates a group; a user sees nothing until
// they join, then pauses themself (member_state reaches them on the
// socket), cannot configure groups nor pause another; a supervisor
// (manage_callcenter) sees every group and unpauses them; the user
// leaves and no longer sees the group.
func TestCallGroupsAPIDaemon(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	if code, b := adm.do("POST", "/api/v1/callgroups", "application/json",
		[]byte(`{"id":"sales","name":"Sales","strategy":"linear","numbers":["600"]}`)); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	ana := signIn(t, base, "ana", nil, nil)
	sue := signIn(t, base, "sue", []string{"manage_callcenter"}, nil)
	_, me := ana.do("GET", "/api/v1/users/me", "")
	anaID, _ := me["id"].(string)
	groups := func(p person) []any {
		t.Helper()
		code, b := p.do("GET", "/api/v1/callgroups", "")
		if code != 200 {
			t.Fatalf("list: %d %v", code, b)
		}
		gs, _ := b["groups"].([]any)
		return gs
	}
	if gs := groups(ana); len(gs) != 0 {
		t.Errorf("ana sees %v before joining", gs)
	}
	if code, b := ana.do("POST", "/api/v1/callgroups/sales/members", `{}`); code != 201 || b["user_id"] != anaID || b["dynamic"] != true {
		t.Fatalf("join: %d %v", code, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := ana.events(ctx, "callgroups")
	if code, b := ana.do("PUT", "/api/v1/callgroups/sales/members/me/pause", `{"paused":true,"reason":"lunch"}`); code != 200 || b["paused"] != true || b["pause_reason"] != "lunch" {
		t.Fatalf("pause: %d %v", code, b)
	}
	for {
		m := readFrame(ctx, t, ws)
		if m["type"] != "member_state" {
			continue
		}
		d, _ := m["data"].(map[string]any)
		if d["group_id"] == "sales" && d["user_id"] == anaID && d["paused"] == true && d["pause_reason"] == "lunch" {
			break
		}
	}
	gs := groups(ana)
	if len(gs) != 1 {
		t.Fatalf("ana sees %v", gs)
	}
	if mine, _ := gs[0].(map[string]any)["me"].(map[string]any); mine["paused"] != true || mine["state"] != "offline" { // no phone registered: offline comes first
		t.Errorf("ana's membership: %v", gs[0])
	}
	refusals := []struct {
		name, method, path, body string
		status                   int
	}{
		{name: "a user does not create groups", method: "POST", path: "/api/v1/callgroups", body: `{"id":"mine"}`, status: 403},
		{name: "a user does not change groups", method: "PUT", path: "/api/v1/callgroups/sales", body: `{"name":"x"}`, status: 403},
		{name: "a user does not pause another", method: "PUT", path: "/api/v1/callgroups/sales/members/someone/pause", body: `{"paused":true}`, status: 403},
		{name: "a reason with the queue_log separator", method: "PUT", path: "/api/v1/callgroups/sales/members/me/pause", body: `{"paused":true,"reason":"a|b"}`, status: 400},
	}
	for _, r := range refusals {
		if code, b := ana.do(r.method, r.path, r.body); code != r.status {
			t.Errorf("%s: %d %v", r.name, code, b)
		}
	}
	if gs := groups(sue); len(gs) != 1 {
		t.Errorf("the supervisor sees %v", gs)
	}
	if code, b := sue.do("PUT", "/api/v1/callgroups/sales/members/"+anaID+"/pause", `{"paused":false}`); code != 200 || b["paused"] != false {
		t.Errorf("the supervisor unpauses ana: %d %v", code, b)
	}
	if code, b := adm.do("POST", "/api/v1/callgroups", "application/json", []byte(`{"id":"Bad Id"}`)); code != 400 {
		t.Errorf("a bad id: %d %s", code, b)
	}
	if code, _ := ana.do("DELETE", "/api/v1/callgroups/sales/members/me", ""); code != 204 {
		t.Errorf("leave: %d", code)
	}
	// A static member does not leave by themself: the error names the
	// route's parameter.
	if code, b := adm.do("PUT", "/api/v1/callgroups/support", "application/json", []byte(`{"members":[{"user_id":"`+anaID+`"}]}`)); code != 404 {
		t.Errorf("updating a group that does not exist: %d %s", code, b)
	}
	if code, b := adm.do("POST", "/api/v1/callgroups", "application/json", []byte(`{"id":"support","members":[{"user_id":"`+anaID+`","penalty":2}]}`)); code != 201 {
		t.Fatalf("create support: %d %s", code, b)
	}
	if code, b := ana.do("DELETE", "/api/v1/callgroups/support/members/me", ""); code != 400 || apiField(b) != "user" {
		t.Errorf("a static member leaves: %d %v", code, b)
	}
	if code, _ := ana.do("GET", "/api/v1/callgroups/sales", ""); code != 404 {
		t.Errorf("ana still sees the group after leaving: %d", code)
	}
}

// apiField is the first field an error body names.
func apiField(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	if len(ds) == 0 {
		return ""
	}
	f, _ := ds[0].(map[string]any)["field"].(string)
	return f
}
