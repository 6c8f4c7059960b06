package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCORS(t *testing.T) {
	const listed, other = "https://crm.example.com", "https://evil.example"
	e := newEnv(t, Config{}, CORSConfig{Origins: []string{"https://CRM.example.com:443"}})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	h := e.cors.Wrap(next)
	tests := []struct {
		name, method, origin, acrm string
		status                     int
		allowOrigin                string // "" means no CORS header at all
		preflight                  bool
	}{
		{name: "listed origin", method: "GET", origin: listed, status: 200, allowOrigin: listed},
		{name: "listed origin post", method: "POST", origin: listed, status: 200, allowOrigin: listed},
		{name: "listed preflight", method: "OPTIONS", origin: listed, acrm: "PATCH", status: 204, allowOrigin: listed, preflight: true},
		{name: "other origin", method: "GET", origin: other, status: 200},
		{name: "other preflight", method: "OPTIONS", origin: other, acrm: "DELETE", status: 405},
		{name: "listed origin, other port", method: "GET", origin: listed + ":8443", status: 200},
		{name: "listed origin over http", method: "GET", origin: "http://crm.example.com", status: 200},
		{name: "listed origin with a path", method: "GET", origin: listed + "/", status: 200},
		{name: "null origin", method: "GET", origin: "null", status: 200},
		{name: "no origin", method: "GET", status: 200},
		{name: "plain options from a listed origin", method: "OPTIONS", origin: listed, status: 405, allowOrigin: listed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/v1/contacts", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.acrm != "" {
				r.Header.Set("Access-Control-Request-Method", tt.acrm)
				r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			hd := w.Header()
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if !strings.Contains(strings.Join(hd.Values("Vary"), ","), "Origin") {
				t.Error("no Vary: Origin")
			}
			if tt.allowOrigin == "" {
				for k := range hd {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("unlisted origin got %s", k)
					}
				}
				return
			}
			if hd.Get("Access-Control-Allow-Origin") != tt.allowOrigin || hd.Get("Access-Control-Allow-Credentials") != "true" {
				t.Fatalf("%v", hd)
			}
			if tt.preflight {
				if !strings.Contains(hd.Get("Access-Control-Allow-Methods"), tt.acrm) || !strings.Contains(hd.Get("Access-Control-Allow-Headers"), "Authorization") || hd.Get("Access-Control-Max-Age") != "600" {
					t.Fatalf("preflight %v", hd)
				}
			}
		})
	}
}

func TestCORSOriginsAPI(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{Origins: []string{"https://crm.example.com"}})
	var got corsOrigin
	if c := e.api("POST", "/api/v1/cors-origins", map[string]string{"origin": "https://PMS.example.com:443"}, &got); c != 201 || got.Origin != "https://pms.example.com" {
		t.Fatalf("%d %+v", c, got)
	}
	if !e.cors.Allowed("https://pms.example.com") {
		t.Fatal("an added origin is not allowed")
	}
	for _, bad := range []string{"*", "https://a.example/", "ftp://a.example", "https://a.example/path", "null", ""} {
		if c := e.api("POST", "/api/v1/cors-origins", map[string]string{"origin": bad}, nil); c != 400 {
			t.Errorf("%q: %d", bad, c)
		}
	}
	if c := e.api("POST", "/api/v1/cors-origins", map[string]string{"origin": "https://pms.example.com"}, nil); c != 409 {
		t.Errorf("twice: %d", c)
	}
	var list corsList
	e.api("GET", "/api/v1/cors-origins", nil, &list)
	if len(list.Origins) != 2 || list.Origins[0] != (corsOrigin{"https://crm.example.com", "config"}) || list.Origins[1] != (corsOrigin{"https://pms.example.com", "api"}) {
		t.Fatalf("%+v", list)
	}
	// It is kept in the store.
	c2, err := NewCORS(t.Context(), e.kv, CORSConfig{})
	if err != nil || !c2.Allowed("https://pms.example.com") {
		t.Fatalf("after a restart: %v", err)
	}
	if c := e.api("DELETE", "/api/v1/cors-origins/"+url.PathEscape("https://crm.example.com"), nil, nil); c != 409 {
		t.Errorf("delete a configured origin: %d", c)
	}
	if c := e.api("DELETE", "/api/v1/cors-origins/"+url.PathEscape("https://pms.example.com"), nil, nil); c != 204 {
		t.Errorf("delete: %d", c)
	}
	if e.cors.Allowed("https://pms.example.com") {
		t.Fatal("a deleted origin is still allowed")
	}
	if c := e.api("DELETE", "/api/v1/cors-origins/"+url.PathEscape("https://pms.example.com"), nil, nil); c != 404 {
		t.Errorf("delete twice: %d", c)
	}
}

func TestCORSConfigValidate(t *testing.T) {
	err := CORSConfig{Origins: []string{"https://ok.example", "https://bad.example/"}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "cors.origins[1]") {
		t.Fatalf("%v", err)
	}
}
