package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/pbxagent/pbxagent/agent/oauth"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"

	"github.com/pbxagent/pbxagent/agent/httpx"
)

// defaultChromium is Debian's chromium package.
const defaultChromium = "/usr/bin/chromium"

// flowTimeout bounds one run of the browser script (Chromium's start
// included); the three cases take about 2 s each here.
const flowTimeout = 20 * time.Second

const adminToken = "browser-test-admin-token"

// tools finds Chromium, node and the npm packages; it skips the test when
// one is missing, and fails it under CI=true, where .ci/run installs them.
func tools(t *testing.T) (chromium, node string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		msg := "browser test needs " + what + " (apt-get install chromium; npm ci --prefix testlab/browser)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = defaultChromium
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("Chromium at " + chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node on PATH")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		missing("testlab/browser/node_modules/playwright-core")
	}
	return chromium, node
}

// accounts stands in for the users package: fixed people, no throttle.
type accounts struct{ users map[string]platform.Principal }

func (a accounts) Login(_ context.Context, username, password, _ string) (platform.Principal, error) {
	p, ok := a.users[username+"\x00"+password]
	if !ok {
		return platform.Principal{}, errors.New("wrong username or password")
	}
	return p, nil
}

func (a accounts) Current(_ context.Context, userID string) (platform.Principal, error) {
	for _, p := range a.users {
		if p.UserID == userID {
			return p, nil
		}
	}
	return platform.Principal{}, errors.New("no such user")
}

// lab is the authorization server on loopback with a stand-in app.
type lab struct {
	auth     *httptest.Server
	app      *httptest.Server
	back     chan url.Values // what the app's redirect URI received
	redirect string
	clientID string
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func startLab(t *testing.T) *lab {
	t.Helper()
	ctx := context.Background()
	n, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
	if err != nil {
		t.Fatal(err)
	}
	book, err := phonebook.Open(ctx, phonebook.Options{Dir: t.TempDir(), Numbering: n.Numbering(), Logger: quiet(), MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = book.Close() })
	acc := accounts{users: map[string]platform.Principal{
		"ana\x00ana-pass": {Kind: platform.KindSession, UserID: "u-ana", Username: "ana", Role: platform.RoleUser,
			Abilities: []platform.Ability{platform.AbilityHotelAdmin}},
	}}
	srv, err := oauth.New(ctx, book.Meta("oauth"), acc, oauth.Config{}, oauth.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}

	l := &lab{back: make(chan url.Values, 4)}
	// The app: its redirect URI records what came back and shows a page.
	l.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		select {
		case l.back <- r.URL.Query():
		default:
			t.Errorf("the app's redirect URI was called more than %d times", cap(l.back))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><html lang=en><title>CRM</title><p>Back in the app.</p></html>")
	}))
	t.Cleanup(l.app.Close)
	l.redirect = l.app.URL + "/callback"

	// The daemon's HTTP layer: the admin token, then the server's access tokens.
	mux := httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken(adminToken), srv))
	routes := append(srv.Routes(),
		platform.Route{Method: "GET", Path: "/api/v1/test/calls", Scope: platform.ScopeCalls, Handler: whoami},
		platform.Route{Method: "GET", Path: "/api/v1/test/admin", Scope: platform.ScopeAdmin, Handler: whoami})
	for _, rt := range routes {
		mux.Handle("oauth", rt)
	}
	l.auth = httptest.NewServer(mux)
	t.Cleanup(l.auth.Close)

	// Register the app through the apps API, as an admin would.
	body, _ := json.Marshal(map[string]any{"name": "Acme CRM", "type": "public", "redirect_uris": []string{l.redirect},
		"scopes": []string{"calls", "presence", "hotel"}})
	req, _ := http.NewRequest("POST", l.auth.URL+"/api/v1/apps", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var app struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&app); err != nil || resp.StatusCode != http.StatusCreated || app.ClientID == "" {
		t.Fatalf("register the app: %d %v", resp.StatusCode, err)
	}
	l.clientID = app.ClientID
	return l
}

// whoami answers the principal a request acts for.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	platform.WriteJSON(w, http.StatusOK, p)
})

func (l *lab) config() *oauth2.Config {
	return &oauth2.Config{ClientID: l.clientID, RedirectURL: l.redirect, Scopes: []string{"calls", "hotel"},
		Endpoint: oauth2.Endpoint{AuthURL: l.auth.URL + "/oauth/authorize", TokenURL: l.auth.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
}

// flowResult is what oauth-flow.mjs prints.
type flowResult struct {
	FinalURL string `json:"final_url"`
	Pages    []struct {
		Name, URL string
	} `json:"pages"`
	Requests []struct {
		Method, URL string
	} `json:"requests"`
	Scopes     []string `json:"scopes"`
	LoginError string   `json:"login_error"`
	A11y       map[string]struct {
		FocusedOnLoad string   `json:"focused_on_load"`
		TabOrder      []string `json:"tab_order"`
	} `json:"a11y"`
}

// runFlow runs the browser script once; a failure of the script fails the
// test with its stderr (which names the screenshot it saved).
func runFlow(t *testing.T, chromium, node, authURL, redirect, user, password, decision string, scopes []string) flowResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), flowTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "oauth-flow.mjs", "--url", authURL, "--user", user, "--redirect", redirect,
		"--decision", decision, "--scopes", strings.Join(scopes, ","))
	cmd.Env = append(os.Environ(), "OAUTH_PASSWORD="+password, "CHROMIUM="+chromium)
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("browser (%s): %v", decision, time.Since(start).Round(10*time.Millisecond))
	if err != nil {
		t.Fatalf("oauth-flow.mjs %s: %v (context: %v)\n%s", decision, err, ctx.Err(), stderr.String())
	}
	var res flowResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("oauth-flow.mjs output: %v: %q", err, stdout.String())
	}
	t.Logf("browser: pages %v, %d requests", res.Pages, len(res.Requests))
	return res
}

