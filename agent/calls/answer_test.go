package calls

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning/cti"
)

// fakeDriver is a phone's remote control that records its answers.
type fakeDriver struct {
	caps     cti.Caps
	err      error
	answered *int
}

func (d fakeDriver) Capabilities() cti.Caps { return d.caps }
func (d fakeDriver) Answer(context.Context) error {
	*d.answered++
	return d.err
}
func (fakeDriver) Hangup(context.Context) error       { return nil }
func (fakeDriver) Hold(context.Context) error         { return nil }
func (fakeDriver) DTMF(context.Context, string) error { return nil }
func (fakeDriver) Dial(context.Context, string) error { return nil }

// fakePhones is the users' phones (by user id) and their drivers (by MAC).
type fakePhones struct {
	owned   map[string][]string
	drivers map[string]fakeDriver
}

func (f fakePhones) Phones(_ context.Context, userID string) ([]string, error) {
	return f.owned[userID], nil
}

func (f fakePhones) CTI(mac string) (cti.Driver, error) {
	d, ok := f.drivers[mac]
	if !ok {
		return nil, errors.New("no such phone")
	}
	return d, nil
}

// TestAnswerAPI: POST /api/v1/calls/{id}/answer on a call ringing on the
// owner's desk, for every outcome of the phone lookup and the driver.
func TestAnswerAPI(t *testing.T) {
	e := newEnv(t)
	c := e.place("200", "PJSIP/102") // a desk that rings until picked up
	e.ring(c.ID + "-u1")
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	sup := platform.Principal{Kind: platform.KindSession, UserID: "u9", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	path := "/api/v1/calls/" + c.ID + "/answer"
	answerOnly := cti.CapsOf(cti.Answer)
	for _, tc := range []struct {
		name     string
		as       platform.Principal
		owned    []string
		driver   *fakeDriver // of the phone "0015654aa937"; nil: not registered
		body     string
		code     int
		msg      string
		answered int
	}{
		{name: "one phone, empty body", as: u1, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly}, code: 202, answered: 1},
		{name: "named with separators", as: u1, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly}, body: `{"phone":"00:15:65:4A:A9:37"}`, code: 202, answered: 1},
		{name: "a supervisor on the owner's phone", as: sup, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly}, code: 202, answered: 1},
		{name: "no capability", as: u1, owned: []string{"0015654aa937"}, driver: &fakeDriver{}, code: 409, msg: "this device cannot be answered remotely"},
		{name: "not registered", as: u1, owned: []string{"0015654aa937"}, code: 409, msg: "this device cannot be answered remotely"},
		{name: "no phone", as: u1, code: 409, msg: "this device cannot be answered remotely"},
		{name: "two phones, none named", as: u1, owned: []string{"0015654aa937", "0015654aa938"}, driver: &fakeDriver{caps: answerOnly}, code: 400, msg: `"field":"phone"`},
		{name: "not the owner's", as: u1, owned: []string{"0015654aa938"}, driver: &fakeDriver{caps: answerOnly}, body: `{"phone":"0015654aa937"}`, code: 400, msg: `"field":"phone"`},
		{name: "address unknown", as: u1, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly, err: &cti.Error{Kind: cti.KindNoAddress}}, code: 409, msg: "address is not known", answered: 1},
		{name: "the phone says no", as: u1, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly, err: &cti.Error{Kind: cti.KindRejected, Status: 500}}, code: 502, answered: 1},
		{name: "another user", as: platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly}, code: 404},
		{name: "bad JSON", as: u1, owned: []string{"0015654aa937"}, driver: &fakeDriver{caps: answerOnly}, body: `{"phone":1}`, code: 400},
	} {
		n := 0
		ph := fakePhones{owned: map[string][]string{"u1": tc.owned}, drivers: map[string]fakeDriver{}}
		if tc.driver != nil {
			d := *tc.driver
			d.answered = &n
			ph.drivers["0015654aa937"] = d
		}
		h := NewHandler(e.eng, fakeDevices{}, WithDeskPhones(ph))
		code, out := serve(t, h, tc.as, "POST", path, tc.body)
		if code != tc.code || !strings.Contains(jsonString(out), tc.msg) || n != tc.answered {
			t.Errorf("%s: %d %v, answered %d; want %d %q, answered %d", tc.name, code, out, n, tc.code, tc.msg, tc.answered)
		}
	}
	// Once the desk answered, the call no longer rings on it.
	if err := e.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, err := e.eng.UserRinging(Viewer{All: true}, c.ID); !errors.Is(err, ErrState); _, err = e.eng.UserRinging(Viewer{All: true}, c.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("the engine never saw the desk answer: %v", err)
		}
		runtime.Gosched()
	}
	n := 0
	h := NewHandler(e.eng, fakeDevices{}, WithDeskPhones(fakePhones{owned: map[string][]string{"u1": {"0015654aa937"}},
		drivers: map[string]fakeDriver{"0015654aa937": {caps: answerOnly, answered: &n}}}))
	if code, out := serve(t, h, u1, "POST", path, ""); code != http.StatusConflict || n != 0 {
		t.Errorf("answer of an answered call: %d %v, want 409", code, out)
	}
	if n != 0 {
		t.Errorf("the phone was told to answer a call it had answered")
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
