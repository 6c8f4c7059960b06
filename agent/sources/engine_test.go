package sources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pbxagent/pbxagent/agent/sources"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
)

// remote is a scripted source shared by the fake type's instances.
type remote struct {
	mu       sync.Mutex
	all      map[string]string   // ext → first name
	delta    []string            // ext ids to deliver in a delta round ("-x" deletes x)
	failMid  bool                // fail after the first upsert
	resync   bool                // reject the delta state
	throttle time.Duration       // fail with a long Retry-After
	script   []phonebook.Contact // when set, a full round streams exactly these
	calls    []dirsync.Request
	settings []string
}

func (r *remote) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, req)
	if r.throttle > 0 {
		return dirsync.Result{}, &dirsync.ThrottledError{RetryAfter: r.throttle, Err: dirsync.ErrThrottled}
	}
	if !req.Full && r.resync {
		return dirsync.Result{}, fmt.Errorf("delta: %w", dirsync.ErrResync)
	}
	if req.Full && r.script != nil {
		for i := range r.script {
			if err := sink.Upsert(ctx, r.script[i].Clone()); err != nil {
				return dirsync.Result{}, err
			}
		}
		return dirsync.Result{State: []byte("script")}, nil
	}
	var ids []string
	if req.Full {
		for k := range r.all {
			ids = append(ids, k)
		}
		slices.Sort(ids)
	} else {
		ids = r.delta
	}
	for i, id := range ids {
		if ext, ok := strings.CutPrefix(id, "-"); ok {
			if err := sink.Delete(ctx, ext); err != nil {
				return dirsync.Result{}, err
			}
			continue
		}
		if err := sink.Upsert(ctx, &phonebook.Contact{ExternalID: id, FirstName: r.all[id],
			Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: "+38761" + id}}}); err != nil {
			return dirsync.Result{}, err
		}
		if r.failMid && i == 0 {
			return dirsync.Result{}, errors.New("connection reset")
		}
	}
	return dirsync.Result{State: []byte(fmt.Sprintf("v%d", len(r.calls)))}, nil
}

// Test implements dirsync.Tester.
func (r *remote) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	return []*phonebook.Contact{{ExternalID: "t1", FirstName: "Dry"}}, nil
}

func (r *remote) set(ids ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = map[string]string{}
	for _, id := range ids {
		r.all[id] = "N" + id
	}
}

