package calls

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/provisioning"
)

// phoneMap is a PhoneMap of fixed endpoints.
type phoneMap map[string]DeskPhone

func (m phoneMap) PhoneOf(endpoint string) (DeskPhone, bool) {
	p, ok := m[endpoint]
	return p, ok
}

// TestAutoAnswerHeaders: each vendor gets the header its guides document;
// Cisco, Fanvil, an unknown vendor and no phone get both.
func TestAutoAnswerHeaders(t *testing.T) {
	callInfo := map[string]string{varCallInfo: "<sip:pbxagent>;answer-after=0"}
	alertInfo := map[string]string{varAlertInfo: "<http://pbxagent>;info=alert-autoanswer;delay=0"}
	both := map[string]string{varCallInfo: callInfo[varCallInfo], varAlertInfo: alertInfo[varAlertInfo]}
	for _, tc := range []struct {
		vendor provisioning.Vendor
		want   map[string]string
	}{
		{vendor: provisioning.Yealink, want: alertInfo},
		{vendor: provisioning.Snom, want: alertInfo},
		{vendor: provisioning.Polycom, want: alertInfo},
		{vendor: provisioning.Grandstream, want: callInfo},
		{vendor: provisioning.Cisco, want: both},
		{vendor: provisioning.Fanvil, want: both},
		{vendor: "nokia", want: both},
		{vendor: "", want: both},
	} {
		if got := autoAnswerHeaders(tc.vendor); !maps.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.vendor, got, tc.want)
		}
	}
	// Every vendor pbxagent provisions has its entry.
	for _, v := range provisioning.Vendors() {
		if _, ok := autoAnswerForms[v]; !ok {
			t.Errorf("no auto-answer form for %s", v)
		}
	}
}

// TestAutoAnswerPerPhone: the user's legs carry the header of the phone
// behind each endpoint; an endpoint on no phone gets both; a phone
// honouring Alert-Info only (the stand-in's desk answers on either)
// still answers by itself and the call goes on.
func TestAutoAnswerPerPhone(t *testing.T) {
	e := newEnv(t, WithPhoneMap(phoneMap{
		"PJSIP/101": {MAC: "0004f2aabbcc", Vendor: provisioning.Polycom},
		"PJSIP/102": {MAC: "000b82aabbcc", Vendor: provisioning.Grandstream},
	}))
	c := e.place("200", "PJSIP/101", "PJSIP/102", "PJSIP/103")
	for leg, want := range map[string][]string{
		c.ID + "-u1": {varAlertInfo},
		c.ID + "-u2": {varCallInfo},
		c.ID + "-u3": {varCallInfo, varAlertInfo},
	} {
		s := e.ring(leg)
		for _, h := range []string{varCallInfo, varAlertInfo} {
			if has, wanted := s.Variables[h] != "", slices.Contains(want, h); has != wanted {
				t.Errorf("%s (%s): %s present %v, want %v (%v)", leg, s.Endpoint, h, has, wanted, s.Variables)
			}
		}
	}
	e.clk.Advance(time.Second) // the Polycom desk auto-answers
	e.ring(c.ID + "-far")
	e.clk.Advance(3 * time.Second)
	if ans := e.pub.await(t, EventAnswered, c.ID).call; ans.Device != "PJSIP/101" {
		t.Errorf("answered on %s, want PJSIP/101", ans.Device)
	}
}
