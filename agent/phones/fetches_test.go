package phones_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestLastFetches: the admin API shows each phone's last provisioning and
// phonebook fetch (time, address, file), whether the full handler or the
// fast lane answered it; an allow-listed address fetching a phone's file
// counts for that phone; a removed phone's fetches are forgotten.
func TestLastFetches(t *testing.T) {
	e := newEnv(t, phones.WithAllowList(netip.MustParsePrefix("10.0.0.0/8")), phones.WithAuth(phones.DefaultAuth|phones.AuthIP))
	get := func(mac string) phones.Phone {
		t.Helper()
		rec := e.adminDo("GET", "/api/v1/phones/"+mac, "")
		var p phones.Phone
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 200 {
			t.Fatalf("get %s: %d %s", mac, rec.Code, rec.Body)
		}
		return p
	}
	if p := get(aliceMAC); p.LastProvisioning != nil || p.LastPhonebook != nil || p.ProvisioningURL != "https://pbx.example.com/provisioning/" {
		t.Fatalf("before any fetch: %+v", p)
	}
	t0 := e.clk.Now()
	basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice-phone:"+alicePass))
	prov := rawGet("GET", "/provisioning/0015654aa937.cfg", basic)
	if r := e.full(prov, laneAddr); r.StatusCode != 200 {
		t.Fatalf("provisioning: %d", r.StatusCode)
	}
	p := get(aliceMAC)
	if want := (phones.Fetch{At: t0, Address: "10.1.2.3", File: "0015654aa937.cfg"}); p.LastProvisioning == nil || *p.LastProvisioning != want || p.LastPhonebook != nil {
		t.Errorf("after the full handler: %+v %+v", p.LastProvisioning, p.LastPhonebook)
	}

	e.clk.Advance(time.Minute)
	if r := e.lane(prov, laneAddr); r == nil || r.StatusCode != 200 {
		t.Fatalf("the lane did not answer: %v", r)
	}
	if p := get(aliceMAC); p.LastProvisioning == nil || !p.LastProvisioning.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the lane: %+v", p.LastProvisioning)
	}

	e.clk.Advance(time.Minute)
	if r := e.full(rawGet("GET", "/phonebook/yealink.xml?token="+e.aliceTk), "10.9.9.9:5060"); r.StatusCode != 200 {
		t.Fatalf("book: %d", r.StatusCode)
	}
	if p := get(aliceMAC); p.LastPhonebook == nil || *p.LastPhonebook != (phones.Fetch{At: t0.Add(2 * time.Minute), Address: "10.9.9.9", File: "yealink.xml"}) {
		t.Errorf("book fetch: %+v", p.LastPhonebook)
	}

	// An anonymous allow-listed address fetching bob's file.
	if r := e.full(rawGet("GET", "/provisioning/SEP0002FDFF2103.cnf.xml"), "10.7.7.7:1000"); r.StatusCode != 200 {
		t.Fatalf("allow-listed fetch: %d", r.StatusCode)
	}
	if p := get(bobMAC); p.LastProvisioning == nil || p.LastProvisioning.Address != "10.7.7.7" || p.LastProvisioning.File != "SEP0002FDFF2103.cnf.xml" {
		t.Errorf("bob's fetch: %+v", p.LastProvisioning)
	}

	if rec := e.adminDo("DELETE", "/api/v1/phones/"+aliceMAC, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", rec.Code)
	}
	e.register(`{"mac":"00:15:65:4A:A9:37","vendor":"yealink"}`)
	if p := get(aliceMAC); p.LastProvisioning != nil || p.LastPhonebook != nil {
		t.Errorf("a re-registered phone kept the old fetches: %+v", p)
	}
}

// fakeOwners is a users directory of two users.
type fakeOwners struct {
	devices map[string]string // mac → user id
	fail    error
}

