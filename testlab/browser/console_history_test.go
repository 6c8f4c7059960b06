package browser

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestConsoleCallHistory runs console/history.mjs against the daemon with
// the fake Asterisk: bob (one desk phone that answers by itself) opens My
// calls and finds an empty history; he calls 555 (Anna Muster in the
// phone book) from the page and hangs up: the call appears in the
// history with the directory's name. The Go side then places a call of
// his to a busy number: the page shows it without any action of bob's
// (the call_ended event refreshes it), unanswered with its cause. With
// ten more calls the history has two pages: older and newer calls page
// through them; the direction filter narrows the list and the CSV link
// carries the filters; the CSV downloads with its header row. axe runs in
// every state.
func TestConsoleCallHistory(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	l.ari.SetPeer("PJSIP/2001", fakeari.Desk{Never: true, AutoAnswer: true})
	l.ari.SetPeer("PJSIP/555", fakeari.Fixed{Outcome: fakeari.Answer})
	l.ari.SetPeer("PJSIP/556", fakeari.Fixed{Outcome: fakeari.Busy})
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"devices": map[string]any{"endpoints": []string{"PJSIP/2001"}}}, http.StatusOK, nil)
	l.apiJSON(t, "POST", "/api/v1/contacts", map[string]any{"first_name": "Anna", "last_name": "Muster",
		"numbers": []map[string]any{{"type": "work", "value": "555"}}}, http.StatusCreated, nil)

	// bob places calls to the busy 556 through the API (his own session)
	// and the test waits until his history holds want calls.
	busyCalls := func(n, want int) error {
		bob, err := l.signIn(l.user.Username, l.user.Password)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if code, b := bob.do("POST", "/api/v1/calls", `{"to":"556"}`); code != http.StatusAccepted {
				return fmt.Errorf("place: %d %s", code, b)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var page struct {
				Calls []struct{ ID string } `json:"calls"`
			}
			l.apiJSON(t, "GET", "/api/v1/calls/history?limit=100&user="+l.user.ID, nil, http.StatusOK, &page)
			if len(page.Calls) >= want {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the history holds %d calls, want %d", len(page.Calls), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	actions := map[string]func() error{
		"busy-call": func() error { return busyCalls(1, 2) },
		"ten-calls": func() error { return busyCalls(10, 12) },
	}
	var res struct {
		Empty        string   `json:"empty"`
		Party        string   `json:"party"`
		Direction    string   `json:"direction"`
		Result       string   `json:"result"`
		EventRows    int      `json:"rows_after_event"`
		BusyResult   string   `json:"busy_result"`
		Page1        int      `json:"page1_rows"`
		Page2        int      `json:"page2_rows"`
		Back         int      `json:"back_rows"`
		Summary      string   `json:"summary"`
		InboundEmpty string   `json:"inbound_empty"`
		CSVHref      string   `json:"csv_href"`
		CSVHeader    string   `json:"csv_header"`
		CSVLines     int      `json:"csv_lines"`
		A11y         []string `json:"a11y_checked"`
	}
	l.runLab(t, "history", actions, &res)
	t.Logf("history: %+v", res)

	checks := []struct {
		name string
		ok   bool
	}{
		{name: "an empty history says so", ok: res.Empty == "No ended calls."},
		{name: "the call with its directory name", ok: res.Party == "Anna Muster (555)"},
		{name: "direction and result", ok: res.Direction == "Outgoing" && res.Result == "Answered"},
		{name: "call_ended refreshed the history", ok: res.EventRows == 2},
		{name: "an unanswered call with its cause", ok: res.BusyResult == "Not answered: user busy (17)"},
		{name: "paging: 10 then 2 then 10 again", ok: res.Page1 == 10 && res.Page2 == 2 && res.Back == 10},
		{name: "the page summary", ok: strings.HasPrefix(res.Summary, "Page 1")},
		{name: "the direction filter", ok: res.InboundEmpty == "No ended calls."},
		{name: "the CSV link carries the filters", ok: strings.Contains(res.CSVHref, "/api/v1/calls/history/export?direction=inbound")},
		{name: "the CSV downloads with its header", ok: strings.HasPrefix(res.CSVHeader, "id,user_id,direction,from,from_name,to,to_name") && res.CSVLines == 13},
		{name: "axe in every state", ok: len(res.A11y) >= 5},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: page %+v", ch.name, res)
		}
	}
}

// session is a person signed in to the daemon over HTTP (cookie and CSRF
// token), for the Go side to act as them.
type session struct {
	base    string
	cookies []*http.Cookie
	csrf    string
}

// signIn signs username in through POST /api/v1/login.
func (l *consoleLab) signIn(username, password string) (*session, error) {
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := http.Post(l.base+"/api/v1/login", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&login); err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login %s: %d %v", username, resp.StatusCode, err)
	}
	return &session{base: l.base, cookies: resp.Cookies(), csrf: login.CSRF}, nil
}

// do sends a JSON request as the session's person.
func (s *session) do(method, path, body string) (int, []byte) {
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	for _, c := range s.cookies {
		req.AddCookie(c)
	}
	req.Header.Set("X-CSRF-Token", s.csrf)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
