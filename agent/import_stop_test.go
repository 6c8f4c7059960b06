package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// quickAnswer bounds how long a client waits for the answer to an import
// cancelled by a stop: far below the shutdown timeout these tests set.
const quickAnswer = 5 * time.Second

// spoolFiles lists the import spool files in the daemon's data directory.
func spoolFiles(t *testing.T, cfg config.Config) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(cfg.DataDir, "tmp", api.SpoolPattern))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// answer reads one HTTP response in the background; the channel gets it
// (or the error) when it arrives.
type answer struct {
	code       int
	body       string
	retryAfter string
	err        error
}

func readAnswer(br *bufio.Reader) <-chan answer {
	out := make(chan answer, 1)
	go func() {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			out <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- answer{code: resp.StatusCode, body: string(b), retryAfter: resp.Header.Get("Retry-After"), err: err}
	}()
	return out
}

// TestStopCancelsImport: an import still receiving its body when the
// daemon stops is cancelled at once, its client gets 503 saying nothing
// was imported (long before http.shutdown_timeout), Stop returns without
// error with the store closed, and the store holds what it held before.
func TestStopCancelsImport(t *testing.T) {
	const seeded = 30
	cfg := shutdownConfig(t)
	cfg.HTTP.ShutdownTimeout = 30 * time.Second // far beyond quickAnswer
	tap := newLogTap()
	d, err := New(context.Background(), cfg, tap.logger())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := d.HTTPAddr()
	adm := client{t, "http://" + addr, shutdownToken}
	if code, body := adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", csvRows(0, seeded)); code != 200 {
		t.Fatalf("seed: %d %s", code, body)
	}
	http.DefaultClient.CloseIdleConnections()
	// The handler waits for a body that never comes.
	_, upBR := heldUpload(t, addr, csvRows(seeded, 5000))
	if n := len(spoolFiles(t, cfg)); n != 1 {
		t.Fatalf("%d spool files while the upload is held, want 1", n)
	}
	got := readAnswer(upBR)
	stopErr := make(chan error, 1)
	go func() { stopErr <- d.Stop(context.Background()) }()
	select {
	case a := <-got:
		if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "stopping") || !strings.Contains(a.body, "nothing of it was imported") {
			t.Fatalf("import at stop: %d %q %v; want 503 saying the daemon stops and nothing was imported", a.code, a.body, a.err)
		}
	case <-time.After(quickAnswer):
		t.Fatalf("the import's client had no answer %v after the stop began", quickAnswer)
	}
	select {
	case err := <-stopErr:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(quickAnswer):
		t.Fatal("Stop did not return soon after the import was cancelled")
	}
	if err := d.Store().Scan(context.Background(), func(*phonebook.Contact) error { return nil }); !errors.Is(err, phonebook.ErrClosed) {
		t.Errorf("store after Stop: %v, want it closed", err)
	}
	if log := tap.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "gave up") {
		t.Errorf("log:\n%s", log)
	}
	if n := len(spoolFiles(t, cfg)); n != 0 {
		t.Errorf("%d spool files after Stop", n)
	}
	if n, found := countContacts(t, cfg, fmt.Sprintf("Ana%06d", seeded)); n != seeded || found {
		t.Fatalf("reopened store: %d contacts (want %d), uploaded row found: %v", n, seeded, found)
	}
}

// TestStaleSpoolRemovedAtStart: spool files a dead process left in
// data_dir/tmp are removed when the daemon is built; other files stay.
func TestStaleSpoolRemovedAtStart(t *testing.T) {
	cfg := shutdownConfig(t)
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, "import-1234567.csv")
	other := filepath.Join(tmp, "keep.txt")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, csvRows(0, 3), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tap := newLogTap()
	d, err := New(context.Background(), cfg, tap.logger())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Store().Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale spool file after New: %v; want it removed", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that is not a spool file: %v; want it kept", err)
	}
	if !strings.Contains(tap.String(), "removed the spool files") {
		t.Errorf("no log line names the removal:\n%s", tap)
	}
}

