package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestConsoleAudit makes entries through the API (twelve contacts, a
// refused user, a merge import, an app with the admin token; an origin
// with ada's session), then runs console/audit.mjs: each filter finds
// what it should, paging by ten, an entry's details, the live refresh.
func TestConsoleAudit(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	for i := range 12 {
		l.apiJSON(t, "POST", "/api/v1/contacts", map[string]any{"scope": "global", "first_name": fmt.Sprintf("Audit%02d", i),
			"numbers": []map[string]string{{"type": "work", "value": fmt.Sprintf("033 100 %03d", i)}}}, http.StatusCreated, nil)
	}
	l.apiJSON(t, "POST", "/api/v1/users", map[string]any{"username": "bad name!"}, http.StatusBadRequest, nil)
	if code, b := l.api(t, "POST", "/api/v1/contacts/import?mode=merge", "text/csv", []byte("Imp,,Orted,,,work:+38733000222\n")); code != http.StatusOK {
		t.Fatalf("merge import: %d %s", code, b)
	}
	l.apiJSON(t, "POST", "/api/v1/apps", map[string]any{"name": "Audit App", "type": "confidential", "scopes": []string{"hotel"},
		"grant_types": []string{"client_credentials"}}, http.StatusCreated, nil)
	code, sess := l.login(t, l.admin.Username, l.admin.Password)
	if code != http.StatusOK {
		t.Fatalf("ada's session: %d", code)
	}
	req, _ := http.NewRequest("POST", l.base+"/api/v1/cors-origins", bytes.NewReader([]byte(`{"origin":"https://ada.example.com"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", sess.csrf)
	resp, err := sess.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("ada adds an origin: %d", resp.StatusCode)
	}

	var res struct {
		All          []string `json:"all"`
		Page1        []string `json:"contacts_page1"`
		Page2        []string `json:"contacts_page2"`
		Page2Summary string   `json:"page2_summary"`
		Back         int      `json:"contacts_back"`
		Errors       []string `json:"errors"`
		ByAda        []string `json:"by_ada"`
		ByUser       []string `json:"by_user_object"`
		Future       bool     `json:"future"`
		UntilFuture  int      `json:"until_future"`
		Details      string   `json:"import_details"`
		LiveSeen     bool     `json:"live_seen"`
		A11y         []string `json:"a11y_checked"`
	}
	l.run(t, "audit", &res)
	t.Logf("audit: %+v", res)
	only := func(list []string, want string) bool {
		return len(list) > 0 && !slices.ContainsFunc(list, func(a string) bool { return a != want })
	}
	// Entries on the first page, newest first: the browser's sign-in,
	// ada's origin and her sign-in, the app, the import, the refused user,
	// 12 contacts, the two users of the lab.
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "newest first", ok: slices.Equal(res.All[:min(6, len(res.All))], []string{"login.create", "cors-origin.create", "login.create", "app.create", "import.merge", "user.create"}) && len(res.All) == 20},
		{name: "action filter, paged by 10", ok: len(res.Page1) == 10 && only(res.Page1, "contact.create") && len(res.Page2) == 2 && only(res.Page2, "contact.create") &&
			strings.HasPrefix(res.Page2Summary, "Page 2") && res.Back == 10},
		{name: "result filter", ok: slices.Equal(res.Errors, []string{"user.create invalid"})},
		{name: "actor filter", ok: slices.Equal(res.ByAda, []string{"cors-origin.create"})},
		{name: "object filter", ok: only(res.ByUser, "user.create") && len(res.ByUser) == 3},
		{name: "since in the future finds nothing", ok: res.Future},
		{name: "until in the future finds everything", ok: res.UntilFuture == 20},
		{name: "the import's details", ok: strings.Contains(res.Details, "import.merge") && strings.Contains(res.Details, "admin_token") && strings.Contains(res.Details, "mode")},
		{name: "live refresh", ok: res.LiveSeen},
		{name: "axe ran in every state", ok: len(res.A11y) >= 5},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	var page struct {
		Entries []json.RawMessage `json:"entries"`
	}
	l.apiJSON(t, "GET", "/api/v1/audit?action=cors-origin.create", nil, http.StatusOK, &page)
	if len(page.Entries) != 2 {
		t.Errorf("origins added: %d entries, want ada's and the live one", len(page.Entries))
	}
}
