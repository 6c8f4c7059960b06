package jsclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
	node, dir := nodeModule(t)
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
	writeScript(t, dir, script)
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
			stdout := runScript(t, node, dir, srv.URL, true, "node (no closed state: reconnecting?)")
			var out struct {
				Errors []struct {
					Status int
					Code   string
				}
				States []string
			}
			if err := json.Unmarshal(stdout, &out); err != nil {
				t.Fatalf("%v: %s", err, string(stdout))
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
