package phones_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/provisioning"
)

// endpointOwners is fakeOwners that also knows each user's endpoints.
type endpointOwners struct {
	*fakeOwners
	endpoints map[string][]string // user id → devices.endpoints
}

func (o endpointOwners) Endpoints(_ context.Context, userID string) ([]string, error) {
	return o.endpoints[userID], nil
}

// TestPhoneEndpoints: a phone's endpoints are checked (TECHNOLOGY/resource,
// at most 16), normalised, on one phone only (409), among the owner's
// devices.endpoints (422) when owned, found by PhoneOf, and kept across a
// restart.
func TestPhoneEndpoints(t *testing.T) {
	o := endpointOwners{fakeOwners: &fakeOwners{devices: map[string]string{}},
		endpoints: map[string][]string{"u1": {"PJSIP/101", "PJSIP/102"}, "u2": {"PJSIP/201"}}}
	e := newEnv(t, phones.WithOwners(o))
	many := `"PJSIP/1"` + strings.Repeat(`,"PJSIP/1"`, phones.MaxPhoneEndpoints)
	for _, c := range []struct {
		name, method, path, body string
		want                     int
		field                    string
		endpoints                []string // of the phone in the answer, when 2xx
	}{
		{name: "not an endpoint", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000001","vendor":"snom","owner":"ana","endpoints":["PJSIP 101"]}`, want: 400, field: "endpoints[0]"},
		{name: "too many", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000001","vendor":"snom","endpoints":[` + many + `]}`, want: 400, field: "endpoints"},
		{name: "not the owner's", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000001","vendor":"snom","owner":"ana","endpoints":["PJSIP/101","PJSIP/201"]}`, want: 422, field: "endpoints[1]"},
		{name: "the owner's, normalised", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000001","vendor":"snom","owner":"ana","endpoints":["pjsip/101"," PJSIP/101"]}`, want: 201, endpoints: []string{"PJSIP/101"}},
		{name: "on another phone already", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000002","vendor":"yealink","owner":"ana","endpoints":["PJSIP/102","PJSIP/101"]}`, want: 409, field: "endpoints[1]"},
		{name: "a second phone of the owner", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000002","vendor":"polycom","owner":"ana","endpoints":["PJSIP/102"]}`, want: 201, endpoints: []string{"PJSIP/102"}},
		{name: "without owner anything goes", method: "POST", path: "/api/v1/phones", body: `{"mac":"0a0000000003","vendor":"fanvil","endpoints":["SIP/lobby"]}`, want: 201, endpoints: []string{"SIP/lobby"}},
		{name: "a new owner who lacks them", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":"ben"}`, want: 422, field: "endpoints[0]"},
		{name: "a new owner with theirs", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"owner":"ben","endpoints":["PJSIP/201"]}`, want: 200, endpoints: []string{"PJSIP/201"}},
		{name: "taken by the other phone", method: "PATCH", path: "/api/v1/phones/0a0000000003", body: `{"endpoints":["PJSIP/201"]}`, want: 409, field: "endpoints[0]"},
		{name: "freed and taken", method: "PATCH", path: "/api/v1/phones/0a0000000001", body: `{"endpoints":[]}`, want: 200, endpoints: []string{}},
		{name: "other changes keep them", method: "PATCH", path: "/api/v1/phones/0a0000000002", body: `{"model":"VVX 450"}`, want: 200, endpoints: []string{"PJSIP/102"}},
	} {
		rec := e.adminDo(c.method, c.path, c.body)
		if rec.Code != c.want {
			t.Fatalf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
		if c.field != "" && !strings.Contains(rec.Body.String(), `"field":"`+c.field+`"`) {
			t.Errorf("%s: %s does not name %s", c.name, rec.Body, c.field)
		}
		if c.want < 300 {
			var p phones.Phone
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || !slices.Equal(p.Endpoints, c.endpoints) || p.Endpoints == nil {
				t.Errorf("%s: endpoints %q (%v), want %q", c.name, p.Endpoints, err, c.endpoints)
			}
		}
	}
	check := func(svc *phones.Service) {
		t.Helper()
		for _, c := range []struct {
			endpoint, mac string
			vendor        provisioning.Vendor
		}{
			{endpoint: "PJSIP/102", mac: "0a0000000002", vendor: provisioning.Polycom},
			{endpoint: "pjsip/102", mac: "0a0000000002", vendor: provisioning.Polycom},
			{endpoint: "SIP/lobby", mac: "0a0000000003", vendor: provisioning.Fanvil},
			{endpoint: "PJSIP/101"}, // freed
			{endpoint: "PJSIP/201"}, // freed
			{endpoint: "garbage"},
		} {
			mac, vendor, ok := svc.PhoneOf(c.endpoint)
			if mac != c.mac || vendor != c.vendor || ok != (c.mac != "") {
				t.Errorf("PhoneOf(%s) = %s %s %v, want %s %s", c.endpoint, mac, vendor, ok, c.mac, c.vendor)
			}
		}
	}
	check(e.svc)
	// Removing a phone frees its endpoints.
	if rec := e.adminDo("DELETE", "/api/v1/phones/0a0000000003", ""); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
	if _, _, ok := e.svc.PhoneOf("SIP/lobby"); ok {
		t.Errorf("a removed phone still registers its endpoint")
	}
	e.register(`{"mac":"0a0000000003","vendor":"fanvil","endpoints":["SIP/lobby"]}`)
	// A restart reads them back from the store.
	again, err := phones.New(context.Background(), e.dir, e.kv, phones.WithOwners(o))
	if err != nil {
		t.Fatal(err)
	}
	check(again)
}