// TestStopRemovesSpoolOfStuckImport: an import whose handler does not
// return (Stop gives up on it and leaves the store open; the process then
// exits) still has its spool file removed by Stop.
func TestStopRemovesSpoolOfStuckImport(t *testing.T) {
	d, cfg, _ := impatientDaemon(t)
	spooled, release, returned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	// A second set of import endpoints on the daemon's spool directory,
	// whose imports hold once spooled, ignoring their context.
	stuck := api.NewImports(d.Store(), filepath.Join(cfg.DataDir, "tmp"), api.WithImportHook(func(_ context.Context, st api.ImportStage) {
		if st == api.StageSpooled {
			close(spooled)
			<-release
		}
	}))
	mountTestImports(d, shutdownToken, stuck)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
		<-returned
		_ = d.Store().Close()
	})
	go func() {
		defer close(returned)
		req, _ := http.NewRequest("POST", "http://"+d.HTTPAddr()+"/test/api/v1/contacts/import?mode=merge", strings.NewReader(string(csvRows(0, 10))))
		req.Header.Set("Authorization", "Bearer "+shutdownToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-spooled:
	case <-time.After(testWait):
		t.Fatal("the import did not spool its upload")
	}
	if n := len(spoolFiles(t, cfg)); n != 1 {
		t.Fatalf("%d spool files while the import is held, want 1", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := d.Stop(ctx); err == nil || !strings.Contains(err.Error(), "store left open") {
		t.Fatalf("Stop: %v; want it to give up on the stuck import", err)
	}
	if names := spoolFiles(t, cfg); len(names) != 0 {
		t.Errorf("spool files after Stop gave up on their import: %v", names)
	}
	released = true
	close(release)
}

// TestImportConcurrencyBound: with store.max_imports N, N imports in
// progress (held while their bodies are awaited) make one more answer 429
// with Retry-After at once; when one ends, the next is accepted.
func TestImportConcurrencyBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int
	}{
		{name: "default one", max: 0},
		{name: "two", max: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := shutdownConfig(t)
			if tc.max > 0 {
				cfg.Store.MaxImports = tc.max
			}
			limit := cfg.Store.MaxImports
			d, err := New(context.Background(), cfg, newLogTap().logger())
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Stop(context.Background()) })
			addr := d.HTTPAddr()
			type held struct {
				body []byte
				c    interface{ Write([]byte) (int, error) }
				got  <-chan answer
			}
			var hs []held
			for i := 0; i < limit; i++ {
				body := csvRows(i*10, 10)
				c, br := heldUpload(t, addr, body)
				hs = append(hs, held{body: body, c: c, got: readAnswer(br)})
			}
			extra := func() answer {
				req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/contacts/import?mode=merge", strings.NewReader(string(csvRows(1000, 3))))
				req.Header.Set("Authorization", "Bearer "+shutdownToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return answer{code: resp.StatusCode, body: string(b), retryAfter: resp.Header.Get("Retry-After")}
			}
			if a := extra(); a.code != http.StatusTooManyRequests || a.retryAfter == "" || !strings.Contains(a.body, api.CodeTooManyImports) {
				t.Fatalf("import %d of at most %d: %d (Retry-After %q) %s; want 429 with Retry-After", limit+1, limit, a.code, a.retryAfter, a.body)
			}
			if _, err := hs[0].c.Write(hs[0].body); err != nil {
				t.Fatal(err)
			}
			select {
			case a := <-hs[0].got:
				if a.err != nil || a.code != 200 {
					t.Fatalf("held import: %d %s %v", a.code, a.body, a.err)
				}
			case <-time.After(testWait):
				t.Fatal("the held import did not finish")
			}
			if a := extra(); a.code != 200 {
				t.Fatalf("import once a slot is free: %d %s", a.code, a.body)
			}
			for _, h := range hs[1:] {
				if _, err := h.c.Write(h.body); err != nil {
					t.Fatal(err)
				}
				if a := <-h.got; a.code != 200 {
					t.Fatalf("held import: %d %s %v", a.code, a.body, a.err)
				}
			}
		})
	}
}

