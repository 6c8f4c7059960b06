package callgroups

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/routetest"
)

var apiT0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// apiServe sends one request to the handler's routes as p and answers
// the status and the decoded body.
func apiServe(t *testing.T, h *Handler, p platform.Principal, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := routetest.Serve(t, h.Routes(), platform.ScopeCallGroups, p, method, path, body)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// apiErrField is the first field an error body names ("" none).
func apiErrField(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	if len(ds) == 0 {
		return ""
	}
	return ds[0].(map[string]any)["field"].(string)
}

func apiUser(id string, ab ...platform.Ability) platform.Principal {
	return platform.Principal{Kind: platform.KindSession, UserID: id, Username: id, Role: platform.RoleUser, Abilities: ab}
}

var (
	apiAdmin      = platform.Principal{Kind: platform.KindSession, UserID: "root", Username: "root", Role: platform.RoleAdmin}
	apiAdminToken = platform.Principal{Kind: platform.KindAdminToken}
	apiSuper      = apiUser("sue", platform.AbilityManageCallCenter)
	apiClientApp  = platform.Principal{Kind: platform.KindApp, AppID: "crm", Granted: []platform.Scope{platform.ScopeCallGroups}}
	// An app acting for an administrator with callgroups only: it reads
	// as the administrator (who holds manage_callcenter) but does not
	// configure groups, which needs the admin scope.
	apiAppForAdmin = platform.Principal{Kind: platform.KindAppUser, UserID: "root", Role: platform.RoleAdmin, AppID: "crm", Granted: []platform.Scope{platform.ScopeCallGroups}}
)

// apiRig is a fake service with two groups: sales (ana static, carl
// dynamic) and support (nobody), and a handler over it on a virtual clock.
func apiRig(t *testing.T) (*httpFake, *Handler, *clock.Virtual) {
	t.Helper()
	f := newHTTPFake()
	f.groups["sales"] = Group{ID: "sales", Name: "Sales", Strategy: LeastRecent, Numbers: []string{"600"}}
	f.groups["support"] = Group{ID: "support", Name: "Support", Strategy: RingAll}
	f.members["sales"] = []MemberView{
		{Member: Member{UserID: "ana"}, Name: "Ana", State: StateAvailable},
		{Member: Member{UserID: "carl", Dynamic: true}, Name: "Carl", State: StateTalking},
	}
	clk := clock.NewVirtual(apiT0)
	return f, NewHandler(f, WithHTTPClock(clk)), clk
}

// TestHTTPAuthz: who may do what (Wildix's rule: without
// manage_callcenter one acts on oneself only; groups are configured by
// administrators), and every refusal names the field or parameter.
func TestHTTPAuthz(t *testing.T) {
	ana, bob := apiUser("ana"), apiUser("bob")
	group := `{"id":"new","name":"New","strategy":"linear"}`
	pause := `{"paused":true,"reason":"lunch"}`
	tests := []struct {
		name   string
		p      platform.Principal
		method string
		path   string
		body   string
		status int
		field  string
		log    string // what the service was asked, if anything
	}{
		{name: "a member reads their group", p: ana, method: "GET", path: "/api/v1/callgroups/sales", status: 200},
		{name: "a non-member does not see a group", p: bob, method: "GET", path: "/api/v1/callgroups/sales", status: 404, field: "id"},
		{name: "a supervisor sees every group", p: apiSuper, method: "GET", path: "/api/v1/callgroups/support", status: 200},
		{name: "an unknown group", p: apiAdmin, method: "GET", path: "/api/v1/callgroups/nope", status: 404, field: "id"},
		{name: "a non-member does not see the members", p: bob, method: "GET", path: "/api/v1/callgroups/sales/members", status: 404, field: "id"},
		{name: "a non-member does not see the calls", p: bob, method: "GET", path: "/api/v1/callgroups/sales/calls", status: 404, field: "id"},
		{name: "a member sees the calls", p: ana, method: "GET", path: "/api/v1/callgroups/sales/calls", status: 200},
		{name: "a client-credentials app holds no ability", p: apiClientApp, method: "GET", path: "/api/v1/callgroups/sales", status: 404, field: "id"},

		{name: "a user does not create groups", p: ana, method: "POST", path: "/api/v1/callgroups", body: group, status: 403},
		{name: "a supervisor does not create groups", p: apiSuper, method: "POST", path: "/api/v1/callgroups", body: group, status: 403},
		{name: "an app for an administrator without the admin scope does not", p: apiAppForAdmin, method: "POST", path: "/api/v1/callgroups", body: group, status: 403},
		{name: "an administrator creates a group", p: apiAdmin, method: "POST", path: "/api/v1/callgroups", body: group, status: 201, log: "create new"},
		{name: "the admin token creates a group", p: apiAdminToken, method: "POST", path: "/api/v1/callgroups", body: group, status: 201, log: "create new"},
		{name: "the service's error names the field", p: apiAdmin, method: "POST", path: "/api/v1/callgroups", body: `{"name":"x"}`, status: 400, field: "id"},
		{name: "a bad strategy from the service", p: apiAdmin, method: "POST", path: "/api/v1/callgroups", body: `{"id":"x","strategy":"roundrobin"}`, status: 400, field: "strategy"},
		{name: "an unknown field", p: apiAdmin, method: "POST", path: "/api/v1/callgroups", body: `{"id":"x","queue":"x"}`, status: 400, field: "queue"},
		{name: "a badly typed field", p: apiAdmin, method: "POST", path: "/api/v1/callgroups", body: `{"id":"x","ring_timeout":"15"}`, status: 400, field: "ring_timeout"},
		{name: "an id taken", p: apiAdmin, method: "POST", path: "/api/v1/callgroups", body: `{"id":"sales"}`, status: 409, field: "id"},
		{name: "an administrator updates a group", p: apiAdmin, method: "PUT", path: "/api/v1/callgroups/sales", body: `{"name":"Sales EU"}`, status: 200, log: "update sales Sales EU"},
		{name: "the body's id must be the path's", p: apiAdmin, method: "PUT", path: "/api/v1/callgroups/sales", body: `{"id":"other"}`, status: 400, field: "id"},
		{name: "updating an unknown group", p: apiAdmin, method: "PUT", path: "/api/v1/callgroups/nope", body: `{"name":"x"}`, status: 404, field: "id"},
		{name: "a supervisor does not update groups", p: apiSuper, method: "PUT", path: "/api/v1/callgroups/sales", body: `{"name":"x"}`, status: 403},
		{name: "a supervisor does not delete groups", p: apiSuper, method: "DELETE", path: "/api/v1/callgroups/sales", status: 403},
		{name: "an administrator deletes a group", p: apiAdmin, method: "DELETE", path: "/api/v1/callgroups/sales", status: 204, log: "delete sales"},
		{name: "deleting an unknown group", p: apiAdmin, method: "DELETE", path: "/api/v1/callgroups/nope", status: 404, field: "id"},

		{name: "a user joins a group", p: bob, method: "POST", path: "/api/v1/callgroups/support/members", body: `{}`, status: 201, log: `add support bob penalty=0 paused=false reason=""`},
		{name: "a user joins as me, paused", p: bob, method: "POST", path: "/api/v1/callgroups/support/members", body: `{"user_id":"me","penalty":2,"paused":true,"reason":"training"}`, status: 201,
			log: `add support bob penalty=2 paused=true reason="training"`},
		{name: "a user does not add another", p: bob, method: "POST", path: "/api/v1/callgroups/support/members", body: `{"user_id":"ana"}`, status: 403, field: "user_id"},
		{name: "a supervisor adds another", p: apiSuper, method: "POST", path: "/api/v1/callgroups/support/members", body: `{"user_id":"ana"}`, status: 201, log: `add support ana penalty=0 paused=false reason=""`},
		{name: "joining an unknown group", p: bob, method: "POST", path: "/api/v1/callgroups/nope/members", body: `{}`, status: 404, field: "id"},
		{name: "joining twice", p: ana, method: "POST", path: "/api/v1/callgroups/sales/members", body: `{}`, status: 409, field: "user_id"},
		{name: "a reason without a pause", p: bob, method: "POST", path: "/api/v1/callgroups/support/members", body: `{"reason":"x"}`, status: 400, field: "reason"},
		{name: "a reason with the queue_log's separator", p: bob, method: "POST", path: "/api/v1/callgroups/support/members", body: `{"paused":true,"reason":"a|b"}`, status: 400, field: "reason"},
		{name: "an app acting for no user names the member", p: apiClientApp, method: "POST", path: "/api/v1/callgroups/support/members", body: `{}`, status: 403, field: "user_id"},

		{name: "a dynamic member leaves", p: apiUser("carl"), method: "DELETE", path: "/api/v1/callgroups/sales/members/me", status: 204, log: "remove sales carl"},
		{name: "a static member cannot leave", p: ana, method: "DELETE", path: "/api/v1/callgroups/sales/members/me", status: 400, field: "user"},
		{name: "a user does not remove another", p: ana, method: "DELETE", path: "/api/v1/callgroups/sales/members/carl", status: 403, field: "user"},
		{name: "a supervisor removes another", p: apiSuper, method: "DELETE", path: "/api/v1/callgroups/sales/members/carl", status: 204, log: "remove sales carl"},
		{name: "leaving a group one is not in", p: bob, method: "DELETE", path: "/api/v1/callgroups/sales/members/me", status: 404, field: "user"},
		{name: "leaving an unknown group", p: bob, method: "DELETE", path: "/api/v1/callgroups/nope/members/me", status: 404, field: "id"},

		{name: "a member pauses themself", p: ana, method: "PUT", path: "/api/v1/callgroups/sales/members/me/pause", body: pause, status: 200, log: `pause "sales" ana true "lunch"`},
		{name: "a member unpauses themself by id", p: ana, method: "PUT", path: "/api/v1/callgroups/sales/members/ana/pause", body: `{"paused":false}`, status: 200, log: `pause "sales" ana false ""`},
		{name: "paused is required", p: ana, method: "PUT", path: "/api/v1/callgroups/sales/members/me/pause", body: `{"reason":"lunch"}`, status: 400, field: "paused"},
		{name: "a reason too long", p: ana, method: "PUT", path: "/api/v1/callgroups/sales/members/me/pause", body: `{"paused":true,"reason":"` + strings.Repeat("x", MaxPauseReason+1) + `"}`, status: 400, field: "reason"},
		{name: "a user does not pause another", p: ana, method: "PUT", path: "/api/v1/callgroups/sales/members/carl/pause", body: pause, status: 403, field: "user"},
		{name: "a supervisor pauses another", p: apiSuper, method: "PUT", path: "/api/v1/callgroups/sales/members/carl/pause", body: pause, status: 200, log: `pause "sales" carl true "lunch"`},
		{name: "pausing a non-member", p: apiSuper, method: "PUT", path: "/api/v1/callgroups/sales/members/bob/pause", body: pause, status: 404, field: "user"},
		{name: "pausing in an unknown group", p: ana, method: "PUT", path: "/api/v1/callgroups/nope/members/me/pause", body: pause, status: 404, field: "id"},
		{name: "a pause needs JSON", p: ana, method: "PUT", path: "/api/v1/callgroups/sales/members/me/pause", status: 415},

		{name: "pausing oneself everywhere", p: ana, method: "PUT", path: "/api/v1/users/me/callgroups/pause", body: pause, status: 200, log: `pause "" ana true "lunch"`},
		{name: "pausing everywhere for no user", p: apiClientApp, method: "PUT", path: "/api/v1/users/me/callgroups/pause", body: pause, status: 403, field: "user"},
		{name: "pausing everywhere names paused", p: ana, method: "PUT", path: "/api/v1/users/me/callgroups/pause", body: `{}`, status: 400, field: "paused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, h, _ := apiRig(t)
			code, b := apiServe(t, h, tt.p, tt.method, tt.path, tt.body)
			if code != tt.status || apiErrField(b) != tt.field {
				t.Errorf("%d %v, want %d naming %q", code, b, tt.status, tt.field)
			}
			got := strings.Join(f.log, "; ")
			if got != tt.log {
				t.Errorf("the service was asked %q, want %q", got, tt.log)
			}
		})
	}
}

