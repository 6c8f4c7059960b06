package browser

import (
	"net/http"
	"strings"
	"testing"
)

// TestConsolePresence runs console/presence.mjs: bob sets Do not disturb
// with a message (the API then shows it), a bad user id is refused with
// the field named, ada's change reaches bob's page live, and he stops
// following her; axe runs in each state.
func TestConsolePresence(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	var out struct {
		Initial     string   `json:"initial"`
		Current     string   `json:"current"`
		BadError    string   `json:"bad_error"`
		Row         string   `json:"row"`
		Socket      string   `json:"socket"`
		AfterRemove int      `json:"after_remove"`
		A11y        []string `json:"a11y_checked"`
	}
	l.run(t, "presence", &out)
	t.Logf("presence: %+v", out)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "available at first", ok: strings.Contains(out.Initial, "Available")},
		{name: "do not disturb with the message", ok: strings.Contains(out.Current, "Do not disturb") && strings.Contains(out.Current, "Board meeting")},
		{name: "a bad id names the field", ok: strings.Contains(out.BadError, "users[0]")},
		{name: "ada's change shown", ok: strings.Contains(out.Row, "Away") && strings.Contains(out.Row, "Lunch")},
		{name: "unfollowed", ok: out.AfterRemove == 0},
		{name: "axe ran in every state", ok: len(out.A11y) >= 3},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
	var got struct {
		Items []struct {
			State   string `json:"state"`
			Message string `json:"message"`
		} `json:"items"`
	}
	l.apiJSON(t, "GET", "/api/v1/presence?users="+l.user.ID, nil, http.StatusOK, &got)
	if len(got.Items) != 1 || got.Items[0].State != "dnd" || got.Items[0].Message != "Board meeting" {
		t.Errorf("bob's presence through the API: %+v", got)
	}
}
