package presence

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/testlab/routetest"
)

// serve sends one request to the handler's routes as p.
func serve(t *testing.T, h *Handler, p platform.Principal, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := routetest.Serve(t, h.Routes(), "", p, method, path, body)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
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

func TestHTTPAuthz(t *testing.T) {
	ana := user("ana")
	bob := user("bob")
	cidChanger := user("cid")
	cidChanger.Abilities = []platform.Ability{platform.AbilityChangePresence}
	appForAna := platform.Principal{Kind: platform.KindAppUser, UserID: "ana", Role: platform.RoleUser, AppID: "crm", Granted: []platform.Scope{platform.ScopePresence}}
	clientApp := platform.Principal{Kind: platform.KindApp, AppID: "crm", Granted: []platform.Scope{platform.ScopePresence}}
	admin := platform.Principal{Kind: platform.KindAdminToken}
	dnd := `{"state":"dnd"}`
	tests := []struct {
		name   string
		p      platform.Principal
		method string
		path   string
		body   string
		status int
		field  string
	}{
		{name: "a user sets their own state", p: ana, method: "PUT", path: "/api/v1/users/me/presence", body: dnd, status: 200},
		{name: "an app token for a user sets the user's state", p: appForAna, method: "PUT", path: "/api/v1/users/me/presence", body: dnd, status: 200},
		{name: "a client-credentials app has no me", p: clientApp, method: "PUT", path: "/api/v1/users/me/presence", body: dnd, status: 403},
		{name: "another user's state without change_presence", p: bob, method: "PUT", path: "/api/v1/users/ana/presence", body: dnd, status: 403},
		{name: "another user's state with change_presence", p: cidChanger, method: "PUT", path: "/api/v1/users/ana/presence", body: dnd, status: 200},
		{name: "the admin token holds change_presence", p: admin, method: "PUT", path: "/api/v1/users/ana/presence", body: dnd, status: 200},
		{name: "one's own state by id needs no ability", p: bob, method: "PUT", path: "/api/v1/users/bob/presence", body: dnd, status: 200},
		{name: "an unknown user", p: admin, method: "PUT", path: "/api/v1/users/zed/presence", body: dnd, status: 404},
		{name: "a bad state names the field", p: ana, method: "PUT", path: "/api/v1/users/me/presence", body: `{"state":"gone"}`, status: 400, field: "state"},
		{name: "an unknown field", p: ana, method: "PUT", path: "/api/v1/users/me/presence", body: `{"state":"dnd","mood":"x"}`, status: 400, field: "mood"},
		{name: "a bad users list", p: ana, method: "GET", path: "/api/v1/presence?users=ana,,bob", status: 400, field: "users"},
		{name: "an unknown user in the list", p: ana, method: "GET", path: "/api/v1/presence?users=zed", status: 404, field: "users"},
		{name: "me for a principal acting for no user", p: admin, method: "GET", path: "/api/v1/presence?users=me", status: 400, field: "users"},
		{name: "a bad location names the field", p: ana, method: "PUT", path: "/api/v1/users/me/location", body: `{"location":{"lat":0,"lon":200},"share_with":[]}`, status: 400, field: "location.lon"},
		{name: "a roster for no user", p: clientApp, method: "GET", path: "/api/v1/users/me/roster", status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			code, b := serve(t, NewHandler(r.s), tt.p, tt.method, tt.path, tt.body)
			if code != tt.status || errField(b) != tt.field {
				t.Errorf("%d %v, want %d naming %q", code, b, tt.status, tt.field)
			}
		})
	}
}

// TestHTTPList: without users, a user gets themself and their roster, a
// principal acting for no user everyone; the location only where shared.
func TestHTTPList(t *testing.T) {
	r := newRig(t)
	h := NewHandler(r.s)
	if code, _ := serve(t, h, user("bob"), "PUT", "/api/v1/users/me/roster", `{"users":["ana"]}`); code != 200 {
		t.Fatal("roster")
	}
	if code, _ := serve(t, h, user("ana"), "PUT", "/api/v1/users/me/location", `{"location":{"lat":47.37,"lon":8.54},"share_with":["bob"]}`); code != 200 {
		t.Fatal("location")
	}
	ids := func(b map[string]any) (out []string, located []string) {
		for _, it := range b["items"].([]any) {
			m := it.(map[string]any)
			out = append(out, m["user_id"].(string))
			if m["location"] != nil {
				located = append(located, m["user_id"].(string))
			}
		}
		return out, located
	}
	_, b := serve(t, h, user("bob"), "GET", "/api/v1/presence", "")
	if got, loc := ids(b); strings.Join(got, ",") != "bob,ana" || strings.Join(loc, ",") != "ana" {
		t.Errorf("bob: %v located %v", got, loc)
	}
	_, b = serve(t, h, user("cid"), "GET", "/api/v1/presence?users=ana", "")
	if _, loc := ids(b); len(loc) != 0 {
		t.Errorf("cid sees ana's location")
	}
	_, b = serve(t, h, platform.Principal{Kind: platform.KindAdminToken}, "GET", "/api/v1/presence", "")
	if got, loc := ids(b); strings.Join(got, ",") != "ana,bob,cid" || len(loc) != 0 {
		t.Errorf("admin token: %v located %v", got, loc)
	}
}
