package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestConsoleCallGroups runs console/callgroups.mjs against the daemon
// with the fake Asterisk (bob's phone registered, so that his state is
// available rather than offline): ada creates the group sales through the
// form (a bad number is refused, the field named), bob joins it, pauses
// himself and sees his state change, a supervisor's unpause reaches his
// page live, and he leaves. The test checks through the API what the
// form configured.
func TestConsoleCallGroups(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"devices": map[string]any{"endpoints": []string{"PJSIP/2001"}}}, http.StatusOK, nil)
	// bob's phone registers; presence follows the users' endpoints from
	// its next ARI (re)connection, which dropping the socket brings.
	l.ari.SetEndpointState("PJSIP/2001", "online")
	l.ari.DropWebSockets()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var p struct {
			Items []struct {
				Registered bool `json:"registered"`
			} `json:"items"`
		}
		l.apiJSON(t, "GET", "/api/v1/presence?users="+l.user.ID, nil, http.StatusOK, &p)
		if len(p.Items) == 1 && p.Items[0].Registered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's phone is not registered in presence: %+v", p)
		}
		time.Sleep(20 * time.Millisecond) // polling an eventual state, bounded by the deadline
	}
	var out struct {
		AdminEmpty   string   `json:"admin_empty"`
		FormError    string   `json:"form_error"`
		AdminRow     string   `json:"admin_row"`
		AdminMembers string   `json:"admin_members"`
		UserEmpty    string   `json:"user_empty"`
		JoinedRow    string   `json:"joined_row"`
		PausedRow    string   `json:"paused_row"`
		PausedColour string   `json:"paused_state_colour"`
		ResumedRow   string   `json:"resumed_row"`
		Socket       string   `json:"socket"`
		AfterLeave   bool     `json:"after_leave"`
		WaitingRow   string   `json:"waiting_row"`
		WaitTicked   []string `json:"wait_ticked"`
		WaitColour   string   `json:"wait_colour"`
		ListWaiting  string   `json:"list_waiting"`
		ActiveRow    string   `json:"active_row"`
		AfterCall    string   `json:"after_call_row"`
		A11y         []string `json:"a11y_checked"`
	}
	// bob's desk phone rings until the test picks it up; a caller from
	// the trunk is sent into the group as the dialplan would.
	l.ari.SetPeer("PJSIP/2001", fakeari.Desk{Manual: true})
	var caller string
	actions := map[string]func() error{
		"caller": func() (err error) {
			caller, err = l.ari.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: "+41445551234", CallerName: "Contoso AG",
				Exten: "600", Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "sales"}})
			return err
		},
		"answer": func() error {
			for _, ch := range l.ari.Channels() {
				if ch.Endpoint == "PJSIP/2001" && !ch.Destroyed {
					return l.ari.PickUp(ch.ID)
				}
			}
			return fmt.Errorf("bob's phone is not ringing: %+v", l.ari.Channels())
		},
		"hangup": func() error {
			if !l.ari.Hangup(caller, 16) {
				return fmt.Errorf("no caller %s to hang up", caller)
			}
			return nil
		},
	}
	l.runLab(t, "callgroups", actions, &out)
	t.Logf("callgroups: %+v", out)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the admin sees no group at first", ok: strings.Contains(out.AdminEmpty, "There is no call group yet.")},
		{name: "a bad number names the field", ok: strings.Contains(out.FormError, "numbers[1]")},
		{name: "the group listed with its numbers and strategy", ok: strings.Contains(out.AdminRow, "Sales") && strings.Contains(out.AdminRow, "600, +41445550600") && strings.Contains(out.AdminRow, "Linear")},
		{name: "the static member shown", ok: strings.Contains(out.AdminMembers, "Ada (you)") && strings.Contains(out.AdminMembers, "Static")},
		{name: "bob sees no group before joining", ok: strings.Contains(out.UserEmpty, "You are a member of no call group")},
		{name: "bob joined, available", ok: strings.Contains(out.JoinedRow, "Bob (you)") && strings.Contains(out.JoinedRow, "Available") && strings.Contains(out.JoinedRow, "Joined")},
		{name: "bob paused with the reason", ok: strings.Contains(out.PausedRow, "Paused: lunch") && strings.Contains(out.PausedRow, "Resume")},
		{name: "the paused shape has its colour", ok: out.PausedColour == "rgb(122, 92, 0)"},
		{name: "resumed live", ok: strings.Contains(out.ResumedRow, "Available") && !strings.Contains(out.ResumedRow, "lunch")},
		{name: "the page follows the events socket", ok: out.Socket == "open"},
		{name: "the caller waits, first in line, with name and number", ok: strings.HasPrefix(out.WaitingRow, "1 Contoso AG +41445551234") && strings.Contains(out.WaitingRow, "Bob")},
		{name: "the wait ticks", ok: len(out.WaitTicked) == 2 && out.WaitTicked[0] != out.WaitTicked[1]},
		{name: "the wait is red", ok: out.WaitColour == "rgb(180, 35, 24)"},
		{name: "the list counts the caller", ok: strings.Contains(out.ListWaiting, "Sales sales 600, +41445550600 Linear 1 0:0")},
		{name: "the answered call with the member", ok: strings.Contains(out.ActiveRow, "Contoso AG +41445551234 Bob")},
		{name: "bob available again, a call taken today", ok: strings.Contains(out.AfterCall, "Available") && strings.Contains(out.AfterCall, "Joined 1")},
		{name: "bob left: the group is no longer shown", ok: out.AfterLeave},
		{name: "axe ran in every state", ok: len(out.A11y) >= 6},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
	var g struct {
		Group struct {
			Strategy     string   `json:"strategy"`
			RingTimeout  int      `json:"ring_timeout"`
			SLAThreshold int      `json:"sla_threshold"`
			JoinEmpty    []string `json:"join_empty"`
			Members      []struct {
				UserID  string `json:"user_id"`
				Penalty int    `json:"penalty"`
				Dynamic bool   `json:"dynamic"`
			} `json:"members"`
		} `json:"group"`
	}
	l.apiJSON(t, "GET", "/api/v1/callgroups/sales", nil, http.StatusOK, &g)
	m := g.Group.Members
	if g.Group.Strategy != "linear" || g.Group.RingTimeout != 20 || g.Group.SLAThreshold != 30 || strings.Join(g.Group.JoinEmpty, ",") != "unavailable" ||
		len(m) != 1 || m[0].UserID != l.admin.ID || m[0].Penalty != 1 || m[0].Dynamic {
		t.Errorf("the group as configured: %+v", g)
	}
}
