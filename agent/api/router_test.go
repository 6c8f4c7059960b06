package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRouterCountsAndCaps: requests are counted by route and status, a
// request body beyond the cap is refused, and a GET costs few allocations.
func TestRouterCountsAndCaps(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRouter("tok", 8, reg)
	r.HandlePublic("GET /p/{x}", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.PathValue("x") == "old" {
			w.WriteHeader(http.StatusNotModified)
		}
	}))
	r.HandlePublic("POST /p", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := io.ReadAll(req.Body); err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	do := func(method, path, body string) int {
		rec := httptest.NewRecorder()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
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
		{"GET /p/{x}", "304", 3}, {"GET /p/{x}", "200", 1}, {"POST /p", "413", 1}, {"POST /p", "200", 1},
	} {
		if got := testutil.ToFloat64(r.reqs.WithLabelValues(tc.route, tc.code)); got != tc.want {
			t.Errorf("requests{%s,%s} = %v, want %v", tc.route, tc.code, got, tc.want)
		}
	}
	req := httptest.NewRequest("GET", "/p/old", nil)
	w := discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() { r.ServeHTTP(w, req) })
	// The status writer and the mux's matching; no label formatting,
	// no body limit on a request without a body.
	if allocs > 2 {
		t.Errorf("%.0f allocations per GET through the router, want at most 2", allocs)
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

// listedMux is a mounted handler that names its routes.
type listedMux struct {
	*http.ServeMux
	routes []string
}

func (m listedMux) Routes() []string { return m.routes }

func newListedMux(patterns ...string) listedMux {
	m := listedMux{ServeMux: http.NewServeMux(), routes: patterns}
	for _, p := range patterns {
		m.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	}
	return m
}

// TestRouterUnmatched: a request no route matches gets the JSON error
// shape — 401 without the admin token, else 404, or 405 with Allow (405
// without a token on a public route) — and is counted under one label;
// a mounted RouteLister's routes are registered one by one, so unknown
// paths and wrong methods in its subtree are answered the same way.
func TestRouterUnmatched(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRouter("tok", 1024, reg)
	ok := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { w.WriteHeader(http.StatusNoContent) })
	r.Handle("GET /api/v1/things/{id}", ok)
	r.Handle("DELETE /api/v1/things/{id}", ok)
	r.HandlePublic("GET /healthz", ok)
	r.MountPublic("/phonebook/", ok)
	r.Mount("/api/v1/listed/", newListedMux("GET /api/v1/listed", "GET /api/v1/listed/{x}", "POST /api/v1/listed/{x}/go", "GET /api/v1/other"))
	r.Mount("/api/v1/whole/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { w.WriteHeader(http.StatusTeapot) }))

	const tok = "tok"
	for _, tc := range []struct {
		name, method, path, token string
		status                    int
		code, allow               string // error code ("" when the route answered); Allow header
		unmatched                 bool   // counted under the "unmatched" label
	}{
		{"route", "GET", "/api/v1/things/1", tok, 204, "", "", false},
		{"route without token", "GET", "/api/v1/things/1", "", 401, CodeUnauthorized, "", false},
		{"unknown api path", "GET", "/api/v1/nope", tok, 404, CodeNotFound, "", true},
		{"unknown api path without token", "GET", "/api/v1/nope", "", 401, CodeUnauthorized, "", true},
		{"unknown api path with a wrong token", "GET", "/api/v1/nope", "bad", 401, CodeUnauthorized, "", true},
		{"unknown path outside /api", "GET", "/favicon.ico", tok, 404, CodeNotFound, "", true},
		{"too deep", "GET", "/api/v1/things/1/2", tok, 404, CodeNotFound, "", true},
		{"wrong method", "PUT", "/api/v1/things/1", tok, 405, CodeMethodNotAllowed, "DELETE, GET, HEAD", true},
		{"wrong method without token", "PUT", "/api/v1/things/1", "", 401, CodeUnauthorized, "", true},
		{"wrong method on a public route", "POST", "/healthz", "", 405, CodeMethodNotAllowed, "GET, HEAD", true},
		{"public subtree", "GET", "/phonebook/x.xml", "", 204, "", "", false},
		{"listed route", "GET", "/api/v1/listed/a", tok, 204, "", "", false},
		{"listed root", "GET", "/api/v1/listed", tok, 204, "", "", false},
		{"listed route without token", "POST", "/api/v1/listed/a/go", "", 401, CodeUnauthorized, "", false},
		{"unknown path in a listed subtree", "GET", "/api/v1/listed/a/b", tok, 404, CodeNotFound, "", true},
		{"wrong method in a listed subtree", "DELETE", "/api/v1/listed/a", tok, 405, CodeMethodNotAllowed, "GET, HEAD", true},
		{"listed route outside the mount", "GET", "/api/v1/other", tok, 404, CodeNotFound, "", true},
		{"subtree of a handler that lists nothing", "GET", "/api/v1/whole/x", tok, 418, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.code == "" {
				return
			}
			var body ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != tc.code || body.Error.Message == "" {
				t.Fatalf("body %q (%v), want the error shape with code %s", rec.Body, err, tc.code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if wa := rec.Header().Get("WWW-Authenticate"); (tc.status == 401) != (wa != "") {
				t.Errorf("WWW-Authenticate %q with status %d", wa, tc.status)
			}
			before := testutil.ToFloat64(r.reqs.WithLabelValues(unmatchedRoute, strconv.Itoa(tc.status)))
			r.ServeHTTP(httptest.NewRecorder(), req)
			counted := testutil.ToFloat64(r.reqs.WithLabelValues(unmatchedRoute, strconv.Itoa(tc.status))) - before
			if want := map[bool]float64{true: 1, false: 0}[tc.unmatched]; counted != want {
				t.Errorf("counted %v times as %s, want %v", counted, unmatchedRoute, want)
			}
		})
	}

	var listed, whole []Route
	for _, rt := range r.Routes() {
		switch {
		case strings.HasPrefix(rt.Pattern, "/api/v1/listed"), rt.Pattern == "/api/v1/other":
			listed = append(listed, rt)
		case strings.HasPrefix(rt.Pattern, "/api/v1/whole"):
			whole = append(whole, rt)
		}
	}
	wantListed := []Route{{Method: "GET", Pattern: "/api/v1/listed"}, {Method: "GET", Pattern: "/api/v1/listed/{x}"}, {Method: "POST", Pattern: "/api/v1/listed/{x}/go"}}
	if !slices.Equal(listed, wantListed) {
		t.Errorf("routes of the listed mount %+v, want %+v", listed, wantListed)
	}
	if len(whole) != 2 || !whole[0].Prefix || !whole[1].Prefix {
		t.Errorf("routes of the whole mount %+v, want its two prefixes", whole)
	}
}

// TestAdminAuthorizationFields: the admin token must be the request's only
// Authorization field; an extra field, right or wrong, before or after it,
// is refused on every admin path (routes, mounts, unmatched paths).
func TestAdminAuthorizationFields(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRouter("tok", 1024, reg)
	ok := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { w.WriteHeader(http.StatusNoContent) })
	r.Handle("GET /api/v1/things/{id}", ok)
	r.Mount("/api/v1/whole/", ok)
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
		for _, path := range []string{"/api/v1/things/1", "/api/v1/whole/x"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				req := httptest.NewRequest("GET", path, nil)
				if tc.fields != nil {
					req.Header["Authorization"] = tc.fields
				}
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d", rec.Code, tc.status)
				}
			})
		}
	}
	// An unmatched path answers 401, not 404, to such a request.
	req := httptest.NewRequest("GET", "/api/v1/nope", nil)
	req.Header["Authorization"] = []string{"Bearer tok", "Bearer x"}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("unmatched path with two fields: %d, want 401", rec.Code)
	}
}
