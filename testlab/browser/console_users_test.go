package browser

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// consoleUser is a user as the users API answers it.
type consoleUser struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email"`
	Language    string   `json:"language"`
	Role        string   `json:"role"`
	Abilities   []string `json:"abilities"`
	Extensions  []string `json:"extensions"`
	Devices     struct {
		Endpoints []string `json:"endpoints"`
	} `json:"devices"`
	HasPassword bool `json:"has_password"`
}

// findUsers returns the users the users API finds for q.
func (l *consoleLab) findUsers(t *testing.T, q string) []consoleUser {
	t.Helper()
	var page struct {
		Users []consoleUser `json:"users"`
	}
	l.apiJSON(t, "GET", "/api/v1/users?q="+url.QueryEscape(q), nil, http.StatusOK, &page)
	return page.Users
}

// TestConsoleUsers runs console/users.mjs with ARI pointing at the fake
// Asterisk (three endpoints), then checks through the API what the
// browser made: carol with every field, an admin now, with her new
// password; the CSV's users; the endpoints' users; dave deleted.
func TestConsoleUsers(t *testing.T) {
	l := startConsole(t, consoleOptions{config: func(c *config.Config) {
		_, u := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"), fakeari.WithEndpoints("PJSIP/201", "PJSIP/202", "PJSIP/anonymous"))
		c.ARI.URL, c.ARI.User, c.ARI.Pass = u, "asterisk", "secret"
	}})
	var res struct {
		Listed           []string `json:"listed"`
		SearchBob        []string `json:"search_bob"`
		BadExtension     string   `json:"bad_extension"`
		CarolRow         string   `json:"carol_row"`
		PasswordShown    bool     `json:"password_shown"`
		NavBefore        []string `json:"carol_nav_before"`
		NavAfter         []string `json:"carol_nav_after"`
		PasswordState    string   `json:"password_state"`
		Mismatch         string   `json:"mismatch"`
		NewPasswordShown bool     `json:"new_password_shown"`
		SessionEnded     bool     `json:"carol_session_ended"`
		FocusAfterEdit   string   `json:"focus_after_edit"`
		A11y             []string `json:"a11y_checked"`
	}
	l.run(t, "users", &res)
	t.Logf("users: %+v", res)
	t.Setenv("USERS_PHASE", "import")
	var imp struct {
		ImportErrors     string   `json:"import_errors"`
		Imported         string   `json:"imported"`
		EndpointsResult  string   `json:"endpoints_result"`
		EndpointsCreated []string `json:"endpoints_created"`
		EndpointsSkipped []string `json:"endpoints_skipped"`
		DeleteConfirm    string   `json:"delete_confirm"`
		AfterDelete      []string `json:"after_delete"`
		A11y             []string `json:"a11y_checked"`
	}
	l.run(t, "users", &imp)
	t.Logf("users import: %+v", imp)

	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the list shows the seeded users", ok: slices.Equal(res.Listed, []string{"ada", "bob"})},
		{name: "search bob", ok: slices.Equal(res.SearchBob, []string{"bob"})},
		{name: "a bad extension names the field", ok: strings.Contains(res.BadExtension, "extensions[0]")},
		{name: "carol's row", ok: strings.Contains(res.CarolRow, "Carol Test") && strings.Contains(res.CarolRow, "301, 1301") && strings.Contains(res.CarolRow, "PJSIP/301")},
		{name: "the password is never shown", ok: !res.PasswordShown && !res.NewPasswordShown},
		{name: "a plain user's navigation (with the dialer ability)", ok: slices.Equal(res.NavBefore, []string{"Central Phone Book", "My calls", "Presence", "Chat", "Call groups", "Campaigns"})},
		{name: "an admin's navigation", ok: slices.Contains(res.NavAfter, "Users") && slices.Contains(res.NavAfter, "Audit log") && len(res.NavAfter) > 5},
		{name: "the edit dialog says a password is set", ok: strings.Contains(res.PasswordState, "A password is set")},
		{name: "a password mismatch", ok: strings.Contains(res.Mismatch, "differ")},
		{name: "setting the password ended her session", ok: res.SessionEnded},
		{name: "the focus returns to the redrawn row's button", ok: res.FocusAfterEdit == "Edit Carol Test"},
		{name: "a refused CSV lists its bad line and fields", ok: strings.Contains(imp.ImportErrors, "nothing was imported") &&
			strings.Contains(imp.ImportErrors, "line 3, email") && strings.Contains(imp.ImportErrors, "line 3, extensions")},
		{name: "the accepted CSV", ok: strings.Contains(imp.Imported, "2 users created")},
		{name: "endpoints imported", ok: strings.Contains(imp.EndpointsResult, "2 users created, 1 endpoints skipped") &&
			len(imp.EndpointsCreated) == 2 && len(imp.EndpointsSkipped) == 1 && strings.Contains(imp.EndpointsSkipped[0], "PJSIP/anonymous")},
		{name: "the delete confirmation", ok: strings.Contains(imp.DeleteConfirm, "Delete Dave?")},
		{name: "dave is gone from the list", ok: !slices.Contains(imp.AfterDelete, "dave") && slices.Contains(imp.AfterDelete, "erin")},
		{name: "axe ran in every state", ok: len(res.A11y) >= 5 && len(imp.A11y) >= 4},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v %+v", c.name, res, imp)
		}
	}

	// What the browser did, as the API sees it.
	carol := l.findUsers(t, "carol")
	if len(carol) != 1 {
		t.Fatalf("carol: %+v", carol)
	}
	c := carol[0]
	if c.DisplayName != "Carol Test" || c.Email != "carol@example.com" || c.Language != "de-CH" || c.Role != "admin" ||
		!slices.Equal(c.Abilities, []string{"dialer", "recordings"}) || !slices.Equal(c.Extensions, []string{"301", "1301"}) ||
		!slices.Equal(c.Devices.Endpoints, []string{"PJSIP/301"}) || !c.HasPassword {
		t.Errorf("carol as stored: %+v", c)
	}
	code, _ := l.login(t, "carol", "carol-pass-123")
	if code != http.StatusUnauthorized {
		t.Errorf("carol's first password still works: %d", code)
	}
	if code, _ := l.login(t, "carol", "carol-new-pass-1"); code != http.StatusOK {
		t.Errorf("carol's new password: %d", code)
	}
	if got := l.findUsers(t, "dave"); len(got) != 0 {
		t.Errorf("dave was not deleted: %+v", got)
	}
	if got := l.findUsers(t, "erin"); len(got) != 1 || got[0].Role != "supervisor" || !slices.Equal(got[0].Abilities, []string{"dialer"}) {
		t.Errorf("erin from the CSV: %+v", got)
	}
	for _, n := range []string{"201", "202"} {
		if got := l.findUsers(t, "PJSIP/"+n); len(got) != 1 || got[0].Username != n {
			t.Errorf("user of endpoint PJSIP/%s: %+v", n, got)
		}
	}
}

// TestConsoleUsersNoARI: without an ARI connection the endpoints import
// button is marked unavailable and says why.
func TestConsoleUsersNoARI(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	t.Setenv("USERS_PHASE", "noari")
	var res struct {
		AriaDisabled string `json:"endpoints_aria_disabled"`
		Hint         string `json:"endpoints_hint"`
		Alert        string `json:"alert"`
	}
	l.run(t, "users", &res)
	if res.AriaDisabled != "true" || !strings.Contains(res.Hint, "Unavailable") || !strings.Contains(res.Hint, "ari.url") || res.Alert != "" {
		t.Errorf("without ARI: %+v", res)
	}
}

// consoleSession is a signed-in user's session: a client keeping the
// cookie, and the CSRF token its changes need.
type consoleSession struct {
	client *http.Client
	csrf   string
}

// login signs username in through POST /api/v1/login and returns the
// status and, on 200, the session.
func (l *consoleLab) login(t *testing.T, username, password string) (int, *consoleSession) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := c.Post(l.base+"/api/v1/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, &consoleSession{client: c, csrf: out.CSRF}
}
