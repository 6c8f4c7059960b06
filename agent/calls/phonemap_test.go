package calls

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning/cti"
)

// TestAnswerPicksTheRingingPhone: with several desk phones and no
// "phone", POST /api/v1/calls/{id}/answer answers on the owner's phone
// that registers an endpoint still ringing for the call; two ringing
// phones, none mapped, or a ringing endpoint on another user's phone is
// 400 asking for "phone"; once the second desk stops ringing, the first
// is picked.
func TestAnswerPicksTheRingingPhone(t *testing.T) {
	const deskA, deskB, deskC, other = "0015654aa937", "0015654aa938", "0015654aa939", "00156500dead"
	e := newEnv(t, WithPhoneMap(phoneMap{
		"PJSIP/102": {MAC: deskA, Vendor: "yealink"},
		"PJSIP/400": {MAC: deskB, Vendor: "snom"},
		"PJSIP/103": {MAC: other, Vendor: "yealink"}, // a phone of someone else
	}))
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	pressed := map[string]*int{}
	drivers := map[string]fakeDriver{}
	for _, mac := range []string{deskA, deskB, deskC, other} {
		n := 0
		pressed[mac] = &n
		drivers[mac] = fakeDriver{caps: cti.CapsOf(cti.Answer), answered: &n}
	}
	h := NewHandler(e.eng, fakeDevices{}, WithDeskPhones(fakePhones{owned: map[string][]string{"u1": {deskA, deskB, deskC}}, drivers: drivers}))
	answer := func(c Call) (int, map[string]any) {
		return serve(t, h, u1, "POST", "/api/v1/calls/"+c.ID+"/answer", "")
	}

	both := e.place("200", "PJSIP/102", "PJSIP/400")
	e.ring(both.ID + "-u1")
	e.ring(both.ID + "-u2")
	if code, out := answer(both); code != 400 || !strings.Contains(jsonString(out), "rings on 2 of the owner's desk phones") {
		t.Errorf("two ringing phones: %d %v, want 400 naming phone", code, out)
	}
	// The second desk stops ringing (declined): the first is the one.
	if !e.srv.Hangup(both.ID+"-u2", 21) {
		t.Fatal("no second leg to hang up")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.eng.ringingEndpoints(both.ID)) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the engine never saw the second desk go: %v", e.eng.ringingEndpoints(both.ID))
		}
		runtime.Gosched()
	}
	if code, out := answer(both); code != 202 || *pressed[deskA] != 1 || *pressed[deskB] != 0 {
		t.Errorf("one ringing phone: %d %v, pressed A %d B %d; want 202 on A", code, out, *pressed[deskA], *pressed[deskB])
	}

	for _, tc := range []struct {
		name    string
		devices []string
		msg     string
	}{
		{name: "no phone declares the endpoint", devices: []string{"PJSIP/101"}, msg: "none of them declares an endpoint that rings"},
		{name: "the ringing endpoint is on someone else's phone", devices: []string{"PJSIP/103"}, msg: "none of them declares an endpoint that rings"},
	} {
		c := e.place("200", tc.devices...)
		e.ring(c.ID + "-u1")
		if code, out := answer(c); code != 400 || !strings.Contains(jsonString(out), tc.msg) || !strings.Contains(jsonString(out), `"field":"phone"`) {
			t.Errorf("%s: %d %v, want 400 %q", tc.name, code, out, tc.msg)
		}
		if _, err := e.eng.Hangup(t.Context(), Viewer{All: true}, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if *pressed[other] != 0 || *pressed[deskC] != 0 {
		t.Errorf("a phone that does not ring was pressed: other %d, C %d", *pressed[other], *pressed[deskC])
	}
}