// TestHTTPList: each caller sees the groups they may, with the waiting
// callers, the longest wait at the handler's clock, members available and
// their own membership.
func TestHTTPList(t *testing.T) {
	f, h, clk := apiRig(t)
	f.waiting["sales"] = []WaitingCall{
		{ID: "c1", GroupID: "sales", CallerNumber: "+41445551234", Position: 1, EnteredAt: apiT0},
		{ID: "c2", GroupID: "sales", CallerNumber: "+41445559999", Position: 2, EnteredAt: apiT0.Add(30 * time.Second)},
	}
	f.active["sales"] = []ActiveCall{{ID: "c0", GroupID: "sales", UserID: "carl", EnteredAt: apiT0.Add(-time.Minute), AnsweredAt: apiT0.Add(-50 * time.Second)}}
	clk.Advance(42500 * time.Millisecond)
	type summary struct {
		ID                 string      `json:"id"`
		Waiting            int         `json:"waiting"`
		LongestWaitSeconds float64     `json:"longest_wait_seconds"`
		Active             int         `json:"active"`
		Available          int         `json:"available"`
		Me                 *MemberView `json:"me"`
	}
	list := func(p platform.Principal) []summary {
		t.Helper()
		code, b := apiServe(t, h, p, "GET", "/api/v1/callgroups", "")
		if code != 200 {
			t.Fatalf("%d %v", code, b)
		}
		raw, _ := json.Marshal(b["groups"])
		var out []summary
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		if b["server_time"] != "2026-12-07T12:00:42.5Z" {
			t.Errorf("server_time %v", b["server_time"])
		}
		return out
	}
	ids := func(s []summary) string {
		var out []string
		for _, g := range s {
			out = append(out, g.ID)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name string
		p    platform.Principal
		want string
	}{
		{name: "a member: their groups", p: apiUser("ana"), want: "sales"},
		{name: "a user in no group: none", p: apiUser("bob"), want: ""},
		{name: "a supervisor: every group", p: apiSuper, want: "sales,support"},
		{name: "an administrator: every group", p: apiAdmin, want: "sales,support"},
		{name: "the admin token: every group", p: apiAdminToken, want: "sales,support"},
		{name: "a client-credentials app: none (no ability)", p: apiClientApp, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(list(tt.p)); got != tt.want {
				t.Errorf("%q, want %q", got, tt.want)
			}
		})
	}
	s := list(apiUser("ana"))[0]
	if s.Waiting != 2 || s.LongestWaitSeconds != 42.5 || s.Active != 1 || s.Available != 1 {
		t.Errorf("sales: %+v", s)
	}
	if s.Me == nil || s.Me.UserID != "ana" || s.Me.State != StateAvailable {
		t.Errorf("me: %+v", s.Me)
	}
	if s := list(apiSuper)[0]; s.Me != nil {
		t.Errorf("a supervisor who is no member has me: %+v", s.Me)
	}
}

