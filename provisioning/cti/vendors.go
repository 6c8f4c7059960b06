package cti

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Key values of the vendors' action URIs; docs/phones.md gives the source
// of each.
const (
	// Yealink: "OK" presses the OK key, which answers a ringing call;
	// CALLEND ends the call; F_HOLD holds it (Yealink administrator
	// guides, "Action URI" / "Variable Values List").
	yealinkAnswer, yealinkHangup, yealinkHold = "OK", "CALLEND", "F_HOLD"
	// Fanvil: ANSWER and F_HOLD, the keys github.com/wazo-platform/wazo-phoned
	// sends to Fanvil phones (wazo_phoned/plugins/fanvil/services.py).
	fanvilAnswer, fanvilHold = "ANSWER", "F_HOLD"
	// Snom: ENTER (the ✓ key accepts a ringing call), CANCEL ("a call can
	// be terminated"), F_HOLD (the hold key) (Snom wiki, "Can I control my
	// snom phone remotely").
	snomAnswer, snomHangup, snomHold = "ENTER", "CANCEL", "F_HOLD"
)

// yealink: GET /servlet?key=VALUE with HTTP Basic.
type yealink struct{}

func (yealink) caps() Caps { return CapsOf(Answer, Hangup, Hold) }
func (yealink) request(ctx context.Context, base string, t Target, a Action, _ string) (*http.Request, error) {
	k := map[Action]string{Answer: yealinkAnswer, Hangup: yealinkHangup, Hold: yealinkHold}[a]
	return keyGET(ctx, base, "/servlet", url.Values{"key": {k}}, t)
}
func (yealink) check([]byte) (Kind, string) { return "", "" }

// fanvil: GET /cgi-bin/ConfigManApp.com?key=VALUE with HTTP Basic.
type fanvil struct{}

func (fanvil) caps() Caps { return CapsOf(Answer, Hold) }
func (fanvil) request(ctx context.Context, base string, t Target, a Action, _ string) (*http.Request, error) {
	k := map[Action]string{Answer: fanvilAnswer, Hold: fanvilHold}[a]
	return keyGET(ctx, base, "/cgi-bin/ConfigManApp.com", url.Values{"key": {k}}, t)
}
func (fanvil) check([]byte) (Kind, string) { return "", "" }

// snom: GET /command.htm?key=KEY, ?key_dtmf=DIGITS or ?number=NUMBER with
// HTTP Basic.
type snom struct{}

func (snom) caps() Caps { return CapsOf(Answer, Hangup, Hold, DTMF, Dial) }
func (snom) request(ctx context.Context, base string, t Target, a Action, arg string) (*http.Request, error) {
	q := url.Values{}
	switch a {
	case DTMF:
		q.Set("key_dtmf", arg)
	case Dial:
		q.Set("number", arg)
	default:
		q.Set("key", map[Action]string{Answer: snomAnswer, Hangup: snomHangup, Hold: snomHold}[a])
	}
	return keyGET(ctx, base, "/command.htm", q, t)
}
func (snom) check([]byte) (Kind, string) { return "", "" }

// cisco: POST /CGI/Execute, form field XML holding a CiscoIPPhoneExecute,
// HTTP Basic (checked by the phone against its authenticationURL).
type cisco struct{}

func (cisco) caps() Caps { return CapsOf(Answer, DTMF, Dial) }
func (cisco) request(ctx context.Context, base string, t Target, a Action, arg string) (*http.Request, error) {
	var uri string
	switch a {
	case Answer:
		uri = "Key:Soft1"
	case DTMF:
		uri = "SendDigits:" + arg + ":0"
	case Dial:
		if strings.HasPrefix(arg, "+") {
			return nil, fmt.Errorf("cisco Dial takes 0-9, * and # only, not %q", arg)
		}
		uri = "Dial:" + arg
	}
	body := url.Values{"XML": {CiscoExecute(uri)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/CGI/Execute", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if t.Username != "" {
		req.SetBasicAuth(t.Username, t.Password)
	}
	return req, nil
}
func (cisco) check(body []byte) (Kind, string) {
	r, err := ParseCiscoResponse(body)
	if err != nil {
		return KindRejected, err.Error()
	}
	return r.Kind()
}

// grandstream: GET /cgi-bin/api-phone_operation?passcode=PASSWORD&cmd=…;
// the answer is JSON {"response":"success"|"error","body":…}.
type grandstream struct{}

func (grandstream) caps() Caps { return CapsOf(Answer, Hangup, Hold) }
func (grandstream) request(ctx context.Context, base string, t Target, a Action, _ string) (*http.Request, error) {
	cmd := map[Action]string{Answer: "acceptcall", Hangup: "endcall", Hold: "holdcall"}[a]
	return http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/cgi-bin/api-phone_operation?"+url.Values{"passcode": {t.Password}, "cmd": {cmd}}.Encode(), nil)
}
func (grandstream) check(body []byte) (Kind, string) {
	var r struct {
		Response string          `json:"response"`
		Body     json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return KindRejected, "answer is not Grandstream CTI JSON: " + snippet(body)
	}
	if r.Response != "success" {
		return KindRejected, fmt.Sprintf("response %q, body %s", r.Response, snippet(r.Body))
	}
	return "", ""
}

// polycom: no action enabled. Poly's REST API (/api/v1/callctrl/…) and
// Push interface exist, but no public source was found for their request
// bodies on desk phones; see docs/phones.md.
type polycom struct{}

func (polycom) caps() Caps { return 0 }
func (polycom) request(context.Context, string, Target, Action, string) (*http.Request, error) {
	return nil, fmt.Errorf("polycom: no remote control")
}
func (polycom) check([]byte) (Kind, string) { return KindRejected, "" }