func fakeType(r *remote) dirsync.Type {
	return dirsync.Type{Name: "fake", Secrets: []string{"client_secret"}, Delta: true,
		New: func(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
			var s struct {
				URL          string `json:"url"`
				ClientSecret string `json:"client_secret"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, err
			}
			if s.URL == "" {
				return nil, dirsync.Invalid("url", "required")
			}
			r.mu.Lock()
			r.settings = append(r.settings, s.ClientSecret)
			r.mu.Unlock()
			return r, nil
		}}
}

type harness struct {
	t      *testing.T
	store  *syncfake.MemStore
	clock  *syncfake.Clock
	remote *remote
	eng    *dirsync.Engine
	dir    string
	srv    *httptest.Server
	cancel context.CancelFunc
	done   chan error
	logs   *bytes.Buffer
}

func newHarness(t *testing.T, store *syncfake.MemStore, dir string, r *remote, clk *syncfake.Clock) *harness {
	t.Helper()
	logs := &bytes.Buffer{}
	eng, err := dirsync.NewEngine(store, dirsync.WithDataDir(dir), dirsync.WithClock(clk), dirsync.WithTypes(fakeType(r)),
		dirsync.WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: store, clock: clk, remote: r, eng: eng, dir: dir, logs: logs}
	h.srv = httptest.NewServer(sources.New(eng, sources.Config{}).Handler())
	t.Cleanup(h.srv.Close)
	return h
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.eng.Run(ctx) }()
	h.t.Cleanup(h.stop)
	waitFor(h.t, "engine start", func() bool { return !errors.Is(h.eng.Trigger("none", dirsync.SyncOptions{}), dirsync.ErrNotRunning) })
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

func (h *harness) do(method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// waitFor polls cond with a deadline (no fixed sleeps).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (h *harness) runs(id string) []dirsync.Run {
	v, err := h.eng.Get(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return v.Status.Runs
}

func (h *harness) create(enabled bool) string {
	h.t.Helper()
	code, out := h.do("POST", "/api/v1/sources", map[string]any{"type": "fake", "name": "crm", "enabled": enabled,
		"settings": map[string]any{"url": "http://x", "client_secret": "s3cret-value"}})
	if code != http.StatusCreated {
		h.t.Fatalf("create: %d %v", code, out)
	}
	return out["id"].(string)
}

func names(m map[string]*phonebook.Contact) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestEngineAPISecretsAndValidation(t *testing.T) {
	r := &remote{}
	r.set("1")
	dir := t.TempDir()
	h := newHarness(t, syncfake.NewMemStore(), dir, r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)

	code, out := h.do("GET", "/api/v1/sources/"+id, nil)
	if code != 200 {
		t.Fatalf("get: %d", code)
	}
	raw, _ := json.Marshal(out)
	if strings.Contains(string(raw), "s3cret") {
		t.Fatalf("secret returned by the API: %s", raw)
	}
	if got := out["secrets_set"].([]any); len(got) != 1 || got[0] != "client_secret" {
		t.Fatalf("secrets_set = %v", got)
	}
	for _, k := range h.store.MetaKeys("sync.sources") {
		v, _ := h.store.Meta("sync.sources").Get(context.Background(), k)
		if bytes.Contains(v, []byte("s3cret")) {
			t.Fatalf("secret stored in clear: %s", v)
		}
	}
	st, err := os.Stat(filepath.Join(dir, dirsync.KeyFileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if strings.Contains(h.logs.String(), "s3cret") {
		t.Fatal("secret logged")
	}

	tests := []struct {
		name  string
		body  map[string]any
		code  int
		field string
	}{
		{"unknown type", map[string]any{"type": "ldap", "name": "x"}, 400, "type"},
		{"bad name", map[string]any{"type": "fake", "name": "", "settings": map[string]any{"url": "u"}}, 400, "name"},
		{"reserved name", map[string]any{"type": "fake", "name": "local", "settings": map[string]any{"url": "u"}}, 400, "name"},
		{"missing setting", map[string]any{"type": "fake", "name": "y"}, 400, "settings.url"},
		{"bad interval", map[string]any{"type": "fake", "name": "y", "interval_hours": 0, "settings": map[string]any{"url": "u"}}, 400, "interval_hours"},
		{"duplicate name", map[string]any{"type": "fake", "name": "crm", "settings": map[string]any{"url": "u"}}, 409, ""},
		{"unknown field", map[string]any{"type": "fake", "name": "z", "bogus": 1}, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := h.do("POST", "/api/v1/sources", tc.body)
			if code != tc.code {
				t.Fatalf("code %d, want %d (%v)", code, tc.code, out)
			}
			if tc.field != "" && errField(out) != tc.field {
				t.Fatalf("field %v, want %s (%v)", errField(out), tc.field, out)
			}
		})
	}

	// PATCH keeps an absent secret, replaces a given one; name cannot change.
	code, _ = h.do("PATCH", "/api/v1/sources/"+id, map[string]any{"interval_hours": 6})
	if code != 200 {
		t.Fatalf("patch: %d", code)
	}
	if code, _ := h.do("PATCH", "/api/v1/sources/"+id, map[string]any{"name": "other"}); code != 400 {
		t.Fatalf("rename: %d", code)
	}
	h.do("PATCH", "/api/v1/sources/"+id, map[string]any{"settings": map[string]any{"client_secret": "new-one"}})
	r.mu.Lock()
	got := slices.Clone(r.settings)
	r.mu.Unlock()
	if got[len(got)-2] != "s3cret-value" || got[len(got)-1] != "new-one" {
		t.Fatalf("secrets seen by source: %v", got)
	}
	// A sync before the engine runs is refused clearly.
	if code, _ := h.do("POST", "/api/v1/sources/"+id+"/sync", nil); code != 503 {
		t.Fatalf("sync without engine: %d", code)
	}
	if code, _ := h.do("GET", "/api/v1/sources/nope", nil); code != 404 {
		t.Fatalf("unknown id: %d", code)
	}
	// A second engine with the same data dir reads the secret.
	h2 := newHarness(t, h.store, dir, r, h.clock)
	if _, err := h2.eng.Get(id); err != nil {
		t.Fatal(err)
	}
}

func TestEngineFullDeltaSweepAndRollback(t *testing.T) {
	r := &remote{}
	r.set("1", "2", "3", "4")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	ctx := context.Background()

	run, err := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if err != nil || run.Result != "ok" || run.Mode != "full" || run.Synced != 4 || run.Changed != 4 {
		t.Fatalf("first run: %+v %v", run, err)
	}
	if got := names(h.store.Contacts("crm")); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Fatalf("after full: %v", got)
	}
	c := h.store.Contacts("crm")["1"]
	if c.Scope != phonebook.ScopeGlobal || c.Source != "crm" {
		t.Fatalf("contact: %+v", c)
	}

	// Delta: update 2, delete 3, add 5; a delete then re-add of 4 ends present.
	r.mu.Lock()
	r.all["2"], r.all["5"] = "Changed", "N5"
	delete(r.all, "3")
	r.delta = []string{"2", "-3", "5", "-4", "4", "2"}
	r.mu.Unlock()
	run, err = h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if err != nil || run.Mode != "delta" || run.Result != "ok" || run.Deleted != 2 || run.Changed != 3 {
		t.Fatalf("delta run: %+v %v", run, err)
	}
	if got := names(h.store.Contacts("crm")); !slices.Equal(got, []string{"1", "2", "4", "5"}) {
		t.Fatalf("after delta: %v", got)
	}
	if r.calls[1].Full || string(r.calls[1].State) != "v1" {
		t.Fatalf("delta request: %+v", r.calls[1])
	}

	// A run failing halfway commits nothing and keeps the old state.
	r.mu.Lock()
	r.all["9"] = "N9"
	r.delta = []string{"9", "1"}
	r.failMid = true
	r.mu.Unlock()
	rounds := h.store.Rounds
	run, _ = h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if run.Result != "error" || !strings.Contains(run.Error, "connection reset") {
		t.Fatalf("failed run: %+v", run)
	}
	if h.store.Rounds != rounds || h.store.Contacts("crm")["9"] != nil {
		t.Fatal("failed run left changes")
	}
	r.mu.Lock()
	r.failMid = false
	r.mu.Unlock()
	h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if string(r.calls[3].State) != "v2" {
		t.Fatalf("state advanced by a failed run: %q", r.calls[3].State)
	}
	if h.store.Contacts("crm")["9"] == nil {
		t.Fatal("redo did not apply")
	}

	// Forced full sync sweeps what the remote no longer has.
	r.set("1", "2", "4")
	run, _ = h.eng.SyncNow(ctx, id, dirsync.SyncOptions{Full: true})
	if run.Mode != "full" || run.Deleted != 2 {
		t.Fatalf("full sweep: %+v", run)
	}
	if got := names(h.store.Contacts("crm")); !slices.Equal(got, []string{"1", "2", "4"}) {
		t.Fatalf("after sweep: %v", got)
	}
	if keys := h.store.MetaKeys("sync.hash." + id); !slices.Equal(keys, []string{"1", "2", "4"}) {
		t.Fatalf("hashes after sweep: %v", keys)
	}
	// Unchanged full run changes nothing.
	run, _ = h.eng.SyncNow(ctx, id, dirsync.SyncOptions{Full: true})
	if run.Changed != 0 || run.Synced != 3 {
		t.Fatalf("unchanged full: %+v", run)
	}
	v, _ := h.eng.Get(id)
	if v.Status.LastSynced != 3 || v.Status.Contacts != 3 || v.Status.LastSuccess.IsZero() || len(v.Status.Runs) != 6 {
		t.Fatalf("status: %+v", v.Status)
	}
}

func TestEngineResyncAndGuard(t *testing.T) {
	r := &remote{}
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}
	r.set(ids...)
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	ctx := context.Background()
	h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})

	// Rejected delta state → full run in the same trigger.
	r.mu.Lock()
	r.resync = true
	delete(r.all, "10")
	r.mu.Unlock()
	run, _ := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if !run.Resynced || run.Mode != "full" || run.Result != "ok" || run.Deleted != 1 {
		t.Fatalf("resync: %+v", run)
	}
	if n := len(r.calls); r.calls[n-1].State != nil || !r.calls[n-1].Full {
		t.Fatalf("resync request carried state: %+v", r.calls[n-1])
	}

	// Remote answers empty: the guard keeps the directory.
	r.set()
	run, _ = h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if run.Result != "needs_confirmation" {
		t.Fatalf("guard: %+v", run)
	}
	if n := len(h.store.Contacts("crm")); n != 9 {
		t.Fatalf("guard let %d remain", n)
	}
	code, out := h.do("GET", "/api/v1/sources/"+id, nil)
	nc, _ := out["status"].(map[string]any)["needs_confirmation"].(map[string]any)
	if code != 200 || nc == nil || nc["deletions"].(float64) != 9 {
		t.Fatalf("status shows no pending confirmation: %v", out["status"])
	}
	if w, _ := out["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "delete 9 of 9") {
		t.Fatalf("warnings: %v", out["warnings"])
	}
	// 4 of 9 is under 50 %: applied without confirmation.
	r.set("1", "2", "3", "4", "5")
	run, _ = h.eng.SyncNow(ctx, id, dirsync.SyncOptions{Full: true})
	if run.Result != "ok" || run.Deleted != 4 {
		t.Fatalf("below guard: %+v", run)
	}
	if v, _ := h.eng.Get(id); v.Status.NeedsConfirm != nil {
		t.Fatal("pending not cleared")
	}
	// Confirmed through the API.
	r.set()
	h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	code, out = h.do("POST", "/api/v1/sources/"+id+"/sync?wait=1", map[string]any{"confirm_deletions": true})
	if code != 200 || out["result"] != "ok" || out["deleted"].(float64) != 5 {
		t.Fatalf("confirm: %d %v", code, out)
	}
	if n := len(h.store.Contacts("crm")); n != 0 {
		t.Fatalf("%d left after confirm", n)
	}
}

func TestEngineSchedulerAndRestart(t *testing.T) {
	r := &remote{}
	r.set("1")
	store := syncfake.NewMemStore()
	clk := syncfake.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	h := newHarness(t, store, dir, r, clk)
	h.start()
	id := h.create(true)
	// Enabling runs a full sync at once.
	waitFor(t, "first run", func() bool { return len(h.runs(id)) == 1 })
	if run := h.runs(id)[0]; run.Mode != "full" || run.Result != "ok" {
		t.Fatalf("first: %+v", run)
	}
	// Nothing more until the interval passes.
	clk.Advance(23 * time.Hour)
	if len(h.runs(id)) != 1 {
		t.Fatal("ran before the interval")
	}
	clk.Advance(time.Hour)
	waitFor(t, "scheduled run", func() bool { return len(h.runs(id)) == 2 })
	if run := h.runs(id)[0]; run.Mode != "delta" || run.Trigger != "schedule" {
		t.Fatalf("second: %+v", run)
	}
	h.stop()

	// Down for two days: the missed run happens at start.
	clk.Advance(48 * time.Hour)
	h2 := newHarness(t, store, dir, r, clk)
	h2.start()
	waitFor(t, "startup run", func() bool { return len(h2.runs(id)) == 3 })
	if run := h2.runs(id)[0]; run.Trigger != "startup" {
		t.Fatalf("startup: %+v", run)
	}
	// Failures back off (5 min first), not the full interval.
	r.mu.Lock()
	r.failMid = true
	r.delta = []string{"1"}
	r.mu.Unlock()
	h2.eng.Trigger(id, dirsync.SyncOptions{})
	waitFor(t, "failed run", func() bool { return len(h2.runs(id)) == 4 })
	r.mu.Lock()
	r.failMid = false
	r.mu.Unlock()
	clk.Advance(5 * time.Minute)
	waitFor(t, "retry", func() bool { return len(h2.runs(id)) == 5 })
	if run := h2.runs(id)[0]; run.Result != "ok" {
		t.Fatalf("retry: %+v", run)
	}
}

func TestEngineErase(t *testing.T) {
	r := &remote{}
	r.set("1", "2")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	h.eng.SyncNow(context.Background(), id, dirsync.SyncOptions{})
	code, out := h.do("POST", "/api/v1/sources/"+id+"/erase", nil)
	if code != 200 || out["contacts_deleted"].(float64) != 2 {
		t.Fatalf("erase: %d %v", code, out)
	}
	if n := len(h.store.Contacts("crm")); n != 0 {
		t.Fatalf("%d contacts left", n)
	}
	for _, ns := range []string{"sync.sources", "sync.status", "sync.state", "sync.hash." + id} {
		if k := h.store.MetaKeys(ns); len(k) != 0 {
			t.Fatalf("%s left: %v", ns, k)
		}
	}
	if code, _ := h.do("GET", "/api/v1/sources/"+id, nil); code != 404 {
		t.Fatalf("get after erase: %d", code)
	}
}

func TestRunsCapped(t *testing.T) {
	r := &remote{}
	r.set("1")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	for range dirsync.MaxRuns + 3 {
		h.eng.SyncNow(context.Background(), id, dirsync.SyncOptions{})
	}
	if n := len(h.runs(id)); n != dirsync.MaxRuns {
		t.Fatalf("%d runs kept", n)
	}
}

func TestEngineHonoursLongRetryAfter(t *testing.T) {
	r := &remote{}
	r.set("1")
	clk := syncfake.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, clk)
	h.start()
	r.mu.Lock()
	r.throttle = time.Hour
	r.mu.Unlock()
	id := h.create(true)
	waitFor(t, "throttled run", func() bool { return len(h.runs(id)) == 1 })
	if run := h.runs(id)[0]; run.Result != "error" || !run.RetryAt.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("run: %+v", run)
	}
	r.mu.Lock()
	r.throttle = 0
	r.mu.Unlock()
	clk.Advance(30 * time.Minute) // the usual 5-minute retry would run here
	if len(h.runs(id)) != 1 {
		t.Fatal("retried before Retry-After")
	}
	clk.Advance(30 * time.Minute)
	waitFor(t, "retry after an hour", func() bool { return len(h.runs(id)) == 2 })
}

func TestAdminTestAndOverlayEndpoints(t *testing.T) {
	r := &remote{}
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	code, out := h.do("POST", "/api/v1/sources/"+id+"/test", nil)
	cs, _ := out["contacts"].([]any)
	if code != 200 || len(cs) != 1 {
		t.Fatalf("test: %d %v", code, out)
	}
	if len(h.store.Contacts("crm")) != 0 {
		t.Fatal("test imported contacts")
	}
	code, out = h.do("POST", "/api/v1/sources/test", map[string]any{"type": "fake", "settings": map[string]any{"url": "http://y"}})
	if cs, _ := out["contacts"].([]any); code != 200 || len(cs) != 1 {
		t.Fatalf("test unsaved: %d %v", code, out)
	}
	if code, out = h.do("POST", "/api/v1/sources/test", map[string]any{"type": "fake", "settings": map[string]any{}}); code != 400 || errField(out) != "settings.url" {
		t.Fatalf("test unsaved, bad settings: %d %v", code, out)
	}
	// MemStore has no overlay: the contacts endpoints say so.
	srv := httptest.NewServer(sources.New(h.eng, sources.Config{}).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/contacts/x/local")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotImplemented {
		t.Fatalf("local without overlay: %d", resp.StatusCode)
	}
}

// Row hashes that claim "unchanged" for contacts the store lost are noticed
// and the round is redone without them.
func TestEngineRepairsStaleHashes(t *testing.T) {
	r := &remote{}
	r.set("1", "2", "3")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	ctx := context.Background()
	h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	h.store.EraseSource(ctx, "crm") // behind the engine's back
	run, _ := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{Full: true})
	if run.Result != "ok" || run.Changed != 3 {
		t.Fatalf("repair run: %+v", run)
	}
	if got := names(h.store.Contacts("crm")); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("after repair: %v", got)
	}
}

// Changing settings makes the next run full.
func TestSettingsChangeForcesFull(t *testing.T) {
	r := &remote{}
	r.set("1")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	ctx := context.Background()
	h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	if run, _ := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{}); run.Mode != "delta" {
		t.Fatalf("second: %+v", run)
	}
	h.do("PATCH", "/api/v1/sources/"+id, map[string]any{"settings": map[string]any{"url": "http://other"}})
	if run, _ := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{}); run.Mode != "full" {
		t.Fatalf("after settings change: %+v", run)
	}
	if run, _ := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{}); run.Mode != "delta" {
		t.Fatalf("then: %+v", run)
	}
}

// Within one full round the last version of a contact wins, also when it
// goes back to the committed version.
func TestFullRoundLastVersionWins(t *testing.T) {
	r := &remote{}
	r.set("1", "2")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	h.start()
	ctx := context.Background()
	h.eng.SyncNow(ctx, id, dirsync.SyncOptions{})
	v1 := *h.store.Contacts("crm")["1"]
	v1.ID, v1.Source, v1.Scope = "", "", ""
	v2 := *v1.Clone()
	v2.FirstName = "Other"
	two := *h.store.Contacts("crm")["2"]
	two.ID = ""
	r.mu.Lock()
	r.script = []phonebook.Contact{v2, two, v1}
	r.mu.Unlock()
	run, _ := h.eng.SyncNow(ctx, id, dirsync.SyncOptions{Full: true})
	if run.Result != "ok" || run.Synced != 3 {
		t.Fatalf("run: %+v", run)
	}
	if got := h.store.Contacts("crm")["1"].FirstName; got != "N1" {
		t.Fatalf("contact 1 is %q, want the last version N1", got)
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	store := syncfake.NewMemStore()
	r := &remote{}
	h := newHarness(t, store, dir, r, syncfake.NewClock(time.Unix(1e9, 0)))
	id := h.create(false)
	path := filepath.Join(dir, dirsync.KeyFileName)
	// A key file readable by others is tightened.
	os.Chmod(path, 0o644)
	newHarness(t, store, dir, r, h.clock)
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	// Another key cannot open the secrets: the run fails with a clear error.
	os.WriteFile(path, bytes.Repeat([]byte{7}, 32), 0o600)
	h3 := newHarness(t, store, dir, r, h.clock)
	h3.start()
	run, err := h3.eng.SyncNow(context.Background(), id, dirsync.SyncOptions{})
	if err != nil || run.Result != "error" || !strings.Contains(run.Error, "wrong key file") {
		t.Fatalf("run with another key: %+v %v", run, err)
	}
	// A truncated key file is refused at start.
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := dirsync.NewEngine(store, dirsync.WithDataDir(dir)); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("short key: %v", err)
	}
}

// errField returns the field named by an API error body
// {"error":{"code","message","details":[{"field","message"}]}}.
func errField(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	details, _ := e["details"].([]any)
	if len(details) == 0 {
		return ""
	}
	d, _ := details[0].(map[string]any)
	f, _ := d["field"].(string)
	return f
}
