package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// The platform through the built daemon: a person signs in (session
// cookie and CSRF token), an app gets a token (client credentials) that
// reaches only its scopes, every change lands in the audit log, and CORS
// answers only listed origins.
func TestDaemonPeopleAndApps(t *testing.T) {
	_, ariURL := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	_, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = ariURL, "asterisk", "secret"
		c.CORS.Origins = []string{"https://crm.example.com"}
	})
	adm := client{t, base, "test-admin-token"}

	// A person: created by the admin, signs in, sees themself, needs the
	// CSRF token to change anything, and cannot reach admin routes.
	if code, b := adm.do("POST", "/api/v1/users", "application/json", []byte(`{"username":"ann","display_name":"Ann","role":"user"}`)); code != 201 {
		t.Fatalf("create user: %d %s", code, b)
	}
	var created struct {
		ID string `json:"id"`
	}
	_, b := adm.do("GET", "/api/v1/users?q=ann", "", nil)
	var list struct {
		Users []struct {
			ID string `json:"id"`
		} `json:"users"`
	}
	if err := json.Unmarshal(b, &list); err != nil || len(list.Users) != 1 {
		t.Fatalf("list users: %s", b)
	}
	created.ID = list.Users[0].ID
	if code, b := adm.do("PATCH", "/api/v1/users/"+created.ID, "application/merge-patch+json", []byte(`{"password":"correct horse battery"}`)); code/100 != 2 {
		t.Fatalf("set password: %d %s", code, b)
	}
	resp := post(t, base+"/api/v1/login", "application/json", `{"username":"ann","password":"correct horse battery"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		cookie = c
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || login.CSRF == "" {
		t.Fatalf("session cookie %+v, csrf %q", cookie, login.CSRF)
	}
	withCookie := func(method, path, csrf, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.AddCookie(cookie)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if code := withCookie("GET", "/api/v1/users/me", "", ""); code != 200 {
		t.Fatalf("me with the session: %d", code)
	}
	if code := withCookie("PATCH", "/api/v1/users/me", "", `{"display_name":"Ann B"}`); code != 403 {
		t.Fatalf("a change without the CSRF token: %d, want 403", code)
	}
	if code := withCookie("PATCH", "/api/v1/users/me", login.CSRF, `{"display_name":"Ann B"}`); code != 200 {
		t.Fatalf("a change with the CSRF token: %d", code)
	}
	if code := withCookie("GET", "/api/v1/users", "", ""); code != 403 {
		t.Fatalf("a user on an admin route: %d, want 403", code)
	}

	// An app: client credentials for the dialer scope only.
	code, b := adm.do("POST", "/api/v1/apps", "application/json", []byte(`{"name":"Dialer bot","type":"confidential","scopes":["dialer"],"grant_types":["client_credentials"]}`))
	if code != 201 {
		t.Fatalf("register app: %d %s", code, b)
	}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	_ = json.Unmarshal(b, &app)
	cc := clientcredentials.Config{ClientID: app.ClientID, ClientSecret: app.ClientSecret, TokenURL: base + "/oauth/token", Scopes: []string{"dialer"}}
	hc := cc.Client(context.Background())
	for path, want := range map[string]int{"/api/v1/campaigns": 200, "/api/v1/contacts": 403, "/api/v1/users": 403} {
		r, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("app token on %s: %d, want %d", path, r.StatusCode, want)
		}
	}
	if r, _ := http.Get(base + "/.well-known/oauth-authorization-server"); r == nil || r.StatusCode != 200 {
		t.Fatalf("metadata: %v", r)
	}

	// The audit log has the changes, with who made them.
	_, b = adm.do("GET", "/api/v1/audit?action=user", "", nil)
	if !strings.Contains(string(b), `"user.create"`) || !strings.Contains(string(b), "admin_token") || !strings.Contains(string(b), created.ID) {
		t.Fatalf("audit log: %s", b)
	}
	if strings.Contains(string(b), "correct horse battery") {
		t.Fatal("a password in the audit log")
	}

	// CORS: a listed origin's preflight is answered, another gets nothing.
	for origin, want := range map[string]string{"https://crm.example.com": "https://crm.example.com", "https://evil.example": ""} {
		req, _ := http.NewRequest("OPTIONS", base+"/api/v1/contacts", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("preflight from %s: Allow-Origin %q, want %q", origin, got, want)
		}
	}
}

func post(t *testing.T, u, ctype, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// HTTPS on its own listener, with the certificate reloaded on demand
// (SIGHUP calls Reload): a bad pair keeps the old one.
func TestDaemonHTTPSReload(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, cert, key, "first")
	d, _ := testDaemon(t, func(c *config.Config) {
		c.HTTP.TLSAddr, c.HTTP.TLSCert, c.HTTP.TLSKey = "127.0.0.1:0", cert, key
	})
	served := func() string {
		conn, err := tls.Dial("tcp", d.HTTPSAddr(), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test's own certificate
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	r, err := hc.Get("https://" + d.HTTPSAddr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || served() != "first" {
		t.Fatalf("https healthz %d %s, certificate %s", r.StatusCode, body, served())
	}
	writePair(t, cert, key, "second")
	if err := d.Reload(); err != nil || served() != "second" {
		t.Fatalf("reload: %v, serving %s", err, served())
	}
	if err := os.WriteFile(key, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.Reload(); err == nil || served() != "second" {
		t.Fatalf("a broken key: reload %v, serving %s", err, served())
	}
}

func writePair(t *testing.T, certPath, keyPath, cn string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}
