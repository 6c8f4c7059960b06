package browser

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
)

// preflight sends a CORS preflight for origin and returns the
// Access-Control-Allow-Origin it got.
func (l *consoleLab) preflight(t *testing.T, origin string) string {
	t.Helper()
	req, err := http.NewRequest("OPTIONS", l.base+"/api/v1/contacts", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Access-Control-Allow-Origin")
}

// TestConsoleCORS runs console/cors.mjs: the configured origin is shown
// read-only, a bad origin's error is shown, a good one is added (a
// preflight from it is then allowed) and removed (then refused).
func TestConsoleCORS(t *testing.T) {
	const configured, added = "https://config.example.com", "https://crm.example.com"
	l := startConsole(t, consoleOptions{config: func(c *config.Config) { c.CORS.Origins = []string{configured} }})
	if got := l.preflight(t, added); got != "" {
		t.Fatalf("before: a preflight from %s is allowed (%q)", added, got)
	}
	var add struct {
		Config        string   `json:"config"`
		ConfigButtons int      `json:"config_buttons"`
		BadOrigin     string   `json:"bad_origin"`
		BadInvalid    string   `json:"bad_invalid"`
		BadFocused    string   `json:"bad_focused"`
		Added         []string `json:"added"`
		Cleared       bool     `json:"field_error_cleared"`
		A11y          []string `json:"a11y_checked"`
	}
	l.run(t, "cors", &add)
	t.Logf("cors add: %+v", add)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the configured origin, read-only", ok: strings.Contains(add.Config, configured) && strings.Contains(add.Config, "Read-only") && add.ConfigButtons == 0},
		{name: "a bad origin's error names the field", ok: strings.Contains(add.BadOrigin, "origin:") && add.BadInvalid == "true" && add.BadFocused == "cors-origin"},
		{name: "added in the browsers' form", ok: slices.Equal(add.Added, []string{added}) && add.Cleared},
		{name: "axe ran in every state", ok: len(add.A11y) >= 3},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, add)
		}
	}
	if got := l.preflight(t, added); got != added {
		t.Errorf("after adding: preflight Access-Control-Allow-Origin %q, want %q", got, added)
	}

	t.Setenv("CORS_PHASE", "remove")
	var rm struct {
		Confirm string   `json:"remove_confirm"`
		After   []string `json:"after_remove"`
	}
	l.run(t, "cors", &rm)
	if !strings.Contains(rm.Confirm, "Remove "+added+"?") || len(rm.After) != 0 {
		t.Errorf("removal: %+v", rm)
	}
	if got := l.preflight(t, added); got != "" {
		t.Errorf("after removing: preflight allowed (%q)", got)
	}
	if got := l.preflight(t, configured); got != configured {
		t.Errorf("the configured origin's preflight: %q", got)
	}
}
