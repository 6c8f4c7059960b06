package googlefake_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/googlefake"
)

// sign builds an RS256 JWT from claims.
func sign(t *testing.T, k *rsa.PrivateKey, alg string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// The token endpoint checks the assertion's signature and each claim.
func TestJWTChecks(t *testing.T) {
	k, other := googlefake.NewKey(), googlefake.NewKey()
	g := googlefake.New("sa@p.iam.gserviceaccount.com", &k.PublicKey, "admin@example.com", "c", "s", "r")
	srv := httptest.NewServer(g)
	defer srv.Close()
	now := time.Now().Unix()
	good := func() map[string]any {
		return map[string]any{"iss": "sa@p.iam.gserviceaccount.com", "scope": googlefake.DirectoryScope,
			"aud": srv.URL + googlefake.TokenPath, "iat": now, "exp": now + 3600, "sub": "admin@example.com"}
	}
	with := func(k string, v any) map[string]any { c := good(); c[k] = v; return c }
	for _, tc := range []struct {
		name   string
		key    *rsa.PrivateKey
		alg    string
		claims map[string]any
		status int
		errc   string
	}{
		{name: "good", key: k, alg: "RS256", claims: good(), status: 200},
		{name: "other key", key: other, alg: "RS256", claims: good(), status: 400, errc: "invalid_grant"},
		{name: "alg none", key: k, alg: "none", claims: good(), status: 400, errc: "invalid_grant"},
		{name: "iss", key: k, alg: "RS256", claims: with("iss", "x@y"), status: 400, errc: "invalid_client"},
		{name: "aud", key: k, alg: "RS256", claims: with("aud", "https://oauth2.googleapis.com/token"), status: 400, errc: "invalid_grant"},
		{name: "expired", key: k, alg: "RS256", claims: with("exp", now-1), status: 400, errc: "invalid_grant"},
		{name: "too long", key: k, alg: "RS256", claims: with("exp", now+7200), status: 400, errc: "invalid_grant"},
		{name: "sub", key: k, alg: "RS256", claims: with("sub", "other@example.com"), status: 400, errc: "invalid_grant"},
		{name: "scope", key: k, alg: "RS256", claims: with("scope", "https://www.googleapis.com/auth/contacts"), status: 400, errc: "unauthorized_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.PostForm(srv.URL+googlefake.TokenPath, url.Values{"grant_type": {googlefake.JWTBearerGrant},
				"assertion": {sign(t, tc.key, tc.alg, tc.claims)}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || (tc.errc != "" && body["error"] != tc.errc) ||
				(tc.errc == "" && !strings.HasPrefix(body["access_token"].(string), "ya29.")) {
				t.Fatalf("HTTP %d %v", resp.StatusCode, body)
			}
		})
	}
}

// A page token is refused when the other parameters change.
func TestPageTokenBindsParameters(t *testing.T) {
	g := googlefake.New("", nil, "", "c", "s", "r")
	for i := range 3 {
		g.Put("contacts", googlefake.ContactPerson(i))
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+googlefake.TokenPath, url.Values{"grant_type": {"refresh_token"},
		"client_id": {"c"}, "client_secret": {"s"}, "refresh_token": {"r"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	get := func(q string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+googlefake.ConnectionsPath+"?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code, first := get("personFields=names&pageSize=2")
	if code != 200 || first["nextPageToken"] == nil || len(first["connections"].([]any)) != 2 {
		t.Fatalf("first page: %d %v", code, first)
	}
	pt := url.QueryEscape(first["nextPageToken"].(string))
	if code, _ := get("personFields=names,emailAddresses&pageSize=2&pageToken=" + pt); code != 400 {
		t.Fatalf("changed parameters: HTTP %d", code)
	}
	if code, m := get("personFields=names&pageSize=2&pageToken=" + pt); code != 200 || len(m["connections"].([]any)) != 1 {
		t.Fatalf("second page: %d %v", code, m)
	}
	if code, _ := get("pageSize=2"); code != 400 {
		t.Fatalf("no personFields: HTTP %d", code)
	}
}
