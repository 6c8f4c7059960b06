package recordings

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/audit"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// auditLog is an Auditor that keeps the entries.
type auditLog struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (a *auditLog) Record(_ context.Context, e audit.Entry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

type env struct {
	t   *testing.T
	clk *clock.Virtual
	srv *fakeari.Server
	cli *ari.Conn
	svc *Service
	aud *auditLog
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	clk := clock.NewVirtual(t0)
	srv, u := fakeari.StartTest(t, fakeari.WithClock(clk))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cli, err := ari.New(u, ari.WithAuth("asterisk", "asterisk"), ari.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	num, err := number.New(number.Config{DefaultRegion: "CH"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: t.TempDir(), Numbering: num.Numbering(), MemoryBudget: 16 << 20, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	aud := &auditLog{}
	svc, err := New(st.MetaRange("recordings").(KV), cli.Recordings(), cfg, WithLogger(log), WithClock(clk), WithAuditor(aud))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clk: clk, srv: srv, cli: cli, svc: svc, aud: aud}
}

// record makes a stored recording of length in the stand-in (a bridge
// recorded, then stopped) and tells the service, as the calls engine
// does; it answers the recording's name. With length 0 the recording is
// left in progress.
func (e *env) record(callID, userID string, started time.Time, length time.Duration) string {
	e.t.Helper()
	ctx := context.Background()
	name := callID + "-1"
	if err := e.svc.RecordingStarted(ctx, calls.RecordingInfo{Name: name, Format: "wav", CallID: callID, UserID: userID,
		Direction: calls.Outbound, From: "101", To: "200", StartedAt: started}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.cli.Bridges().Create(ctx, ari.BridgeRequest{ID: callID + "-bridge", Type: []string{"mixing"}}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.cli.Bridges().Record(ctx, callID+"-bridge", ari.RecordRequest{Name: name, Format: "wav", IfExists: "fail"}); err != nil {
		e.t.Fatal(err)
	}
	if length == 0 {
		return name
	}
	e.clk.Advance(length)
	if err := e.cli.Recordings().Stop(ctx, name); err != nil {
		e.t.Fatal(err)
	}
	e.svc.RecordingEnded(ctx, calls.RecordingEnd{Name: name, Duration: length, Final: true, EndedAt: started.Add(length)})
	return name
}

// do sends one request to the recordings API as p.
func (e *env) do(p platform.Principal, method, path string) *httptest.ResponseRecorder {
	e.t.Helper()
	mux := http.NewServeMux()
	for _, rt := range e.svc.Routes() {
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	req := httptest.NewRequest(method, path, nil)
	req = req.WithContext(platform.WithPrincipal(req.Context(), p))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	return w
}

func (e *env) page(p platform.Principal, query string) (int, Page) {
	e.t.Helper()
	w := e.do(p, "GET", "/api/v1/recordings"+query)
	var pg Page
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &pg); err != nil {
			e.t.Fatal(err)
		}
	}
	return w.Code, pg
}

func names(p Page) []string {
	var out []string
	for _, r := range p.Recordings {
		out = append(out, r.Name)
	}
	return out
}

var (
	u1         = platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	u2         = platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}
	auditor    = platform.Principal{Kind: platform.KindSession, UserID: "u3", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityRecordings}}
	supervisor = platform.Principal{Kind: platform.KindSession, UserID: "u4", Role: platform.RoleSupervisor, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	admin      = platform.Principal{Kind: platform.KindAdminToken}
	app        = platform.Principal{Kind: platform.KindApp, AppID: "app-1", Granted: []platform.Scope{platform.ScopeCalls}}
)

// TestListAuthzAndFilters: a user lists their own calls' recordings
// only, newest first; holders of the ability recordings (and the admin
// token) list everyone's and filter by user, call and time; pages follow
// the cursor; a bad filter is a 400 naming it.
func TestListAuthzAndFilters(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	a := e.record("c-a", "u1", t0.Add(-3*time.Hour), 5*time.Second)
	b := e.record("c-b", "u2", t0.Add(-2*time.Hour), 2*time.Second)
	c := e.record("c-c", "u1", t0.Add(-time.Hour), 3*time.Second)
	tests := []struct {
		name  string
		p     platform.Principal
		query string
		want  []string
	}{
		{name: "own", p: u1, want: []string{c, a}},
		{name: "own, other's id", p: u1, query: "?user=u2", want: nil},
		{name: "other user", p: u2, want: []string{b}},
		{name: "manage_callcenter is not enough", p: supervisor, want: nil},
		{name: "client-credentials app: no user", p: app, want: nil},
		{name: "ability", p: auditor, want: []string{c, b, a}},
		{name: "admin token by user", p: admin, query: "?user=u1", want: []string{c, a}},
		{name: "by call", p: admin, query: "?call=c-b", want: []string{b}},
		{name: "since", p: admin, query: "?since=" + url.QueryEscape(t0.Add(-2*time.Hour).Format(time.RFC3339)), want: []string{c, b}},
		{name: "until", p: admin, query: "?until=" + url.QueryEscape(t0.Add(-2*time.Hour).Format(time.RFC3339)), want: []string{a}},
	}
	for _, tt := range tests {
		code, pg := e.page(tt.p, tt.query)
		if code != http.StatusOK || !slices.Equal(names(pg), tt.want) {
			t.Errorf("%s: %d %v, want %v", tt.name, code, names(pg), tt.want)
		}
	}
	// Paging.
	var got []string
	q := "?limit=2"
	for i := 0; i < 5; i++ {
		code, pg := e.page(admin, q)
		if code != http.StatusOK {
			t.Fatalf("page %d: %d", i, code)
		}
		got = append(got, names(pg)...)
		if pg.NextCursor == "" {
			break
		}
		q = "?limit=2&cursor=" + url.QueryEscape(pg.NextCursor)
	}
	if !slices.Equal(got, []string{c, b, a}) {
		t.Errorf("paged: %v", got)
	}
	// A user's own listing pages through their index.
	got, q = nil, "?limit=1"
	for i := 0; i < 5; i++ {
		code, pg := e.page(u1, q)
		if code != http.StatusOK {
			t.Fatalf("u1 page %d: %d", i, code)
		}
		got = append(got, names(pg)...)
		if pg.NextCursor == "" {
			break
		}
		q = "?limit=1&cursor=" + url.QueryEscape(pg.NextCursor)
	}
	if !slices.Equal(got, []string{c, a}) {
		t.Errorf("u1 paged: %v", got)
	}
	for _, bad := range []struct{ query, field string }{
		{query: "?limit=0", field: "limit"},
		{query: "?since=yesterday", field: "since"},
		{query: "?cursor=nope", field: "cursor"},
		{query: "?since=2026-12-07T10:00:00Z&until=2026-12-07T09:00:00Z", field: "until"},
	} {
		w := e.do(admin, "GET", "/api/v1/recordings"+bad.query)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"field":"`+bad.field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", bad.query, w.Code, w.Body.String(), bad.field)
		}
	}
}

// TestGetDownloadDelete: the metadata and the file of one's own
// recording; another user's is 404 as a missing one; the download streams
// Asterisk's file (audio/wav, attachment) and is audited; deleting needs
// the ability recordings (403 for the owner), removes the file from
// Asterisk and the metadata; a recording in progress is 409.
func TestGetDownloadDelete(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	name := e.record("c-a", "u1", t0, 5*time.Second)
	live := e.record("c-b", "u1", t0, 0)

	w := e.do(u1, "GET", "/api/v1/recordings/"+name)
	var r Recording
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || r.CallID != "c-a" || r.State != StateDone || r.Duration != 5 || r.Format != "wav" {
		t.Fatalf("get: %d %s", w.Code, w.Body.String())
	}
	for _, tt := range []struct {
		p    platform.Principal
		path string
	}{{u2, "/api/v1/recordings/" + name}, {u2, "/api/v1/recordings/" + name + "/file"}, {u2, "/api/v1/recordings/nope"}, {u1, "/api/v1/recordings/..%2Fetc"}} {
		if w := e.do(tt.p, "GET", tt.path); w.Code != http.StatusNotFound {
			t.Errorf("%s as %s: %d, want 404", tt.path, tt.p.UserID, w.Code)
		}
	}

	var want bytes.Buffer
	if _, _, err := e.cli.Recordings().StoredFile(context.Background(), name, &want); err != nil {
		t.Fatal(err)
	}
	if want.Len() != 44+5*16000 {
		t.Fatalf("the stand-in's file has %d bytes", want.Len())
	}
	w = e.do(u1, "GET", "/api/v1/recordings/"+name+"/file")
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want.Bytes()) {
		t.Fatalf("download: %d, %d bytes", w.Code, w.Body.Len())
	}
	if ct, cd := w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"); ct != "audio/wav" || cd != `attachment; filename="`+name+`.wav"` {
		t.Errorf("download headers %q %q", ct, cd)
	}
	if len(e.aud.entries) != 1 || e.aud.entries[0].Action != "recording.download" || e.aud.entries[0].Object.ID != name ||
		e.aud.entries[0].Actor.UserID != "u1" || e.aud.entries[0].Details["bytes"] != "80044" {
		t.Errorf("audit %+v", e.aud.entries)
	}
	if r, _ := e.svc.Get(context.Background(), Viewer{All: true}, name); r.Size != 80044 {
		t.Errorf("size after the download: %d", r.Size)
	}
	if w := e.do(u1, "GET", "/api/v1/recordings/"+live+"/file"); w.Code != http.StatusConflict {
		t.Errorf("download in progress: %d", w.Code)
	}

	steps := []struct {
		name string
		p    platform.Principal
		rec  string
		want int
	}{
		{name: "another user", p: u2, rec: name, want: http.StatusNotFound},
		{name: "the owner without the ability", p: u1, rec: name, want: http.StatusForbidden},
		{name: "in progress", p: auditor, rec: live, want: http.StatusConflict},
		{name: "ability", p: auditor, rec: name, want: http.StatusNoContent},
		{name: "again", p: auditor, rec: name, want: http.StatusNotFound},
	}
	for _, st := range steps {
		if w := e.do(st.p, "DELETE", "/api/v1/recordings/"+st.rec); w.Code != st.want {
			t.Errorf("%s: %d %s, want %d", st.name, w.Code, w.Body.String(), st.want)
		}
	}
	if slices.Contains(e.srv.StoredRecordings(), name) {
		t.Error("the file is still in Asterisk")
	}
	if _, pg := e.page(admin, ""); !slices.Equal(names(pg), []string{live}) {
		t.Errorf("listed after delete: %v", names(pg))
	}
}

