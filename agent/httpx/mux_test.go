package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func route(method, path string, scope platform.Scope, h http.Handler) platform.Route {
	return platform.Route{Method: method, Path: path, Scope: scope, Handler: h}
}

var noContent = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

// TestMuxCountsAndCaps: requests are counted by route and status, a
// request body beyond the cap is refused, and a GET costs few allocations.
func TestMuxCountsAndCaps(t *testing.T) {
	m := New(WithMaxBody(8), WithRegisterer(prometheus.NewRegistry()))
	m.Handle("t", route("GET", "/p/{x}", platform.ScopePublic, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.PathValue("x") == "old" {
			w.WriteHeader(http.StatusNotModified)
		}
	})))
	m.Handle("t", route("POST", "/p", platform.ScopePublic, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := io.ReadAll(req.Body); err != nil {
			platform.WriteErr(w, req, err)
		}
	})))
	do := func(method, path, body string) int {
		rec := httptest.NewRecorder()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		m.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
		return rec.Code
	}
	for range 3 {
		do("GET", "/p/old", "")
	}
	do("GET", "/p/new", "")
	if code := do("POST", "/p", "0123456789"); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST over the cap = %d", code)
	}
	if code := do("POST", "/p", "0123"); code != http.StatusOK {
		t.Fatalf("POST under the cap = %d", code)
	}
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{route: "GET /p/{x}", code: "304", want: 3}, {route: "GET /p/{x}", code: "200", want: 1},
		{route: "POST /p", code: "413", want: 1}, {route: "POST /p", code: "200", want: 1},
	} {
		if got := testutil.ToFloat64(m.metrics.reqs.WithLabelValues(tc.route, tc.code)); got != tc.want {
			t.Errorf("requests{%s,%s} = %v, want %v", tc.route, tc.code, got, tc.want)
		}
	}
	req := httptest.NewRequest("GET", "/p/old", nil)
	w := discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() { m.ServeHTTP(w, req) })
	// The request id (its text and its header value), the context
	// values (id, error sink), the request copy, the status writer and
	// the mux's matching; no label formatting, no body limit on a request
	// without a body.
	if allocs > 10 {
		t.Errorf("%.0f allocations per GET through the mux, want at most 10", allocs)
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

// fakeAuth maps the X-Test-User header to a principal.
type fakeAuth map[string]platform.Principal

func (f fakeAuth) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	v := r.Header.Get("X-Test-User")
	if v == "" {
		return platform.Principal{}, false, nil
	}
	p, ok := f[v]
	if !ok {
		return platform.Principal{}, false, errors.New("unknown test user")
	}
	return p, true, nil
}

