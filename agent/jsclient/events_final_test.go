package jsclient

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestEventsFinalCloseCodes runs events() in Node against a stand-in
// socket that closes with 4001 (session ended) or 4003 (account
// disabled): the client does not reconnect, reports the error with its
// status, and ends in the closed state.
func TestEventsFinalCloseCodes(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not on PATH")
		}
		t.Skip("node is not on PATH")
	}
	js, _, err := Generate(runtimeDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pbxagent.mjs"), js, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `
import { PbxAgent } from './pbxagent.mjs';
const out = { errors: [], states: [] };
const c = new PbxAgent({ baseUrl: process.argv[2], token: 't' });
await new Promise((resolve) => {
  c.events({ topics: ['calls'], minBackoffMs: 20, maxBackoffMs: 100,
    onError: (e) => out.errors.push({ status: e.status, code: e.code }),
    onState: (s) => { out.states.push(s); if (s === 'closed') resolve(); } });
});
console.log(JSON.stringify(out));
`
	if err := os.WriteFile(filepath.Join(dir, "run.mjs"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		code       websocket.StatusCode
		wantStatus int
		wantCode   string
	}{
		{name: "session ended", code: 4001, wantStatus: 401, wantCode: "unauthorized"},
		{name: "account disabled", code: 4003, wantStatus: 403, wantCode: "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conns.Add(1)
				c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"pbxagent.events"}})
				if err != nil {
					return
				}
				defer c.CloseNow()
				ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
				defer cancel()
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"op":"welcome","seq":100,"topics":["calls"],"window":{"events":10000,"seconds":300}}`))
				_ = c.Close(tc.code, "code "+strconv.Itoa(int(tc.code)))
			}))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := []string{"run.mjs", srv.URL}
			if out, _ := exec.CommandContext(ctx, node, "-e", "process.stdout.write(typeof WebSocket)").Output(); string(out) != "function" {
				args = append([]string{"--experimental-websocket"}, args...) // Node 20
			}
			cmd := exec.CommandContext(ctx, node, args...)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("node (no closed state: reconnecting?): %v\n%s", err, stderr.String())
			}
			var out struct {
				Errors []struct {
					Status int
					Code   string
				}
				States []string
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("%v: %s", err, stdout.String())
			}
			found := false
			for _, e := range out.Errors {
				found = found || (e.Status == tc.wantStatus && e.Code == tc.wantCode)
			}
			if !found {
				t.Errorf("errors %+v, want one with status %d code %s", out.Errors, tc.wantStatus, tc.wantCode)
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("%d connections, want 1 (no reconnect)", n)
			}
		})
	}
}
