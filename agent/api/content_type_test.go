package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestContactsRefuseOtherContentTypes: a contact write whose body is not
// declared JSON is 415 in the error envelope, naming the types it takes.
func TestContactsRefuseOtherContentTypes(t *testing.T) {
	f := newAPIFixture(t)
	body := []byte(`{"first_name":"Ann","numbers":[{"type":"mobile","value":"+33612345678"}]}`)
	tests := []struct {
		name, method, path, ctype, want string
		status                          int
	}{
		{name: "create as text", method: "POST", path: "/api/v1/contacts", ctype: "text/plain", status: 415, want: "application/json"},
		{name: "create without a type", method: "POST", path: "/api/v1/contacts", status: 415, want: "application/json"},
		{name: "create as a form", method: "POST", path: "/api/v1/contacts", ctype: "application/x-www-form-urlencoded", status: 415, want: "application/json"},
		{name: "replace as text", method: "PUT", path: "/api/v1/contacts/x", ctype: "text/plain", status: 415, want: "application/json"},
		{name: "patch as csv", method: "PATCH", path: "/api/v1/contacts/x", ctype: "text/csv", status: 415, want: "application/merge-patch+json or application/json"},
		{name: "create as JSON with a charset", method: "POST", path: "/api/v1/contacts", ctype: "application/json; charset=utf-8", status: 201},
		{name: "patch as a merge patch", method: "PATCH", path: "/api/v1/contacts/x", ctype: "application/merge-patch+json", status: 404},
	}
	for _, tt := range tests {
		rec := f.do(tt.method, tt.path, tt.ctype, body)
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
