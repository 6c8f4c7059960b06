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
)

func TestSweepDropsExpiredTokens(t *testing.T) {
	e := newEnv(t, Config{AccessTTL: time.Minute, RefreshTTL: time.Hour}, CORSConfig{})
	a := e.register(map[string]any{"name": "PMS", "type": "confidential", "scopes": []string{"hotel"}, "grant_types": []string{"client_credentials"}})
	cc := clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, TokenURL: e.http.URL + "/oauth/token"}
	if _, err := cc.Token(e.ctx()); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		_ = e.kv.List(context.Background(), func(k string, _ []byte) error {
			if strings.HasPrefix(k, kvToken) {
				n++
			}
			return nil
		})
		return n
	}
	if count() != 1 {
		t.Fatal(count())
	}
	e.clk.Advance(time.Minute)
	e.srv.sweep(context.Background())
	e.srv.mu.RLock()
	live := len(e.srv.tokens)
	e.srv.mu.RUnlock()
	if count() != 0 || live != 0 {
		t.Fatalf("after expiry: %d stored, %d in memory", count(), live)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestMaxTokens(t *testing.T) {
	e := newEnv(t, Config{MaxTokens: 1}, CORSConfig{})
	a := e.register(map[string]any{"name": "PMS", "type": "confidential", "scopes": []string{"hotel"}, "grant_types": []string{"client_credentials"}})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}
	for i, want := range []int{200, 503} {
		resp, err := http.PostForm(e.http.URL+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 503 && body.Error != "temporarily_unavailable") {
			t.Fatalf("token %d: %d %s", i, resp.StatusCode, body.Error)
		}
	}
}

func TestTokenEndpointRequests(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a := e.register(map[string]any{"name": "PMS", "type": "confidential", "scopes": []string{"hotel"}, "grant_types": []string{"client_credentials"}})
	tests := []struct {
		name   string
		ct     string
		query  string
		body   string
		status int
		code   string
	}{
		{name: "json body", ct: "application/json", body: `{}`, status: 400, code: "invalid_request"},
		{name: "secret in the query", ct: "application/x-www-form-urlencoded", query: "?client_secret=" + a.ClientSecret, body: "grant_type=client_credentials", status: 400, code: "invalid_request"},
		{name: "no grant type", ct: "application/x-www-form-urlencoded", body: "client_id=" + a.ClientID + "&client_secret=" + a.ClientSecret, status: 400, code: "invalid_request"},
		{name: "password grant", ct: "application/x-www-form-urlencoded", body: "grant_type=password&client_id=" + a.ClientID + "&client_secret=" + a.ClientSecret, status: 400, code: "unsupported_grant_type"},
		{name: "repeated parameter", ct: "application/x-www-form-urlencoded", body: "grant_type=client_credentials&grant_type=client_credentials&client_id=" + a.ClientID + "&client_secret=" + a.ClientSecret, status: 400, code: "invalid_request"},
		{name: "no client", ct: "application/x-www-form-urlencoded", body: "grant_type=client_credentials", status: 401, code: "invalid_client"},
		{name: "code grant not allowed", ct: "application/x-www-form-urlencoded", body: "grant_type=authorization_code&code=x&client_id=" + a.ClientID + "&client_secret=" + a.ClientSecret, status: 400, code: "unauthorized_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(e.http.URL+"/oauth/token"+tt.query, tt.ct, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.status || body.Error != tt.code || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%d %s", resp.StatusCode, body.Error)
			}
		})
	}
}

// A refresh racing with the reuse that revokes its family adds nothing
// to the family.
func TestRevokedFamilyGetsNoNewToken(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	ctx := context.Background()
	if _, _, err := e.srv.issue(ctx, kindAccess, "app", "u-ana", "fam1", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.revokeFamily(ctx, "fam1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.srv.issue(ctx, kindRefresh, "app", "u-ana", "fam1", nil, time.Hour); err == nil {
		t.Fatal("a token was added to a revoked family")
	}
	if _, _, err := e.srv.issue(ctx, kindRefresh, "app", "u-ana", "fam2", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
}

func TestRevokeUser(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	ana := e.codeFlow(conf, "ana", "ana-pass")
	bob := e.codeFlow(conf, "bob", "bob-pass")
	if err := e.srv.RevokeUser(context.Background(), "u-ana"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.getWith(ana.AccessToken, "/api/v1/test/calls"); c != http.StatusUnauthorized {
		t.Fatalf("revoked user's token: %d", c)
	}
	if _, err := conf.TokenSource(e.ctx(), &oauth2.Token{RefreshToken: ana.RefreshToken}).Token(); err == nil {
		t.Fatal("revoked user's refresh token works")
	}
	if c, _ := e.getWith(bob.AccessToken, "/api/v1/test/calls"); c != 200 {
		t.Fatalf("another user's token: %d", c)
	}
}
