package users

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSessionCookieFlags: the cookie is HttpOnly, SameSite=Lax, Path=/,
// has no lifetime of its own, and is Secure under TLS or when configured;
// the store keeps only the id's hash.
func TestSessionCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tls        bool
		secureFlag bool
		wantSecure bool
	}{
		{name: "plain http", wantSecure: false},
		{name: "tls", tls: true, wantSecure: true},
		{name: "behind a TLS proxy", secureFlag: true, wantSecure: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastCfg
			cfg.SecureCookie = tc.secureFlag
			e := newEnv(t, cfg)
			e.mkUser(`{"username":"ann","password":"ann's password"}`)
			r := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"username":"ann","password":"ann's password"}`))
			r.Header.Set("Content-Type", "application/json")
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			e.mux.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			set := w.Header().Get("Set-Cookie")
			cs := w.Result().Cookies()
			if len(cs) != 1 {
				t.Fatalf("cookies %v", set)
			}
			c := cs[0]
			if c.Name != CookieName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.wantSecure ||
				c.MaxAge != 0 || !c.Expires.IsZero() || len(c.Value) != sessionIDLen {
				t.Fatalf("cookie %q", set)
			}
			if !strings.Contains(w.Header().Get("Cache-Control"), "no-store") {
				t.Errorf("login answer may be cached: %q", w.Header().Get("Cache-Control"))
			}
			err := e.st.MetaBatch("users").List(context.Background(), func(k string, v []byte) error {
				if strings.Contains(k, c.Value) || strings.Contains(string(v), c.Value) {
					return fmt.Errorf("session id stored in clear under %s", k)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCSRF: a state-changing request with the session cookie needs the
// session's CSRF token; safe methods and bearer-token requests do not.
func TestCSRF(t *testing.T) {
	e := newEnv(t, fastCfg)
	e.mkUser(`{"username":"ann","password":"ann's password"}`)
	cookie, token := e.login("ann", "ann's password")
	_, otherToken := e.login("ann", "ann's password")
	patch := `{"display_name":"Ann B"}`
	for _, tc := range []struct {
		name   string
		q      req
		status int
	}{
		{name: "no token", q: req{method: "PATCH", path: "/api/v1/users/me", body: patch, cookie: cookie}, status: 403},
		{name: "wrong token", q: req{method: "PATCH", path: "/api/v1/users/me", body: patch, cookie: cookie, csrf: wrongFirst(token)}, status: 403},
		{name: "another session's token", q: req{method: "PATCH", path: "/api/v1/users/me", body: patch, cookie: cookie, csrf: otherToken}, status: 403},
		{name: "right token", q: req{method: "PATCH", path: "/api/v1/users/me", body: patch, cookie: cookie, csrf: token}, status: 200},
		{name: "GET needs none", q: req{method: "GET", path: "/api/v1/users/me", cookie: cookie}, status: 200},
		{name: "logout without token", q: req{method: "POST", path: "/api/v1/logout", cookie: cookie}, status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := e.do(tc.q); w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
	// A request with a bearer token is not the cookie's business.
	r := httptest.NewRequest("DELETE", "/api/v1/users/x", nil)
	r.AddCookie(cookie)
	r.Header.Set("Authorization", "Bearer abc")
	if _, ok, err := e.s.Authenticate(r); ok || err != nil {
		t.Fatalf("bearer request: ok %v err %v", ok, err)
	}
	// GET /users/me hands out the CSRF token of the session.
	w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: cookie})
	var me Me
	decode(t, w, &me)
	if me.CSRFToken != token || me.DisplayName != "Ann B" {
		t.Fatalf("me %+v", me)
	}
	// Logout with the token ends the session.
	if w := e.do(req{method: "POST", path: "/api/v1/logout", cookie: cookie, csrf: token}); w.Code != http.StatusNoContent ||
		!strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout %d %v", w.Code, w.Header())
	}
	if w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("after logout %d", w.Code)
	}
}

// TestSessionEndsAtOnce: deleting or disabling a user, or an admin setting
// their password, ends their sessions on the next request.
func TestSessionEndsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    func(id string) req
	}{
		{name: "deleted", q: func(id string) req { return req{method: "DELETE", path: "/api/v1/users/" + id, as: "admin"} }},
		{name: "disabled", q: func(id string) req {
			return req{method: "PATCH", path: "/api/v1/users/" + id, body: `{"disabled":true}`, as: "admin"}
		}},
		{name: "password reset", q: func(id string) req {
			return req{method: "PATCH", path: "/api/v1/users/" + id, body: `{"password":"a new password"}`, as: "admin"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fastCfg)
			u := e.mkUser(`{"username":"ann","password":"ann's password"}`)
			cookie, _ := e.login("ann", "ann's password")
			if w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: cookie}); w.Code != http.StatusOK {
				t.Fatalf("before: %d", w.Code)
			}
			if w := e.do(tc.q(u.ID)); w.Code/100 != 2 {
				t.Fatalf("admin change: %d %s", w.Code, w.Body)
			}
			if w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
				t.Fatalf("after: %d %s", w.Code, w.Body)
			}
			e.start(fastCfg) // and not back after a restart
			if w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
				t.Fatalf("after restart: %d %s", w.Code, w.Body)
			}
		})
	}
}

// TestSessionTimeouts: a session ends after the idle timeout without use,
// and after the absolute one even when used.
func TestSessionTimeouts(t *testing.T) {
	cfg := fastCfg
	cfg.SessionIdleTimeout, cfg.SessionMaxAge = 10*time.Minute, time.Hour
	e := newEnv(t, cfg)
	e.mkUser(`{"username":"ann","password":"ann's password"}`)
	me := func(c *http.Cookie) int { return e.do(req{method: "GET", path: "/api/v1/users/me", cookie: c}).Code }

	idle, _ := e.login("ann", "ann's password")
	e.clk.Advance(9 * time.Minute)
	if me(idle) != 200 {
		t.Fatal("ended before the idle timeout")
	}
	e.clk.Advance(9 * time.Minute) // used 9 minutes ago
	if me(idle) != 200 {
		t.Fatal("use did not extend the session")
	}
	e.clk.Advance(10 * time.Minute)
	if me(idle) != 401 {
		t.Fatal("alive after the idle timeout")
	}

	busy, _ := e.login("ann", "ann's password")
	for range 6 {
		e.clk.Advance(9*time.Minute + 59*time.Second)
		if me(busy) != 200 {
			t.Fatal("a used session ended early")
		}
	}
	e.clk.Advance(time.Minute)
	if me(busy) != 401 {
		t.Fatal("alive after the absolute timeout")
	}
	if err := e.s.sweep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := e.s.sessions.len(); n != 0 {
		t.Fatalf("%d sessions left after the sweep", n)
	}
}

// TestMaxSessionsPerUser: a login beyond the limit ends the oldest session.
func TestMaxSessionsPerUser(t *testing.T) {
	cfg := fastCfg
	cfg.MaxSessionsPerUser = 2
	e := newEnv(t, cfg)
	e.mkUser(`{"username":"ann","password":"ann's password"}`)
	first, _ := e.login("ann", "ann's password")
	e.login("ann", "ann's password")
	e.login("ann", "ann's password")
	if w := e.do(req{method: "GET", path: "/api/v1/users/me", cookie: first}); w.Code != http.StatusUnauthorized {
		t.Fatalf("oldest session alive: %d", w.Code)
	}
	if n := e.s.sessions.len(); n != 2 {
		t.Fatalf("%d sessions", n)
	}
}

// wrongFirst is token with its first character changed (never to itself).
func wrongFirst(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}
