package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestConsoleWallboard runs console/wallboard.mjs against the daemon with
// the real call groups (ACD, statistics, the calls engine's group side)
// and the fake Asterisk: ada (admin) makes a wallboard of group sales,
// monitors bob, its only member, makes the wall screen's link and opens
// it in a second page; then the Go side sends callers into
// Stasis(pbxagent-calls,group,sales), bob's phone rings and is picked up,
// callers hang up, and both boards must follow: the caller waiting in red
// with the wait ticking, bob's icon ringing then talking then available,
// the queue's incoming, answered and abandoned counters, bob's calls and
// the time since his last call, the SLA colour; "since I connected"
// counts from the board's opening. Revoking the link stops the screen.
func TestConsoleWallboard(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	const desk = "PJSIP/2001"
	l.ari.SetPeer(desk, fakeari.Desk{Manual: true})
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"devices": map[string]any{"endpoints": []string{desk}}}, http.StatusOK, nil)
	// bob's phone registers; presence follows the users' endpoints from
	// its next ARI connection (it subscribes to them when it connects).
	l.ari.SetEndpointState(desk, "online")
	l.ari.DropWebSockets()
	l.apiJSON(t, "POST", "/api/v1/callgroups", map[string]any{"id": "sales", "name": "Sales", "strategy": "ringall", "ring_timeout": 60,
		"sla_threshold": 20, "sla_target": 80, "members": []map[string]any{{"user_id": l.user.ID, "penalty": 0}}}, http.StatusCreated, nil)

	callers := map[string]string{} // name → channel id
	enter := func(name, number string) func() error {
		return func() error {
			id, err := l.ari.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: number, CallerName: name, Exten: "600",
				Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "sales"}})
			callers[name] = id
			return err
		}
	}
	hangup := func(name string) func() error {
		return func() error {
			if !l.ari.Hangup(callers[name], 16) {
				return fmt.Errorf("no caller %s (%s)", name, callers[name])
			}
			return nil
		}
	}
	actions := map[string]func() error{
		"first-caller": enter("Contoso", "+41445551234"),
		// bob picks up the ringing desk phone.
		"bob-answers": func() error {
			for _, ch := range l.ari.Channels() {
				if ch.Endpoint == desk && !ch.Destroyed {
					return l.ari.PickUp(ch.ID)
				}
			}
			return fmt.Errorf("%s is not ringing: %+v", desk, l.ari.Channels())
		},
		"first-hangs-up":  hangup("Contoso"),
		"second-caller":   enter("Fabrikam", "+41445559876"),
		"second-hangs-up": hangup("Fabrikam"),
		"third-caller":    enter("Northwind", "+41445550000"),
	}
	var res struct {
		Empty       map[string]string `json:"empty"`
		Agent       string            `json:"agent_row"`
		TVTitle     string            `json:"tv_title"`
		Waiting     string            `json:"waiting"`
		Waits       []string          `json:"waits"`
		Ringing     string            `json:"ringing"`
		Talking     map[string]string `json:"talking"`
		After       map[string]string `json:"after_call"`
		Abandoned   map[string]string `json:"abandoned"`
		Console     map[string]string `json:"console"`
		Connect     map[string]string `json:"connect"`
		Midnight    map[string]string `json:"midnight"`
		Revoked     string            `json:"revoked"`
		TokenInPath bool              `json:"token_in_request_path"`
		A11y        []string          `json:"a11y_checked"`
	}
	l.runLab(t, "wallboard", actions, &res)
	t.Logf("wallboard: %+v", res)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the new board: nothing yet, no colour", ok: res.Empty["received"] == "0" && res.Empty["waiting"] == "0" && res.Empty["colour"] == "none"},
		{name: "bob monitored, available", ok: strings.Contains(res.Agent, "Bob") && strings.Contains(res.Agent, "Available")},
		{name: "the screen shows the board", ok: strings.Contains(res.TVTitle, "Floor")},
		{name: "the caller waits in red below the table", ok: strings.Contains(res.Waiting, "Contoso") && strings.Contains(res.Waiting, "Sales")},
		{name: "the wait ticks", ok: len(res.Waits) == 2 && res.Waits[0] != res.Waits[1]},
		{name: "bob's phone rings: incoming call", ok: strings.Contains(res.Ringing, "Incoming call")},
		{name: "answered: talking, nobody waiting, counted", ok: strings.Contains(res.Talking["state"], "Talking") && res.Talking["waiting"] == "0" &&
			res.Talking["received"] == "1" && res.Talking["answered"] == "1"},
		{name: "answered within the SLA: green", ok: res.Talking["colour"] == "green" && strings.Contains(res.Talking["sla"], "100.0 %")},
		{name: "hung up: bob free again, one call, time since it", ok: res.After["calls"] == "1" && res.After["state"] != "talking" && res.After["since"] != "" && res.After["since"] != "none today"},
		{name: "an abandon: counted, not waiting", ok: res.Abandoned["abandoned"] == "1" && res.Abandoned["received"] == "2" && res.Abandoned["waiting"] == "0"},
		{name: "the console's board follows too", ok: res.Console["received"] == "2" && res.Console["calls"] == "1"},
		{name: "since I connected: from the board's opening", ok: res.Connect["received"] == "0" && res.Connect["calls"] == "0" && res.Connect["colour"] == "none"},
		{name: "back to since midnight", ok: res.Midnight["received"] == "2"},
		{name: "a revoked link stops the screen", ok: res.Revoked != ""},
		{name: "the token never in a request's path or query", ok: !res.TokenInPath},
		{name: "axe in every state", ok: len(res.A11y) >= 4},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	// The statistics the boards showed, through the API.
	var st struct {
		Received  int `json:"received"`
		Answered  int `json:"answered"`
		Abandoned int `json:"abandoned"`
	}
	l.apiJSON(t, "GET", "/api/v1/callgroups/sales/stats", nil, http.StatusOK, &st)
	if st.Received != 3 || st.Answered != 1 || st.Abandoned != 1 { // the third caller still waits
		t.Errorf("the group's statistics %+v", st)
	}
}
