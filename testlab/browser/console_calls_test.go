package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestConsoleCalls runs console/calls.mjs against the daemon with the fake
// Asterisk: bob, a plain user with two desk phones, opens My calls, is
// told why a bad number is refused, then calls 555 from his first phone;
// the Go side picks that phone up when the page shows the call, the
// destination answers, and the page must show the call up, hold and
// resume it, record it and stop the recording, send digits from the keypad dialog (a refused digit first)
// and hang it up, the list following live. Leaving the page closes the
// events socket and ends the polling. The test checks through the API
// and the fake Asterisk what the browser did.
func TestConsoleCalls(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	// bob's desk phones ring until the test picks one up; the
	// destination answers after a short ring and stays on the line.
	l.ari.SetPeer("PJSIP/2001", fakeari.Desk{Manual: true})
	l.ari.SetPeer("PJSIP/2002", fakeari.Desk{Manual: true})
	l.ari.SetPeer("PJSIP/555", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 50 * time.Millisecond})
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"devices": map[string]any{"endpoints": []string{"PJSIP/2001", "PJSIP/2002"}}}, http.StatusOK, nil)

	// far finds the destination's channel of the call to 555.
	far := func() (fakeari.ChannelSnapshot, error) {
		for _, ch := range l.ari.Channels() {
			if ch.Endpoint == "PJSIP/555" && !ch.Destroyed {
				return ch, nil
			}
		}
		return fakeari.ChannelSnapshot{}, fmt.Errorf("no channel to PJSIP/555 among %+v", l.ari.Channels())
	}
	var rung []string
	actions := map[string]func() error{
		// bob picks up the phone the page chose (only that one rings).
		"pickup": func() error {
			var pick string
			for _, ch := range l.ari.Channels() {
				if strings.HasPrefix(ch.Endpoint, "PJSIP/200") && !ch.Destroyed {
					rung = append(rung, ch.Endpoint)
					if ch.Endpoint == "PJSIP/2001" {
						pick = ch.ID
					}
				}
			}
			if pick == "" {
				return fmt.Errorf("PJSIP/2001 is not ringing: %+v", l.ari.Channels())
			}
			return l.ari.PickUp(pick)
		},
		// While the page shows the call held, the destination hears music.
		"far-held": func() error {
			ch, err := far()
			if err != nil {
				return err
			}
			if !ch.MOH && !ch.Hold {
				return fmt.Errorf("the destination is not on hold: %+v", ch)
			}
			return nil
		},
		// After the page resumed the call, the music stopped.
		"far-resumed": func() error {
			ch, err := far()
			if err != nil {
				return err
			}
			if ch.MOH || ch.Hold {
				return fmt.Errorf("the destination is still on hold: %+v", ch)
			}
			return nil
		},
		// While the page shows the call recorded, Asterisk records its
		// bridge (the recording is named after the call).
		"recording": func() error {
			ch, err := far()
			if err != nil {
				return err
			}
			name := strings.TrimSuffix(ch.ID, "-far") + "-1"
			if _, ok := l.ari.LiveRecordingState(name); !ok {
				return fmt.Errorf("no live recording %s", name)
			}
			return nil
		},
		// The digits sent from the keypad reached the destination.
		"far-dtmf": func() error {
			ch, err := far()
			if err != nil {
				return err
			}
			if ch.DTMFSent != "12#" {
				return fmt.Errorf("the destination got DTMF %q, want 12#", ch.DTMFSent)
			}
			return nil
		},
	}
	var res struct {
		Devices      []string `json:"devices"`
		PlaceError   string   `json:"place_error"`
		CallID       string   `json:"call_id"`
		Placed       string   `json:"placed"`
		Before       string   `json:"state_before_pickup"`
		States       []string `json:"states"`
		Other        string   `json:"other_party"`
		Duration     string   `json:"duration"`
		RecStarted   string   `json:"record_started"`
		RecStopped   string   `json:"record_stopped"`
		DigitsError  string   `json:"digits_error"`
		Sent         string   `json:"sent"`
		HungUp       string   `json:"hung_up"`
		Empty        string   `json:"empty"`
		SocketOpened bool     `json:"socket_opened"`
		SocketClosed bool     `json:"socket_closed"`
		PollAfter    int      `json:"polls_after_leaving"`
		A11y         []string `json:"a11y_checked"`
	}
	l.runLab(t, "calls", actions, &res)
	t.Logf("calls: %+v", res)

	var call struct {
		ID      string   `json:"id"`
		State   string   `json:"state"`
		To      string   `json:"to"`
		Device  string   `json:"device"`
		Devices []string `json:"devices"`
		EndedBy string   `json:"ended_by"`
		UserID  string   `json:"user_id"`
		Recs    []string `json:"recordings"`
	}
	if res.CallID != "" {
		l.apiJSON(t, "GET", "/api/v1/calls/"+res.CallID, nil, http.StatusOK, &call)
	}
	var live struct {
		Calls []struct{ ID string } `json:"calls"`
	}
	l.apiJSON(t, "GET", "/api/v1/calls", nil, http.StatusOK, &live)

	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the device choice lists bob's phones", ok: strings.Join(res.Devices, ",") == "All my phones at once,PJSIP/2001,PJSIP/2002"},
		{name: "a bad number's error names the field", ok: strings.Contains(res.PlaceError, "to")},
		{name: "the call placed", ok: res.CallID != "" && strings.Contains(res.Placed, "Calling 555")},
		{name: "the call shown before bob answers", ok: res.Before == "Calling your phone" || res.Before == "Ringing"},
		{name: "states through the page", ok: strings.Join(res.States, ",") == "Talking,On hold,Talking"},
		{name: "the other party and a duration", ok: res.Other == "555" && strings.Contains(res.Duration, ":")},
		{name: "recorded", ok: res.RecStarted == "Recording the call with 555." && res.RecStopped == "The recording of the call with 555 is stopped."},
		{name: "a refused digit is shown in the keypad dialog", ok: strings.Contains(res.DigitsError, "digits")},
		{name: "digits sent", ok: res.Sent == "Sent 12#."},
		{name: "hung up", ok: res.HungUp == "The call with 555 was hung up."},
		{name: "the list empty again", ok: res.Empty == "You have no live calls."},
		{name: "only the chosen phone rang", ok: strings.Join(rung, ",") == "PJSIP/2001"},
		{name: "the events socket is closed when the page is left", ok: !res.SocketOpened || res.SocketClosed},
		{name: "no polling once the page is left", ok: res.PollAfter == 0},
		{name: "axe in every state", ok: len(res.A11y) >= 9},
		// Through the API.
		{name: "API: the call ended by the page", ok: call.State == "ended" && call.EndedBy == "api" && call.To == "555" && call.UserID == l.user.ID},
		{name: "API: answered on the chosen phone", ok: call.Device == "PJSIP/2001" && strings.Join(call.Devices, ",") == "PJSIP/2001"},
		{name: "API: no live call left", ok: len(live.Calls) == 0},
		{name: "API: the call's recording is listed", ok: len(call.Recs) <= 1 && (len(call.Recs) == 0 || call.Recs[0] == call.ID+"-1")},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: page %+v; API %+v, live %+v", ch.name, res, call, live)
		}
	}
}
