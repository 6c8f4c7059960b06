package jsclient

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// runtimeDoc adds sign-in, sign-out and a stream to doc31's operations.
func runtimeDoc(t *testing.T) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(doc31), &d); err != nil {
		t.Fatal(err)
	}
	paths := d["paths"].(map[string]any)
	paths["/api/v1/login"] = map[string]any{"post": map[string]any{"operationId": "postLogin",
		"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{}}},
		"responses":   map[string]any{"200": map[string]any{"description": "ok", "content": map[string]any{"application/json": map[string]any{}}}}}}
	paths["/api/v1/logout"] = map[string]any{"post": map[string]any{"operationId": "postLogout",
		"responses": map[string]any{"204": map[string]any{"description": "ok"}}}}
	b, _ := json.Marshal(d)
	return b
}

// seen is one request the stand-in server received.
type seen struct {
	Method, Path, Query, Type, CSRF, Auth, Body string
}

// TestRuntimeInNode runs the generated module in Node against a stand-in
// server: parameters, bodies, the CSRF token, the bearer token, errors,
// 204, and subscribe over server-sent events.
func TestRuntimeInNode(t *testing.T) {
	node, dir := nodeModule(t)
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Type: r.Header.Get("Content-Type"),
			CSRF: r.Header.Get("X-CSRF-Token"), Auth: r.Header.Get("Authorization"), Body: string(b)})
		mu.Unlock()
		w.Header().Set("X-Request-Id", "req-1")
		switch {
		case r.URL.Path == "/api/v1/login":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"user":{"username":"u"},"csrf_token":"csrf-1"}`)
		case r.URL.Path == "/api/v1/logout", r.Method == "DELETE":
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/api/v1/things/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"not_found","message":"no thing missing","details":[{"field":"id","message":"unknown"}],"request_id":"req-9"}}`)
		case r.URL.Path == "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, ": hello\n\nevent: snapshot\ndata: {\"n\":1}\n\n")
			w.(http.Flusher).Flush()
			fmt.Fprint(w, "event: snapshot\r\ndata: {\"n\":\r\ndata: 2}\r\nid: 7\r\n\r\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case r.Method == "POST":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			fmt.Fprint(w, "a,b\n")
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":%q}`, r.URL.Path)
		}
	}))
	defer srv.Close()

	script := `
import { PbxAgent, PbxAgentError } from './pbxagent.mjs';
const base = process.argv[2];
const out = {};
const c = new PbxAgent({ baseUrl: base + '/' });
out.login = await c.postLogin({}, { username: 'u', password: 'p' });
out.csrf = c.csrfToken;
out.patched = await c.patchThingsById({ id: 'a/b c' }, { note: 'x' });
out.csv = await c.requestOp({ mode: 'replace' }, 'a,b\n1,2\n');
out.blob = await c.requestOp({ mode: 'merge' }, new Blob(['x,y\n'], { type: 'text/plain' }));
out.deleted = (await c.deleteThingsById({ id: 'x' })) === undefined;
try { await c.getThingsById({ id: 'missing' }); } catch (e) {
  out.err = { instance: e instanceof PbxAgentError, status: e.status, code: e.code, message: e.message, details: e.details, requestId: e.requestId };
}
try { await c.getThingsById({ id: 'a', bogus: 1 }); } catch (e) { out.unknown = e.message; }
try { await c.requestOp({}, 'x'); } catch (e) { out.missing = e.message; }
try { await new PbxAgent({ baseUrl: 'http://127.0.0.1:1' }).getXY(); } catch (e) { out.network = { status: e.status, code: e.code }; }
const b = new PbxAgent({ baseUrl: base, token: 'tok' });
out.bearer = await b.getThingsById({ id: 'who', verbose: true });
out.events = [];
await new Promise((resolve) => {
  const stop = c.subscribe('/stream', (ev) => { out.events.push(ev); if (out.events.length === 2) { stop(); resolve(); } });
});
await c.postLogout();
out.csrfAfterLogout = c.csrfToken;
console.log(JSON.stringify(out));
`
	writeScript(t, dir, script)
	stdout := runScript(t, node, dir, srv.URL, false, "node")
	var out struct {
		CSRF, CSV, Blob, Unknown, Missing, CSRFAfterLogout string
		Patched                                            struct{ ID string }
		Deleted                                            bool
		Err                                                struct {
			Instance      bool
			Status        int
			Code, Message string
			Details       []struct{ Field, Message string }
			RequestID     string
		}
		Network struct {
			Status int
			Code   string
		}
		Bearer struct{ ID string }
		Events []struct {
			Type string
			Data map[string]int
			ID   string
		}
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, string(stdout))
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "CSRF token kept from the login answer", ok: out.CSRF == "csrf-1"},
		{name: "path parameter encoded", ok: out.Patched.ID == "/api/v1/things/a/b c"},
		{name: "CSV answered as text", ok: out.CSV == "a,b\n" && out.Blob == "a,b\n"},
		{name: "204 is undefined", ok: out.Deleted},
		{name: "error envelope", ok: out.Err.Instance && out.Err.Status == 404 && out.Err.Code == "not_found" && out.Err.Message == "no thing missing" &&
			len(out.Err.Details) == 1 && out.Err.Details[0].Field == "id" && out.Err.RequestID == "req-9"},
		{name: "unknown parameter", ok: strings.Contains(out.Unknown, `unknown parameter "bogus"`)},
		{name: "missing required query parameter", ok: strings.Contains(out.Missing, `parameter "mode" is required`)},
		{name: "network error", ok: out.Network.Status == 0 && out.Network.Code == "network"},
		{name: "bearer call", ok: out.Bearer.ID == "/api/v1/things/who"},
		{name: "events", ok: len(out.Events) == 2 && out.Events[0].Type == "snapshot" && out.Events[0].Data["n"] == 1 && out.Events[1].Data["n"] == 2 && out.Events[1].ID == "7"},
		{name: "logout forgets the CSRF token", ok: out.CSRFAfterLogout == ""},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: output %s", c.name, string(stdout))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	find := func(method, path string) seen {
		for _, s := range got {
			if s.Method == method && s.Path == path {
				return s
			}
		}
		t.Fatalf("no %s %s among %+v", method, path, got)
		return seen{}
	}
	req := []struct {
		name string
		s    seen
		want seen
	}{
		{name: "login: JSON, no CSRF yet", s: find("POST", "/api/v1/login"), want: seen{Type: "application/json", Body: `{"username":"u","password":"p"}`}},
		{name: "patch: merge patch with the CSRF token", s: find("PATCH", "/api/v1/things/a%2Fb%20c"), want: seen{Type: "application/merge-patch+json", CSRF: "csrf-1", Body: `{"note":"x"}`}},
		{name: "CSV string with its type", s: find("POST", "/api/v1/things"), want: seen{Query: "mode=replace", Type: "text/csv", CSRF: "csrf-1", Body: "a,b\n1,2\n"}},
		{name: "GET without the CSRF token, bearer and query", s: find("GET", "/api/v1/things/who"), want: seen{Query: "verbose=true", Auth: "Bearer tok"}},
		{name: "logout with the CSRF token", s: find("POST", "/api/v1/logout"), want: seen{CSRF: "csrf-1"}},
	}
	for _, r := range req {
		r.want.Method, r.want.Path = r.s.Method, r.s.Path
		if r.s != r.want {
			t.Errorf("%s: server got %+v, want %+v", r.name, r.s, r.want)
		}
	}
	var blob seen
	for _, s := range got {
		if s.Query == "mode=merge" {
			blob = s
		}
	}
	if blob.Type != "text/plain" || blob.Body != "x,y\n" {
		t.Errorf("a Blob is sent with its own type: %+v", blob)
	}
}
