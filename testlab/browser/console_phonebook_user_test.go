package browser

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestConsolePhonebookUser runs console/phonebook-user.mjs as a plain user
// on a global book of 1200 contacts (over the 1000 rows a search shows).
func TestConsolePhonebookUser(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	var csv strings.Builder
	for i := range 1200 {
		fmt.Fprintf(&csv, "Person %04d,,Global,,Co %d,work:+3876110%04d\n", i, i%7, i)
	}
	if code, b := l.api(t, "POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte(csv.String())); code != 200 {
		t.Fatalf("seed: %d %s", code, b)
	}
	var res struct {
		Rows             int      `json:"rows"`
		Summary          string   `json:"summary"`
		GlobalButtons    []string `json:"global_buttons"`
		GlobalLinks      []string `json:"global_links"`
		Narrowed         string   `json:"narrowed"`
		Personal         []string `json:"personal"`
		FocusAfterEscape string   `json:"focus_after_escape"`
		FocusAfterSave   string   `json:"focus_after_save"`
	}
	l.run(t, "phonebook-user", &res)
	t.Logf("phonebook as a user: %+v", res)
	if res.Rows != 1000 || !strings.Contains(res.Summary, "first 1000") || !strings.Contains(res.Summary, "Narrow the search") {
		t.Errorf("1200 contacts: %d rows, summary %q; want 1000 rows and the line asking to narrow the search", res.Rows, res.Summary)
	}
	if !slices.Equal(res.GlobalButtons, []string{"Search"}) || len(res.GlobalLinks) != 0 {
		t.Errorf("a user's global book has buttons %q and links %q; want the search alone (read-only, no CSV)", res.GlobalButtons, res.GlobalLinks)
	}
	if res.Narrowed != "1 contact." {
		t.Errorf("narrowed search: %q", res.Narrowed)
	}
	if len(res.Personal) != 1 || !strings.Contains(res.Personal[0], "Mine Co") {
		t.Errorf("personal book: %q", res.Personal)
	}
	if res.FocusAfterEscape != "Delete Mine Only" {
		t.Errorf("after Escape the focus is on %q, want the button that opened the dialog", res.FocusAfterEscape)
	}
	if res.FocusAfterSave != "Edit Mine Only" {
		t.Errorf("after saving, the focus is on %q, want the saved contact's Edit button", res.FocusAfterSave)
	}
	// The contact is the user's own, as the API sees it.
	var page struct {
		Contacts []struct {
			Scope, Owner, Company string
		} `json:"contacts"`
	}
	l.apiJSON(t, "GET", "/api/v1/contacts?q=Mine&scope=personal", nil, http.StatusOK, &page)
	if len(page.Contacts) != 1 || page.Contacts[0].Owner != l.user.ID || page.Contacts[0].Company != "Mine Co" {
		t.Errorf("the personal contact: %+v (user %s)", page.Contacts, l.user.ID)
	}
}
