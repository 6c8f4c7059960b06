package csvurl_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/csvurl"
)

const fileV1 = "Chevy,,Yesipov,cyesipov0@example.com,Jacobi and Sons,mobile:50011,work:600111\n" +
	"Jeanine,,Tiddeman,jtiddeman1@ihg.com,Walsh Group,mobile:50012,work:600112\n" +
	"Jeanine,,Tiddeman,jtiddeman1@ihg.com,Walsh Group,home:50013\n"

// fileServer serves a CSV with an ETag and honours If-None-Match.
type fileServer struct {
	mu      sync.Mutex
	body    string
	etag    string
	lastINM string
	fail    int
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != "pbx" || p != "pw" {
		w.WriteHeader(401)
		return
	}
	if f.fail > 0 {
		f.fail--
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(503)
		return
	}
	f.lastINM = r.Header.Get("If-None-Match")
	if f.lastINM == f.etag {
		w.WriteHeader(304)
		return
	}
	w.Header().Set("ETag", f.etag)
	w.Header().Set("Content-Type", "text/csv")
	w.Write([]byte(f.body))
}

func (f *fileServer) set(body, etag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body, f.etag = body, etag
}

func newSource(t *testing.T, srv *httptest.Server, clk dirsync.Clock, extra map[string]any) dirsync.Source {
	t.Helper()
	m := map[string]any{"url": srv.URL + "/book.csv", "username": "pbx", "password": "pw"}
	for k, v := range extra {
		m[k] = v
	}
	raw, _ := json.Marshal(m)
	src, err := csvurl.New(raw, dirsync.Env{HTTPClient: srv.Client(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestConditionalGetAndChanges(t *testing.T) {
	fs := &fileServer{}
	fs.set(fileV1, `"v1"`)
	srv := httptest.NewServer(fs)
	defer srv.Close()
	clk := syncfake.NewInstantClock(time.Unix(1e9, 0))
	src := newSource(t, srv, clk, nil)
	ctx := context.Background()

	sink := syncfake.NewSink()
	res, err := src.Sync(ctx, dirsync.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Set) != 3 {
		t.Fatalf("%d contacts", len(sink.Set))
	}
	var dup int
	for k, c := range sink.Set {
		if strings.HasSuffix(k, "#2") {
			dup++
			if c.Numbers[0].Value != "50013" {
				t.Fatalf("second duplicate row: %+v", c)
			}
		}
	}
	if dup != 1 {
		t.Fatal("duplicate rows not told apart")
	}
	// Unchanged: 304, nothing applied.
	res2, err := src.Sync(ctx, dirsync.Request{Full: true, State: res.State}, syncfake.NewSink())
	if err != nil || !res2.NotModified || fs.lastINM != `"v1"` {
		t.Fatalf("conditional GET: %+v %v (If-None-Match %q)", res2, err, fs.lastINM)
	}
	// Changed number keeps the external id.
	fs.set(strings.Replace(fileV1, "work:600111", "work:600999", 1), `"v2"`)
	fs.fail = 1
	sink2 := syncfake.NewSink()
	if _, err := src.Sync(ctx, dirsync.Request{Full: true, State: res.State}, sink2); err != nil {
		t.Fatal(err)
	}
	for k := range sink.Set {
		if sink2.Set[k] == nil {
			t.Fatalf("external id %s changed with a number edit", k)
		}
	}
	if w := clk.Waits(); len(w) != 1 || w[0] != 3*time.Second {
		t.Fatalf("503 back-off waits %v", w)
	}
}

func TestMalformedFileNotApplied(t *testing.T) {
	fs := &fileServer{}
	fs.set(fileV1+"Bad,,Row,x@y,Co,pager:123,work:\n", `"bad"`)
	srv := httptest.NewServer(fs)
	defer srv.Close()
	src := newSource(t, srv, syncfake.NewInstantClock(time.Unix(1e9, 0)), nil)
	_, err := src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
	var pe *csvbook.ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("err %v, want a parse error naming line 4", err)
	}
}

func TestLimitsAndSettings(t *testing.T) {
	fs := &fileServer{}
	fs.set(fileV1, `"v1"`)
	srv := httptest.NewServer(fs)
	defer srv.Close()
	src := newSource(t, srv, syncfake.NewInstantClock(time.Unix(1e9, 0)), map[string]any{"max_bytes": 50})
	if _, err := src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink()); err == nil || !strings.Contains(err.Error(), "max_bytes") {
		t.Fatalf("err %v", err)
	}
	src = newSource(t, srv, syncfake.NewInstantClock(time.Unix(1e9, 0)), map[string]any{"password": "wrong"})
	if _, err := src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err %v", err)
	}
	for _, tc := range []struct{ json, field string }{
		{`{"url":"file:///etc/passwd"}`, "settings.url"},
		{`{"url":"https://u:p@h/x.csv"}`, "settings.url"},
		{`{"url":"https://h/x.csv","format":"vcard"}`, "settings.format"},
	} {
		_, err := csvurl.New(json.RawMessage(tc.json), dirsync.Env{})
		var fe *dirsync.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v", tc.json, err)
		}
	}
}

