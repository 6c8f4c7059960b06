package users

import (
	"net/http"
	"testing"
)

// TestDevicesChanged: the hook is called after a write that gives a user
// devices (a new user with endpoints, a change of endpoints), and not for
// other writes.
func TestDevicesChanged(t *testing.T) {
	calls := 0
	e := newEnv(t, fastCfg, WithDevicesChanged(func() { calls++ }))
	e.mkUser(`{"username":"bob","password":"bob's password"}`)
	if calls != 0 {
		t.Fatalf("a user without devices: %d calls", calls)
	}
	alice := e.mkUser(`{"username":"alice","devices":{"endpoints":["PJSIP/101"]},"password":"correct horse"}`)
	if calls != 1 {
		t.Fatalf("a user with an endpoint: %d calls, want 1", calls)
	}
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{name: "display name only", body: `{"display_name":"Alice S"}`, want: 1},
		{name: "same endpoints", body: `{"devices":{"endpoints":["PJSIP/101"]}}`, want: 1},
		{name: "another endpoint", body: `{"devices":{"endpoints":["PJSIP/101","PJSIP/102"]}}`, want: 2},
		{name: "endpoints cleared", body: `{"devices":{"endpoints":[]}}`, want: 3},
	} {
		rec := e.do(req{method: "PATCH", path: "/api/v1/users/" + alice.ID, ctype: "application/merge-patch+json", body: tc.body, as: "admin"})
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.name, rec.Code, rec.Body)
		}
		if calls != tc.want {
			t.Errorf("%s: %d calls, want %d", tc.name, calls, tc.want)
		}
	}
}
