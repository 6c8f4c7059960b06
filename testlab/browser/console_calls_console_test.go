package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	phonelab "github.com/pbxagent/pbxagent/testlab/phones"
)

// TestConsoleCallsConsole runs console/calls-console.mjs: the My calls
// page as a console for incoming calls and transfers. bob has extension
// 777, one endpoint (PJSIP/2001, rung until the test picks it up) and two
// desk phones: a Polycom (no remote answer) and a Yealink whose remote
// control is the CTI fake. Three trunk calls reach Stasis(pbxagent-calls,
// inbound,777) while the page is open:
//
//  1. from Anna Muster (a phone-book contact): the page shows her name
//     and number as an incoming call; Answer on the Polycom is the API's
//     409 in the dialog, on the Yealink the phone gets its answer key and
//     the test picks up; then an attended transfer (a refused number
//     first, its error naming to) to 201, which rings, answers, is
//     swapped with Anna and completed;
//  2. from an unknown number, picked up, recorded (paused, resumed,
//     stopped), transferred attended to 201 and
//     cancelled while 201 rings, then transferred blind to 202: the row
//     goes away with an announcement;
//  3. declined from the page.
//
// The test checks through the API what the browser did.
func TestConsoleCallsConsole(t *testing.T) {
	fake := phonelab.NewCTIFake("yealink", "admin", "phone-secret")
	phone := httptest.NewServer(fake)
	t.Cleanup(phone.Close)
	pu, _ := url.Parse(phone.URL)
	port, _ := strconv.Atoi(pu.Port())
	l := startConsole(t, consoleOptions{withARI: true, config: func(c *config.Config) {
		c.Phones.CTI.Port, c.Phones.CTI.Username, c.Phones.CTI.Password = port, "admin", "phone-secret"
	}})
	l.ari.SetPeer("PJSIP/2001", fakeari.Desk{Manual: true})
	l.ari.SetPeer("PJSIP/201", fakeari.Desk{Manual: true})
	l.ari.SetPeer("PJSIP/202", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 50 * time.Millisecond})
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"extensions": []string{"777"},
		"devices": map[string]any{"endpoints": []string{"PJSIP/2001"}}}, http.StatusOK, nil)
	l.apiJSON(t, "POST", "/api/v1/contacts", map[string]any{"first_name": "Anna", "last_name": "Muster",
		"numbers": []map[string]any{{"type": "mobile", "value": "061 555 000"}}}, http.StatusCreated, nil)
	var yealink struct {
		Token string `json:"token"`
	}
	l.apiJSON(t, "POST", "/api/v1/phones", map[string]any{"mac": "0004f2aabbcc", "vendor": "polycom", "owner": l.user.Username}, http.StatusCreated, nil)
	l.apiJSON(t, "POST", "/api/v1/phones", map[string]any{"mac": "0015654aa937", "vendor": "yealink", "owner": l.user.Username}, http.StatusCreated, &yealink)
	// The Yealink fetches its book: pbxagent knows its address now.
	if r, err := http.Get(l.base + "/phonebook/yealink.xml?token=" + yealink.Token); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("phone book fetch: %v %v", err, r)
	} else {
		r.Body.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), labTimeout)
	defer cancel()
	if err := l.ari.AwaitApp(ctx, "pbxagent-calls"); err != nil {
		t.Fatal(err)
	}
	inbound := func(number string) func() error {
		return func() error {
			_, err := l.ari.PlaceInbound(fakeari.InboundCall{App: "pbxagent-calls", Caller: number, Context: "from-trunk",
				Exten: "777", Args: []string{"inbound", "777"}})
			return err
		}
	}
	// ringing finds the live channel of endpoint that rings.
	ringing := func(endpoint string) (string, error) {
		for _, ch := range l.ari.Channels() {
			if ch.Endpoint == endpoint && !ch.Destroyed && ch.State == "Ringing" {
				return ch.ID, nil
			}
		}
		return "", fmt.Errorf("%s is not ringing: %+v", endpoint, l.ari.Channels())
	}
	pickUp := func(endpoint string) func() error {
		return func() error {
			id, err := ringing(endpoint)
			if err != nil {
				return err
			}
			return l.ari.PickUp(id)
		}
	}
	actions := map[string]func() error{
		"inbound-anna":    inbound("+38761555000"),
		"inbound-unknown": inbound("+38761999000"),
		"inbound-third":   inbound("+38761777000"),
		"pickup":          pickUp("PJSIP/2001"),
		// The Yealink got its answer key (and nothing else); it picks up.
		"desk-answers": func() error {
			if p := fake.Pressed(); !slices.Equal(p, []string{"OK"}) || len(fake.Mistakes()) != 0 {
				return fmt.Errorf("the desk phone got %v (mistakes %v), want its answer key OK", p, fake.Mistakes())
			}
			return pickUp("PJSIP/2001")()
		},
		"recipient-answers": pickUp("PJSIP/201"),
		// The page paused the recording of bob's only live call: Asterisk's
		// live recording (named after the call) is paused.
		"recording-paused": func() error {
			var live struct {
				Calls []struct{ ID string } `json:"calls"`
			}
			l.apiJSON(t, "GET", "/api/v1/calls", nil, http.StatusOK, &live)
			if len(live.Calls) != 1 {
				return fmt.Errorf("live calls %+v, want one", live.Calls)
			}
			if st, ok := l.ari.LiveRecordingState(live.Calls[0].ID + "-1"); !ok || st != "paused" {
				return fmt.Errorf("the recording of %s is %q (%v), want paused", live.Calls[0].ID, st, ok)
			}
			return nil
		},
	}
	var res struct {
		Incoming      string   `json:"incoming_party"`
		Direction     string   `json:"incoming_direction"`
		IncomingNews  string   `json:"incoming_news"`
		Buttons       []string `json:"incoming_buttons"`
		AnswerPhones  []string `json:"answer_phones"`
		AnswerError   string   `json:"answer_error"`
		Answering     string   `json:"answering"`
		Call1         string   `json:"call1"`
		TransferError string   `json:"transfer_error"`
		Ringing       string   `json:"transfer_ringing"`
		FocusComplete bool     `json:"focus_on_complete"`
		Answered      string   `json:"transfer_answered"`
		AnsweredNews  string   `json:"transfer_answered_news"`
		Swapped       string   `json:"swapped"`
		Transferred   string   `json:"transferred_news"`
		Call2         string   `json:"call2"`
		Unknown       string   `json:"unknown_party"`
		Recording     string   `json:"recording"`
		RecFocus      string   `json:"focus_after_record"`
		RecPaused     string   `json:"recording_paused"`
		RecStopped    int      `json:"recording_stopped"`
		Cancelled     string   `json:"cancelled_news"`
		FocusCancel   string   `json:"focus_after_cancel"`
		Blind         string   `json:"blind_news"`
		Call3         string   `json:"call3"`
		Declined      string   `json:"declined"`
		A11y          []string `json:"a11y_checked"`
	}
	l.runLab(t, "calls-console", actions, &res)
	t.Logf("calls-console: %+v", res)

	type call struct {
		State     string   `json:"state"`
		Direction string   `json:"direction"`
		FromName  string   `json:"from_name"`
		EndedBy   string   `json:"ended_by"`
		Cause     int      `json:"cause"`
		Transfer  string   `json:"transfer"`
		Recs      []string `json:"recordings"`
	}
	type transfer struct {
		Mode, State, To string
	}
	get := func(id string) (c call, tr transfer) {
		if id == "" {
			return
		}
		l.apiJSON(t, "GET", "/api/v1/calls/"+id, nil, http.StatusOK, &c)
		if c.Transfer != "" {
			l.apiJSON(t, "GET", "/api/v1/transfers/"+c.Transfer, nil, http.StatusOK, &tr)
		}
		return
	}
	c1, t1 := get(res.Call1)
	c2, t2 := get(res.Call2)
	c3, _ := get(res.Call3)

	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the caller's name and number", ok: res.Incoming == "Anna Muster (+38761555000)"},
		{name: "the direction in words", ok: strings.Contains(res.Direction, "Incoming")},
		{name: "the incoming call announced", ok: res.IncomingNews == "Incoming call from Anna Muster (+38761555000)."},
		{name: "Answer and Decline on a ringing incoming call", ok: strings.Join(res.Buttons, ",") == "Answer,Decline"},
		{name: "the answer dialog lists the desk phones", ok: strings.Join(res.AnswerPhones, ",") == "0004f2aabbcc,0015654aa937"},
		{name: "the API's 409 shown in the dialog", ok: strings.Contains(res.AnswerError, "this device cannot be answered remotely")},
		{name: "answering announced", ok: strings.Contains(res.Answering, "Answering the call from Anna Muster")},
		{name: "a refused transfer number names to", ok: strings.Contains(res.TransferError, "to:")},
		{name: "the consultation rings", ok: strings.Contains(res.Ringing, "Transfer to 201: ringing")},
		{name: "the focus on Complete once the transfer started", ok: res.FocusComplete},
		{name: "the consultation answered", ok: strings.Contains(res.Answered, "You are talking to 201")},
		{name: "the answer announced", ok: strings.HasPrefix(res.AnsweredNews, "201 answered.")},
		{name: "swapped back to Anna", ok: strings.Contains(res.Swapped, "You are talking to Anna Muster (+38761555000); 201 is on hold")},
		{name: "the completed transfer announced", ok: res.Transferred == "The call with Anna Muster (+38761555000) was transferred to 201."},
		{name: "an unknown caller shown by number", ok: res.Unknown == "+38761999000"},
		{name: "the recording shown, paused, gone once stopped", ok: res.Recording == "Recording" && res.RecPaused == "Recording paused" && res.RecStopped == 0},
		{name: "the focus on Pause recording after Record", ok: res.RecFocus == "record-pause"},
		{name: "the cancelled transfer announced", ok: res.Cancelled == "The transfer to 201 is cancelled: you are talking to +38761999000 again."},
		{name: "the focus on Transfer again after cancel", ok: res.FocusCancel == "transfer"},
		{name: "the blind transfer announced", ok: res.Blind == "The call with +38761999000 was transferred to 202."},
		{name: "declined", ok: res.Declined == "You declined the call from +38761777000."},
		{name: "axe in every state", ok: len(res.A11y) >= 14},
		// Through the API.
		{name: "API: call 1 inbound with the directory's name, transferred", ok: c1.Direction == "inbound" && c1.FromName == "Anna Muster" && c1.EndedBy == "transfer"},
		{name: "API: call 1's transfer attended to 201, completed", ok: t1 == transfer{Mode: "attended", State: "completed", To: "201"}},
		{name: "API: call 2 transferred blind to 202", ok: c2.EndedBy == "transfer" && t2.Mode == "blind" && t2.To == "202"},
		{name: "API: call 2 recorded once", ok: len(c2.Recs) == 1},
		{name: "API: call 3 declined (rejected)", ok: c3.State == "ended" && c3.Cause == 21 && c3.EndedBy == "api"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: page %+v; API %+v %+v / %+v %+v / %+v", ch.name, res, c1, t1, c2, t2, c3)
		}
	}
}