// Through the engine: a 304 is "not_modified" and sweeps nothing.
func TestEngineNotModified(t *testing.T) {
	fs := &fileServer{}
	fs.set(fileV1, `"v1"`)
	srv := httptest.NewServer(fs)
	defer srv.Close()
	store := syncfake.NewMemStore()
	eng, err := dirsync.NewEngine(store, dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(csvurl.Type),
		dirsync.WithHTTPClient(srv.Client()), dirsync.WithClock(syncfake.NewClock(time.Unix(1e9, 0))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		time.Sleep(time.Millisecond)
	}
	typ, name, off := "csv-url", "book", false
	settings := map[string]json.RawMessage{"url": json.RawMessage(`"` + srv.URL + `/b.csv"`), "username": json.RawMessage(`"pbx"`), "password": json.RawMessage(`"pw"`)}
	v, err := eng.Create(ctx, dirsync.Input{Type: &typ, Name: &name, Enabled: &off, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Synced != 3 {
		t.Fatalf("first: %+v", run)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "not_modified" || run.Deleted != 0 {
		t.Fatalf("second: %+v", run)
	}
	if n := len(store.Contacts("book")); n != 3 {
		t.Fatalf("%d contacts", n)
	}
	// A forced full sync downloads again (no validators).
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{Full: true}); run.Result != "ok" {
		t.Fatalf("forced: %+v", run)
	}
}

func FuzzStream(f *testing.F) {
	f.Add(fileV1)
	f.Add("First Name,Last Name,Phone 1 - Label,Phone 1 - Value\nA,B,Mobile,+38761111111\nA,B,Mobile,+38761111111\n")
	f.Fuzz(func(t *testing.T, s string) {
		sink := syncfake.NewSink()
		if err := csvurl.Stream(context.Background(), strings.NewReader(s), sink); err != nil {
			return
		}
		if len(sink.Set) != len(sink.Upserts) {
			t.Fatalf("%d distinct ids for %d rows", len(sink.Set), len(sink.Upserts))
		}
	})
}

// TestDryRun: Test returns the first n rows as a sync maps them, without
// a conditional request, and fails as a sync would (HTTP status, a bad row).
func TestDryRun(t *testing.T) {
	fs := &fileServer{}
	fs.set(fileV1, `"v1"`)
	srv := httptest.NewServer(fs)
	defer srv.Close()
	clk := syncfake.NewInstantClock(time.Unix(1e9, 0))
	ctx := context.Background()
	tester := func(extra map[string]any) dirsync.Tester {
		t.Helper()
		tr, ok := newSource(t, srv, clk, extra).(dirsync.Tester)
		if !ok {
			t.Fatal("csv-url sources offer no dry run")
		}
		return tr
	}
	for _, tc := range []struct {
		name  string
		n     int
		names []string
	}{
		{name: "fewer than the file", n: 2, names: []string{"Chevy Yesipov", "Jeanine Tiddeman"}},
		{name: "the whole file", n: 10, names: []string{"Chevy Yesipov", "Jeanine Tiddeman", "Jeanine Tiddeman"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := tester(nil).Test(ctx, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.FirstName+" "+c.LastName)
			}
			if strings.Join(got, "|") != strings.Join(tc.names, "|") {
				t.Fatalf("names %q, want %q", got, tc.names)
			}
			if cs[0].ExternalID == "" || len(cs[0].Numbers) != 2 || cs[0].Company != "Jacobi and Sons" {
				t.Fatalf("first row mapped as %+v", cs[0])
			}
			if fs.lastINM != "" {
				t.Fatalf("a test sent If-None-Match %q", fs.lastINM)
			}
		})
	}
	if _, err := tester(map[string]any{"password": "wrong"}).Test(ctx, 5); err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "password") {
		t.Fatalf("wrong password: %v", err)
	}
	fs.set(fileV1+"Bad,,Row,x@y,Co,pager:123,work:\n", `"bad"`)
	var pe *csvbook.ParseError
	if _, err := tester(nil).Test(ctx, 5); !errors.As(err, &pe) {
		t.Fatalf("malformed last row: %v, want a parse error", err)
	}
}
