package browser

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/agiclient"
)

// cidShown is what console/callerid.mjs reads off the page for a number.
type cidShown struct {
	Normalized  string            `json:"normalized"`
	Match       string            `json:"match"`
	MatchText   string            `json:"match_text"`
	Name        string            `json:"name"`
	Candidates  []string          `json:"candidates"`
	Settings    string            `json:"settings"`
	HTTPRequest string            `json:"http_request"`
	HTTPBody    string            `json:"http_body"`
	HTTPMatch   string            `json:"http_match"`
	AGIVars     map[string]string `json:"agi_vars"`
	AGICommands string            `json:"agi_commands"`
	SIPStatus   string            `json:"sip_status"`
	SIPDisplay  string            `json:"sip_display"`
	SIPContact  string            `json:"sip_contact"`
	SIPMatch    string            `json:"sip_match"`
}

// TestConsoleCallerID runs console/callerid.mjs with FastAGI and the SIP
// redirect server on, against a book with one contact and a number two
// contacts share, and checks what the page shows for each path against
// what the real /cid (an HTTP request) and the real FastAGI listener
// (testlab/agiclient, as Asterisk) answer for the same number.
func TestConsoleCallerID(t *testing.T) {
	l := startConsole(t, consoleOptions{config: func(c *config.Config) { c.SIP.Addr = "127.0.0.1:0" }})
	for _, c := range []map[string]any{
		{"first_name": "Amra", "last_name": "Hodžić", "numbers": []map[string]string{{"type": "mobile", "value": "061 111 222"}}},
		{"first_name": "Ena", "last_name": "Prva", "numbers": []map[string]string{{"type": "work", "value": "033 555 666"}}},
		{"first_name": "Ivo", "last_name": "Drugi", "numbers": []map[string]string{{"type": "work", "value": "+387 33 555 666"}}},
	} {
		c["scope"] = "global"
		l.apiJSON(t, "POST", "/api/v1/contacts", c, http.StatusCreated, nil)
	}
	var res struct {
		Exact     cidShown `json:"exact"`
		Named     cidShown `json:"named"`
		Miss      cidShown `json:"miss"`
		Ambiguous cidShown `json:"ambiguous"`
		Error     string   `json:"error"`
		A11y      []string `json:"a11y_checked"`
	}
	l.run(t, "callerid", &res)
	t.Logf("callerid: %+v", res)

	cases := []struct {
		name, number, current string
		shown                 cidShown
		match, normalized     string
		displayed             string // the name the page shows
		candidates            []string
		sipStatus             string
	}{
		{name: "exact", number: "061 111 222", shown: res.Exact, match: "exact", normalized: "+38761111222", displayed: "Amra Hodžić", sipStatus: "302 Moved Temporarily"},
		{name: "the call has a name", number: "061 111 222", current: "Reception", shown: res.Named, match: "exact", normalized: "+38761111222", displayed: "Amra Hodžić", sipStatus: "302 Moved Temporarily"},
		{name: "miss", number: "061 999 000", shown: res.Miss, match: "none", normalized: "+38761999000", displayed: "(no name)", sipStatus: "404 Not Found"},
		{name: "ambiguous", number: "033555666", shown: res.Ambiguous, match: "ambiguous", normalized: "+38733555666", displayed: "(no name)",
			candidates: []string{"Ena Prva (local)", "Ivo Drugi (local)"}, sipStatus: "404 Not Found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.shown
			if s.Match != c.match || s.Normalized != c.normalized || s.Name != c.displayed || !strings.HasPrefix(s.MatchText, c.match) {
				t.Errorf("summary: %+v", s)
			}
			if got := slices.Sorted(slices.Values(s.Candidates)); !slices.Equal(got, c.candidates) {
				t.Errorf("candidates %q, want %q", got, c.candidates)
			}
			if !strings.Contains(s.Settings, "weak") || !strings.Contains(s.Settings, "100 ms") {
				t.Errorf("settings: %q", s.Settings)
			}

			// HTTP: what the page shows is what /cid answers.
			resp, err := http.Get(l.base + "/cid?number=" + url.QueryEscape(c.number))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantBody := string(body)
			if wantBody == "" {
				wantBody = "(empty)"
			}
			if s.HTTPBody != wantBody || s.HTTPMatch != resp.Header.Get("X-Pbxagent-Match") || !strings.HasPrefix(s.HTTPRequest, "GET /cid?number=") {
				t.Errorf("http: page %q / %q, /cid %q / %q", s.HTTPBody, s.HTTPMatch, body, resp.Header.Get("X-Pbxagent-Match"))
			}

			// FastAGI: the variables the page lists are those the real
			// listener sets on an Asterisk-like session.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ar := agiclient.Run(ctx, agiclient.Config{Addr: l.d.AGIAddr(), CallerID: c.number, CallerIDName: c.current})
			if ar.Err != nil {
				t.Fatal(ar.Err)
			}
			if !maps.Equal(s.AGIVars, ar.Set) || strings.Join(ar.Commands, "\n") != s.AGICommands {
				t.Errorf("agi: page %v %q, listener %v %q", s.AGIVars, s.AGICommands, ar.Set, ar.Commands)
			}
			if _, named := s.AGIVars["CALLERID(name)"]; named != (c.match == "exact" && c.current == "") {
				t.Errorf("agi: CALLERID(name) set: %v", s.AGIVars)
			}

			// SIP: the redirect server's answer.
			if s.SIPStatus != c.sipStatus || s.SIPMatch != c.match {
				t.Errorf("sip: %q %q", s.SIPStatus, s.SIPMatch)
			}
			if c.match == "exact" && (s.SIPDisplay != "Amra Hodžić" || !strings.HasPrefix(s.SIPContact, `"Amra Hodžić" <`)) {
				t.Errorf("sip contact: %q %q", s.SIPDisplay, s.SIPContact)
			}
		})
	}
	if !strings.Contains(res.Error, "number") || !strings.Contains(res.Error, "64") {
		t.Errorf("refused number: %q", res.Error)
	}
	if len(res.A11y) < 7 {
		t.Errorf("axe ran on %d states: %q", len(res.A11y), res.A11y)
	}
}
