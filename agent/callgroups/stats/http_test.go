package stats

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/testlab/routetest"
)

func serve(t *testing.T, h *Handler, p platform.Principal, path string) (int, map[string]any) {
	t.Helper()
	rec := routetest.Serve(t, h.Routes(), platform.ScopeCallGroups, p, "GET", path, "")
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: %v: %s", path, err, rec.Body.String())
	}
	return rec.Code, out
}

func errField(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	if len(ds) == 0 {
		return ""
	}
	return ds[0].(map[string]any)["field"].(string)
}

// users lists the user ids of an agents answer.
func users(b map[string]any) []string {
	items, _ := b["items"].([]any)
	out := []string{}
	for _, it := range items {
		out = append(out, it.(map[string]any)["user_id"].(string))
	}
	return out
}

func TestHTTP(t *testing.T) {
	ann := platform.Principal{Kind: platform.KindSession, UserID: "ann", Role: platform.RoleUser}
	boss := platform.Principal{Kind: platform.KindSession, UserID: "boss", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	adminUser := platform.Principal{Kind: platform.KindSession, UserID: "root", Role: platform.RoleAdmin}
	adminToken := platform.Principal{Kind: platform.KindAdminToken}
	clientApp := platform.Principal{Kind: platform.KindApp, AppID: "crm", Granted: []platform.Scope{platform.ScopeCallGroups}}
	tests := []struct {
		name   string
		p      platform.Principal
		path   string
		status int
		field  string
		users  []string // agents answers
		recv   float64  // group answers: received
	}{
		{name: "a group's stats with manage_callcenter", p: boss, path: "/api/v1/callgroups/sales/stats?day=2026-12-07", status: 200, recv: 2},
		{name: "today by default", p: boss, path: "/api/v1/callgroups/sales/stats", status: 200, recv: 2},
		{name: "another day", p: boss, path: "/api/v1/callgroups/sales/stats?day=2026-12-06", status: 200, recv: 0},
		{name: "an admin", p: adminUser, path: "/api/v1/callgroups/sales/stats", status: 200, recv: 2},
		{name: "the admin token", p: adminToken, path: "/api/v1/callgroups/sales/stats", status: 200, recv: 2},
		{name: "a group's stats without the ability", p: ann, path: "/api/v1/callgroups/sales/stats", status: 403},
		{name: "a client app without the ability", p: clientApp, path: "/api/v1/callgroups/sales/stats", status: 403},
		{name: "a bad day names day", p: boss, path: "/api/v1/callgroups/sales/stats?day=07.12.2026", status: 400, field: "day"},
		{name: "an impossible date names day", p: boss, path: "/api/v1/callgroups/sales/stats?day=2026-02-30", status: 400, field: "day"},
		{name: "an unknown group", p: boss, path: "/api/v1/callgroups/nope/stats", status: 404, field: "id"},

		{name: "a user's own stats without user", p: ann, path: "/api/v1/callgroups/stats/agents", status: 200, users: []string{"ann"}},
		{name: "a user's own stats as me", p: ann, path: "/api/v1/callgroups/stats/agents?user=me&group=sales", status: 200, users: []string{"ann"}},
		{name: "a user's own stats by id", p: ann, path: "/api/v1/callgroups/stats/agents?user=ann", status: 200, users: []string{"ann"}},
		{name: "another's stats without the ability", p: ann, path: "/api/v1/callgroups/stats/agents?user=bob", status: 403},
		{name: "another's stats with it", p: boss, path: "/api/v1/callgroups/stats/agents?user=bob", status: 200, users: []string{"bob"}},
		{name: "every member's with it", p: boss, path: "/api/v1/callgroups/stats/agents", status: 200, users: []string{"ann", "bob"}},
		{name: "every member's in a group", p: adminToken, path: "/api/v1/callgroups/stats/agents?group=support", status: 200, users: []string{"bob"}},
		{name: "every member's on a day without any", p: boss, path: "/api/v1/callgroups/stats/agents?day=2026-12-06", status: 200, users: []string{}},
		{name: "me for a principal of no user", p: adminToken, path: "/api/v1/callgroups/stats/agents?user=me", status: 400, field: "user"},
		{name: "a client app's own stats: it has none", p: clientApp, path: "/api/v1/callgroups/stats/agents", status: 403},
		{name: "a bad day on agents", p: ann, path: "/api/v1/callgroups/stats/agents?day=yesterday", status: 400, field: "day"},
		{name: "an unknown group on agents", p: ann, path: "/api/v1/callgroups/stats/agents?group=nope", status: 404, field: "group"},
	}
	r := newRig(t, at(7, 15, 0, 0))
	t0 := at(7, 9, 0, 0)
	r.record(enter(t0, "sales", "c1"), connect(t0.Add(5*time.Second), "sales", "c1", "ann", 5*time.Second),
		enter(t0, "sales", "c2"), connect(t0.Add(5*time.Second), "sales", "c2", "bob", 5*time.Second),
		member(t0, callgroups.VerbPause, "support", "bob", "lunch"))
	h := NewHandler(r.s, WithGroups(func(_ context.Context, id string) bool { return id == "sales" || id == "support" }))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, b := serve(t, h, tt.p, tt.path)
			if code != tt.status || errField(b) != tt.field {
				t.Fatalf("%d %v, want %d naming %q", code, b, tt.status, tt.field)
			}
			if code != 200 {
				return
			}
			if tt.users != nil {
				if got := users(b); !reflect.DeepEqual(got, tt.users) {
					t.Errorf("users %v, want %v", got, tt.users)
				}
				return
			}
			if b["received"] != tt.recv {
				t.Errorf("received %v, want %v (%v)", b["received"], tt.recv, b)
			}
		})
	}
	// bob's pause in progress shows in the support group's list.
	_, b := serve(t, h, boss, "/api/v1/callgroups/stats/agents?group=support")
	item := b["items"].([]any)[0].(map[string]any)
	if item["pause_seconds"] != 6*3600.0 || item["group_id"] != "support" {
		t.Errorf("bob in support: %v", item)
	}
}

// TestOpenAPILint: every route, parameter and field is documented with an
// example its type accepts.
func TestOpenAPILint(t *testing.T) {
	var entries []httpx.Entry
	for _, rt := range NewHandler(New(newKV())).Routes() {
		entries = append(entries, httpx.Entry{Component: "callgroups", Route: rt})
	}
	for _, p := range httpx.LintOpenAPI(entries, httpx.DocInfo{Tags: map[string]string{"callgroups": "Call groups"}}) {
		t.Error(p)
	}
}
