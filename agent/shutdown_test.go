package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pbxagent/pbxagent/agent/platform"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// The tests here stop a whole daemon with requests in flight. A request is
// known to be in its handler without sleeps: an upload sent with
// "Expect: 100-continue" gets its "100 Continue" only when the handler
// first reads the body, and then stays in the handler until the test sends
// the body; a test route signals on a channel.

const shutdownToken = "test-admin-token"

// testWait bounds every wait for an event in these tests.
const testWait = 20 * time.Second

// shutdownConfig is testConfig without the AGI listener and the sync
// scheduler: nothing but HTTP runs.
func shutdownConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.AGI.Addr = ""
	cfg.AdminToken = shutdownToken
	cfg.Sync.Disabled = true
	return cfg
}

// logTap is a slog handler that keeps the daemon's log as text and hands
// over the HTTP address from the "pbxagent started" record.
type logTap struct {
	shared *logShared
	h      slog.Handler
}

type logShared struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
}

// Write appends to the log.
func (s *logShared) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func newLogTap() *logTap {
	s := &logShared{addr: make(chan string, 1)}
	return &logTap{shared: s, h: slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelInfo})}
}

// logger is a logger writing to l.
func (l *logTap) logger() *slog.Logger { return slog.New(l) }

// Enabled implements slog.Handler.
func (l *logTap) Enabled(ctx context.Context, lvl slog.Level) bool { return l.h.Enabled(ctx, lvl) }

// Handle implements slog.Handler; it passes the started address on.
func (l *logTap) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "pbxagent started" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "http" {
				select {
				case l.shared.addr <- a.Value.String():
				default:
				}
				return false
			}
			return true
		})
	}
	return l.h.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (l *logTap) WithAttrs(as []slog.Attr) slog.Handler {
	return &logTap{shared: l.shared, h: l.h.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (l *logTap) WithGroup(name string) slog.Handler {
	return &logTap{shared: l.shared, h: l.h.WithGroup(name)}
}

// String is the log so far.
func (l *logTap) String() string {
	l.shared.mu.Lock()
	defer l.shared.mu.Unlock()
	return l.shared.buf.String()
}

// waitAddr returns the HTTP address the daemon logged when it started.
func (l *logTap) waitAddr(t *testing.T) string {
	t.Helper()
	select {
	case a := <-l.shared.addr:
		return a
	case <-time.After(testWait):
		t.Fatalf("the daemon did not start; log:\n%s", l)
		return ""
	}
}

// csvRows returns n Central Phone Book CSV rows, numbered from first.
func csvRows(first, n int) []byte {
	var b bytes.Buffer
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "Ana%06d,,Shutdown,ana%06d@example.com,Acme,mobile:+38761%06d\r\n", i, i, i)
	}
	return b.Bytes()
}

// eventually polls cond until it holds, failing the test at testWait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// impatientDaemon builds (but does not start) a daemon whose
// http.shutdown_timeout is 1 ms, logging into a tap.
func impatientDaemon(t *testing.T) (*Daemon, config.Config, *logTap) {
	t.Helper()
	cfg := shutdownConfig(t)
	cfg.HTTP.ShutdownTimeout = time.Millisecond
	tap := newLogTap()
	d, err := New(context.Background(), cfg, tap.logger())
	if err != nil {
		t.Fatal(err)
	}
	return d, cfg, tap
}

// refused reports whether a new connection to addr is refused.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// rawConn dials addr with a deadline covering the whole test.
func rawConn(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testWait))
	return c, bufio.NewReader(c)
}

// heldUpload sends the head of a CSV import with "Expect: 100-continue" and
// returns once the handler reads the body (the server's "100 Continue"):
// the handler then waits for the body, which the caller sends.
func heldUpload(t *testing.T, addr string, body []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, br := rawConn(t, addr)
	fmt.Fprintf(c, "POST /api/v1/contacts/import?mode=merge HTTP/1.1\r\nHost: pbxagent\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: text/csv\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", shutdownToken, len(body))
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("upload: want 100 Continue, got %v %v", resp, err)
	}
	return c, br
}

// importResult reads the answer to a CSV import.
func importResult(t *testing.T, br *bufio.Reader) importCounts {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("import response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d %s %v", resp.StatusCode, b, err)
	}
	var res importCounts
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("import: %s: %v", b, err)
	}
	return res
}

// importStopped reads the answer to an import cancelled by a stop: 503,
// saying nothing was imported.
func importStopped(t *testing.T, br *bufio.Reader) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("import at stop: %v; want a 503 answer", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "nothing of it was imported") {
		t.Fatalf("import at stop: %d %s; want 503 saying nothing was imported", resp.StatusCode, b)
	}
}

