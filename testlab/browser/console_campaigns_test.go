package browser

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestConsoleCampaigns runs console/campaigns.mjs against the daemon with
// the fake Asterisk: the page creates a campaign (after a refused
// setting), uploads leads (a rejected file, then one with a duplicate),
// and starts it; the Go side logs an agent in and, when the page has shown
// the call, hangs the customer up, so the page must show the agent's state
// and the counters change live (ready, talking, wrap-up; dialed, answered,
// connected). The page then pauses and stops the campaign through the
// confirmation, edits a setting and works the do-not-call list; leaving
// the page ends the stream, and without the stream the page polls; a
// plain user with the dialer ability sees the campaign live. The
// test checks through the API what the browser did.
func TestConsoleCampaigns(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	// A plain user with the dialer ability: the page is theirs too.
	l.apiJSON(t, "POST", "/api/v1/users", map[string]any{"username": "cara", "password": dialerPassword, "role": "user",
		"abilities": []string{"dialer"}, "display_name": "Cara"}, http.StatusCreated, nil)
	// Agents' phones answer at once; customers answer after a short ring
	// and stay on the line until the test hangs them up.
	l.ari.SetPeer("PJSIP/agent", fakeari.Agent{AnswerAfter: 10 * time.Millisecond})
	l.ari.SetPeer("PJSIP/+387", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 50 * time.Millisecond})

	actions := map[string]func() error{
		// The agent logs in to the campaign the page created.
		"agent-login": func() error {
			code, b := l.api(t, "POST", "/api/v1/agents/1001/login", "application/json", []byte(`{"campaign":"spring","endpoint":"PJSIP/agent1001"}`))
			if code != http.StatusOK {
				return fmt.Errorf("login: %d %s", code, b)
			}
			return nil
		},
		// The customer the agent is talking to hangs up.
		"customer-hangup": func() error {
			for _, ch := range l.ari.Channels() {
				if strings.HasPrefix(ch.Endpoint, "PJSIP/+387") && ch.State == "Up" {
					if !l.ari.Hangup(ch.ID, 16) {
						return fmt.Errorf("hang up %s: gone", ch.ID)
					}
					return nil
				}
			}
			return fmt.Errorf("no answered customer channel among %+v", l.ari.Channels())
		},
	}
	var res struct {
		FormError     string   `json:"form_error"`
		Rejected      []string `json:"rejected"`
		Uploaded      string   `json:"uploaded"`
		Skipped       []string `json:"skipped"`
		Leads         []string `json:"leads"`
		AgentStates   []string `json:"agent_states"`
		Talking       counters `json:"talking"`
		DeleteRefused string   `json:"delete_refused"`
		Ended         counters `json:"ended"`
		Outcomes      []string `json:"outcomes"`
		States        []string `json:"states"`
		StopDialog    string   `json:"stop_dialog"`
		EditedName    string   `json:"edited_name"`
		DNCListed     []string `json:"dnc_listed"`
		DNCAfter      []string `json:"dnc_after_remove"`
		StreamClosed  bool     `json:"stream_closed"`
		Polling       string   `json:"polling"`
		LeadAfterCall string   `json:"lead_after_call"`
		DialerNav     []string `json:"dialer_user_nav"`
		DialerSees    string   `json:"dialer_user_sees"`
		A11y          []string `json:"a11y_checked"`
	}
	l.runLab(t, "campaigns", actions, &res)
	t.Logf("campaigns: %+v", res)

	var got struct {
		Config struct {
			Name          string `json:"name"`
			Mode          string `json:"mode"`
			MaxChannels   int    `json:"max_channels"`
			CallerID      string `json:"caller_id"`
			DefaultRegion string `json:"default_region"`
			DialTimeout   string `json:"dial_timeout"`
			WrapUp        string `json:"wrap_up"`
			InfoMessage   string `json:"info_message"`
			Window        struct {
				Start, End string
				DefaultTZ  string `json:"default_tz"`
			} `json:"window"`
		} `json:"config"`
		State string `json:"state"`
		Stats struct {
			Dialed, Answered, Connected int
		} `json:"stats"`
	}
	l.apiJSON(t, "GET", "/api/v1/campaigns/spring", nil, http.StatusOK, &got)
	var leads struct {
		Total int `json:"total"`
		Leads []struct {
			Number, Status string
			LastOutcome    string `json:"last_outcome"`
		} `json:"leads"`
	}
	l.apiJSON(t, "GET", "/api/v1/campaigns/spring/leads", nil, http.StatusOK, &leads)
	var dnc struct {
		Numbers []struct{ Number string } `json:"numbers"`
	}
	l.apiJSON(t, "GET", "/api/v1/dnc", nil, http.StatusOK, &dnc)

	c := got.Config
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "a refused setting is named in the dialog", ok: strings.Contains(res.FormError, "dial_timeout")},
		{name: "a rejected file lists each bad line", ok: len(res.Rejected) == 2 && strings.Contains(res.Rejected[0], "line 3 column number") && strings.Contains(res.Rejected[1], "line 5")},
		{name: "upload outcome", ok: res.Uploaded == "3 leads received: 2 added, 1 skipped."},
		{name: "the duplicate's line", ok: len(res.Skipped) == 1 && strings.Contains(res.Skipped[0], "Line 4") && strings.Contains(res.Skipped[0], "+38761100001")},
		{name: "leads shown", ok: len(res.Leads) == 2 && res.Leads[0] == "+38761100001" && res.Leads[1] == "+38761100002"},
		{name: "agent states seen live", ok: strings.Join(res.AgentStates, ",") == "Ready,Talking,Wrap-up"},
		{name: "counters while talking", ok: res.Talking.Dialed == "1" && res.Talking.Answered == "1" && res.Talking.Connected == "1"},
		{name: "delete refused while running", ok: strings.Contains(res.DeleteRefused, "is running")},
		{name: "outcome after the hang-up", ok: len(res.Outcomes) == 1 && res.Outcomes[0] == "Connected: 1"},
		{name: "time to agent shown", ok: strings.HasPrefix(res.Ended.TimeToAgent, "median ") && strings.Contains(res.Ended.TimeToAgent, "longest")},
		{name: "states through the page", ok: strings.Join(res.States, ",") == "Stopped,Running,Paused,Stopped"},
		{name: "the called lead is done, connected", ok: strings.Contains(res.LeadAfterCall, "Done") && strings.Contains(res.LeadAfterCall, "Connected")},
		{name: "stop asked first", ok: strings.Contains(res.StopDialog, "Stop campaign spring?")},
		{name: "edited name", ok: res.EditedName == "Campaign Spring 2027"},
		{name: "DNC listed", ok: strings.Join(res.DNCListed, ",") == "+38761100008,+38761100009"},
		{name: "DNC after remove", ok: strings.Join(res.DNCAfter, ",") == "+38761100008"},
		{name: "the stream ends when the page is left", ok: res.StreamClosed},
		{name: "polling while the stream is down", ok: strings.HasPrefix(res.Polling, "The live stream is unavailable")},
		{name: "a dialer user's navigation", ok: slices.Equal(res.DialerNav, []string{"Central Phone Book", "My calls", "Presence", "Chat", "Call groups", "Campaigns"})},
		{name: "a dialer user sees the campaign live", ok: res.DialerSees == "Spring 2027 (spring)"},
		{name: "axe in every state", ok: len(res.A11y) >= 16},
		// Through the API.
		{name: "API: settings", ok: c.Name == "Spring 2027" && c.Mode == "progressive" && c.MaxChannels == 2 && c.CallerID == "+38733000111" &&
			c.DefaultRegion == "BA" && c.DialTimeout == "20s" && c.WrapUp == "1m0s" && c.InfoMessage == "sound:custom/sorry" &&
			c.Window.Start == "00:00" && c.Window.End == "24:00" && c.Window.DefaultTZ == "Europe/Sarajevo"},
		{name: "API: stopped", ok: got.State == "stopped"},
		{name: "API: counters", ok: got.Stats.Dialed == 1 && got.Stats.Answered == 1 && got.Stats.Connected == 1},
		{name: "API: leads", ok: leads.Total == 2 && leads.Leads[0].Status == "done" && leads.Leads[0].LastOutcome == "connected" && leads.Leads[1].Status == "pending"},
		{name: "API: do-not-call list", ok: len(dnc.Numbers) == 1 && dnc.Numbers[0].Number == "+38761100008"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: page %+v; API %+v, leads %+v, dnc %+v", ch.name, res, got, leads, dnc)
		}
	}
}

