package browser

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/googlefake"
)

// TestConsoleSourcesGoogle runs console/sources-google.mjs: a Google
// Workspace directory source (testlab/googlefake) with a pasted service
// account key, a refused test naming the setting, then created, tested and
// synced through the page; the API then shows the key as set and never
// its value.
func TestConsoleSourcesGoogle(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	key := googlefake.NewKey()
	const sa, admin = "pbx@pbx-test.iam.gserviceaccount.com", "admin@example.com"
	g := googlefake.New(sa, &key.PublicKey, admin, "", "", "")
	for i := range 3 {
		g.Put("directory", googlefake.DirectoryPerson(i))
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	keyFile := googlefake.KeyFile(sa, key, srv.URL+googlefake.TokenPath)
	t.Setenv("SRC_GOOGLE_URL", srv.URL)
	t.Setenv("SRC_GOOGLE_KEY", keyFile)
	t.Setenv("SRC_GOOGLE_SUBJECT", admin)
	var res struct {
		Fields    []string `json:"google_fields"`
		TestError string   `json:"google_test_error"`
		Preview   []string `json:"google_preview"`
		KeyState  string   `json:"google_key_state"`
		Status    string   `json:"google_status"`
		A11y      []string `json:"a11y_checked"`
	}
	l.run(t, "sources-google", &res)
	t.Logf("google: %+v", res)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "Google fields", ok: containsAll(strings.Join(res.Fields, "|"), "Mode", "Service account key (JSON)",
			"Administrator to impersonate", "OAuth client ID", "Refresh token")},
		{name: "a refused test names the subject", ok: strings.Contains(res.TestError, "Test failed") && strings.Contains(res.TestError, "settings.subject")},
		{name: "test preview", ok: slices.Equal(res.Preview, []string{"Given0 Family0", "Given1 Family1", "Given2 Family2"})},
		{name: "the key is write-only", ok: res.KeyState == "Service account key (JSON): set"},
		{name: "synced", ok: strings.HasSuffix(res.Status, "Contacts synced: 3, deleted: 0.")},
		{name: "axe ran in every state", ok: len(res.A11y) >= 5},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	var list struct {
		Sources []struct {
			Type       string         `json:"type"`
			Settings   map[string]any `json:"settings"`
			SecretsSet []string       `json:"secrets_set"`
		} `json:"sources"`
	}
	l.apiJSON(t, "GET", "/api/v1/sources", nil, http.StatusOK, &list)
	if len(list.Sources) != 1 || list.Sources[0].Type != "google" || list.Sources[0].Settings["subject"] != admin ||
		list.Sources[0].Settings["service_account_key"] != nil || !slices.Equal(list.Sources[0].SecretsSet, []string{"service_account_key"}) {
		t.Errorf("the google source: %+v", list.Sources)
	}
	if got := g.Grants(); len(got) < 2 || got[0] != googlefake.JWTBearerGrant {
		t.Errorf("token grants %v", got)
	}
}