// checkRequests: the browser talked to the two loopback servers only.
func checkRequests(t *testing.T, l *lab, res flowResult) {
	t.Helper()
	if len(res.Requests) == 0 {
		t.Fatal("no request recorded")
	}
	for _, r := range res.Requests {
		if !strings.HasPrefix(r.URL, l.auth.URL+"/") && !strings.HasPrefix(r.URL, l.app.URL+"/") {
			t.Errorf("request outside the test servers: %s %s", r.Method, r.URL)
		}
	}
}

func TestOAuthInChromium(t *testing.T) {
	chromium, node := tools(t)
	l := startLab(t)
	loginOrder := []string{"username", "password", "login-submit"}

	tests := []struct {
		name     string
		password string
		decision string
		check    func(t *testing.T, res flowResult, conf *oauth2.Config, verifier string)
	}{
		{
			name: "allow", password: "ana-pass", decision: "allow",
			check: func(t *testing.T, res flowResult, conf *oauth2.Config, verifier string) {
				q := l.received(t)
				if q.Get("code") == "" || q.Get("state") != "st-allow" || q.Get("iss") != l.auth.URL || q.Has("error") {
					t.Fatalf("the app got %v, want a code, state st-allow and iss %s", q, l.auth.URL)
				}
				if !strings.HasPrefix(res.FinalURL, l.redirect+"?") {
					t.Fatalf("the browser ended at %s, want %s", res.FinalURL, l.redirect)
				}
				if !slices.Equal(res.Scopes, []string{"calls", "hotel"}) {
					t.Errorf("consent listed %v, want [calls hotel]", res.Scopes)
				}
				if got := res.A11y["consent"].TabOrder; !slices.Equal(got, []string{"consent-allow", "consent-deny"}) {
					t.Errorf("consent Tab order %v", got)
				}
				hc := context.WithValue(context.Background(), oauth2.HTTPClient, l.auth.Client())
				tok, err := conf.Exchange(hc, q.Get("code"), oauth2.VerifierOption(verifier))
				if err != nil {
					t.Fatalf("exchange the code: %v", err)
				}
				if tok.RefreshToken == "" || tok.Extra("scope") != "calls hotel" {
					t.Fatalf("token: refresh %t, scope %v", tok.RefreshToken != "", tok.Extra("scope"))
				}
				client := conf.Client(hc, tok)
				resp, err := client.Get(l.auth.URL + "/api/v1/test/calls")
				if err != nil {
					t.Fatal(err)
				}
				var p platform.Principal
				_ = json.NewDecoder(resp.Body).Decode(&p)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || p.Kind != platform.KindAppUser || p.UserID != "u-ana" || p.AppID != l.clientID {
					t.Fatalf("GET /api/v1/test/calls with the token: %d %+v", resp.StatusCode, p)
				}
				resp, err = client.Get(l.auth.URL + "/api/v1/test/admin")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("a scope not granted: %d, want 403", resp.StatusCode)
				}
				// The code is spent: a second exchange is refused.
				if _, err := conf.Exchange(hc, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
					t.Fatal("the code was exchanged twice")
				}
			},
		},
		{
			name: "deny", password: "ana-pass", decision: "deny",
			check: func(t *testing.T, res flowResult, _ *oauth2.Config, _ string) {
				q := l.received(t)
				if q.Get("error") != "access_denied" || q.Has("code") || q.Get("state") != "st-deny" || q.Get("iss") != l.auth.URL {
					t.Fatalf("the app got %v, want error=access_denied with state st-deny and iss, no code", q)
				}
			},
		},
		{
			name: "wrong password", password: "not-her-password", decision: "wrong-password",
			check: func(t *testing.T, res flowResult, _ *oauth2.Config, _ string) {
				if res.LoginError == "" {
					t.Fatal("no login error shown")
				}
				if !strings.HasPrefix(res.FinalURL, l.auth.URL+"/oauth/authorize/login") {
					t.Fatalf("the browser ended at %s, want the login page", res.FinalURL)
				}
				// The script has exited: whatever the app was sent is in the channel.
				select {
				case q := <-l.back:
					t.Fatalf("the app was called after a wrong password: %v", q)
				default:
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := l.config()
			verifier := oauth2.GenerateVerifier()
			state := "st-" + tc.decision
			authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
			res := runFlow(t, chromium, node, authURL, l.redirect, "ana", tc.password, tc.decision, conf.Scopes)
			checkRequests(t, l, res)
			if got := res.A11y["login"].TabOrder; !slices.Equal(got, loginOrder) {
				t.Errorf("login Tab order %v, want %v", got, loginOrder)
			}
			tc.check(t, res, conf, verifier)
		})
	}
}

// received is what the app's redirect URI got; the browser script has
// exited after landing there, so it is already in the channel.
func (l *lab) received(t *testing.T) url.Values {
	t.Helper()
	select {
	case q := <-l.back:
		return q
	default:
		t.Fatal("the app's redirect URI was not called")
		return nil
	}
}