// importCounts is the part of an import's answer the tests check.
type importCounts struct{ Rows, Created int }

// countContacts opens the data directory again, as a restarted daemon
// does, and returns how many contacts it holds and whether one named name
// is among them.
func countContacts(t *testing.T, cfg config.Config, name string) (n int, found bool) {
	t.Helper()
	d, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("reopen %s: %v", cfg.DataDir, err)
	}
	defer func() {
		if err := d.Store().Close(); err != nil {
			t.Errorf("close the reopened store: %v", err)
		}
	}()
	err = d.Store().Scan(context.Background(), func(c *phonebook.Contact) error {
		n++
		found = found || c.FirstName == name
		return nil
	})
	if err != nil {
		t.Fatalf("scan the reopened store: %v", err)
	}
	return n, found
}

// TestShutdownFinishesInFlightRequests: when Run's context ends with an
// upload and an export in flight, new connections are refused, the export
// completes with its whole answer, the upload (an import: atomic, so
// cancelled at once rather than waited for) is answered 503 with nothing
// of it imported, Run returns nil, and the data directory opens again with
// exactly what was there before.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	const seeded, uploaded = 2000, 50
	cfg := shutdownConfig(t)
	tap := newLogTap()
	d, err := New(context.Background(), cfg, tap.logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- d.Run(ctx) }()
	addr := tap.waitAddr(t)
	adm := client{t, "http://" + addr, shutdownToken}
	if code, body := adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", csvRows(0, seeded)); code != 200 {
		t.Fatalf("seed: %d %s", code, body)
	}
	code, want := adm.do("GET", "/api/v1/contacts/export", "", nil)
	if code != 200 || bytes.Count(want, []byte("\n")) != seeded {
		t.Fatalf("export: %d, %d lines", code, bytes.Count(want, []byte("\n")))
	}
	http.DefaultClient.CloseIdleConnections()

	// An export whose reader pauses after the head (its handler is in
	// flight unless the socket buffers took the whole file already; either
	// way the body must arrive whole), and an upload held in its handler.
	exp, expBR := rawConn(t, addr)
	fmt.Fprintf(exp, "GET /api/v1/contacts/export HTTP/1.1\r\nHost: pbxagent\r\nAuthorization: Bearer %s\r\n\r\n", shutdownToken)
	expResp, err := http.ReadResponse(expBR, nil)
	if err != nil || expResp.StatusCode != 200 {
		t.Fatalf("export head: %v %v", expResp, err)
	}
	body := csvRows(seeded, uploaded)
	up, upBR := heldUpload(t, addr, body)

	cancel() // as SIGTERM does through signal.NotifyContext in main
	eventually(t, "new connections are refused", func() bool { return refused(addr) })
	_, _ = up.Write(body) // too late: the import was cancelled
	importStopped(t, upBR)
	got, err := io.ReadAll(expResp.Body)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("export in flight: %d of %d bytes, %v", len(got), len(want), err)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(testWait):
		t.Fatal("Run did not return")
	}
	if !refused(addr) {
		t.Error("still accepting after Run returned")
	}
	log := tap.String()
	if strings.Contains(log, "level=ERROR") || strings.Contains(log, "level=WARN") || !strings.Contains(log, "pbxagent stopped") {
		t.Errorf("log:\n%s", log)
	}
	last := fmt.Sprintf("Ana%06d", seeded+uploaded-1)
	if n, found := countContacts(t, cfg, last); n != seeded || found {
		t.Fatalf("reopened store: %d contacts (want %d), %s found: %v", n, seeded, last, found)
	}
}

