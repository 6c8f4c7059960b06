package oauth

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestAppsRefuseOtherContentTypes: an app or CORS body not declared JSON
// is 415 in the error envelope, naming the types the route takes.
func TestAppsRefuseOtherContentTypes(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	app := e.register(map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"https://crm.example.com/cb"}, "scopes": []string{"calls"}})
	tests := []struct {
		name, method, path, ctype, want string
	}{
		{name: "register as text", method: "POST", path: "/api/v1/apps", ctype: "text/plain", want: "application/json"},
		{name: "register without a type", method: "POST", path: "/api/v1/apps", want: "application/json"},
		{name: "change as a form", method: "PATCH", path: "/api/v1/apps/" + app.ClientID, ctype: "application/x-www-form-urlencoded", want: "application/merge-patch+json"},
		{name: "add an origin as text", method: "POST", path: "/api/v1/cors-origins", ctype: "text/plain", want: "application/json"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.http.URL+tt.path, strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b platform.ErrorBody
		derr := json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType || derr != nil || b.Error.Code != platform.CodeUnsupportedType ||
			!strings.Contains(b.Error.Message, tt.want) || b.Error.Details == nil {
			t.Errorf("%s: %d %+v, want 415 %s naming %s", tt.name, resp.StatusCode, b, platform.CodeUnsupportedType, tt.want)
		}
	}
}
