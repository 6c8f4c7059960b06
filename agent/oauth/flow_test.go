package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/pbxagent/pbxagent/agent/platform"
)

const redirectURI = "http://127.0.0.1:9/callback"

// publicApp registers a browser app allowed calls, presence and hotel.
func (e *env) publicApp() (appCreated, *oauth2.Config) {
	a := e.register(map[string]any{"name": "CRM <Web>", "type": "public", "redirect_uris": []string{redirectURI},
		"scopes": []string{"calls", "presence", "hotel"}})
	return a, e.oauthConfig(a, "calls", "hotel")
}

func (e *env) oauthConfig(a appCreated, scopes ...string) *oauth2.Config {
	return &oauth2.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, RedirectURL: redirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: e.http.URL + "/oauth/authorize", TokenURL: e.http.URL + "/oauth/token"}}
}

func (e *env) ctx() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, e.http.Client())
}

// codeFlow runs the whole authorization code flow with PKCE for user.
func (e *env) codeFlow(conf *oauth2.Config, user, pass string) *oauth2.Token {
	e.t.Helper()
	verifier := oauth2.GenerateVerifier()
	back := e.authorize(conf.AuthCodeURL("st-42", oauth2.S256ChallengeOption(verifier)), user, pass)
	q := back.Query()
	if back.Scheme+"://"+back.Host+back.Path != redirectURI || q.Get("state") != "st-42" || q.Get("code") == "" || q.Get("iss") != e.http.URL {
		e.t.Fatalf("redirect back: %s", back)
	}
	tok, err := conf.Exchange(e.ctx(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestCodeWithPKCE(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	if tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.Extra("scope") != "calls hotel" {
		t.Fatalf("token %+v scope %v", tok, tok.Extra("scope"))
	}
	if d := time.Until(tok.Expiry); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("expires in %v, want 1h", d)
	}
	resp, err := conf.Client(e.ctx(), tok).Get(e.http.URL + "/api/v1/test/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p platform.Principal
	_ = json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != 200 || p.Kind != platform.KindAppUser || p.UserID != "u-ana" || p.AppID != a.ClientID || p.Role != platform.RoleUser {
		t.Fatalf("%d %+v", resp.StatusCode, p)
	}
	// Granted calls and hotel, not presence (not asked) nor admin.
	for path, want := range map[string]int{"/api/v1/test/hotel": 200, "/api/v1/test/admin": 403} {
		if code, body := e.getWith(tok.AccessToken, path); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
	// Stored hashed: no token value in the KV.
	assertNotStored(t, e.kv, tok.AccessToken, tok.RefreshToken)
}

func assertNotStored(t *testing.T, kv KV, secrets ...string) {
	t.Helper()
	_ = kv.List(context.Background(), func(key string, val []byte) error {
		for _, s := range secrets {
			if strings.Contains(key, s) || strings.Contains(string(val), s) {
				t.Errorf("a secret is stored in clear under %s", key)
			}
		}
		return nil
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	refresh := func(rt string) (*oauth2.Token, error) {
		return conf.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: rt}).Token()
	}
	tok2, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatal("a refresh must return a new refresh token")
	}
	tok3, err := refresh(tok2.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.getWith(tok3.AccessToken, "/api/v1/test/calls"); code != 200 {
		t.Fatalf("fresh access token: %d", code)
	}
	// An attacker replays the first, rotated refresh token: refused, and
	// the whole family goes, the legitimate client's newest tokens too.
	_, err = refresh(tok.RefreshToken)
	var re *oauth2.RetrieveError
	if !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := refresh(tok3.RefreshToken); !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("the family's newest refresh token still works: %v", err)
	}
	for _, at := range []string{tok.AccessToken, tok2.AccessToken, tok3.AccessToken} {
		if code, _ := e.getWith(at, "/api/v1/test/calls"); code != http.StatusUnauthorized {
			t.Fatalf("access token of a revoked family: %d", code)
		}
	}
}

func asRetrieve(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	if !ok {
		return false
	}
	*re = r
	return true
}

func TestCodeUsedTwiceRevokesItsTokens(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	verifier := oauth2.GenerateVerifier()
	code := e.authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "ana", "ana-pass").Query().Get("code")
	tok, err := conf.Exchange(e.ctx(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.Exchange(e.ctx(), code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a code was exchanged twice")
	}
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("token of a replayed code: %d", c)
	}
}

func TestAuthorizationRequestsRefused(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a, conf := e.publicApp()
	verifier := oauth2.GenerateVerifier()
	good := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {redirectURI}, "state": {"s1"},
		"scope": {"calls"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		if v == "\x00" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	tests := []struct {
		name  string
		query url.Values
		// status 400 and no redirect, or a redirect with error.
		page    bool
		errCode string
	}{
		{name: "wrong redirect uri", query: with("redirect_uri", "http://127.0.0.1:9/other"), page: true},
		{name: "redirect uri differs by a slash", query: with("redirect_uri", redirectURI+"/"), page: true},
		{name: "attacker redirect uri", query: with("redirect_uri", "https://evil.example/callback"), page: true},
		{name: "unknown client", query: with("client_id", "nope"), page: true},
		{name: "plain pkce", query: with("code_challenge_method", "plain"), errCode: "invalid_request"},
		{name: "no pkce method", query: with("code_challenge_method", "\x00"), errCode: "invalid_request"},
		{name: "no pkce", query: with("code_challenge", "\x00"), errCode: "invalid_request"},
		{name: "short challenge", query: with("code_challenge", "abc"), errCode: "invalid_request"},
		{name: "scope beyond the app", query: with("scope", "calls admin"), errCode: "invalid_scope"},
		{name: "unknown scope", query: with("scope", "calls root"), errCode: "invalid_scope"},
		{name: "implicit grant", query: with("response_type", "token"), errCode: "unsupported_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newBrowser(t).get(conf.Endpoint.AuthURL + "?" + tt.query.Encode())
			if tt.page {
				if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.body, `id="error-message"`) {
					t.Fatalf("%d location %q", p.status, p.location)
				}
				return
			}
			u, _ := url.Parse(p.location)
			if p.status != http.StatusFound || !strings.HasPrefix(p.location, redirectURI+"?") || u.Query().Get("error") != tt.errCode || u.Query().Get("state") != "s1" || u.Query().Has("code") {
				t.Fatalf("%d %s", p.status, p.location)
			}
		})
	}
}

func TestPlainPKCEVerifierRefusedAtTheToken(t *testing.T) {
	// A client that sends the verifier as the challenge (plain) but
	// claims S256 never gets a code to exchange; one that sends a wrong
	// verifier gets invalid_grant.
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	// One style, no probing: a code allows one attempt, right or wrong.
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	verifier := oauth2.GenerateVerifier()
	code := e.authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "ana", "ana-pass").Query().Get("code")
	_, err := conf.Exchange(e.ctx(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	var re *oauth2.RetrieveError
	if !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("wrong verifier: %v", err)
	}
	code = e.authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "ana", "ana-pass").Query().Get("code")
	if _, err := conf.Exchange(e.ctx(), code); !asRetrieve(err, &re) || re.ErrorCode != "invalid_request" {
		t.Fatalf("no verifier: %v", err)
	}
}

func TestRefreshScopeEscalationRefused(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass") // granted calls hotel
	post := func(scope string) (int, string) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {a.ClientID}, "scope": {scope}}
		resp, err := http.PostForm(e.http.URL+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Error string `json:"error"`
			Scope string `json:"scope"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Error + body.Scope
	}
	// presence: the app may have it, but it was not granted.
	if code, got := post("calls presence"); code != 400 || got != "invalid_scope" {
		t.Fatalf("escalation: %d %s", code, got)
	}
	if code, got := post("admin"); code != 400 || got != "invalid_scope" {
		t.Fatalf("escalation: %d %s", code, got)
	}
	// Narrowing is fine.
	if code, got := post("calls"); code != 200 || got != "calls" {
		t.Fatalf("narrowing: %d %s", code, got)
	}
}

func TestRevokedTokenRefusedAtOnce(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != 200 {
		t.Fatal(c)
	}
	revoke := func(token string) int {
		resp, err := http.PostForm(e.http.URL+"/oauth/revoke", url.Values{"token": {token}, "client_id": {a.ClientID}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := revoke(tok.AccessToken); c != 200 {
		t.Fatal(c)
	}
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("revoked access token: %d", c)
	}
	// Revoking the refresh token ends the grant: it and its new tokens.
	tok2, err := conf.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if c := revoke(tok2.RefreshToken); c != 200 {
		t.Fatal(c)
	}
	if c, _ := e.getWith(tok2.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("access token of a revoked refresh token: %d", c)
	}
	if _, err := conf.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err == nil {
		t.Fatal("a revoked refresh token refreshed")
	}
	// RFC 7009 §2.2: an unknown token is answered 200 as well.
	if c := revoke("pbxat_unknown"); c != 200 {
		t.Fatal(c)
	}
}

func TestAnotherAppCannotRevoke(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	other, _ := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	resp, err := http.PostForm(e.http.URL+"/oauth/revoke", url.Values{"token": {tok.AccessToken}, "client_id": {other.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); resp.StatusCode != 200 || c != 200 {
		t.Fatalf("revoke by another app: %d, then %d", resp.StatusCode, c)
	}
}

func TestAbilityLostTakesEffectAtOnce(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/hotel"); c != 200 {
		t.Fatalf("with the ability: %d", c)
	}
	e.acc.set("u-ana", func(u *fakeUser) { u.abilities = nil })
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/hotel"); c != http.StatusForbidden {
		t.Fatalf("after the ability was taken away: %d", c)
	}
	e.acc.set("u-ana", func(u *fakeUser) { u.disabled = true })
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("after the user was disabled: %d", c)
	}
}

func TestConsentOffersOnlyWhatTheUserHolds(t *testing.T) {
	// bob has no hotel ability: his token carries calls only.
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	tok := e.codeFlow(conf, "bob", "bob-pass")
	if tok.Extra("scope") != "calls" {
		t.Fatalf("scope %v", tok.Extra("scope"))
	}
}

func TestExpiredAccessTokenRefused(t *testing.T) {
	e := newEnv(t, Config{AccessTTL: 10 * time.Minute}, CORSConfig{})
	_, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	e.clk.Advance(10*time.Minute - time.Second)
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != 200 {
		t.Fatalf("before expiry: %d", c)
	}
	e.clk.Advance(time.Second)
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("after expiry: %d", c)
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a := e.register(map[string]any{"name": "PMS", "type": "confidential", "redirect_uris": []string{},
		"scopes": []string{"hotel", "contacts:read"}, "grant_types": []string{"client_credentials"}})
	if !strings.HasPrefix(a.ClientSecret, prefixSecret) {
		t.Fatalf("secret %q", a.ClientSecret)
	}
	cc := clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, TokenURL: e.http.URL + "/oauth/token", Scopes: []string{"hotel"}}
	tok, err := cc.Token(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" || tok.Extra("scope") != "hotel" {
		t.Fatalf("%+v", tok)
	}
	code, body := e.getWith(tok.AccessToken, "/api/v1/test/hotel")
	var p platform.Principal
	_ = json.Unmarshal([]byte(body), &p)
	if code != 200 || p.Kind != platform.KindApp || p.AppID != a.ClientID || p.UserID != "" {
		t.Fatalf("%d %s", code, body)
	}
	if c, _ := e.getWith(tok.AccessToken, "/api/v1/test/calls"); c != http.StatusForbidden {
		t.Fatalf("scope not granted: %d", c)
	}
	// Escalation, a wrong secret, and a public app are refused.
	bad := []clientcredentials.Config{
		{ClientID: a.ClientID, ClientSecret: a.ClientSecret, TokenURL: cc.TokenURL, Scopes: []string{"admin"}},
		{ClientID: a.ClientID, ClientSecret: a.ClientSecret + "x", TokenURL: cc.TokenURL},
	}
	pub, _ := e.publicApp()
	bad = append(bad, clientcredentials.Config{ClientID: pub.ClientID, TokenURL: cc.TokenURL})
	for i, c := range bad {
		if _, err := c.Token(e.ctx()); err == nil {
			t.Errorf("bad client credentials %d got a token", i)
		}
	}
	assertNotStored(t, e.kv, a.ClientSecret, tok.AccessToken)
}

func TestSecretRotation(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a := e.register(map[string]any{"name": "PMS", "type": "confidential", "scopes": []string{"hotel"}, "grant_types": []string{"client_credentials"}})
	var rot appSecret
	if c := e.api("POST", "/api/v1/apps/"+a.ClientID+"/secret", nil, &rot); c != 200 || rot.ClientSecret == "" || rot.ClientSecret == a.ClientSecret {
		t.Fatalf("%d %+v", c, rot)
	}
	tokURL := e.http.URL + "/oauth/token"
	if _, err := (&clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, TokenURL: tokURL}).Token(e.ctx()); err == nil {
		t.Fatal("the old secret still works")
	}
	if _, err := (&clientcredentials.Config{ClientID: a.ClientID, ClientSecret: rot.ClientSecret, TokenURL: tokURL}).Token(e.ctx()); err != nil {
		t.Fatalf("the new secret: %v", err)
	}
	var got map[string]any
	e.api("GET", "/api/v1/apps/"+a.ClientID, nil, &got)
	if _, ok := got["client_secret"]; ok {
		t.Fatal("GET shows the secret")
	}
	if _, ok := got["secret_sha256"]; ok {
		t.Fatal("GET shows the secret's hash")
	}
}

func TestConfidentialCodeFlow(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a := e.register(map[string]any{"name": "CRM server", "type": "confidential", "redirect_uris": []string{redirectURI}, "scopes": []string{"calls"}})
	conf := e.oauthConfig(a, "calls")
	tok := e.codeFlow(conf, "bob", "bob-pass")
	if _, err := conf.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Fatal(err)
	}
	conf.ClientSecret = "wrong"
	if _, err := conf.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Fatal("refresh with a wrong secret")
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	resp, err := http.Get(e.http.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m Metadata
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Issuer != e.http.URL || m.AuthorizationEndpoint != e.http.URL+"/oauth/authorize" || m.TokenEndpoint != e.http.URL+"/oauth/token" ||
		m.RevocationEndpoint != e.http.URL+"/oauth/revoke" || strings.Join(m.CodeChallengeMethodsSupported, ",") != "S256" ||
		strings.Join(m.ResponseTypesSupported, ",") != "code" || len(m.ScopesSupported) != len(platform.AppScopes) {
		t.Fatalf("%+v", m)
	}
	// A configured issuer wins over the request's host.
	e2 := newEnv(t, Config{Issuer: "https://pbx.example.com"}, CORSConfig{})
	resp2, err := http.Get(e2.http.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	_ = json.NewDecoder(resp2.Body).Decode(&m)
	if m.Issuer != "https://pbx.example.com" || m.TokenEndpoint != "https://pbx.example.com/oauth/token" {
		t.Fatalf("%+v", m)
	}
}

func TestAdminTokenIsNotOurs(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	for _, h := range []string{"Bearer " + adminToken, "Basic YTpi", "", "Bearer pbxrt_a-refresh-token-is-not-an-access-token"} {
		r, _ := http.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if _, ok, err := e.srv.Authenticate(r); ok || err != nil {
			t.Errorf("%q: ok %v err %v", h, ok, err)
		}
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer pbxat_forged")
	if _, ok, err := e.srv.Authenticate(r); !ok || err == nil {
		t.Errorf("forged: ok %v err %v", ok, err)
	}
}

func TestTokensSurviveARestart(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	tok := e.codeFlow(conf, "ana", "ana-pass")
	srv2, err := New(context.Background(), e.kv, e.acc, Config{}, WithClock(e.clk), WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if p, ok, err := srv2.Authenticate(r); !ok || err != nil || p.UserID != "u-ana" {
		t.Fatalf("after a restart: %+v %v %v", p, ok, err)
	}
}
