package users

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func loginReq(user, pass, addr string) req {
	return req{method: "POST", path: "/api/v1/login", body: fmt.Sprintf(`{"username":%q,"password":%q}`, user, pass), addr: addr}
}

func TestLogin(t *testing.T) {
	e := newEnv(t, fastCfg)
	e.mkUser(`{"username":"Ann","password":"ann's password"}`)
	e.mkUser(`{"username":"off","password":"off's password","disabled":true}`)
	e.mkUser(`{"username":"nopass"}`)
	for _, tc := range []struct {
		name   string
		q      req
		status int
		field  string
	}{
		{name: "right, any case", q: loginReq("ANN", "ann's password", "192.0.2.1:1"), status: 200},
		{name: "wrong password", q: loginReq("ann", "nope", "192.0.2.1:1"), status: 401},
		{name: "unknown user, same answer", q: loginReq("zed", "ann's password", "192.0.2.1:1"), status: 401},
		{name: "disabled user", q: loginReq("off", "off's password", "192.0.2.1:1"), status: 401},
		{name: "user without password", q: loginReq("nopass", "", "192.0.2.1:1"), status: 400, field: "password"},
		{name: "form post refused", q: req{method: "POST", path: "/api/v1/login", body: "username=ann&password=x", ctype: "application/x-www-form-urlencoded"}, status: 415},
		{name: "missing username", q: req{method: "POST", path: "/api/v1/login", body: `{"password":"x"}`}, status: 400, field: "username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(tc.q)
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.status == 401 && errBody(t, w).Message != errBadLogin.Message {
				t.Errorf("a failed login says more than wrong username or password: %s", w.Body)
			}
			if tc.field != "" && (len(errBody(t, w).Details) == 0 || errBody(t, w).Details[0].Field != tc.field) {
				t.Errorf("details %s, want field %s", w.Body, tc.field)
			}
		})
	}
}

// TestLoginThrottleSurvivesJunkFlood: after the guesser is held for a
// username, a flood of junk usernames (more than the throttle tracks)
// from many addresses does not release it; the user still logs in from
// elsewhere.
func TestLoginThrottleSurvivesJunkFlood(t *testing.T) {
	cfg := fastCfg
	cfg.LoginMaxFailures, cfg.LoginMaxTracked = 5, 100
	e := newEnv(t, cfg)
	e.mkUser(`{"username":"ann","password":"ann's password"}`)
	const guesser = "198.51.100.7:5000"
	for i := range cfg.LoginMaxFailures {
		if w := e.do(loginReq("ann", fmt.Sprint("guess", i), guesser)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, w.Code)
		}
	}
	if w := e.do(loginReq("ann", "ann's password", guesser)); w.Code != http.StatusTooManyRequests {
		t.Fatalf("after %d guesses: %d, want 429", cfg.LoginMaxFailures, w.Code)
	}
	for i := range 5 * cfg.LoginMaxTracked {
		addr := fmt.Sprintf("10.0.%d.%d:1", i>>8&255, i&255)
		if w := e.do(loginReq(fmt.Sprint("junk", i), "x", addr)); w.Code != http.StatusUnauthorized && w.Code != http.StatusTooManyRequests {
			t.Fatalf("junk %d: %d", i, w.Code)
		}
	}
	if w := e.do(loginReq("ann", "ann's password", guesser)); w.Code != http.StatusTooManyRequests {
		t.Fatalf("after the flood: %d, want 429", w.Code)
	}
	if w := e.do(loginReq("ann", "ann's password", "192.0.2.50:1")); w.Code != http.StatusOK {
		t.Fatalf("ann from her own address: %d", w.Code)
	}
	e.clk.Advance(e.s.cfg.LoginWindow)
	if w := e.do(loginReq("ann", "ann's password", guesser)); w.Code != http.StatusOK {
		t.Fatalf("after the window: %d", w.Code)
	}
}

// TestRehashOnLogin: a hash made with other parameters is replaced by one
// with the configured parameters at the next successful login.
func TestRehashOnLogin(t *testing.T) {
	e := newEnv(t, fastCfg)
	u := e.mkUser(`{"username":"ann","password":"ann's password"}`)
	stronger := fastCfg
	stronger.Argon2Memory = 128
	e.start(stronger)
	old, _ := e.s.user(u.ID)
	if !strings.Contains(old.PasswordHash, "m=64,") {
		t.Fatalf("hash %s", old.PasswordHash)
	}
	e.login("ann", "ann's password")
	rec, _ := e.s.user(u.ID)
	if !strings.HasPrefix(rec.PasswordHash, "$argon2id$v=19$m=128,t=1,p=1$") {
		t.Fatalf("not rehashed: %s", rec.PasswordHash)
	}
	e.login("ann", "ann's password")
}

// TestMePatch: users change their name and language; a new password needs
// the current one and ends their other sessions; apps cannot change it.
func TestMePatch(t *testing.T) {
	e := newEnv(t, fastCfg)
	u := e.mkUser(`{"username":"ann","password":"ann's password"}`)
	c1, t1 := e.login("ann", "ann's password")
	c2, _ := e.login("ann", "ann's password")
	for _, tc := range []struct {
		name   string
		q      req
		status int
		field  string
	}{
		{name: "name and language", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"display_name":"Ann","language":"de-ch"}`, cookie: c1, csrf: t1}, status: 200},
		{name: "role is not for users", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"role":"admin"}`, cookie: c1, csrf: t1}, status: 400, field: "role"},
		{name: "password without the old one", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"password":"a new password"}`, cookie: c1, csrf: t1}, status: 400, field: "old_password"},
		{name: "password with a wrong old one", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"password":"a new password","old_password":"nope"}`, cookie: c1, csrf: t1}, status: 400, field: "old_password"},
		{name: "short password", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"password":"short","old_password":"ann's password"}`, cookie: c1, csrf: t1}, status: 400, field: "password"},
		{name: "an app cannot", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"display_name":"X"}`, as: "app:" + u.ID}, status: 403},
		{name: "an app reads me", q: req{method: "GET", path: "/api/v1/users/me", as: "app:" + u.ID}, status: 200},
		{name: "the admin token is no user", q: req{method: "GET", path: "/api/v1/users/me", as: "admin"}, status: 403},
		{name: "password", q: req{method: "PATCH", path: "/api/v1/users/me", body: `{"password":"a new password","old_password":"ann's password"}`, cookie: c1, csrf: t1}, status: 200},
		{name: "this session lives on", q: req{method: "GET", path: "/api/v1/users/me", cookie: c1}, status: 200},
		{name: "the other session ended", q: req{method: "GET", path: "/api/v1/users/me", cookie: c2}, status: 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(tc.q)
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.field != "" && !strings.Contains(w.Body.String(), `"field":"`+tc.field+`"`) {
				t.Errorf("no detail for %s: %s", tc.field, w.Body)
			}
		})
	}
	rec, _ := e.s.user(u.ID)
	if rec.DisplayName != "Ann" || rec.Language != "de-CH" {
		t.Fatalf("%+v", rec.User)
	}
	e.login("ann", "a new password")
	if _, err := e.s.CheckPassword(context.Background(), "ann", "ann's password", peer(loginReqHTTP())); err == nil {
		t.Fatal("old password still works")
	}
}