// TestSizeMeasured: once Asterisk reports a recording's end, Run reads its
// file to note its size.
func TestSizeMeasured(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	measured := make(chan string, 1)
	e.svc.measured = func(n string) { measured <- n }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	name := e.record("c-a", "u1", t0, 2*time.Second)
	select {
	case got := <-measured:
		if got != name {
			t.Fatalf("measured %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("never measured")
	}
	if r, err := e.svc.Get(context.Background(), Viewer{All: true}, name); err != nil || r.Size != 44+2*16000 {
		t.Errorf("size %+v %v", r, err)
	}
}

// TestFailedRemoved: a recording that failed has no file: its metadata
// goes.
func TestFailedRemoved(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	name := e.record("c-a", "u1", t0, 0)
	e.svc.RecordingEnded(context.Background(), calls.RecordingEnd{Name: name, Failed: true, Cause: "Failed to answer channel", Final: true})
	if _, pg := e.page(admin, ""); len(pg.Recordings) != 0 {
		t.Errorf("listed: %v", names(pg))
	}
}

// TestRetention: Run deletes the recordings (file and metadata) older than
// the retention at start and at every PruneEvery, keeps younger ones and
// any still in progress; retention 0 keeps everything.
func TestRetention(t *testing.T) {
	day := 24 * time.Hour
	e := newEnv(t, Config{Retention: 90 * day, PruneEvery: time.Hour})
	old := e.record("c-old", "u1", t0.Add(-100*day), 5*time.Second)
	recent := e.record("c-recent", "u1", t0.Add(-10*day), 5*time.Second)
	live := e.record("c-live", "u1", t0.Add(-100*day), 0)
	// record advanced the clock 10 s; virtual time is t0+10s.
	pruned := make(chan int, 10)
	e.svc.pruned = func(n int) { pruned <- n }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	wait := func() int {
		select {
		case n := <-pruned:
			return n
		case <-time.After(10 * time.Second):
			t.Fatal("no prune")
			return 0
		}
	}
	if n := wait(); n != 1 {
		t.Errorf("first prune deleted %d, want 1", n)
	}
	if _, pg := e.page(admin, ""); !slices.Equal(names(pg), []string{recent, live}) && !slices.Equal(names(pg), []string{live, recent}) {
		t.Errorf("after the first prune: %v", names(pg))
	}
	if st := e.srv.StoredRecordings(); slices.Contains(st, old) || !slices.Contains(st, recent) {
		t.Errorf("stored after the first prune: %v", st)
	}
	e.clk.Advance(81 * day)
	if n := wait(); n != 1 {
		t.Errorf("second prune deleted %d, want 1", n)
	}
	if _, pg := e.page(admin, ""); !slices.Equal(names(pg), []string{live}) {
		t.Errorf("after the second prune: %v", names(pg))
	}
	if st := e.srv.StoredRecordings(); slices.Contains(st, recent) {
		t.Errorf("stored after the second prune: %v", st)
	}

	keep := newEnv(t, DefaultConfig())
	keep.record("c-old", "u1", t0.Add(-1000*day), time.Second)
	if n, err := keep.svc.Prune(context.Background()); n != 0 || err != nil {
		t.Errorf("retention 0 pruned %d %v", n, err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "default", cfg: DefaultConfig(), ok: true},
		{name: "90 days", cfg: Config{Retention: 90 * 24 * time.Hour}, ok: true},
		{name: "negative", cfg: Config{Retention: -time.Hour}},
		{name: "a minute", cfg: Config{Retention: time.Minute}},
		{name: "prune every second", cfg: Config{PruneEvery: time.Second}},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// FuzzParseFilter: any query parses or is a 400; a cursor accepted is
// one List accepts too.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "limit=5", "cursor=188f0a3c2b1d4e5f%2Fpbxcall-1", "since=2026-12-07T10:00:00Z&until=2026-12-08T00:00:00Z", "cursor=%2F%2F", "user=u1&call=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := ParseFilter(q)
		if err != nil {
			return
		}
		if flt.Cursor != "" && !validCursor(flt.Cursor) {
			t.Errorf("cursor %q accepted", flt.Cursor)
		}
		if flt.Limit < 0 || flt.Limit > maxLimit {
			t.Errorf("limit %d accepted", flt.Limit)
		}
	})
}

// FuzzValidName: a valid name never holds a path separator or starts
// with a dot.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"pbxcall-1-1", "../x", ".hidden", "a/b", "ok_name.wav"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidName(s) && (strings.ContainsAny(s, "/\\\x00") || strings.HasPrefix(s, ".")) {
			t.Errorf("%q valid", s)
		}
	})
}

// TestRecover: a recording an earlier run left in progress (the daemon
// crashed) is closed by the next run's Recover; one this run records is
// left alone.
func TestRecover(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	mine := e.record("c-mine", "u1", t0, 0)
	// An earlier run's: in the store, unknown to this process.
	left := Recording{Name: "c-left-1", CallID: "c-left", UserID: "u1", Format: "wav", State: StateRecording, StartedAt: t0.Add(-time.Hour)}
	if err := e.svc.put(context.Background(), left); err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.Recover(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("recover: %d %v", n, err)
	}
	for name, want := range map[string]string{mine: StateRecording, left.Name: StateDone} {
		if r, err := e.svc.Get(context.Background(), Viewer{All: true}, name); err != nil || r.State != want {
			t.Errorf("%s: %+v %v, want %s", name, r, err, want)
		}
	}
}