// TestHTTPView: GET /api/v1/callgroups/{id} and /calls give waits and talk
// times at the handler's clock, the members live, and lists (never null).
func TestHTTPView(t *testing.T) {
	f, h, clk := apiRig(t)
	f.waiting["sales"] = []WaitingCall{{ID: "c1", GroupID: "sales", CallerNumber: "+41445551234", Position: 1, EnteredAt: apiT0, Ringing: []string{"ana"}}}
	f.active["sales"] = []ActiveCall{{ID: "c0", CallID: "pbxcall-1", GroupID: "sales", UserID: "carl", EnteredAt: apiT0.Add(-time.Minute), AnsweredAt: apiT0.Add(-50 * time.Second)}}
	clk.Advance(12 * time.Second)
	code, b := apiServe(t, h, apiUser("ana"), "GET", "/api/v1/callgroups/sales", "")
	if code != 200 {
		t.Fatalf("%d %v", code, b)
	}
	raw, _ := json.Marshal(b)
	var v GroupView
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v.Group.ID != "sales" || v.Group.Strategy != LeastRecent || len(v.Members) != 2 || v.Members[1].State != StateTalking {
		t.Errorf("group or members: %+v", v)
	}
	if len(v.Waiting) != 1 || v.Waiting[0].WaitSeconds != 12 || v.Waiting[0].Ringing[0] != "ana" {
		t.Errorf("waiting: %+v", v.Waiting)
	}
	if len(v.Active) != 1 || v.Active[0].TalkSeconds != 62 || v.Active[0].CallID != "pbxcall-1" {
		t.Errorf("active: %+v", v.Active)
	}
	if !v.ServerTime.Equal(apiT0.Add(12 * time.Second)) {
		t.Errorf("server_time %v", v.ServerTime)
	}
	for _, k := range []string{"numbers", "join_empty", "leave_when_empty", "members"} {
		if b["group"].(map[string]any)[k] == nil {
			t.Errorf("group.%s is null", k)
		}
	}
	code, b = apiServe(t, h, apiAdmin, "GET", "/api/v1/callgroups/support", "")
	if code != 200 || b["waiting"] == nil || b["active"] == nil || b["members"] == nil {
		t.Errorf("an empty group: %d %v", code, b)
	}
	clk.Advance(time.Second)
	code, b = apiServe(t, h, apiSuper, "GET", "/api/v1/callgroups/sales/calls", "")
	w, _ := b["waiting"].([]any)
	if code != 200 || len(w) != 1 || w[0].(map[string]any)["wait_seconds"] != 13.0 {
		t.Errorf("calls: %d %v", code, b)
	}
}

