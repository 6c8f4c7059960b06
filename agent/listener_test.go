package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/testlab/agiclient"

	"github.com/pbxagent/pbxagent/testlab/faultnet"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

// TestDaemonBareLFRequest: a request whose lines end in a bare LF is
// answered (by net/http, to which the fast lane hands it) at once, not
// held until the read-header timeout (10 s) and closed unanswered.
func TestDaemonBareLFRequest(t *testing.T) {
	d, _ := testDaemon(t, nil)
	c, br := rawConn(t, d.HTTPAddr())
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /healthz HTTP/1.1\nHost: x\n\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
}

// startWrapped starts a daemon on cfg (from testConfig, changed by mut)
// whose HTTP listener is wrap(the real one).
func startWrapped(t *testing.T, mut func(*config.Config), wrap func(net.Listener) net.Listener) *Daemon {
	t.Helper()
	cfg := testConfig(t)
	if mut != nil {
		mut(&cfg)
	}
	wrapped := func(ctx context.Context, cfg config.Config, log *slog.Logger) (*Daemon, error) {
		d, err := New(ctx, cfg, log)
		if err == nil {
			d.wrapHTTP = wrap
		}
		return d, err
	}
	return testdaemon.Start(t, wrapped, cfg, slog.New(slog.DiscardHandler))
}

// get sends one GET on a new connection from the loopback address local
// and returns the status and body.
func get(t *testing.T, local, addr, path string) (int, string) {
	t.Helper()
	c, br := dialFrom(t, local, addr)
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: pbxagent\r\nAuthorization: Bearer test-admin-token\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func dialFrom(t *testing.T, local, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testWait))
	return c, bufio.NewReader(c)
}

// TestDaemonAcceptErrors: the HTTP component survives running out of file
// descriptors (it once stopped for good, the port listening with nobody
// answering, while /healthz had said ok): it retries, /readyz says 503
// "accept failing" meanwhile, and the errors are counted in a metric.
func TestDaemonAcceptErrors(t *testing.T) {
	d := startWrapped(t, nil, func(ln net.Listener) net.Listener { return &faultnet.Listener{Listener: ln, Fails: 5} })
	if code, body := get(t, "127.0.0.1", d.HTTPAddr(), "/healthz"); code != 200 {
		t.Fatalf("healthz: %d %s", code, body)
	}
	code, body := get(t, "127.0.0.1", d.HTTPAddr(), "/readyz")
	var ready struct {
		Status string
		Checks map[string]string
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || code != 503 || ready.Status != "unavailable" || ready.Checks["http"] != "accept failing" {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if _, m := get(t, "127.0.0.1", d.HTTPAddr(), "/metrics"); !strings.Contains(m, "pbxagent_http_accept_errors_total 5\n") {
		t.Errorf("metrics: no pbxagent_http_accept_errors_total 5")
	}
}

// TestDaemonConnLimits: with small http.max_conns and
// http.max_conns_per_peer, connections over them are answered 503 and
// closed, counted by limit; /readyz is 503 after a refusal at the cap
// (TestNotReady: for how long).
func TestDaemonConnLimits(t *testing.T) {
	d := startWrapped(t, func(c *config.Config) { c.HTTP.MaxConns, c.HTTP.MaxConnsPerPeer = 4, 2 }, nil)
	addr := d.HTTPAddr()
	refusedFrom := func(local string) {
		t.Helper()
		c, br := dialFrom(t, local, addr)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("from %s: want 503, got %v %v", local, resp, err)
		}
		c.Close()
	}
	var idle []net.Conn
	for _, local := range []string{"127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		c, _ := dialFrom(t, local, addr)
		idle = append(idle, c)
		if local == "127.0.0.1" && len(idle) == 2 {
			refusedFrom("127.0.0.1") // a third from one address
		}
	}
	refusedFrom("127.0.0.4") // a fifth in all
	for _, c := range idle[:2] {
		c.Close()
	}
	eventually(t, "two connections are released", func() bool { return d.httpStats().Open == 2 })
	if code, body := get(t, "127.0.0.5", addr, "/readyz"); code != 503 || !strings.Contains(body, `"http":"refusing connections"`) {
		t.Errorf("readyz near the cap: %d %s", code, body)
	}
	if st := d.httpStats(); st.RefusedMax != 1 || st.RefusedPeer != 1 {
		t.Errorf("stats %+v", st)
	}
	_, m := get(t, "127.0.0.5", addr, "/metrics")
	for _, want := range []string{
		`pbxagent_http_connections_refused_total{limit="max_conns"} 1`,
		`pbxagent_http_connections_refused_total{limit="max_conns_per_peer"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics: no %s", want)
		}
	}
}

// TestNotReady: what keeps /readyz at 503, and for how long.
func TestNotReady(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	lim := fastlane.Limits{MaxConns: 100}
	for _, tc := range []struct {
		name string
		st   fastlane.Stats
		want string
	}{
		{name: "idle", st: fastlane.Stats{Limits: lim}, want: ""},
		{name: "below 90 %", st: fastlane.Stats{Limits: lim, Open: 89}, want: ""},
		{name: "at 90 %", st: fastlane.Stats{Limits: lim, Open: 90}, want: "saturated"},
		{name: "no cap", st: fastlane.Stats{Open: 1 << 20}, want: ""},
		{name: "refused just now", st: fastlane.Stats{Limits: lim, LastRefusedMax: now.Add(-time.Second)}, want: "refusing connections"},
		{name: "refused long ago", st: fastlane.Stats{Limits: lim, LastRefusedMax: now.Add(-readyWindow)}, want: ""},
		{name: "accept failed just now", st: fastlane.Stats{Limits: lim, LastAcceptError: now.Add(-time.Second)}, want: "accept failing"},
		{name: "accept failed long ago", st: fastlane.Stats{Limits: lim, LastAcceptError: now.Add(-readyWindow)}, want: ""},
	} {
		if got := notReady(tc.st, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDaemonAGISilentFlood: on the daemon's FastAGI listener, connections
// that send nothing take no session slot: with agi.max_sessions 2 and
// agi.max_waiting 20, a session that comes after 100 silent connections
// is served (once, 6 000 of them made a real session fail).
func TestDaemonAGISilentFlood(t *testing.T) {
	d := startWrapped(t, func(c *config.Config) {
		c.AGI.MaxSessions, c.AGI.MaxWaiting, c.AGI.FirstLineTimeout = 2, 20, 5*time.Second
		c.CallerID.Deadline = 5 * time.Second // a session that has spoken would hold its slot that long
	}, nil)
	for i := 0; i < 100; i++ {
		c, err := net.Dial("tcp", d.AGIAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	res := agiclient.Run(context.Background(), agiclient.Config{Addr: d.AGIAddr(), CallerID: "061111111"})
	if res.Status != agiclient.StatusSuccess || res.Set["PBXAGENT_CID_MATCH"] != "none" {
		t.Fatalf("session after the flood: %s %q %v", res.Status, res.Set, res.Err)
	}
}