// TestStopCancelsImportBeingApplied: an import stopped after its file was
// validated (about to be written) answers 503 and writes nothing: a
// replacing import leaves every contact it would have deleted.
func TestStopCancelsImportBeingApplied(t *testing.T) {
	const seeded = 30
	d, base := testDaemon(t, func(c *config.Config) { c.AGI.Addr, c.Sync.Disabled = "", true })
	adm := client{t, base, "test-admin-token"}
	if code, body := adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", csvRows(0, seeded)); code != 200 {
		t.Fatalf("seed: %d %s", code, body)
	}
	validated := make(chan struct{})
	im := api.NewImports(d.Store(), t.TempDir(), api.WithImportHook(func(ctx context.Context, st api.ImportStage) {
		if st == api.StageValidated {
			close(validated)
			<-ctx.Done() // Stop ends it
		}
	}))
	mountTestImports(d, "test-admin-token", im)
	got := make(chan answer, 1)
	go func() {
		code, body := adm.do("POST", "/test/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", csvRows(seeded, 2000))
		got <- answer{code: code, body: string(body)}
	}()
	select {
	case <-validated:
	case <-time.After(testWait):
		t.Fatal("the import was not validated")
	}
	if err := im.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case a := <-got:
		if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "nothing of it was imported") {
			t.Fatalf("import stopped while being applied: %d %s; want 503", a.code, a.body)
		}
	case <-time.After(quickAnswer):
		t.Fatalf("no answer %v after Stop", quickAnswer)
	}
	n, found := 0, false
	err := d.Store().Scan(context.Background(), func(c *phonebook.Contact) error {
		n++
		found = found || c.FirstName == fmt.Sprintf("Ana%06d", seeded)
		return nil
	})
	if err != nil || n != seeded || found {
		t.Fatalf("store after the cancelled import: %d contacts (want %d), a new row found: %v, %v", n, seeded, found, err)
	}
	if code, _ := adm.do("POST", "/test/api/v1/contacts/import?mode=merge", "text/csv", csvRows(0, 1)); code != http.StatusServiceUnavailable {
		t.Errorf("import after Stop: %d, want 503", code)
	}
}

// TestAfterImportsRunsWhenTheLastEnds: the function given to
// WithAfterImports (the daemon's debug.FreeOSMemory) runs when the last
// import in progress ends, not while another still runs.
func TestAfterImportsRunsWhenTheLastEnds(t *testing.T) {
	d, _ := testDaemon(t, func(c *config.Config) { c.AGI.Addr, c.Sync.Disabled = "", true })
	calls := make(chan struct{}, 10)
	im := api.NewImports(d.Store(), t.TempDir(), api.WithMaxImports(2), api.WithAfterImports(func() { calls <- struct{}{} }))
	mountTestImports(d, shutdownToken, im)
	body := csvRows(0, 10)
	c, br := rawConn(t, d.HTTPAddr())
	fmt.Fprintf(c, "POST /test/api/v1/contacts/import?mode=merge HTTP/1.1\r\nHost: pbxagent\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: text/csv\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", shutdownToken, len(body))
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("held import: want 100 Continue, got %v %v", resp, err)
	}
	adm := client{t, "http://" + d.HTTPAddr(), shutdownToken}
	if code, b := adm.do("POST", "/test/api/v1/contacts/import?mode=merge", "text/csv", csvRows(100, 5)); code != 200 {
		t.Fatalf("second import: %d %s", code, b)
	}
	select {
	case <-calls:
		t.Fatal("the after-imports function ran while an import was still in progress")
	default:
	}
	if _, err := c.Write(body); err != nil {
		t.Fatal(err)
	}
	if res := importResult(t, br); res.Created != 10 {
		t.Fatalf("held import: %+v", res)
	}
	select {
	case <-calls:
	case <-time.After(testWait):
		t.Fatal("the after-imports function did not run when the last import ended")
	}
}

// mountTestImports serves a second set of import endpoints, im, under
// /test/ on the daemon, behind the admin token.
func mountTestImports(d *Daemon, token string, im *api.Imports) {
	r2 := httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken(token)), httpx.WithMaxBody(1<<20))
	r2.Mount(api.NewComponent(api.NewContacts(d.Store(), prometheus.NewRegistry()), im))
	d.Mux().Handle("test", platform.Route{Path: "/test/", Scope: platform.ScopePublic, Handler: http.StripPrefix("/test", r2)})
}
