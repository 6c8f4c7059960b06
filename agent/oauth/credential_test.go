package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestCheckCredential: the principal of an access token is live until
// the token is revoked or expires; other principals are not its business.
func TestCheckCredential(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	a, conf := e.publicApp()
	principal := func(access string) platform.Principal {
		t.Helper()
		r := httptest.NewRequest("GET", "/api/v1/events", nil)
		r.Header.Set("Authorization", "Bearer "+access)
		p, ok, err := e.srv.Authenticate(r)
		if !ok || err != nil || p.Credential == "" || p.Credential == access {
			t.Fatalf("authenticate: %v %v, credential %q", ok, err, p.Credential)
		}
		return p
	}
	ctx := context.Background()

	revoked := principal(e.codeFlow(conf, "ana", "ana-pass").AccessToken)
	expiring := principal(e.codeFlow(conf, "bob", "bob-pass").AccessToken)
	for _, p := range []platform.Principal{revoked, expiring} {
		if err := e.srv.CheckCredential(ctx, p); err != nil {
			t.Fatalf("live token of %s: %v", p.UserID, err)
		}
	}
	tok := e.codeFlow(conf, "ana", "ana-pass").AccessToken
	revoked = principal(tok)
	before := e.srv.Version()
	resp, err := http.PostForm(e.http.URL+"/oauth/revoke", url.Values{"token": {tok}, "client_id": {a.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if err := e.srv.CheckCredential(ctx, revoked); err == nil {
		t.Error("revoked token still live")
	}
	if e.srv.Version() == before {
		t.Error("the version did not change with a revocation (the events hub would not look again)")
	}
	if err := e.srv.CheckCredential(ctx, expiring); err != nil {
		t.Errorf("another token after a revoke: %v", err)
	}
	e.clk.Advance(61 * time.Minute)
	if err := e.srv.CheckCredential(ctx, expiring); err == nil {
		t.Error("expired token still live")
	}
	for _, p := range []platform.Principal{{Kind: platform.KindAdminToken}, {Kind: platform.KindSession, UserID: "u-ana", Credential: "00"}} {
		if err := e.srv.CheckCredential(ctx, p); err != nil {
			t.Errorf("kind %v: %v, want nil (not a token)", p.Kind, err)
		}
	}
	if err := e.srv.CheckCredential(ctx, platform.Principal{Kind: platform.KindApp, AppID: a.ClientID, Credential: "zz"}); err == nil {
		t.Error("an app principal with a bad credential is live")
	}
}
