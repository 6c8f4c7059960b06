package routetest

import (
	"io"
	"net/http"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func TestServe(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		p, _ := platform.PrincipalFrom(r.Context())
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Who", p.UserID)
		w.Header().Set("X-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Id", r.PathValue("id"))
		_, _ = w.Write(b)
	}
	routes := []platform.Route{
		{Method: http.MethodGet, Path: "/api/v1/things/{id}", Scope: platform.ScopeHotel, Handler: http.HandlerFunc(echo)},
		{Method: http.MethodPost, Path: "/api/v1/things", Scope: platform.ScopeHotel, Handler: http.HandlerFunc(echo)},
	}
	p := platform.Principal{UserID: "u1"}
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		id, contentType          string
	}{
		{name: "get with a path value", method: "GET", path: "/api/v1/things/7", code: 200, id: "7"},
		{name: "post with a body", method: "POST", path: "/api/v1/things", body: `{"a":1}`, code: 200, contentType: "application/json"},
		{name: "no such route", method: "GET", path: "/api/v1/other", code: 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := Serve(t, routes, platform.ScopeHotel, p, tc.method, tc.path, tc.body)
			if rec.Code != tc.code {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.code)
			}
			if tc.code != 200 {
				return
			}
			if rec.Header().Get("X-Who") != "u1" || rec.Header().Get("X-Id") != tc.id ||
				rec.Header().Get("X-Type") != tc.contentType || rec.Body.String() != tc.body {
				t.Fatalf("the handler saw %v %q", rec.Header(), rec.Body)
			}
		})
	}
}
