package users

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestCheckCredential: the principal of a session cookie is live until
// the session ends (logout, password reset, idle timeout), and checking
// it does not count as a use; other principals are not its business.
func TestCheckCredential(t *testing.T) {
	cfg := fastCfg
	cfg.SessionIdleTimeout, cfg.SessionMaxAge = 10*time.Minute, time.Hour
	for _, tc := range []struct {
		name string
		end  func(e *env, cookie *http.Cookie, csrf, userID string)
		live bool
	}{
		{name: "live", end: func(*env, *http.Cookie, string, string) {}, live: true},
		{name: "logout", end: func(e *env, c *http.Cookie, csrf, _ string) {
			if w := e.do(req{method: "POST", path: "/api/v1/logout", cookie: c, csrf: csrf}); w.Code/100 != 2 {
				t.Fatalf("logout: %d %s", w.Code, w.Body)
			}
		}},
		{name: "password reset", end: func(e *env, _ *http.Cookie, _, id string) {
			if w := e.do(req{method: "PATCH", path: "/api/v1/users/" + id, body: `{"password":"a new password"}`, as: "admin"}); w.Code/100 != 2 {
				t.Fatalf("reset: %d %s", w.Code, w.Body)
			}
		}},
		{name: "idle timeout, checks are no use", end: func(e *env, _ *http.Cookie, _, _ string) {
			e.clk.Advance(2 * time.Minute) // 11 min since the last request, 6 since the first check
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, cfg)
			u := e.mkUser(`{"username":"ann","password":"ann's password"}`)
			cookie, csrf := e.login("ann", "ann's password")
			r := httptest.NewRequest("GET", "/api/v1/events", nil)
			r.AddCookie(cookie)
			p, ok, err := e.s.Authenticate(r)
			if !ok || err != nil || p.Credential == "" || p.Credential == cookie.Value {
				t.Fatalf("authenticate: %v %v, credential %q", ok, err, p.Credential)
			}
			e.clk.Advance(5 * time.Minute)
			if err := e.s.CheckCredential(context.Background(), p); err != nil {
				t.Fatalf("live session: %v", err)
			}
			e.clk.Advance(4 * time.Minute)
			tc.end(e, cookie, csrf, u.ID)
			err = e.s.CheckCredential(context.Background(), p)
			if tc.live && err != nil {
				t.Errorf("live session: %v", err)
			}
			if !tc.live && err == nil {
				t.Error("ended session still live")
			}
		})
	}
	e := newEnv(t, cfg)
	for _, p := range []platform.Principal{{Kind: platform.KindAdminToken}, {Kind: platform.KindAppUser, UserID: "u1", Credential: "00"}} {
		if err := e.s.CheckCredential(context.Background(), p); err != nil {
			t.Errorf("kind %v: %v, want nil (not a session)", p.Kind, err)
		}
	}
	if err := e.s.CheckCredential(context.Background(), platform.Principal{Kind: platform.KindSession, UserID: "u1", Credential: "zz"}); err == nil {
		t.Error("a session principal with a bad credential is live")
	}
}