func (f *fakeOwners) ResolveOwner(o string) (string, bool) {
	switch o {
	case "u1", "ana":
		return "u1", true
	case "u2", "ben":
		return "u2", true
	case "alice", "bob": // newEnv's phones
		return o, true
	}
	return "", false
}

func (f *fakeOwners) SetPhoneOwner(_ context.Context, mac, id string) error {
	if f.fail != nil {
		return f.fail
	}
	if id == "" {
		delete(f.devices, mac)
	} else {
		f.devices[mac] = id
	}
	return nil
}

// TestOwners: with WithOwners the owner is stored as the user's id, an
// unknown one is a 422 naming the field, the user's devices follow
// registration, changes and removal, and a phone the user's devices
// refuse is not registered.
func TestOwners(t *testing.T) {
	o := &fakeOwners{devices: map[string]string{}}
	e := newEnv(t, phones.WithOwners(o))
	o.devices = map[string]string{} // newEnv's phones are not part of the cases
	cases := []struct {
		name, method, path, body string
		want                     int
		devices                  map[string]string
	}{
		{name: "unknown owner", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000001","vendor":"snom","owner":"zed"}`, want: 422, devices: map[string]string{}},
		{name: "by username", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000001","vendor":"snom","owner":"ana"}`, want: 201, devices: map[string]string{"0a0000000001": "u1"}},
		{name: "new owner", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":"u2"}`, want: 200, devices: map[string]string{"0a0000000001": "u2"}},
		{name: "unknown new owner", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":"zed"}`, want: 422, devices: map[string]string{"0a0000000001": "u2"}},
		{name: "a refused change restores the devices", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":"ana","vendor":"nokia"}`, want: 400, devices: map[string]string{"0a0000000001": "u2"}},
		{name: "no owner", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":""}`, want: 200, devices: map[string]string{}},
		{name: "owner again", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":"ben"}`, want: 200, devices: map[string]string{"0a0000000001": "u2"}},
		{name: "removed", method: "DELETE", path: "/api/v1/phones/0a0000000001", want: 204, devices: map[string]string{}},
	}
	for _, c := range cases {
		rec := e.adminDo(c.method, c.path, c.body)
		if rec.Code != c.want {
			t.Fatalf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
		if c.want == 422 && !json.Valid(rec.Body.Bytes()) {
			t.Errorf("%s: %s", c.name, rec.Body)
		}
		if len(o.devices) != len(c.devices) {
			t.Errorf("%s: devices %v, want %v", c.name, o.devices, c.devices)
		}
		for k, v := range c.devices {
			if o.devices[k] != v {
				t.Errorf("%s: devices %v, want %v", c.name, o.devices, c.devices)
			}
		}
	}
	var env platform.ErrorBody
	rec := e.adminDo("POST", "/api/v1/phones", `{"mac":"0a0000000002","vendor":"snom","owner":"zed"}`)
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || len(env.Error.Details) != 1 || env.Error.Details[0].Field != "owner" {
		t.Errorf("422 body: %s", rec.Body)
	}
	// The user's devices refuse the phone: it is not registered.
	o.fail = &platform.APIError{Status: 400, Code: platform.CodeInvalid, Message: "invalid user",
		Details: []platform.FieldError{{Field: "devices.phones", Message: "at most 20"}}}
	if rec := e.adminDo("POST", "/api/v1/phones", `{"mac":"0a0000000003","vendor":"snom","owner":"ana"}`); rec.Code != 422 {
		t.Errorf("refused by the devices: %d %s", rec.Code, rec.Body)
	}
	if rec := e.adminDo("GET", "/api/v1/phones/0a0000000003", ""); rec.Code != 404 {
		t.Errorf("the refused phone is registered: %d", rec.Code)
	}
	o.fail = errors.New("disk on fire")
	if rec := e.adminDo("POST", "/api/v1/phones", `{"mac":"0a0000000004","vendor":"snom","owner":"ana"}`); rec.Code != 500 {
		t.Errorf("a failing users store: %d %s", rec.Code, rec.Body)
	}
}