// TestMuxUnmatchedAndScopes: a request no route matches gets the error
// envelope — 401 without credentials, else 404, or 405 with Allow (405
// without credentials on a public route) — counted under one label; a
// route answers 401 without credentials or with wrong ones, 403 to a
// principal without its scope.
func TestMuxUnmatchedAndScopes(t *testing.T) {
	m := New(WithAuthenticators(NewAdminToken("tok"), fakeAuth{"user": {Kind: platform.KindSession, Role: platform.RoleUser}}),
		WithMaxBody(1024), WithRegisterer(prometheus.NewRegistry()))
	m.Handle("t", route("GET", "/api/v1/things/{id}", platform.ScopeAdmin, noContent))
	m.Handle("t", route("DELETE", "/api/v1/things/{id}", platform.ScopeAdmin, noContent))
	m.Handle("t", route("GET", "/api/v1/calls", platform.ScopeCalls, noContent))
	m.Handle("t", route("GET", "/healthz", platform.ScopePublic, noContent))
	m.Handle("t", route("GET", "/phonebook/{file...}", platform.ScopePublic, noContent))
	const tok = "tok"
	for _, tc := range []struct {
		name, method, path, token, user string
		status                          int
		code, allow                     string
		unmatched                       bool
	}{
		{name: "route", method: "GET", path: "/api/v1/things/1", token: tok, status: 204},
		{name: "route without token", method: "GET", path: "/api/v1/things/1", status: 401, code: platform.CodeUnauthorized},
		{name: "route with a wrong token", method: "GET", path: "/api/v1/things/1", token: "bad", status: 401, code: platform.CodeUnauthorized},
		{name: "route with wrong credentials", method: "GET", path: "/api/v1/things/1", user: "ghost", status: 401, code: platform.CodeUnauthorized},
		{name: "route beyond the user's scope", method: "GET", path: "/api/v1/things/1", user: "user", status: 403, code: platform.CodeForbidden},
		{name: "route in the user's scope", method: "GET", path: "/api/v1/calls", user: "user", status: 204},
		{name: "unknown api path", method: "GET", path: "/api/v1/nope", token: tok, status: 404, code: platform.CodeNotFound, unmatched: true},
		{name: "unknown api path for a user", method: "GET", path: "/api/v1/nope", user: "user", status: 404, code: platform.CodeNotFound, unmatched: true},
		{name: "unknown api path without token", method: "GET", path: "/api/v1/nope", status: 401, code: platform.CodeUnauthorized, unmatched: true},
		{name: "unknown api path with a wrong token", method: "GET", path: "/api/v1/nope", token: "bad", status: 401, code: platform.CodeUnauthorized, unmatched: true},
		{name: "unknown path outside /api", method: "GET", path: "/favicon.ico", token: tok, status: 404, code: platform.CodeNotFound, unmatched: true},
		{name: "too deep", method: "GET", path: "/api/v1/things/1/2", token: tok, status: 404, code: platform.CodeNotFound, unmatched: true},
		{name: "wrong method", method: "PUT", path: "/api/v1/things/1", token: tok, status: 405, code: platform.CodeMethodNotAllowed, allow: "DELETE, GET, HEAD", unmatched: true},
		{name: "wrong method without token", method: "PUT", path: "/api/v1/things/1", status: 401, code: platform.CodeUnauthorized, unmatched: true},
		{name: "wrong method on a public route", method: "POST", path: "/healthz", status: 405, code: platform.CodeMethodNotAllowed, allow: "GET, HEAD", unmatched: true},
		{name: "public subtree", method: "GET", path: "/phonebook/x.xml", status: 204},
		{name: "public route ignores credentials", method: "GET", path: "/phonebook/x.xml", user: "ghost", status: 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.user != "" {
				req.Header.Set("X-Test-User", tc.user)
			}
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if tc.code != "" {
				var body platform.ErrorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != tc.code || body.Error.Message == "" ||
					body.Error.Details == nil || body.Error.RequestID != rec.Header().Get("X-Request-Id") {
					t.Fatalf("body %q (%v), want the error envelope with code %s", rec.Body, err, tc.code)
				}
				if wa := rec.Header().Get("WWW-Authenticate"); (tc.status == 401) != (wa != "") {
					t.Errorf("WWW-Authenticate %q with status %d", wa, tc.status)
				}
			}
			before := testutil.ToFloat64(m.metrics.reqs.WithLabelValues(unmatchedRoute, strconv.Itoa(tc.status)))
			m.ServeHTTP(httptest.NewRecorder(), req)
			counted := testutil.ToFloat64(m.metrics.reqs.WithLabelValues(unmatchedRoute, strconv.Itoa(tc.status))) - before
			if want := map[bool]float64{true: 1, false: 0}[tc.unmatched]; counted != want {
				t.Errorf("counted %v times as %s, want %v", counted, unmatchedRoute, want)
			}
		})
	}
}

