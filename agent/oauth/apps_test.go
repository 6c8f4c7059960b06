package oauth

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

func TestAppsAPIValidation(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	tests := []struct {
		name  string
		in    map[string]any
		field string // "" when it must be created
	}{
		{name: "public browser app", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"https://crm.example.com/cb"}, "scopes": []string{"calls"}}},
		{name: "loopback http", in: map[string]any{"name": "CLI", "type": "public", "redirect_uris": []string{"http://localhost:8765/cb", "http://[::1]:8765/cb"}, "scopes": []string{"calls"}}},
		{name: "http elsewhere", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"http://crm.example.com/cb"}, "scopes": []string{"calls"}}, field: "redirect_uris[0]"},
		{name: "fragment", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"https://crm.example.com/cb#x"}, "scopes": []string{"calls"}}, field: "redirect_uris[0]"},
		{name: "relative", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"/cb"}, "scopes": []string{"calls"}}, field: "redirect_uris[0]"},
		{name: "custom scheme", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"javascript:alert(1)"}, "scopes": []string{"calls"}}, field: "redirect_uris[0]"},
		{name: "unknown scope", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"https://a.example/cb"}, "scopes": []string{"calls", "root"}}, field: "scopes[1]"},
		{name: "no scope", in: map[string]any{"name": "CRM", "type": "public", "redirect_uris": []string{"https://a.example/cb"}, "scopes": []string{}}, field: "scopes"},
		{name: "no type", in: map[string]any{"name": "CRM", "redirect_uris": []string{"https://a.example/cb"}, "scopes": []string{"calls"}}, field: "type"},
		{name: "bad type", in: map[string]any{"name": "CRM", "type": "private", "redirect_uris": []string{"https://a.example/cb"}, "scopes": []string{"calls"}}, field: "type"},
		{name: "no name", in: map[string]any{"name": " ", "type": "public", "redirect_uris": []string{"https://a.example/cb"}, "scopes": []string{"calls"}}, field: "name"},
		{name: "public client credentials", in: map[string]any{"name": "CRM", "type": "public", "scopes": []string{"calls"}, "grant_types": []string{"client_credentials"}}, field: "grant_types"},
		{name: "code without redirect", in: map[string]any{"name": "CRM", "type": "confidential", "scopes": []string{"calls"}}, field: "redirect_uris"},
		{name: "unknown grant", in: map[string]any{"name": "CRM", "type": "confidential", "scopes": []string{"calls"}, "grant_types": []string{"password"}}, field: "grant_types[0]"},
		{name: "unknown field", in: map[string]any{"name": "CRM", "secret": "x"}, field: "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct {
				App
				Error struct {
					Details []struct{ Field, Message string } `json:"details"`
				} `json:"error"`
			}
			code := e.api("POST", "/api/v1/apps", tt.in, &out)
			if tt.field == "" {
				if code != http.StatusCreated || out.ClientID == "" {
					t.Fatalf("%d %+v", code, out)
				}
				return
			}
			if code != http.StatusBadRequest || len(out.Error.Details) == 0 || out.Error.Details[0].Field != tt.field {
				t.Fatalf("%d %+v, want field %s", code, out.Error, tt.field)
			}
		})
	}
}

func TestAppsAPINeedsAdmin(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	for _, rt := range e.srv.Routes() {
		if strings.HasPrefix(rt.Path, "/api/") && rt.Scope != "admin" {
			t.Errorf("%s needs %s, want admin", rt.Pattern(), rt.Scope)
		}
	}
	if c, _ := e.getWith("pbxat_x", "/api/v1/apps"); c != http.StatusUnauthorized {
		t.Fatal(c)
	}
}

func TestAppsLifecycle(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a := e.register(map[string]any{"name": "PMS", "type": "confidential", "scopes": []string{"hotel", "contacts:read"}, "grant_types": []string{"client_credentials"}})
	var list appList
	if c := e.api("GET", "/api/v1/apps", nil, &list); c != 200 || len(list.Apps) != 1 || list.Apps[0].Name != "PMS" {
		t.Fatalf("%d %+v", c, list)
	}
	cc := clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, TokenURL: e.http.URL + "/oauth/token"}
	tok, err := cc.Token(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/hotel"); c != 200 {
		t.Fatal(c)
	}
	// Taking a scope away from the app narrows its live tokens at once.
	var patched App
	if c := e.api("PATCH", "/api/v1/apps/"+a.ClientID, map[string]any{"scopes": []string{"contacts:read"}, "name": "PMS 2"}, &patched); c != 200 || patched.Name != "PMS 2" || len(patched.Scopes) != 1 {
		t.Fatalf("%d %+v", c, patched)
	}
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/hotel"); c != http.StatusForbidden {
		t.Fatalf("a scope taken from the app still works: %d", c)
	}
	if c := e.api("PATCH", "/api/v1/apps/"+a.ClientID, map[string]any{"type": "public"}, nil); c != http.StatusBadRequest {
		t.Fatalf("type change: %d", c)
	}
	// Deleting the app revokes its tokens.
	if c := e.api("DELETE", "/api/v1/apps/"+a.ClientID, nil, nil); c != http.StatusNoContent {
		t.Fatal(c)
	}
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("token of a deleted app: %d", c)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if c := e.api(m, "/api/v1/apps/"+a.ClientID, nil, nil); c != http.StatusNotFound {
			t.Fatalf("%s deleted app: %d", m, c)
		}
	}
	if c := e.api("POST", "/api/v1/apps/"+a.ClientID+"/secret", nil, nil); c != http.StatusNotFound {
		t.Fatal(c)
	}
	pub, _ := e.publicApp()
	if c := e.api("POST", "/api/v1/apps/"+pub.ClientID+"/secret", nil, nil); c != http.StatusConflict {
		t.Fatalf("secret of a public app: %d", c)
	}
}
