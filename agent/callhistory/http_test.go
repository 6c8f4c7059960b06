package callhistory

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// serve sends one GET to the history API as principal p, through a mux
// that also holds GET /api/v1/calls/{id} (the calls API's), as the daemon's.
func serve(t *testing.T, h *History, p platform.Principal, path string) (int, string) {
	t.Helper()
	mux := http.NewServeMux()
	for _, rt := range NewHandler(h).Routes() {
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	mux.HandleFunc("GET /api/v1/calls/{id}", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "calls/{id}", http.StatusTeapot) })
	req := httptest.NewRequest("GET", path, nil)
	req = req.WithContext(platform.WithPrincipal(req.Context(), p))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

func page(t *testing.T, code int, body string) []string {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var p Page
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if p.Calls == nil {
		t.Fatalf("calls is null: %s", body)
	}
	return ids(p)
}

func seeded(t *testing.T) *History {
	t.Helper()
	h := newHistory(t, Config{})
	ctx := context.Background()
	a := ended("pbxcall-a", "u1", calls.Outbound, "+41441234567", t0, time.Second, time.Minute)
	a.ToName = `Muster AG, "Reception"`
	b := ended("pbxcall-b", "u1", calls.Inbound, "101", t0.Add(time.Hour), -1, 20*time.Second)
	b.From, b.FromName = "=HYPERLINK(\"http://evil/\")", "@SUM(1+1)"
	for _, c := range []calls.Call{a, b, ended("pbxcall-c", "u2", calls.Outbound, "200", t0.Add(2*time.Hour), time.Second, time.Minute)} {
		if _, err := h.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestHistoryAPIWhoSeesWhat(t *testing.T) {
	h := seeded(t)
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	u3 := platform.Principal{Kind: platform.KindSession, UserID: "u3", Role: platform.RoleUser}
	sup := platform.Principal{Kind: platform.KindSession, UserID: "s1", Role: platform.RoleSupervisor, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	admin := platform.Principal{Kind: platform.KindAdminToken}
	app := platform.Principal{Kind: platform.KindApp, AppID: "app1", Granted: []platform.Scope{platform.ScopeCalls}}
	for _, tc := range []struct {
		name string
		p    platform.Principal
		path string
		want []string
	}{
		{name: "own", p: u1, path: "/api/v1/calls/history", want: []string{"pbxcall-b", "pbxcall-a"}},
		{name: "own by id", p: u1, path: "/api/v1/calls/history?user=u1", want: []string{"pbxcall-b", "pbxcall-a"}},
		{name: "another's: empty", p: u1, path: "/api/v1/calls/history?user=u2", want: []string{}},
		{name: "a user without calls", p: u3, path: "/api/v1/calls/history", want: []string{}},
		{name: "supervisor: everyone's", p: sup, path: "/api/v1/calls/history", want: []string{"pbxcall-c", "pbxcall-b", "pbxcall-a"}},
		{name: "supervisor: one user's", p: sup, path: "/api/v1/calls/history?user=u2", want: []string{"pbxcall-c"}},
		{name: "admin token", p: admin, path: "/api/v1/calls/history?user=u1&answered=true", want: []string{"pbxcall-a"}},
		{name: "app without a user", p: app, path: "/api/v1/calls/history", want: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := serve(t, h, tc.p, tc.path)
			if got := page(t, code, body); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHistoryAPIBadFilters(t *testing.T) {
	h := seeded(t)
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	for _, tc := range []struct{ query, field string }{
		{query: "since=yesterday", field: "since"},
		{query: "until=2026-13-01T00:00:00Z", field: "until"},
		{query: "since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", field: "until"},
		{query: "direction=sideways", field: "direction"},
		{query: "answered=maybe", field: "answered"},
		{query: "limit=0", field: "limit"},
		{query: "limit=1001", field: "limit"},
		{query: "limit=ten", field: "limit"},
		{query: "cursor=abc", field: "cursor"},
		{query: "cursor=18a3f1c2b4d5e6f7-bad/id", field: "cursor"},
		{query: "q=" + strings.Repeat("x", 101), field: "q"},
		{query: "user=" + strings.Repeat("u", 129), field: "user"},
	} {
		for _, path := range []string{"/api/v1/calls/history?", "/api/v1/calls/history/export?"} {
			code, body := serve(t, h, u1, path+tc.query)
			var e platform.ErrorBody
			_ = json.Unmarshal([]byte(body), &e)
			if code != http.StatusBadRequest || len(e.Error.Details) == 0 || e.Error.Details[0].Field != tc.field {
				t.Errorf("%s%s: %d %s, want 400 naming %s", path, tc.query, code, body, tc.field)
			}
		}
	}
	// The literal route wins over GET /api/v1/calls/{id}.
	if code, _ := serve(t, h, u1, "/api/v1/calls/pbxcall-a"); code != http.StatusTeapot {
		t.Errorf("GET /api/v1/calls/{id} not reached: %d", code)
	}
}

func TestHistoryCSVExport(t *testing.T) {
	h := seeded(t)
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	code, body := serve(t, h, u1, "/api/v1/calls/history/export")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	if !strings.Contains(body, "\r\n") {
		t.Error("lines do not end with CRLF (RFC 4180)")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the export does not parse: %v\n%s", err, body)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], csvHeader) {
		t.Fatalf("rows %q", rows)
	}
	col := func(row []string, name string) string { return row[slices.Index(csvHeader, name)] }
	b, a := rows[1], rows[2]
	for _, tc := range []struct{ got, want string }{
		{col(a, "id"), "pbxcall-a"},
		{col(a, "to"), "+41441234567"}, // a plain number stays as it is
		{col(a, "to_name"), `Muster AG, "Reception"`},
		{col(a, "created_at"), "2026-12-01T09:00:00Z"},
		{col(a, "answered_at"), "2026-12-01T09:00:01Z"},
		{col(a, "duration"), "59"},
		{col(a, "cause"), "16"},
		{col(b, "from"), `'=HYPERLINK("http://evil/")`},
		{col(b, "from_name"), "'@SUM(1+1)"},
		{col(b, "answered_at"), ""},
		{col(b, "duration"), "0"},
		{col(b, "cause_text"), "no answer"},
		{col(b, "direction"), "inbound"},
	} {
		if tc.got != tc.want {
			t.Errorf("cell %q, want %q", tc.got, tc.want)
		}
	}
	if !strings.Contains(body, `"Muster AG, ""Reception"""`) {
		t.Errorf("quotes and commas not quoted per RFC 4180:\n%s", body)
	}
	// Filters apply; another user's history is empty (the header only).
	if _, body := serve(t, h, u1, "/api/v1/calls/history/export?direction=inbound"); strings.Count(body, "\r\n") != 2 {
		t.Errorf("filtered export:\n%s", body)
	}
	if _, body := serve(t, h, u1, "/api/v1/calls/history/export?user=u2"); strings.Count(body, "\r\n") != 1 {
		t.Errorf("another user's export:\n%s", body)
	}
}

// recorder is a calls.Publisher that notes what reached it and whether
// the record was already written.
type recorder struct {
	h       *History
	events  []string
	written []bool
}

func (r *recorder) Publish(ctx context.Context, _, typ string, _ []string, data any) {
	r.events = append(r.events, typ)
	c, _ := data.(calls.Call)
	p, _ := r.h.List(ctx, Filter{UserID: c.UserID})
	r.written = append(r.written, len(p.Calls) > 0)
}

// TestTeeWritesBeforePublishing: call_ended is recorded before it goes
// out (a client refreshing on it finds the call); other events pass
// untouched.
func TestTeeWritesBeforePublishing(t *testing.T) {
	h := newHistory(t, Config{})
	rec := &recorder{h: h}
	tee := Tee{History: h, Next: rec, Log: quiet()}
	c := ended("pbxcall-1", "u1", calls.Outbound, "200", t0, time.Second, time.Minute)
	live := c
	live.State, live.EndedAt = calls.StateUp, nil
	tee.Publish(context.Background(), calls.TopicCalls, calls.EventAnswered, []string{"u1"}, live)
	tee.Publish(context.Background(), calls.TopicCalls, calls.EventEnded, []string{"u1"}, c)
	if !slices.Equal(rec.events, []string{calls.EventAnswered, calls.EventEnded}) || !slices.Equal(rec.written, []bool{false, true}) {
		t.Errorf("events %v, written %v", rec.events, rec.written)
	}
}