// TestAdminAuthorizationFields: the admin token must be the request's only
// Authorization field; an extra field, right or wrong, before or after it,
// is refused on routes and unmatched paths alike.
func TestAdminAuthorizationFields(t *testing.T) {
	m := New(WithAuthenticators(NewAdminToken("tok")), WithRegisterer(prometheus.NewRegistry()))
	m.Handle("t", route("GET", "/api/v1/things/{id}", platform.ScopeAdmin, noContent))
	for _, tc := range []struct {
		name   string
		fields []string
		status int
	}{
		{name: "the token", fields: []string{"Bearer tok"}, status: http.StatusNoContent},
		{name: "none", fields: nil, status: http.StatusUnauthorized},
		{name: "token then a bogus bearer", fields: []string{"Bearer tok", "Bearer x"}, status: http.StatusUnauthorized},
		{name: "a bogus bearer then the token", fields: []string{"Bearer x", "Bearer tok"}, status: http.StatusUnauthorized},
		{name: "the token twice", fields: []string{"Bearer tok", "Bearer tok"}, status: http.StatusUnauthorized},
		{name: "token then basic", fields: []string{"Bearer tok", "Basic YTpi"}, status: http.StatusUnauthorized},
		{name: "an empty field then the token", fields: []string{"", "Bearer tok"}, status: http.StatusUnauthorized},
	} {
		for _, path := range []string{"/api/v1/things/1", "/api/v1/nope"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				req := httptest.NewRequest("GET", path, nil)
				if tc.fields != nil {
					req.Header["Authorization"] = tc.fields
				}
				rec := httptest.NewRecorder()
				m.ServeHTTP(rec, req)
				want := tc.status
				if path == "/api/v1/nope" && want == http.StatusNoContent {
					want = http.StatusNotFound
				}
				if rec.Code != want {
					t.Fatalf("status %d, want %d", rec.Code, want)
				}
			})
		}
	}
}

// TestRequestIDAndFailureLog: a sane caller id is kept, an insane one
// replaced; a 500 names only the request id, and its cause is logged with
// the id; the handler's own log lines carry it too.
func TestRequestIDAndFailureLog(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	m := New(WithLogger(log), WithRegisterer(prometheus.NewRegistry()))
	hlog := Logger(log)
	m.Handle("t", route("GET", "/fail", platform.ScopePublic, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hlog.InfoContext(r.Context(), "handling")
		platform.WriteErr(w, r, errors.New("open /secret/db: disk on fire"))
	})))
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{{name: "sane", sent: "abc-123", kept: true}, {name: "insane", sent: "a b"}, {name: "none"}} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			req := httptest.NewRequest("GET", "/fail", nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, req)
			id := rec.Header().Get("X-Request-Id")
			if id == "" || (id == tc.sent) != tc.kept {
				t.Fatalf("X-Request-Id %q for %q", id, tc.sent)
			}
			if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), id) {
				t.Fatalf("500: %s", rec.Body)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 2 || !strings.Contains(lines[0], `"request_id":"`+id+`"`) ||
				!strings.Contains(lines[1], "disk on fire") || !strings.Contains(lines[1], `"request_id":"`+id+`"`) || !strings.Contains(lines[1], `"level":"ERROR"`) {
				t.Fatalf("log lines:\n%s", logs.String())
			}
		})
	}
}

func TestOperationID(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{method: "GET", path: "/api/v1/contacts", want: "getContacts"},
		{method: "GET", path: "/api/v1/contacts/{id}", want: "getContactsById"},
		{method: "POST", path: "/api/v1/sources/{id}/sync", want: "postSourcesByIdSync"},
		{method: "DELETE", path: "/api/v1/cors-origins/{origin}", want: "deleteCorsOriginsByOrigin"},
		{method: "GET", path: "/api/openapi.json", want: "getApiOpenapiJson"},
		{method: "GET", path: "/phonebook/{file...}", want: "getPhonebookByFile"},
		{method: "GET", path: "/api/v1/users/me/{$}", want: "getUsersMe"},
		{method: "PUT", path: "/api/v1/phone_books/{book_id}", want: "putPhoneBooksByBookId"},
	} {
		if got := OperationID(tc.method, tc.path); got != tc.want {
			t.Errorf("OperationID(%q, %q) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
