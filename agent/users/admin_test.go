package users

import (
	"net/http"
	"strings"
	"testing"
)

// TestAdminAPI walks the admin routes: each step is a request and what
// the answer must hold.
func TestAdminAPI(t *testing.T) {
	e := newEnv(t, fastCfg)
	alice := e.mkUser(`{"username":"Alice","display_name":"Alice Smith","email":"alice@example.com","extensions":["101"],
		"devices":{"endpoints":["PJSIP/101"],"phones":["00:15:65:AA:BB:CC"]},"password":"correct horse"}`)
	if alice.ID == "" || !alice.HasPassword || alice.Role != "user" || alice.Devices.Phones[0] != "001565aabbcc" {
		t.Fatalf("created %+v", alice)
	}
	e.mkUser(`{"username":"bob","role":"supervisor","abilities":["dialer"],"password":"bob's password"}`)
	userCookie, userCSRF := e.login("bob", "bob's password")
	for _, tc := range []struct {
		name   string
		q      req
		status int
		field  string // an error detail naming this field
		want   string // text in the body
	}{
		{name: "username taken in another case", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"ALICE"}`, as: "admin"},
			status: 409, field: "username"},
		{name: "extension taken", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"carol","extensions":["101"]}`, as: "admin"},
			status: 409, field: "extensions[0]", want: "used by user Alice"},
		{name: "endpoint taken in another case", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"carol","devices":{"endpoints":["pjsip/101"]}}`, as: "admin"},
			status: 409, field: "devices.endpoints[0]"},
		{name: "fields checked", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"-x","email":"Bad <b@x.org>","role":"root","abilities":["fly"],"extensions":["1a"],"devices":{"phones":["zz"]},"language":"!!","password":"short"}`, as: "admin"},
			status: 400, field: "devices.phones[0]", want: `"field":"abilities[0]"`},
		{name: "email checked", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"carol","email":"Bad <b@x.org>"}`, as: "admin"},
			status: 400, field: "email"},
		{name: "wrong JSON type in API terms", q: req{method: "POST", path: "/api/v1/users", body: `{"username":3}`, as: "admin"},
			status: 400, field: "username", want: "must be a string"},
		{name: "not JSON", q: req{method: "POST", path: "/api/v1/users", body: `a`, ctype: "text/plain", as: "admin"}, status: 415},
		{name: "get", q: req{method: "GET", path: "/api/v1/users/" + alice.ID, as: "admin"}, status: 200, want: `"display_name":"Alice Smith"`},
		{name: "get unknown", q: req{method: "GET", path: "/api/v1/users/nope", as: "admin"}, status: 404},
		{name: "list searches extensions", q: req{method: "GET", path: "/api/v1/users?q=101", as: "admin"}, status: 200, want: `"total":1`},
		{name: "list pages", q: req{method: "GET", path: "/api/v1/users?limit=1", as: "admin"}, status: 200, want: `"next_cursor":"alice"`},
		{name: "list next page", q: req{method: "GET", path: "/api/v1/users?limit=1&cursor=alice", as: "admin"}, status: 200, want: `"username":"bob"`},
		{name: "bad limit", q: req{method: "GET", path: "/api/v1/users?limit=0", as: "admin"}, status: 400, field: "limit"},
		{name: "merge patch clears and merges devices", q: req{method: "PATCH", path: "/api/v1/users/" + alice.ID, ctype: "application/merge-patch+json",
			body: `{"email":null,"devices":{"endpoints":["PJSIP/111"]},"role":"admin"}`, as: "admin"}, status: 200, want: `"phones":["001565aabbcc"]`},
		{name: "patch unknown field", q: req{method: "PATCH", path: "/api/v1/users/" + alice.ID, body: `{"id":"x"}`, as: "admin"},
			status: 400, field: "id", want: "unknown field"},
		{name: "patch bad role", q: req{method: "PATCH", path: "/api/v1/users/" + alice.ID, body: `{"role":"root"}`, as: "admin"},
			status: 400, field: "role"},
		{name: "a user's session is not admin", q: req{method: "GET", path: "/api/v1/users", cookie: userCookie}, status: 403},
		{name: "a user cannot create users", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"eve"}`, cookie: userCookie, csrf: userCSRF}, status: 403},
		{name: "anonymous", q: req{method: "GET", path: "/api/v1/users"}, status: 401},
		{name: "delete", q: req{method: "DELETE", path: "/api/v1/users/" + alice.ID, as: "admin"}, status: 204},
		{name: "deleted", q: req{method: "GET", path: "/api/v1/users/" + alice.ID, as: "admin"}, status: 404},
		{name: "username free again", q: req{method: "POST", path: "/api/v1/users", body: `{"username":"alice","extensions":["101"]}`, as: "admin"}, status: 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(tc.q)
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.field != "" {
				found := false
				for _, d := range errBody(t, w).Details {
					found = found || d.Field == tc.field
				}
				if !found {
					t.Errorf("no detail names %s: %s", tc.field, w.Body)
				}
			}
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("body %s lacks %s", w.Body, tc.want)
			}
		})
	}
}

// TestUsersSurviveRestart: users and sessions are read back from the
// store, and the username index finds them in any case.
func TestUsersSurviveRestart(t *testing.T) {
	e := newEnv(t, fastCfg)
	u := e.mkUser(`{"username":"Dora","password":"dora's password"}`)
	cookie, _ := e.login("dora", "dora's password")
	e.start(fastCfg)
	if w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: cookie}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), u.ID) {
		t.Fatalf("session after restart: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/users", body: `{"username":"DORA"}`, as: "admin"}); w.Code != http.StatusConflict {
		t.Fatalf("username index after restart: %d", w.Code)
	}
}
