package ari_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// logCapture is a slog.Handler that keeps every record and signals each.
type logCapture struct {
	mu   sync.Mutex
	recs []slog.Record
	got  chan struct{}
}

func newLogCapture() *logCapture { return &logCapture{got: make(chan struct{}, 1)} }

func (h *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCapture) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logCapture) WithGroup(string) slog.Handler            { return h }

func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	h.signal()
	return nil
}

// signal wakes waitFor.
func (h *logCapture) signal() {
	select {
	case h.got <- struct{}{}:
	default:
	}
}

// count returns how many records are at level and hold substr.
func (h *logCapture) count(level slog.Level, substr string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.recs {
		if r.Level == level && strings.Contains(r.Message, substr) {
			n++
		}
	}
	return n
}

// waitFor blocks until cond holds, failing the test after waitLimit.
func (h *logCapture) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(waitLimit)
	for !cond() {
		select {
		case <-h.got:
		case <-deadline:
			t.Fatalf("waiting for %s: not within %v", what, waitLimit)
		}
	}
}

// TestWrongPasswordLoggedOnce: a wrong ARI password is one error line
// saying so, however many attempts follow (they are debug lines), not a
// "connection lost; reconnecting" warning per attempt; LastError and REST
// errors match ErrUnauthorized and Stats counts the refusals; once the
// credentials pass (here: a proxy that starts sending the right ones) the
// client connects.
func TestWrongPasswordLoggedOnce(t *testing.T) {
	_, fake := fakeari.StartTest(t, fakeari.WithAuth("u", "p"))
	target, err := url.Parse(fake)
	if err != nil {
		t.Fatal(err)
	}
	target.Path = ""
	var fixed atomic.Bool   // the proxy sends the right password
	var dials atomic.Int64  // events connections tried
	logs := newLogCapture() // signalled by each of those too
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host
		if strings.HasSuffix(pr.Out.URL.Path, "/events") {
			dials.Add(1)
			logs.signal()
		}
		if fixed.Load() {
			pr.Out.SetBasicAuth("u", "p")
		}
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)

	c, err := ari.New(srv.URL+"/ari", ari.WithAuth("u", "wrong"), ari.WithApps("x"), ari.WithLogger(slog.New(logs)),
		ari.WithBackoff(time.Millisecond, 2*time.Millisecond, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	const attempts = 5
	// The line of attempt n is written before attempt n+1 dials.
	logs.waitFor(t, fmt.Sprintf("%d attempts", attempts+1), func() bool { return dials.Load() > attempts })
	if n := logs.count(slog.LevelError, "rejected the ARI user or password"); n != 1 {
		t.Errorf("%d error lines saying the user or password is wrong, want 1", n)
	}
	if n := logs.count(slog.LevelDebug, "still rejected"); n < attempts-1 {
		t.Errorf("%d debug lines for the retries, want at least %d", n, attempts-1)
	}
	if n := logs.count(slog.LevelWarn, "reconnecting"); n != 0 {
		t.Errorf("%d reconnect warnings for a wrong password, want none", n)
	}
	if err := c.LastError(); !errors.Is(err, ari.ErrUnauthorized) {
		t.Errorf("LastError = %v, want one matching ErrUnauthorized", err)
	}
	if s := c.Stats(); s.Unauthorized < attempts || s.Connects != 0 {
		t.Errorf("stats: %d refused, %d connects; want at least %d refused, no connect", s.Unauthorized, s.Connects, attempts)
	}
	if c.Ready() {
		t.Error("ready with a wrong password")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := c.Channels().List(ctx); !errors.Is(err, ari.ErrUnauthorized) || !ari.IsUnauthorized(err) {
		t.Errorf("REST with a wrong password: %v, want one matching ErrUnauthorized", err)
	}

	fixed.Store(true)
	// WaitReady gives up at a refusal: one dialled before the fix may
	// still come.
	for err := c.WaitReady(ctx); err != nil; err = c.WaitReady(ctx) {
		if !errors.Is(err, ari.ErrUnauthorized) || ctx.Err() != nil {
			t.Fatalf("after the password was fixed: %v", err)
		}
	}
	if n := logs.count(slog.LevelError, ""); n != 1 {
		t.Errorf("%d error lines in all, want 1", n)
	}
}

// TestErrorIsUnauthorized: only a 401 matches ErrUnauthorized (a 403 is a
// user without the right, not a wrong password), wrapped or not.
func TestErrorIsUnauthorized(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "401", err: &ari.Error{Op: "channels.list", Status: 401}, want: true},
		{name: "401 wrapped", err: fmt.Errorf("dialer: %w", &ari.Error{Status: 401}), want: true},
		{name: "403", err: &ari.Error{Status: 403}},
		{name: "404", err: &ari.Error{Status: 404}},
		{name: "other error", err: errors.New("401")},
		{name: "nil", err: nil},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, ari.ErrUnauthorized); got != tt.want {
			t.Errorf("%s: errors.Is(%v, ErrUnauthorized) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