// TestHTTPPauseEverywhere: PUT /api/v1/users/me/callgroups/pause answers
// the memberships paused; a member of no group gets an empty list.
func TestHTTPPauseEverywhere(t *testing.T) {
	f, h, _ := apiRig(t)
	f.members["support"] = []MemberView{{Member: Member{UserID: "ana", Dynamic: true}, State: StateAvailable}}
	code, b := apiServe(t, h, apiUser("ana"), "PUT", "/api/v1/users/me/callgroups/pause", `{"paused":true,"reason":"meeting"}`)
	ms, _ := b["members"].([]any)
	if code != 200 || len(ms) != 2 {
		t.Fatalf("%d %v", code, b)
	}
	for _, m := range ms {
		if m := m.(map[string]any); m["paused"] != true || m["pause_reason"] != "meeting" || m["state"] != "paused" {
			t.Errorf("member %v", m)
		}
	}
	code, b = apiServe(t, h, apiUser("bob"), "PUT", "/api/v1/users/me/callgroups/pause", `{"paused":true}`)
	if ms, ok := b["members"].([]any); code != 200 || !ok || len(ms) != 0 {
		t.Errorf("a member of no group: %d %v", code, b)
	}
}

// TestHTTPRoutesDocumented: every route has an operation id, a summary and
// its success answer documented.
func TestHTTPRoutesDocumented(t *testing.T) {
	_, h, _ := apiRig(t)
	seen := map[string]bool{}
	for _, rt := range h.Routes() {
		if rt.Op.ID == "" || rt.Op.Summary == "" || seen[rt.Op.ID] {
			t.Errorf("%s: operation %q %q", rt.Pattern(), rt.Op.ID, rt.Op.Summary)
		}
		seen[rt.Op.ID] = true
		ok := false
		for code := range rt.Op.Responses {
			ok = ok || code/100 == 2
		}
		if !ok {
			t.Errorf("%s: no success answer documented", rt.Pattern())
		}
	}
	if len(seen) != 11 {
		t.Errorf("%d routes", len(seen))
	}
}

