package calls

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

type fakeDevices map[string][]string

func (f fakeDevices) Endpoints(_ context.Context, userID string) ([]string, error) {
	return f[userID], nil
}

// serve sends one request to the calls API as principal p.
func serve(t *testing.T, h *Handler, p platform.Principal, method, path, body string) (int, map[string]any) {
	t.Helper()
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req = req.WithContext(platform.WithPrincipal(req.Context(), p))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	var out map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, w.Code, w.Body.String(), err)
		}
	}
	return w.Code, out
}

func TestCallsAPI(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.eng, fakeDevices{"u1": {"PJSIP/101"}, "u2": {"PJSIP/102"}})
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	u2 := platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}
	u3 := platform.Principal{Kind: platform.KindSession, UserID: "u3", Role: platform.RoleUser}
	admin := platform.Principal{Kind: platform.KindAdminToken}

	code, placed := serve(t, h, u1, "POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted || placed["state"] != "dialing" || placed["user_id"] != "u1" {
		t.Fatalf("place: %d %v", code, placed)
	}
	id := placed["id"].(string)
	base := "/api/v1/calls/" + id

	tests := []struct {
		name       string
		p          platform.Principal
		method     string
		path, body string
		status     int
		field      string // the error's detail field
		check      func(map[string]any) bool
	}{
		{name: "unknown device", p: u1, method: "POST", path: "/api/v1/calls", body: `{"to":"200","device":"PJSIP/102"}`, status: 400, field: "device"},
		{name: "bad destination", p: u1, method: "POST", path: "/api/v1/calls", body: `{"to":"200&PJSIP/9"}`, status: 400, field: "to"},
		{name: "unknown field", p: u1, method: "POST", path: "/api/v1/calls", body: `{"to":"200","from":"1"}`, status: 400},
		{name: "no device", p: u3, method: "POST", path: "/api/v1/calls", body: `{"to":"200"}`, status: 409},
		{name: "admin token places no call", p: admin, method: "POST", path: "/api/v1/calls", body: `{"to":"200"}`, status: 403},
		{name: "owner gets it", p: u1, method: "GET", path: base, status: 200, check: func(m map[string]any) bool { return m["id"] == id }},
		{name: "owner lists it", p: u1, method: "GET", path: "/api/v1/calls", status: 200, check: func(m map[string]any) bool { return len(m["calls"].([]any)) == 1 }},
		{name: "another user lists nothing", p: u2, method: "GET", path: "/api/v1/calls", status: 200, check: func(m map[string]any) bool { return len(m["calls"].([]any)) == 0 }},
		{name: "admin lists it", p: admin, method: "GET", path: "/api/v1/calls", status: 200, check: func(m map[string]any) bool { return len(m["calls"].([]any)) == 1 }},
		{name: "another user's get", p: u2, method: "GET", path: base, status: 404},
		{name: "another user's hold", p: u2, method: "POST", path: base + "/hold", status: 404},
		{name: "another user's resume", p: u2, method: "POST", path: base + "/resume", status: 404},
		{name: "another user's dtmf", p: u2, method: "POST", path: base + "/dtmf", body: `{"digits":"1"}`, status: 404},
		{name: "another user's hang-up", p: u2, method: "DELETE", path: base, status: 404},
		{name: "hold before answer", p: u1, method: "POST", path: base + "/hold", status: 409},
		{name: "dtmf before answer", p: u1, method: "POST", path: base + "/dtmf", body: `{"digits":"1"}`, status: 409},
		{name: "bad digits", p: u1, method: "POST", path: base + "/dtmf", body: `{"digits":"1x"}`, status: 400, field: "digits"},
		{name: "unknown call", p: u1, method: "GET", path: "/api/v1/calls/pbxcall-nope", status: 404},
		{name: "owner hangs up", p: u1, method: "DELETE", path: base, status: 200, check: func(m map[string]any) bool { return m["state"] == "ended" && m["ended_by"] == "api" }},
		{name: "hang up an ended call", p: u1, method: "DELETE", path: base, status: 409},
	}
	for _, tt := range tests {
		code, got := serve(t, h, tt.p, tt.method, tt.path, tt.body)
		if code != tt.status {
			t.Errorf("%s: %d %v, want %d", tt.name, code, got, tt.status)
			continue
		}
		if tt.field != "" {
			errObj, _ := got["error"].(map[string]any)
			details, _ := errObj["details"].([]any)
			if len(details) == 0 || details[0].(map[string]any)["field"] != tt.field {
				t.Errorf("%s: error %v does not name %s", tt.name, got, tt.field)
			}
		}
		if tt.check != nil && !tt.check(got) {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
	if s, _ := e.srv.Channel(id + "-u1"); !s.Destroyed {
		t.Errorf("the user's leg is still up after the hang-up: %+v", s)
	}
}