// TestShutdownTimeoutWaitsForHandlers: requests that outlive
// http.shutdown_timeout have their connections closed, and Stop closes the
// store only after their handlers returned: a handler that reads the store
// once its request is cancelled still reads it, and a held upload is
// answered 503 (imports are cancelled when the stop begins).
func TestShutdownTimeoutWaitsForHandlers(t *testing.T) {
	const seeded = 20
	d, cfg, tap := impatientDaemon(t)
	entered, returned, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var scanned int
	var scanErr error
	// Like a long export: still running when the timeout strikes, and it
	// reads the store after its request ends.
	d.Mux().Handle("test", publicRoute("GET", "/test/held", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		close(entered)
		select {
		case <-r.Context().Done():
		case <-release: // only when the test fails
		}
		scanErr = d.Store().Scan(context.Background(), func(*phonebook.Contact) error { scanned++; return nil })
	})))
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		close(release)
		if !stopped {
			_ = d.Stop(context.Background())
		}
	})
	addr := d.HTTPAddr()
	adm := client{t, "http://" + addr, shutdownToken}
	if code, body := adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", csvRows(0, seeded)); code != 200 {
		t.Fatalf("seed: %d %s", code, body)
	}
	http.DefaultClient.CloseIdleConnections()
	held, _ := rawConn(t, addr)
	io.WriteString(held, "GET /test/held HTTP/1.1\r\nHost: pbxagent\r\n\r\n")
	select {
	case <-entered:
	case <-time.After(testWait):
		t.Fatal("the held request did not reach its handler")
	}
	_, upBR := heldUpload(t, addr, csvRows(seeded, 10))

	stopErr := make(chan error, 1)
	go func() { stopErr <- d.Stop(context.Background()) }()
	select {
	case <-returned:
	case err := <-stopErr:
		stopped = true
		t.Fatalf("Stop returned (%v) while a handler was still running: it closed the store under it", err)
	case <-time.After(testWait):
		t.Fatal("the held handler did not return: its connection was not closed")
	}
	var err2 error
	select {
	case err2 = <-stopErr:
		stopped = true
	case <-time.After(testWait):
		t.Fatal("Stop did not return")
	}
	if !errors.Is(err2, context.DeadlineExceeded) || strings.Contains(err2.Error(), "store left open") {
		t.Errorf("Stop: %v; want the shutdown timeout only", err2)
	}
	if scanErr != nil || scanned != seeded {
		t.Errorf("the handler read the store after its request ended: %d contacts, %v; want %d, nil", scanned, scanErr, seeded)
	}
	importStopped(t, upBR)
	if n := d.handlers().running(); n != 0 {
		t.Errorf("%d handlers still running after Stop", n)
	}
	if err := d.Store().Scan(context.Background(), func(*phonebook.Contact) error { return nil }); !errors.Is(err, phonebook.ErrClosed) {
		t.Errorf("store after Stop: %v, want it closed", err)
	}
	log := tap.String()
	if !strings.Contains(log, "http requests outlived the shutdown timeout") || strings.Contains(log, "panic") {
		t.Errorf("log:\n%s", log)
	}
	if n, _ := countContacts(t, cfg, ""); n != seeded {
		t.Fatalf("reopened store: %d contacts, want %d", n, seeded)
	}
}

// TestShutdownGivesUpOnStuckHandler: a handler that ignores its closed
// connection keeps Stop waiting only within its context; Stop then logs
// that it gave up, says so in its error and leaves the store open (the
// handler can still use it) rather than closing it under the handler.
func TestShutdownGivesUpOnStuckHandler(t *testing.T) {
	d, _, tap := impatientDaemon(t)
	entered, returned, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var scanErr error
	d.Mux().Handle("test", publicRoute("GET", "/test/stuck", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		close(entered)
		<-release
		scanErr = d.Store().Scan(context.Background(), func(*phonebook.Contact) error { return nil })
	})))
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
		_ = d.Store().Close()
	})
	stuck, _ := rawConn(t, d.HTTPAddr())
	io.WriteString(stuck, "GET /test/stuck HTTP/1.1\r\nHost: pbxagent\r\n\r\n")
	select {
	case <-entered:
	case <-time.After(testWait):
		t.Fatal("the stuck request did not reach its handler")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := d.Stop(ctx)
	if err == nil || !strings.Contains(err.Error(), "store left open") {
		t.Errorf("Stop: %v; want it to say the store was left open", err)
	}
	if !strings.Contains(tap.String(), "gave up waiting for http handlers") {
		t.Errorf("no log line says Stop gave up:\n%s", tap)
	}
	select {
	case <-returned:
		t.Fatal("the stuck handler returned before it was released")
	default:
	}
	released = true
	close(release)
	select {
	case <-returned:
	case <-time.After(testWait):
		t.Fatal("the released handler did not return")
	}
	if scanErr != nil {
		t.Errorf("the stuck handler found the store closed under it: %v", scanErr)
	}
}