// dialerPassword is the password of cara, the user with the dialer ability.
const dialerPassword = "cara-console-pass"

// labTimeout bounds a runLab script: the campaigns script goes through
// about twenty states (15-20 s alone, more on a loaded machine).
const labTimeout = 60 * time.Second

// counters are the campaign's figures as the page shows them.
type counters struct {
	Dialed      string `json:"dialed"`
	Answered    string `json:"answered"`
	Connected   string `json:"connected"`
	TimeToAgent string `json:"time_to_agent"`
}

// runLab runs console/<script>.mjs like run, and serves the script's
// requests to the Go side: a line "LAB <action>" on its stdout runs
// actions[action] and answers "ok" (or "error: …") on its stdin, so a
// script can wait for the page, then have the test drive the fake
// Asterisk, in order and without sleeps.
func (l *consoleLab) runLab(t *testing.T, script string, actions map[string]func() error, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labTimeout)
	defer cancel()
	cmd := l.script(ctx, t, script, "DIALER_USER=cara", "DIALER_PASSWORD="+dialerPassword)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var result []byte
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		action, ok := strings.CutPrefix(line, "LAB ")
		if !ok {
			result = append(result[:0], line...)
			continue
		}
		reply := "ok"
		if f := actions[action]; f == nil {
			reply = "error: no action " + action
		} else if err := f(); err != nil {
			reply = "error: " + err.Error()
		}
		t.Logf("console/%s.mjs asked %s: %s (%v)", script, action, reply, time.Since(start).Round(10*time.Millisecond))
		if _, err := io.WriteString(stdin, reply+"\n"); err != nil {
			t.Errorf("answer %s: %v", action, err)
		}
	}
	_ = stdin.Close()
	scriptDone(ctx, t, script, start, cmd.Wait(), &stderr)
	scriptResult(t, script, result, out)
}

// TestConsoleCampaignsDialerOff: without ari.url the dialer's routes are
// not there; the page says why instead of showing their 404.
func TestConsoleCampaignsDialerOff(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	var res struct {
		Notice       string `json:"notice"`
		Alert        string `json:"alert"`
		CreateHidden bool   `json:"create_hidden"`
	}
	l.run(t, "campaigns-off", &res)
	if !strings.Contains(res.Notice, "The dialer is off") || !strings.Contains(res.Notice, "ari.url") {
		t.Errorf("notice %q", res.Notice)
	}
	if res.Alert != "" {
		t.Errorf("an error is shown: %q", res.Alert)
	}
	if !res.CreateHidden {
		t.Error("New campaign is offered without the dialer")
	}
}
