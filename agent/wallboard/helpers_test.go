package wallboard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/memkv"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// memKV is the shared in-memory KV (testlab/memkv).
type memKV = memkv.KV

func newMemKV() *memKV { return memkv.New() }

// dir is a Directory of fixed people.
type dir map[string]Person

func (d dir) Person(id string) (Person, bool) {
	p, ok := d[id]
	return p, ok
}

// fakeGroups is the call groups as a board reads them.
type fakeGroups struct {
	groups  map[string]callgroups.Group
	members map[string][]callgroups.MemberView
	waiting map[string][]callgroups.WaitingCall
	active  map[string][]callgroups.ActiveCall
}

func (f *fakeGroups) Group(_ context.Context, id string) (callgroups.Group, bool) {
	g, ok := f.groups[id]
	return g, ok
}

func (f *fakeGroups) Members(_ context.Context, id string) ([]callgroups.MemberView, error) {
	if _, ok := f.groups[id]; !ok {
		return nil, callgroups.ErrNotFound
	}
	return f.members[id], nil
}

func (f *fakeGroups) Waiting(_ context.Context, id string) []callgroups.WaitingCall {
	return f.waiting[id]
}

func (f *fakeGroups) Active(_ context.Context, id string) []callgroups.ActiveCall {
	return f.active[id]
}

func (f *fakeGroups) GroupsOf(user string) []string {
	var out []string
	for g, ms := range f.members {
		for _, m := range ms {
			if m.UserID == user {
				out = append(out, g)
			}
		}
	}
	sort.Strings(out)
	return out
}

// fakeStats answers fixed counters.
type fakeStats struct {
	groups map[string]callgroups.GroupStats
	agents map[string]callgroups.AgentStats
	asked  []string // "group:<id>", "agent:<user>/<group>"
	// day, when set, is the day of the group counters (the call groups'
	// time zone, not the daemon's).
	day string
}

func (f *fakeStats) GroupStats(_ context.Context, id string, day time.Time) (callgroups.GroupStats, error) {
	f.asked = append(f.asked, "group:"+id)
	st := f.groups[id]
	st.GroupID, st.Day = id, day.Format(time.DateOnly)
	if f.day != "" {
		st.Day = f.day
	}
	return st, nil
}

func (f *fakeStats) AgentStats(_ context.Context, user, group string, day time.Time) (callgroups.AgentStats, error) {
	f.asked = append(f.asked, "agent:"+user+"/"+group)
	st := f.agents[user]
	st.UserID, st.GroupID, st.Day = user, group, day.Format(time.DateOnly)
	return st, nil
}

// t0 is the rigs' time.
var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// rig is a Service over fakes and the routes behind the daemon's mux.
type rig struct {
	s      *Service
	kv     *memKV
	groups *fakeGroups
	stats  *fakeStats
	clk    *clock.Virtual
	mux    *httpx.Mux
}

// principals are the test callers, by the X-Test-Principal header.
var principals = map[string]platform.Principal{
	"admin":      {Kind: platform.KindSession, UserID: "u-admin", Role: platform.RoleAdmin},
	"manager":    {Kind: platform.KindSession, UserID: "u-mgr", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityManageCallCenter}},
	"supervisor": {Kind: platform.KindSession, UserID: "u-sup", Role: platform.RoleSupervisor},
	"user":       {Kind: platform.KindSession, UserID: "u-user", Role: platform.RoleUser},
	"app":        {Kind: platform.KindApp, AppID: "crm", Granted: []platform.Scope{platform.ScopeCallGroups}},
}

// testAuth gives the principal the X-Test-Principal header names.
type testAuth struct{}

func (testAuth) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	p, ok := principals[r.Header.Get("X-Test-Principal")]
	return p, ok, nil
}

func newRig(t testing.TB) *rig {
	t.Helper()
	r := &rig{kv: newMemKV(), clk: clock.NewVirtual(t0),
		groups: &fakeGroups{
			groups: map[string]callgroups.Group{
				"sales":   {ID: "sales", Name: "Sales", SLAThreshold: 20, SLATarget: 80},
				"support": {ID: "support", Name: "Support", SLAThreshold: 30, SLATarget: 90},
			},
			members: map[string][]callgroups.MemberView{}, waiting: map[string][]callgroups.WaitingCall{}, active: map[string][]callgroups.ActiveCall{},
		},
		stats: &fakeStats{groups: map[string]callgroups.GroupStats{}, agents: map[string]callgroups.AgentStats{}},
	}
	people := dir{"ana": {ID: "ana", Name: "Ana", Extension: "101"}, "bob": {ID: "bob", Name: "Bob", Extension: "102"}, "cy": {ID: "cy", Name: "Cy", Extension: "103"}}
	r.s = New(r.kv, people, WithGroups(r.groups), WithStats(r.stats), WithClock(r.clk))
	if err := r.s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.mux = httpx.New(httpx.WithAuthenticators(r.s, testAuth{}))
	for _, rt := range NewHandler(r.s).Routes() {
		r.mux.Handle("wallboard", rt)
	}
	return r
}

// do sends one request; who is a principals key or "Bearer <token>".
func (r *rig) do(t *testing.T, who, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.HasPrefix(who, "Bearer ") {
		req.Header.Set("Authorization", who)
	} else if who != "" {
		req.Header.Set("X-Test-Principal", who)
	}
	rec := httptest.NewRecorder()
	r.mux.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// errField is the first field an error answer names.
func errField(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	if len(ds) == 0 {
		return ""
	}
	f, _ := ds[0].(map[string]any)["field"].(string)
	return f
}
