package agent

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestJSONRoutesRefuseOtherTypes: every route whose documented request
// body is JSON answers a body of another type, or of none, with 415 in
// the error envelope, naming the type it takes; the routes come from the
// daemon's mux (every optional feature on), so a JSON route added later
// is covered too.
func TestJSONRoutesRefuseOtherTypes(t *testing.T) {
	d, _ := ariDaemon(t)
	n := 0
	for _, rt := range d.Mux().Routes() {
		req := rt.Op.Request
		if req == nil || (req.ContentType != "application/json" && req.ContentType != "application/merge-patch+json") {
			continue
		}
		if rt.Path == "/api/v1/users/me" {
			continue // a person's own route: the admin token gets 403 first (its 415 is tested in agent/users)
		}
		n++
		for _, ctype := range []string{"text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"} {
			r := httptest.NewRequest(rt.Method, matrixPath(rt.Path), strings.NewReader(`{}`))
			r.Header.Set("Authorization", "Bearer "+d.cfg.AdminToken)
			if ctype != "" {
				r.Header.Set("Content-Type", ctype)
			}
			w := httptest.NewRecorder()
			d.Mux().ServeHTTP(w, r)
			if w.Code != http.StatusUnsupportedMediaType || errorCode(w) != platform.CodeUnsupportedType ||
				!strings.Contains(w.Body.String(), "Content-Type must be application/") {
				t.Errorf("%s with Content-Type %q: %d %s, want 415 %s", rt.Pattern(), ctype, w.Code, w.Body, platform.CodeUnsupportedType)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d routes take JSON: is a feature off?", n)
	}
}
