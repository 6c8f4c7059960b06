package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func TestLoginAndConsentPages(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	b := newBrowser(t)
	authURL := conf.AuthCodeURL("s9", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	p := b.get(authURL)
	for _, want := range []string{`<html lang="en">`, `<label for="username">`, `<label for="password">`, `id="login-submit"`,
		`autocomplete="current-password"`, "CRM &lt;Web&gt;"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Contains(p.body, "CRM <Web>") || strings.Contains(p.body, "http://") || strings.Contains(p.body, "https://") {
		t.Error("the login page has an unescaped name or an external asset")
	}
	// A wrong password shows the form again with an alert.
	p2 := b.submit(e.http.URL, p, url.Values{"username": {"ana"}, "password": {"nope"}})
	if p2.status != http.StatusUnauthorized || !strings.Contains(p2.body, `id="login-error"`) || !strings.Contains(p2.body, `role="alert"`) || !strings.Contains(p2.body, `value="ana"`) {
		t.Fatalf("wrong password: %d %s", p2.status, p2.body)
	}
	p3 := b.submit(e.http.URL, p2, url.Values{"username": {"ana"}, "password": {"ana-pass"}})
	for _, want := range []string{"Allow CRM &lt;Web&gt; to use your account?", `data-scope="calls"`, `data-scope="hotel"`, text.Scopes[platform.ScopeCalls], `id="consent-allow"`, `id="consent-deny"`} {
		if !strings.Contains(p3.body, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
	if strings.Contains(p3.body, `data-scope="presence"`) {
		t.Error("the consent page lists a scope not asked for")
	}
	// Deny: back to the app with access_denied and the state.
	p4 := b.submit(e.http.URL, p3, url.Values{"decision": {"deny"}})
	u, _ := url.Parse(p4.location)
	if p4.status != http.StatusSeeOther || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "s9" || u.Query().Has("code") {
		t.Fatalf("deny: %d %s", p4.status, p4.location)
	}
	// The consent cannot be answered twice.
	if p5 := b.submit(e.http.URL, p3, url.Values{"decision": {"allow"}}); p5.status != http.StatusForbidden {
		t.Fatalf("second answer: %d %s", p5.status, p5.location)
	}
}

func TestPageHeaders(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	resp, err := http.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("%v", h)
	}
	c := resp.Cookies()
	if len(c) != 1 || c[0].Name != bindCookie || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookies %+v", c)
	}
}

func TestFormsRefuseCrossSiteRequests(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	victim := newBrowser(t)
	p := victim.get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	p = victim.submit(e.http.URL, p, url.Values{"username": {"ana"}, "password": {"ana-pass"}})
	txn := reTxn.FindStringSubmatch(p.body)[1]
	csrf := reCSRF.FindStringSubmatch(p.body)[1]
	tests := []struct {
		name   string
		b      *browser
		fields url.Values
	}{
		// Another browser (an attacker's page posting without the
		// victim's cookie, or a stolen form) even with the right fields.
		{name: "other browser, right fields", b: newBrowser(t), fields: url.Values{"txn": {txn}, "csrf_token": {csrf}, "decision": {"allow"}}},
		{name: "no csrf token", b: victim, fields: url.Values{"txn": {txn}, "decision": {"allow"}}},
		{name: "wrong csrf token", b: victim, fields: url.Values{"txn": {txn}, "csrf_token": {"0123456789abcdef0123456789abcdef"}, "decision": {"allow"}}},
		{name: "unknown txn", b: victim, fields: url.Values{"txn": {"x"}, "csrf_token": {csrf}, "decision": {"allow"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := tt.b.post(e.http.URL+"/oauth/authorize/consent", tt.fields); r.status != http.StatusForbidden || r.location != "" {
				t.Fatalf("%d %s", r.status, r.location)
			}
		})
	}
	// The victim's own answer still works.
	if r := victim.submit(e.http.URL, p, url.Values{"decision": {"allow"}}); r.status != http.StatusSeeOther {
		t.Fatalf("%d", r.status)
	}
}

func TestPendingAuthorizationExpires(t *testing.T) {
	e := newEnv(t, Config{LoginTTL: 2 * time.Minute}, CORSConfig{})
	_, conf := e.publicApp()
	b := newBrowser(t)
	p := b.get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	e.clk.Advance(2 * time.Minute)
	if r := b.submit(e.http.URL, p, url.Values{"username": {"ana"}, "password": {"ana-pass"}}); r.status != http.StatusForbidden {
		t.Fatalf("%d", r.status)
	}
}

func TestSignedInPersonSkipsTheLogin(t *testing.T) {
	e := newEnv(t, Config{}, CORSConfig{})
	_, conf := e.publicApp()
	// The daemon's session authenticator puts the person in the context.
	inner := e.handler()
	withSession := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err == nil {
			p, _ := e.acc.Current(r.Context(), c.Value)
			r = r.WithContext(platform.WithPrincipal(r.Context(), p))
		}
		inner.ServeHTTP(w, r)
	}))
	defer withSession.Close()
	conf.Endpoint.AuthURL = withSession.URL + "/oauth/authorize"
	b := newBrowser(t)
	su, _ := url.Parse(withSession.URL)
	b.c.Jar.SetCookies(su, []*http.Cookie{{Name: "session", Value: "u-bob"}})
	p := b.get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if !strings.Contains(p.body, `id="consent-form"`) || strings.Contains(p.body, `id="login-form"`) || !strings.Contains(p.body, "Signed in as bob.") {
		t.Fatalf("%d %s", p.status, p.body)
	}
	if r := b.submit(withSession.URL, p, url.Values{"decision": {"allow"}}); r.status != http.StatusSeeOther || !strings.Contains(r.location, "code=") {
		t.Fatalf("%d %s", r.status, r.location)
	}
}