// TestServeSIGTERM runs the real binary: SIGTERM with an upload in flight
// cancels the upload (answered 503), the process exits 0, and the store
// opens again with what it held before the upload, and no spool file.
func TestServeSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/pbxagent")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build cmd/pbxagent")
	}
	bin := filepath.Join(t.TempDir(), "pbxagent")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/pbxagent")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/pbxagent: %v\n%s", err, out)
	}
	cfg := shutdownConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--data", cfg.DataDir, "--http", cfg.HTTP.Addr, "--agi", "",
		"--region", cfg.Numbers.DefaultRegion, "--sync.disabled", "true")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PBXAGENT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PBXAGENT_ADMIN_TOKEN="+shutdownToken)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The reader owns stderr until the process closes it.
	var logBuf bytes.Buffer
	addrc, logDone := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(logDone)
		started := regexp.MustCompile(`msg="pbxagent started".* http=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logBuf.WriteString(sc.Text() + "\n")
			if m := started.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-logDone:
		cmd.Wait()
		t.Fatalf("pbxagent serve exited before it started:\n%s", logBuf.String())
	case <-time.After(testWait):
		t.Fatal("pbxagent serve did not start")
	}
	seed, sbr := heldUpload(t, addr, csvRows(0, 25))
	if _, err := seed.Write(csvRows(0, 25)); err != nil {
		t.Fatal(err)
	}
	if res := importResult(t, sbr); res.Created != 25 {
		t.Fatalf("seed: %+v", res)
	}
	_, upBR := heldUpload(t, addr, csvRows(25, 25))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	importStopped(t, upBR)
	<-logDone
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pbxagent serve after SIGTERM: %v\n%s", err, logBuf.String())
	}
	if !strings.Contains(logBuf.String(), "pbxagent stopped") {
		t.Errorf("log:\n%s", logBuf.String())
	}
	if n, found := countContacts(t, cfg, "Ana000024"); n != 25 || !found {
		t.Fatalf("reopened store: %d contacts, Ana000024 found: %v", n, found)
	}
	if names, _ := filepath.Glob(filepath.Join(cfg.DataDir, "tmp", "import-*.csv")); len(names) != 0 {
		t.Errorf("spool files after the process exited: %v", names)
	}
}

// TestShutdownEndsDialerStreams: a live dialer stream (Server-Sent Events,
// which never end by themselves) does not hold the graceful stop for its
// timeout: Stop ends it with an "end" event and returns without error.
func TestShutdownEndsDialerStreams(t *testing.T) {
	_, ariURL := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	cfg := shutdownConfig(t)
	cfg.ARI.URL, cfg.ARI.User, cfg.ARI.Pass = ariURL, "asterisk", "secret"
	cfg.HTTP.ShutdownTimeout = 10 * time.Minute // far beyond the test's own deadline
	d, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+d.HTTPAddr()+"/api/v1/dialer/stream", nil)
	req.Header.Set("Authorization", "Bearer "+shutdownToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || sc.Text() != "event: snapshot" {
		t.Fatalf("stream: first line %q (status %d)", sc.Text(), resp.StatusCode)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- d.Stop(ctx) }()
	last := ""
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			last = ev
		}
	}
	if last != "end" {
		t.Fatalf("stream closed with last event %q, want end (err %v)", last, sc.Err())
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// A clean stop leaves no dialer leg or bridge in Asterisk: an agent's phone
// must not stay off-hook on a dead leg, and the next run's login must not
// find the old bridge.
func TestStopReleasesDialerLegs(t *testing.T) {
	fake, ariURL := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"),
		fakeari.WithPeer("PJSIP/agent", fakeari.Agent{AnswerAfter: 10 * time.Millisecond}))
	cfg := shutdownConfig(t)
	cfg.ARI.URL, cfg.ARI.User, cfg.ARI.Pass = ariURL, "asterisk", "secret"
	d, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := client{t: t, base: "http://" + d.HTTPAddr(), token: shutdownToken}
	if code, b := c.do("POST", "/api/v1/campaigns", "application/json",
		[]byte(`{"id":"c1","mode":"progressive","max_channels":5,"info_message":"sound:info","window":{"default_tz":"Europe/London"}}`)); code != 201 {
		t.Fatalf("create campaign: %d %s", code, b)
	}
	if code, b := c.do("POST", "/api/v1/agents/a1/login", "application/json", []byte(`{"campaign":"c1","endpoint":"PJSIP/agent1"}`)); code != 200 {
		t.Fatalf("login: %d %s", code, b)
	}
	eventually(t, "the agent's leg parked in its bridge", func() bool {
		for _, ch := range fake.Channels() {
			if ch.Endpoint == "PJSIP/agent1" && ch.Bridge != "" {
				return true
			}
		}
		return false
	})
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if chs := fake.Channels(); len(chs) != 0 {
		t.Errorf("channels left after stop: %+v", chs)
	}
	if b := fake.BridgeIDs(); len(b) != 0 {
		t.Errorf("bridges left after stop: %v", b)
	}
}

// publicRoute is a test route that needs no credentials.
func publicRoute(method, path string, h http.Handler) platform.Route {
	return platform.Route{Method: method, Path: path, Scope: platform.ScopePublic, Handler: h}
}
