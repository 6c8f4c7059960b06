package browser

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// clientCredentials asks the token endpoint for a token with the client
// credentials grant and returns the status and the access token.
func (l *consoleLab) clientCredentials(t *testing.T, clientID, secret, scope string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", l.base+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, out.AccessToken
}

// bearerStatus is the status of GET path with token.
func (l *consoleLab) bearerStatus(t *testing.T, token, path string) int {
	t.Helper()
	req, err := http.NewRequest("GET", l.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConsoleApps runs console/apps.mjs in three phases: it registers a
// confidential app whose secret (read once from the page) gets a token
// through the client credentials grant; a rotation shown once replaces
// it; the deletion revokes the app's tokens.
func TestConsoleApps(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	var reg struct {
		NoScopes      string   `json:"no_scopes"`
		Secret        string   `json:"secret"`
		Warning       string   `json:"warning"`
		ClientID      string   `json:"client_id"`
		PublicDialogs int      `json:"public_secret_dialog"`
		TypeFixed     string   `json:"type_fixed"`
		Apps          []string `json:"apps"`
		Table         string   `json:"table"`
		A11y          []string `json:"a11y_checked"`
	}
	l.run(t, "apps", &reg)
	t.Logf("apps register: %+v", reg)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "no scope is refused, naming the field", ok: strings.Contains(reg.NoScopes, "scopes")},
		{name: "the secret is a client secret", ok: strings.HasPrefix(reg.Secret, "pbxcs_")},
		{name: "the warning says it is shown once", ok: strings.Contains(reg.Warning, "only this once")},
		{name: "a public app has no secret dialog", ok: reg.PublicDialogs == 0},
		{name: "the type cannot change", ok: strings.Contains(reg.TypeFixed, "cannot be changed")},
		{name: "both apps are listed", ok: slices.Contains(reg.Apps, "Hotel PMS") && slices.Contains(reg.Apps, "Acme CRM 2")},
		{name: "the list shows types and scopes", ok: strings.Contains(reg.Table, "Confidential") && strings.Contains(reg.Table, "Public (PKCE)") &&
			strings.Contains(reg.Table, "contacts:read hotel") && strings.Contains(reg.Table, "https://crm.example.com/oauth/callback")},
		{name: "axe ran in every state", ok: len(reg.A11y) >= 5},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, reg)
		}
	}
	if strings.Contains(reg.Table, reg.Secret) {
		t.Error("the list shows the secret")
	}

	// The secret read from the page works with the token endpoint.
	code, token := l.clientCredentials(t, reg.ClientID, reg.Secret, "hotel contacts:read")
	if code != http.StatusOK || token == "" {
		t.Fatalf("client credentials with the page's secret: %d", code)
	}
	if got := l.bearerStatus(t, token, "/api/v1/contacts"); got != http.StatusOK {
		t.Errorf("the app's token reading contacts: %d", got)
	}

	t.Setenv("APPS_PHASE", "rotate")
	var rot struct {
		Confirm string `json:"rotate_confirm"`
		Secret  string `json:"secret"`
	}
	l.run(t, "apps", &rot)
	if !strings.Contains(rot.Confirm, "The old secret stops working at once") || rot.Secret == reg.Secret || !strings.HasPrefix(rot.Secret, "pbxcs_") {
		t.Errorf("rotation: %+v", rot)
	}
	if code, _ := l.clientCredentials(t, reg.ClientID, reg.Secret, "hotel"); code != http.StatusUnauthorized {
		t.Errorf("the old secret after the rotation: %d", code)
	}
	code, token = l.clientCredentials(t, reg.ClientID, rot.Secret, "hotel contacts:read")
	if code != http.StatusOK {
		t.Fatalf("the new secret: %d", code)
	}

	t.Setenv("APPS_PHASE", "delete")
	var del struct {
		Confirm string   `json:"delete_confirm"`
		After   []string `json:"after_delete"`
	}
	l.run(t, "apps", &del)
	if !strings.Contains(del.Confirm, "revoked") || !slices.Equal(del.After, []string{"Acme CRM 2"}) {
		t.Errorf("deletion: %+v", del)
	}
	if got := l.bearerStatus(t, token, "/api/v1/contacts"); got != http.StatusUnauthorized {
		t.Errorf("a token of the deleted app: %d", got)
	}
	if code, _ := l.clientCredentials(t, reg.ClientID, rot.Secret, "hotel"); code != http.StatusUnauthorized {
		t.Errorf("the deleted app's secret: %d", code)
	}
}
