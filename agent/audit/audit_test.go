package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *phonebook.Store {
	t.Helper()
	num, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: t.TempDir(), Numbering: num.Numbering(), MemoryBudget: 16 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newLog(t *testing.T, cfg Config, clk clock.Clock, out *bytes.Buffer) *Log {
	t.Helper()
	if out == nil {
		out = &bytes.Buffer{}
	}
	l, err := New(openStore(t).MetaRange("audit"), cfg, slog.New(slog.NewTextHandler(out, nil)), clk)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func all(t *testing.T, l *Log, f Filter) []Entry {
	t.Helper()
	var out []Entry
	for i := 0; i < 100; i++ {
		p, err := l.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Entries...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
	t.Fatal("paging never ended")
	return nil
}

// mount serves routes the way the daemon does: the route's pattern on a
// mux, the principal in the context (here a fake one), the scope checked,
// then the audit middleware, then the handler.
func mount(l *Log, p platform.Principal, routes []platform.Route) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		h := l.Middleware(rt.Handler)
		scope := rt.Scope
		mux.Handle(rt.Pattern(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := platform.WithRequestID(platform.WithPrincipal(r.Context(), p), "req-"+r.Method)
			r = r.WithContext(ctx)
			if !p.Allows(scope) {
				platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "forbidden", nil)
				return
			}
			h.ServeHTTP(w, r)
		}))
	}
	return mux
}

