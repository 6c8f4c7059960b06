package agent

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPhoneOwnersAreUsers: the phones API resolves an owner given by id or
// username to the user's id, refuses one that names no user with 422
// naming the field, keeps the phone among its owner's devices through
// registration, a change of owner and removal, and reports the phone's
// last fetches (time, address, file) once it has fetched.
func TestPhoneOwnersAreUsers(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	type user struct {
		ID      string `json:"id"`
		Devices struct {
			Phones []string `json:"phones"`
		} `json:"devices"`
	}
	mkUser := func(name string) user {
		t.Helper()
		code, b := adm.do("POST", "/api/v1/users", "application/json", []byte(`{"username":"`+name+`","password":"long-enough-pass-1","role":"user"}`))
		if code != http.StatusCreated {
			t.Fatalf("create user %s: %d %s", name, code, b)
		}
		var u user
		_ = json.Unmarshal(b, &u)
		return u
	}
	getUser := func(id string) user {
		t.Helper()
		code, b := adm.do("GET", "/api/v1/users/"+id, "", nil)
		if code != http.StatusOK {
			t.Fatalf("get user: %d %s", code, b)
		}
		var u user
		_ = json.Unmarshal(b, &u)
		return u
	}
	alice, bob := mkUser("alice"), mkUser("bob")

	type phone struct {
		MAC             string `json:"mac"`
		Owner           string `json:"owner"`
		Token           string `json:"token"`
		ProvisioningURL string `json:"provisioning_url"`
		LastProv        *struct {
			At      time.Time `json:"at"`
			Address string    `json:"address"`
			File    string    `json:"file"`
		} `json:"last_provisioning_fetch"`
		LastBook *struct {
			At      time.Time `json:"at"`
			Address string    `json:"address"`
			File    string    `json:"file"`
		} `json:"last_phonebook_fetch"`
	}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Details []struct{ Field, Message string }
		} `json:"error"`
	}

	cases := []struct {
		name    string
		body    string
		want    int
		wantOwn string
	}{
		{name: "unknown owner", body: `{"mac":"00:15:65:00:00:01","vendor":"yealink","owner":"nobody"}`, want: 422},
		{name: "owner by username", body: `{"mac":"00:15:65:00:00:02","vendor":"yealink","owner":"ALICE","username":"a-t46","password":"phone-pass-1"}`, want: 201, wantOwn: alice.ID},
		{name: "owner by id", body: `{"mac":"00:15:65:00:00:03","vendor":"snom","owner":"` + bob.ID + `"}`, want: 201, wantOwn: bob.ID},
		{name: "no owner", body: `{"mac":"00:15:65:00:00:04","vendor":"grandstream"}`, want: 201},
	}
	for _, c := range cases {
		code, b := adm.do("POST", "/api/v1/phones", "application/json", []byte(c.body))
		if code != c.want {
			t.Fatalf("%s: %d %s, want %d", c.name, code, b, c.want)
		}
		if code == 422 {
			_ = json.Unmarshal(b, &env)
			if len(env.Error.Details) != 1 || env.Error.Details[0].Field != "owner" || !strings.Contains(env.Error.Details[0].Message, "nobody") {
				t.Errorf("%s: %s", c.name, b)
			}
			continue
		}
		var p phone
		_ = json.Unmarshal(b, &p)
		if p.Owner != c.wantOwn {
			t.Errorf("%s: owner %q, want %q", c.name, p.Owner, c.wantOwn)
		}
	}
	if code, _ := adm.do("GET", "/api/v1/phones/001565000001", "", nil); code != http.StatusNotFound {
		t.Errorf("the phone of the refused owner exists: %d", code)
	}
	if got := getUser(alice.ID).Devices.Phones; !slices.Equal(got, []string{"001565000002"}) {
		t.Errorf("alice's phones %q", got)
	}

	// Provisioning URLs per vendor, from the request's host.
	host := strings.TrimPrefix(base, "http://")
	for mac, want := range map[string]string{"001565000002": base + "/provisioning/", "001565000003": base + "/provisioning/001565000003.xml",
		"001565000004": host + "/provisioning"} {
		var p phone
		code, b := adm.do("GET", "/api/v1/phones/"+mac, "", nil)
		_ = json.Unmarshal(b, &p)
		if code != 200 || !strings.EqualFold(p.ProvisioningURL, want) {
			t.Errorf("%s: provisioning_url %q, want %q", mac, p.ProvisioningURL, want)
		}
		if p.LastProv != nil || p.LastBook != nil {
			t.Errorf("%s: a fetch before any: %s", mac, b)
		}
	}

	// Alice's phone fetches its file (twice) and its book. (The fast lane's
	// answers are noted too: agent/phones TestLastFetches.)
	for _, path := range []string{"/provisioning/001565000002.cfg", "/provisioning/001565000002.cfg", "/phonebook/yealink.xml"} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth("a-t46", "phone-pass-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	var p phone
	_, b := adm.do("GET", "/api/v1/phones/001565000002", "", nil)
	_ = json.Unmarshal(b, &p)
	if p.LastProv == nil || p.LastProv.Address != "127.0.0.1" || p.LastProv.File != "001565000002.cfg" || time.Since(p.LastProv.At) > time.Minute {
		t.Errorf("last provisioning fetch: %s", b)
	}
	if p.LastBook == nil || p.LastBook.File != "yealink.xml" || p.LastBook.Address != "127.0.0.1" {
		t.Errorf("last phonebook fetch: %s", b)
	}

	// A new owner: the phone moves from alice's devices to bob's; an
	// unknown one changes nothing.
	code, b := adm.do("PATCH", "/api/v1/phones/001565000002", "application/json", []byte(`{"owner":"ghost"}`))
	if code != 422 || !strings.Contains(string(b), `"field":"owner"`) {
		t.Errorf("patch to an unknown owner: %d %s", code, b)
	}
	code, b = adm.do("PATCH", "/api/v1/phones/001565000002", "application/json", []byte(`{"owner":"bob"}`))
	if code != 200 || !strings.Contains(string(b), `"owner":"`+bob.ID+`"`) {
		t.Fatalf("patch owner: %d %s", code, b)
	}
	if got := getUser(alice.ID).Devices.Phones; len(got) != 0 {
		t.Errorf("alice still lists %q", got)
	}
	if got := getUser(bob.ID).Devices.Phones; !slices.Equal(slices.Sorted(slices.Values(got)), []string{"001565000002", "001565000003"}) {
		t.Errorf("bob's phones %q", got)
	}
	// A failed change keeps the owner's devices as they were.
	code, _ = adm.do("PATCH", "/api/v1/phones/001565000003", "application/json", []byte(`{"owner":"alice","vendor":"nokia"}`))
	if code != 400 {
		t.Errorf("patch with a bad vendor: %d", code)
	}
	if got := getUser(alice.ID).Devices.Phones; len(got) != 0 {
		t.Errorf("a refused change moved the phone to alice: %q", got)
	}
	if code, _ := adm.do("DELETE", "/api/v1/phones/001565000002", "", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if got := getUser(bob.ID).Devices.Phones; !slices.Equal(got, []string{"001565000003"}) {
		t.Errorf("after the removal bob lists %q", got)
	}
}