func TestValidReason(t *testing.T) {
	tests := []struct {
		name, reason string
		ok           bool
	}{
		{name: "empty", reason: "", ok: true},
		{name: "words", reason: "lunch break", ok: true},
		{name: "non-ASCII", reason: "Mittagspause ☕", ok: true},
		{name: "the longest", reason: strings.Repeat("é", MaxPauseReason), ok: true},
		{name: "too long", reason: strings.Repeat("e", MaxPauseReason+1)},
		{name: "the queue_log separator", reason: "a|b"},
		{name: "a newline", reason: "a\nb"},
		{name: "invalid UTF-8", reason: "a\xffb"},
	}
	for _, tt := range tests {
		if err := ValidReason(tt.reason); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// FuzzValidReason: an accepted reason is short, valid UTF-8 and holds no
// character that would break a queue_log line.
func FuzzValidReason(f *testing.F) {
	for _, s := range []string{"", "lunch", "a|b", "x\r\ny", "\xff", strings.Repeat("z", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidReason(s) != nil {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxPauseReason || strings.ContainsAny(s, "|\n\r\x00") {
			t.Errorf("accepted %q", s)
		}
	})
}

// TestHTTPCreateDefaults: the fields a body leaves out reach the service
// with their documented defaults, not 0.
func TestHTTPCreateDefaults(t *testing.T) {
	f, h, _ := apiRig(t)
	if code, b := apiServe(t, h, apiAdmin, "POST", "/api/v1/callgroups", `{"id":"new","wrapup_time":10}`); code != 201 {
		t.Fatalf("%d %v", code, b)
	}
	g := f.groups["new"]
	if g.RingTimeout != DefaultRingTimeout || g.RetryDelay != DefaultRetryDelay || g.SLAThreshold != DefaultSLAThreshold ||
		g.SLATarget != DefaultSLATarget || g.ShortAbandon != DefaultShortAbandon || g.Hold != HoldMOH || g.WrapUp != 10 {
		t.Errorf("%+v", g)
	}
	if code, b := apiServe(t, h, apiAdmin, "PUT", "/api/v1/callgroups/new", `{"name":"New","sla_target":90}`); code != 200 {
		t.Fatalf("%d %v", code, b)
	}
	if g := f.groups["new"]; g.ID != "new" || g.RingTimeout != DefaultRingTimeout || g.SLATarget != 90 || g.WrapUp != 0 {
		t.Errorf("after PUT: %+v", g)
	}
}
