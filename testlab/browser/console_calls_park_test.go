package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestConsoleCallsPark runs console/calls-park.mjs: bob parks his call to
// 555 from My calls (the fake Asterisk holds the destination alone in a
// holding bridge with music), picks it up again from the page on his desk
// (the Go side answers it) and hangs up; the page follows each state.
func TestConsoleCallsPark(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	l.ari.SetPeer("PJSIP/2001", fakeari.Desk{Manual: true})
	l.ari.SetPeer("PJSIP/555", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 50 * time.Millisecond})
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"devices": map[string]any{"endpoints": []string{"PJSIP/2001"}}}, http.StatusOK, nil)

	// answer picks up bob's ringing leg whose id contains part.
	answer := func(part string) func() error {
		return func() error {
			for _, ch := range l.ari.Channels() {
				if ch.Endpoint == "PJSIP/2001" && !ch.Destroyed && ch.State == "Ringing" && strings.Contains(ch.ID, part) {
					return l.ari.PickUp(ch.ID)
				}
			}
			return fmt.Errorf("no ringing leg %q of PJSIP/2001: %+v", part, l.ari.Channels())
		}
	}
	actions := map[string]func() error{
		"answer":        answer("-u"),
		"answer-pickup": answer("-p"),
		// The destination waits alone in a holding bridge; bob's first leg is gone.
		"far-parked": func() error {
			for _, ch := range l.ari.Channels() {
				if ch.Endpoint == "PJSIP/555" && !ch.Destroyed {
					if !strings.Contains(ch.Bridge, "-park") {
						return fmt.Errorf("the destination is in bridge %q, not a park", ch.Bridge)
					}
				}
				if ch.Endpoint == "PJSIP/2001" && !ch.Destroyed {
					return fmt.Errorf("bob's phone is still on the call: %+v", ch)
				}
			}
			return nil
		},
	}
	var res struct {
		CallID  string   `json:"call_id"`
		States  []string `json:"states"`
		Parked  string   `json:"parked"`
		Picking string   `json:"picking"`
	}
	l.runLab(t, "calls-park", actions, &res)
	var call struct {
		State   string `json:"state"`
		EndedBy string `json:"ended_by"`
		UserID  string `json:"user_id"`
	}
	if res.CallID != "" {
		l.apiJSON(t, "GET", "/api/v1/calls/"+res.CallID, nil, http.StatusOK, &call)
	}
	for _, ch := range []struct {
		name string
		ok   bool
	}{
		{name: "states through the page", ok: strings.Join(res.States, ",") == "Talking,Parked,Talking"},
		{name: "parked told", ok: strings.Contains(res.Parked, "The call with 555 is parked")},
		{name: "pickup told", ok: res.Picking == "Picking up the call with 555: answer your phone."},
		{name: "API: ended by the page, still bob's", ok: call.State == "ended" && call.EndedBy == "api" && call.UserID == l.user.ID},
	} {
		if !ch.ok {
			t.Errorf("%s: page %+v; API %+v", ch.name, res, call)
		}
	}
}
