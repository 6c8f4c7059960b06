// Package routetest sends requests to a package's API routes
// (platform.Route) as a given principal, without a daemon, the way the
// daemon mounts them: the routes' unit tests share it.
package routetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Serve sends one request to routes as principal p, through an
// http.ServeMux holding each at rt.Pattern(), and returns the response.
// A body that is not empty goes as application/json. When scope is not
// empty every route must be of that scope; the test fails otherwise.
func Serve(t testing.TB, routes []platform.Route, scope platform.Scope, p platform.Principal, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	for _, rt := range routes {
		if scope != "" && rt.Scope != scope {
			t.Fatalf("%s: scope %s, want %s", rt.Pattern(), rt.Scope, scope)
		}
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(platform.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}
