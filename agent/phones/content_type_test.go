package phones_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestAdminRefusesOtherContentTypes: a phone body not declared JSON is
// 415 in the error envelope, naming the types the route takes.
func TestAdminRefusesOtherContentTypes(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, ctype, want string
		status                          int
	}{
		{name: "register as text", method: "POST", path: "/api/v1/phones", ctype: "text/plain", status: 415, want: "application/json"},
		{name: "register without a type", method: "POST", path: "/api/v1/phones", status: 415, want: "application/json"},
		{name: "register as a form", method: "POST", path: "/api/v1/phones/", ctype: "application/x-www-form-urlencoded", status: 415, want: "application/json"},
		{name: "change as text", method: "PATCH", path: "/api/v1/phones/" + aliceMAC, ctype: "text/plain", status: 415, want: "application/merge-patch+json or application/json"},
		{name: "change as a merge patch", method: "PATCH", path: "/api/v1/phones/" + aliceMAC, ctype: "application/merge-patch+json", status: 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(`{"model":"T46U"}`))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		rec := httptest.NewRecorder()
		e.admin.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, rec.Code, rec.Body, tt.status)
			continue
		}
		if tt.status != http.StatusUnsupportedMediaType {
			continue
		}
		var b platform.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error.Code != platform.CodeUnsupportedType ||
			!strings.Contains(b.Error.Message, tt.want) || b.Error.Details == nil {
			t.Errorf("%s: body %s, want the envelope with code %s naming %s", tt.name, rec.Body, platform.CodeUnsupportedType, tt.want)
		}
	}
}
