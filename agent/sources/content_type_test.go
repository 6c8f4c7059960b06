package sources_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/sources"
)

// TestSourcesRefuseOtherContentTypes: a source body not declared JSON is
// 415 in the error envelope; a sync without a body needs no type.
func TestSourcesRefuseOtherContentTypes(t *testing.T) {
	h := sources.New(newTypesEngine(t), sources.Config{}).Handler()
	tests := []struct {
		name, method, path, ctype, body, want string
		status                                int
	}{
		{name: "create as text", method: "POST", path: "/api/v1/sources", ctype: "text/plain", body: `{}`, status: 415, want: "application/json"},
		{name: "create without a type", method: "POST", path: "/api/v1/sources", body: `{}`, status: 415, want: "application/json"},
		{name: "change as a form", method: "PATCH", path: "/api/v1/sources/x", ctype: "application/x-www-form-urlencoded", body: `{}`, status: 415, want: "application/merge-patch+json or application/json"},
		{name: "test as text", method: "POST", path: "/api/v1/sources/test", ctype: "text/plain", body: `{}`, status: 415, want: "application/json"},
		{name: "sync options as text", method: "POST", path: "/api/v1/sources/x/sync", ctype: "text/plain", body: `{}`, status: 415, want: "application/json"},
		{name: "sync without a body", method: "POST", path: "/api/v1/sources/x/sync", status: 503},
		{name: "create as JSON", method: "POST", path: "/api/v1/sources", ctype: "application/json", body: `{}`, status: 400},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, rec.Code, rec.Body, tt.status)
			continue
		}
		if tt.status != http.StatusUnsupportedMediaType {
			continue
		}
		var e platform.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != platform.CodeUnsupportedType ||
			!strings.Contains(e.Error.Message, tt.want) || e.Error.Details == nil {
			t.Errorf("%s: body %s, want the envelope with code %s naming %s", tt.name, rec.Body, platform.CodeUnsupportedType, tt.want)
		}
	}
}
