package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"

	"github.com/pbxagent/pbxagent/agent/httpx"
)

// The phonebook store's namespaces are what the daemon passes in.
var _ KV = phonebook.KV(nil)

// The server is an Authenticator and a Component with routes and a Runner.
var (
	_ platform.Authenticator = (*Server)(nil)
	_ platform.Router        = (*Server)(nil)
	_ platform.Runner        = (*Server)(nil)
	_ platform.Component     = (*CORS)(nil)
	_ platform.Router        = (*CORS)(nil)
)

const adminToken = "the-admin-token"

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openBook(t testing.TB) *phonebook.Store {
	t.Helper()
	n, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: t.TempDir(), Numbering: n.Numbering(),
		Logger: quiet(), MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// fakeUser is a person of fakeAccounts.
type fakeUser struct {
	id, username, password string
	role                   platform.Role
	abilities              []platform.Ability
	disabled               bool
}

// fakeAccounts stands in for the users package.
type fakeAccounts struct {
	mu    sync.RWMutex
	users map[string]*fakeUser
}

var errNoUser = errors.New("no such user")

func newAccounts(users ...*fakeUser) *fakeAccounts {
	a := &fakeAccounts{users: map[string]*fakeUser{}}
	for _, u := range users {
		a.users[u.id] = u
	}
	return a
}

func (a *fakeAccounts) principal(u *fakeUser) platform.Principal {
	return platform.Principal{Kind: platform.KindSession, UserID: u.id, Username: u.username, Role: u.role, Abilities: slices.Clone(u.abilities)}
}

func (a *fakeAccounts) Login(ctx context.Context, username, password, remoteAddr string) (platform.Principal, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, u := range a.users {
		if u.username == username && u.password == password && !u.disabled {
			return a.principal(u), nil
		}
	}
	return platform.Principal{}, errors.New("wrong username or password")
}

func (a *fakeAccounts) Current(ctx context.Context, userID string) (platform.Principal, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	u := a.users[userID]
	if u == nil || u.disabled {
		return platform.Principal{}, errNoUser
	}
	return a.principal(u), nil
}

func (a *fakeAccounts) set(id string, fn func(u *fakeUser)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fn(a.users[id])
}

// env is a running server: the oauth routes, a CORS wrapper and two
// protected test routes, behind a small HTTP layer that authenticates
// (the admin token, then the server's bearer tokens) and checks scopes as
// the daemon's does.
type env struct {
	t    *testing.T
	srv  *Server
	cors *CORS
	acc  *fakeAccounts
	clk  *clock.Virtual
	kv   KV
	http *httptest.Server
}

func newEnv(t *testing.T, cfg Config, corsCfg CORSConfig) *env {
	t.Helper()
	acc := newAccounts(
		&fakeUser{id: "u-ana", username: "ana", password: "ana-pass", role: platform.RoleUser, abilities: []platform.Ability{platform.AbilityHotelAdmin}},
		&fakeUser{id: "u-bob", username: "bob", password: "bob-pass", role: platform.RoleUser},
	)
	book := openBook(t)
	kv := book.Meta("oauth")
	clk := clock.NewVirtual(t0)
	srv, err := New(context.Background(), kv, acc, cfg, WithClock(clk), WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	cors, err := NewCORS(context.Background(), kv, corsCfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, cors: cors, acc: acc, clk: clk, kv: kv}
	e.http = httptest.NewServer(e.handler())
	t.Cleanup(e.http.Close)
	return e
}

// whoami answers the principal a request acts for.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	platform.WriteJSON(w, http.StatusOK, p)
})

func (e *env) handler() http.Handler {
	// The daemon's HTTP layer: the admin token, then the server's access tokens.
	mux := httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken(adminToken), e.srv))
	routes := append(e.srv.Routes(), e.cors.Routes()...)
	routes = append(routes,
		platform.Route{Method: "GET", Path: "/api/v1/test/calls", Scope: platform.ScopeCalls, Handler: whoami},
		platform.Route{Method: "GET", Path: "/api/v1/test/hotel", Scope: platform.ScopeHotel, Handler: whoami},
		platform.Route{Method: "GET", Path: "/api/v1/test/admin", Scope: platform.ScopeAdmin, Handler: whoami},
	)
	for _, rt := range routes {
		mux.Handle("oauth", rt)
	}
	return e.cors.Wrap(mux)
}

// api calls the API with the admin token and decodes the answer into out.
func (e *env) api(method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.http.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// register creates an app through the API.
func (e *env) register(in map[string]any) appCreated {
	e.t.Helper()
	var out appCreated
	if code := e.api("POST", "/api/v1/apps", in, &out); code != http.StatusCreated {
		e.t.Fatalf("register: %d", code)
	}
	return out
}

// getWith calls path with a bearer token; it returns the status and body.
func (e *env) getWith(token, path string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// browser is a person's browser: it keeps cookies and stops at redirects.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type pageResp struct {
	status   int
	body     string
	location string
}

func (b *browser) do(req *http.Request) pageResp {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return pageResp{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location")}
}

func (b *browser) get(u string) pageResp {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) pageResp {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	reTxn    = regexp.MustCompile(`name="txn" value="([^"]+)"`)
	reCSRF   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	reAction = regexp.MustCompile(`<form id="[a-z]+-form" method="post" action="([^"]+)"`)
)

// submit posts the page's form with fields added.
func (b *browser) submit(base string, p pageResp, fields url.Values) pageResp {
	b.t.Helper()
	txn, csrf, action := reTxn.FindStringSubmatch(p.body), reCSRF.FindStringSubmatch(p.body), reAction.FindStringSubmatch(p.body)
	if txn == nil || csrf == nil || action == nil {
		b.t.Fatalf("no form on the page (%d): %s", p.status, p.body)
	}
	fields.Set("txn", txn[1])
	fields.Set("csrf_token", csrf[1])
	return b.post(base+action[1], fields)
}

// authorize runs the browser part: the authorization URL, the login
// page, the consent page; it returns the redirect back to the app.
func (e *env) authorize(authURL, user, pass string) *url.URL {
	e.t.Helper()
	b := newBrowser(e.t)
	p := b.get(authURL)
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="login-form"`) {
		e.t.Fatalf("login page: %d %s %s", p.status, p.location, p.body)
	}
	p = b.submit(e.http.URL, p, url.Values{"username": {user}, "password": {pass}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="consent-form"`) {
		e.t.Fatalf("consent page: %d %s", p.status, p.body)
	}
	p = b.submit(e.http.URL, p, url.Values{"decision": {"allow"}})
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("consent: %d %s", p.status, p.body)
	}
	u, err := url.Parse(p.location)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}
