package graphfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/graphfake"
)

func TestFakeProtocol(t *testing.T) {
	g := graphfake.New("t1", "id", "secret")
	g.PageSize = 2
	for i := 0; i < 3; i++ {
		g.PutUser(graphfake.User(i))
	}
	srv := httptest.NewServer(g)
	defer srv.Close()

	// The fake plays the Graph at its own origin: a token for another
	// resource (the global Graph) is refused as Entra does.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"secret"}, "scope": {"https://graph.microsoft.com/.default"}}
	resp, err := http.PostForm(srv.URL+g.TokenPath(), form)
	if err != nil {
		t.Fatal(err)
	}
	var refused struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&refused)
	resp.Body.Close()
	if resp.StatusCode != 400 || refused.Error != "invalid_scope" {
		t.Fatalf("another resource's scope: %d %+v", resp.StatusCode, refused)
	}
	form.Set("scope", srv.URL+"/.default")
	resp, err = http.PostForm(srv.URL+g.TokenPath(), form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" || tok.ExpiresIn != 3600 {
		t.Fatalf("token %+v", tok)
	}
	get := func(u string) (int, map[string]any, http.Header) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m, resp.Header
	}
	// Initial round: two pages, the second with the deltaLink.
	code, p1, _ := get(srv.URL + "/v1.0/users/delta?$select=displayName")
	next, _ := p1["@odata.nextLink"].(string)
	if code != 200 || len(p1["value"].([]any)) != 2 || next == "" || p1["@odata.deltaLink"] != nil {
		t.Fatalf("page 1: %d %v", code, p1)
	}
	if u := p1["value"].([]any)[0].(map[string]any); u["mail"] != nil || u["displayName"] != "User 0" {
		t.Fatalf("$select not applied: %v", u)
	}
	_, p2, _ := get(next)
	delta, _ := p2["@odata.deltaLink"].(string)
	if len(p2["value"].([]any)) != 1 || delta == "" {
		t.Fatalf("page 2: %v", p2)
	}
	// A deletion shows as @removed in the next round.
	g.DeleteUser("u-000001")
	_, d, _ := get(delta)
	v := d["value"].([]any)
	if len(v) != 1 || v[0].(map[string]any)["@removed"] == nil {
		t.Fatalf("delta: %v", d)
	}
	// Expired tokens: 410 with Location, or 400 syncStateNotFound.
	g.ExpireDeltaTokens("gone")
	code, _, h := get(delta)
	if code != 410 || !strings.HasSuffix(h.Get("Location"), "/v1.0/users/delta") {
		t.Fatalf("gone: %d %v", code, h)
	}
	g.ExpireDeltaTokens("syncStateNotFound")
	code, e, _ := get(delta)
	if code != 400 || e["error"].(map[string]any)["code"] != "syncStateNotFound" {
		t.Fatalf("syncStateNotFound: %d %v", code, e)
	}
	// Revoked access tokens are refused.
	g.RevokeTokens()
	if code, _, _ := get(srv.URL + "/v1.0/users/delta"); code != 401 {
		t.Fatalf("revoked token: %d", code)
	}
}