func TestMiddlewareRecordsChanges(t *testing.T) {
	var logs bytes.Buffer
	clk := clock.NewVirtual(t0)
	l := newLog(t, Config{}, clk, &logs)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { platform.WriteJSON(w, 200, map[string]string{}) })
	routes := []platform.Route{
		{Method: "POST", Path: "/api/v1/contacts", Scope: platform.ScopeContactsWrite, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SetObject(r.Context(), "contact", "01NEW")
			Annotate(r.Context(), "client_secret", "hunter2")
			platform.WriteJSON(w, 201, map[string]string{})
		})},
		{Method: "GET", Path: "/api/v1/contacts", Scope: platform.ScopeContactsRead, Handler: ok},
		{Method: "PATCH", Path: "/api/v1/contacts/{id}", Scope: platform.ScopeContactsWrite, Handler: ok},
		{Method: "DELETE", Path: "/api/v1/contacts/{id}", Scope: platform.ScopeContactsWrite, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			platform.WriteErr(w, r, platform.DiskFull(fmt.Errorf("delete: %w", phonebook.ErrDiskFull)))
		})},
		{Method: "POST", Path: "/api/v1/contacts/import", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			Annotate(r.Context(), "created", "12")
			platform.WriteJSON(w, 200, map[string]string{})
		})},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/start", Scope: platform.ScopeDialer, Handler: ok},
		{Method: "PUT", Path: "/api/v1/phones/{mac}", Scope: platform.ScopeAdmin, Handler: ok},
	}
	user := platform.Principal{Kind: platform.KindAppUser, UserID: "u7", Username: "ana", AppID: "crm", Role: platform.RoleSupervisor, Granted: []platform.Scope{platform.ScopeContactsWrite, platform.ScopeContactsRead, platform.ScopeDialer}}
	admin := platform.Principal{Kind: platform.KindAdminToken}
	do := func(p platform.Principal, method, target string) int {
		r := httptest.NewRequest(method, target, strings.NewReader("{}"))
		r.RemoteAddr = "192.0.2.9:4567"
		w := httptest.NewRecorder()
		mount(l, p, routes).ServeHTTP(w, r)
		clk.Advance(time.Second)
		return w.Code
	}
	do(user, "POST", "/api/v1/contacts")
	do(user, "GET", "/api/v1/contacts")
	do(user, "PATCH", "/api/v1/contacts/01ABC?access_token=s3cr3t")
	do(user, "DELETE", "/api/v1/contacts/01DEF")
	do(admin, "POST", "/api/v1/contacts/import?mode=replace&confirm=true")
	do(user, "POST", "/api/v1/campaigns/c1/start")
	do(admin, "PUT", "/api/v1/phones/0004f2aabbcc")
	do(admin, "POST", "/api/v1/nowhere")

	got := all(t, l, Filter{})
	slices.Reverse(got) // oldest first, as made
	appUser := Actor{Kind: "app_user", UserID: "u7", Username: "ana", AppID: "crm"}
	want := []Entry{
		{Actor: appUser, Action: "contact.create", Object: Object{Type: "contact", ID: "01NEW"}, Result: "ok", Status: 201, RequestID: "req-POST"},
		{Actor: appUser, Action: "contact.update", Object: Object{Type: "contact", ID: "01ABC"}, Result: "ok", Status: 200, RequestID: "req-PATCH"},
		{Actor: appUser, Action: "contact.delete", Object: Object{Type: "contact", ID: "01DEF"}, Result: platform.CodeInsufficientDisk, Status: 507, RequestID: "req-DELETE"},
		{Actor: Actor{Kind: "admin_token"}, Action: "import.replace", Object: Object{Type: "contact"}, Result: "ok", Status: 200, RequestID: "req-POST",
			Details: map[string]string{"mode": "replace", "confirm": "true", "created": "12"}},
		{Actor: appUser, Action: "campaign.start", Object: Object{Type: "campaign", ID: "c1"}, Result: "ok", Status: 200, RequestID: "req-POST"},
		{Actor: Actor{Kind: "admin_token"}, Action: "phone.replace", Object: Object{Type: "phone", ID: "0004f2aabbcc"}, Result: "ok", Status: 200, RequestID: "req-PUT"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Remote != "192.0.2.9" || g.ID == "" || !g.Time.Equal(t0.Add(time.Duration(map[int]int{0: 0, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6}[i])*time.Second)) {
			t.Errorf("entry %d: remote %q id %q time %v", i, g.Remote, g.ID, g.Time)
		}
		g.ID, g.Time, g.Remote = "", time.Time{}, ""
		if g.Details == nil {
			g.Details = map[string]string{}
		}
		if w.Details == nil {
			w.Details = map[string]string{}
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if !bytes.Equal(gj, wj) {
			t.Errorf("entry %d:\n got %s\nwant %s", i, gj, wj)
		}
	}
	// One info line for the import and one for the campaign start.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "action=import.replace") || !strings.Contains(lines[0], "detail.created=12") ||
		!strings.Contains(lines[1], "action=campaign.start") || !strings.Contains(lines[1], "object_id=c1") || !strings.Contains(lines[1], "level=INFO") {
		t.Errorf("info lines:\n%s", logs.String())
	}
	for _, secret := range []string{"hunter2", "s3cr3t"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("secret %q in the log", secret)
		}
		for _, e := range got {
			if b, _ := json.Marshal(e); bytes.Contains(b, []byte(secret)) {
				t.Errorf("secret %q stored: %s", secret, b)
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		method, pattern, action, typ, param string
	}{
		{method: "POST", pattern: "POST /api/v1/contacts", action: "contact.create", typ: "contact"},
		{method: "PUT", pattern: "PUT /api/v1/contacts/{id}", action: "contact.replace", typ: "contact", param: "id"},
		{method: "POST", pattern: "POST /api/v1/contacts/{id}/revert", action: "contact.revert", typ: "contact", param: "id"},
		{method: "POST", pattern: "POST /api/v1/campaigns/{id}/leads/directory", action: "campaign.leads.directory", typ: "campaign", param: "id"},
		{method: "POST", pattern: "POST /api/v1/dnc", action: "dnc.create", typ: "dnc"},
		{method: "POST", pattern: "POST /api/v1/phones/{$}", action: "phone.create", typ: "phone"},
		{method: "POST", pattern: "POST /api/v1/sources/{id}/sync", action: "source.sync", typ: "source", param: "id"},
		{method: "POST", pattern: "POST /api/v1/policies", action: "policy.create", typ: "policy"},
		{method: "DELETE", pattern: "DELETE /files/{path...}", action: "file.delete", typ: "file", param: "path"},
	} {
		action, obj, param := describe(tc.method, tc.pattern)
		if action != tc.action || obj.Type != tc.typ || param != tc.param {
			t.Errorf("describe(%s) = %s %s %s", tc.pattern, action, obj.Type, param)
		}
	}
}

func TestRetentionPrunesOnTheVirtualClock(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(t0)
	l := newLog(t, Config{Retention: 48 * time.Hour, PruneEvery: time.Hour}, clk, nil)
	for day := 0; day < 4; day++ { // entries at t0, t0+1d, t0+2d, t0+3d
		if err := l.Record(ctx, Entry{Action: fmt.Sprintf("day.%d", day), Actor: Actor{Kind: KindCLI}}); err != nil {
			t.Fatal(err)
		}
		if day < 3 {
			clk.Advance(24 * time.Hour)
		}
	}
	// Now t0+3d: day.0 is older than 48 h, day.1 exactly 48 h old stays.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(runCtx) }()
	actions := func() []string {
		var a []string
		for _, e := range all(t, l, Filter{}) {
			a = append(a, e.Action)
		}
		return a
	}
	eventually(t, func() bool { return slices.Equal(actions(), []string{"day.3", "day.2", "day.1"}) }, "prune at start")
	eventually(t, func() bool { return clk.Pending() == 1 }, "Run waits on its timer")
	clk.Advance(time.Hour) // t0+3d+1h: day.1 is now past 48 h
	eventually(t, func() bool { return slices.Equal(actions(), []string{"day.3", "day.2"}) }, "prune an hour later")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFiltersAndPaging(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(t0)
	l := newLog(t, Config{}, clk, nil)
	for i := 0; i < 30; i++ {
		e := Entry{Actor: Actor{Kind: "session", UserID: fmt.Sprintf("u%d", i%3), Username: fmt.Sprintf("user%d", i%3)},
			Action: []string{"contact.create", "contact.delete", "campaign.start"}[i%3], Object: Object{Type: "contact", ID: fmt.Sprintf("c%d", i%5)}, Status: 200}
		if i%4 == 0 {
			e.Result, e.Status = "invalid", 400
		}
		if err := l.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	for _, tc := range []struct {
		name  string
		query string
		want  int
	}{
		{name: "all", query: "", want: 30},
		{name: "actor by user id", query: "actor=u1", want: 10},
		{name: "actor by username", query: "actor=user2", want: 10},
		{name: "actor by kind", query: "actor=session", want: 30},
		{name: "action prefix", query: "action=contact.", want: 20},
		{name: "action exact", query: "action=campaign.start", want: 10},
		{name: "object type", query: "object=contact", want: 30},
		{name: "object id", query: "object=contact/c2", want: 6},
		{name: "errors", query: "result=error", want: 8},
		{name: "error code", query: "result=invalid", want: 8},
		{name: "status", query: "result=200", want: 22},
		{name: "ok", query: "result=ok", want: 22},
		{name: "since", query: "since=" + at(20).Format(time.RFC3339), want: 10},
		{name: "until", query: "until=" + at(5).Format(time.RFC3339), want: 5},
		{name: "window", query: "since=" + at(5).Format(time.RFC3339) + "&until=" + at(15).Format(time.RFC3339), want: 10},
		{name: "combined", query: "actor=u0&result=error", want: 3},
	} {
		for _, limit := range []int{1, 7, 100} {
			q, _ := url.ParseQuery(tc.query)
			f, err := ParseFilter(q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			f.Limit = limit
			got := all(t, l, f)
			if len(got) != tc.want {
				t.Errorf("%s, limit %d: %d entries, want %d", tc.name, limit, len(got), tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].ID >= got[i-1].ID {
					t.Fatalf("%s: not newest first without repeats at %d", tc.name, i)
				}
			}
		}
	}
}

func TestAuditRoute(t *testing.T) {
	l := newLog(t, Config{}, clock.NewVirtual(t0), nil)
	if err := l.Record(context.Background(), Entry{Action: "contact.create", Actor: Actor{Kind: KindCLI}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		p      platform.Principal
		query  string
		status int
		field  string
	}{
		{name: "admin", p: platform.Principal{Kind: platform.KindAdminToken}, status: 200},
		{name: "user", p: platform.Principal{Kind: platform.KindSession, Role: platform.RoleUser}, status: 403},
		{name: "bad since", p: platform.Principal{Kind: platform.KindAdminToken}, query: "?since=yesterday", status: 400, field: "since"},
		{name: "bad limit", p: platform.Principal{Kind: platform.KindAdminToken}, query: "?limit=0", status: 400, field: "limit"},
		{name: "bad cursor", p: platform.Principal{Kind: platform.KindAdminToken}, query: "?cursor=zz", status: 400, field: "cursor"},
	} {
		w := httptest.NewRecorder()
		mount(l, tc.p, l.Routes()).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/audit"+tc.query, nil))
		if w.Code != tc.status {
			t.Errorf("%s: %d %s", tc.name, w.Code, w.Body)
			continue
		}
		switch tc.status {
		case 200:
			var p Page
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Entries) != 1 || p.Entries[0].Actor.Kind != KindCLI {
				t.Errorf("%s: %s", tc.name, w.Body)
			}
		case 400:
			var eb platform.ErrorBody
			if json.Unmarshal(w.Body.Bytes(), &eb) != nil || len(eb.Error.Details) != 1 || eb.Error.Details[0].Field != tc.field {
				t.Errorf("%s: %s", tc.name, w.Body)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{cfg: Config{}},
		{cfg: Config{Retention: 30 * time.Minute}, want: "audit.retention"},
		{cfg: Config{PruneEvery: time.Second}, want: "audit.prune_every"},
	} {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
