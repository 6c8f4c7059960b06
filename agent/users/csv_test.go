package users

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func TestCSVImport(t *testing.T) {
	e := newEnv(t, fastCfg)
	e.mkUser(`{"username":"taken","extensions":["300"]}`)
	const header = "username,display_name,email,role,extensions,endpoints,abilities\n"
	for _, tc := range []struct {
		name   string
		body   string
		status int
		field  string // a detail naming it
	}{
		{name: "bad email on line 3", body: header + "a1,A One,a1@example.com,user,201,PJSIP/201,\na2,A Two,not-an-email,user,202,,\n",
			status: 400, field: "line 3, email"},
		{name: "unknown ability", body: header + "a1,,,user,,,dialer;fly\n", status: 400, field: "line 2, abilities[1]"},
		{name: "extension taken", body: header + "a1,,,user,300,,\n", status: 409, field: "line 2, extensions[0]"},
		{name: "twice in the file", body: header + "a1,,,,,,\nA1,,,,,,\n", status: 409, field: "line 3, username"},
		{name: "unknown column", body: "username,shoe_size\nx,42\n", status: 400, field: "line 1, column 2"},
		{name: "no username column", body: "email\na@b.org\n", status: 400, field: "line 1"},
		{name: "short line", body: header + "a1,A\n", status: 400, field: "line 2\""},
		{name: "bad quote", body: header + "a1,\"A,,,,,\n", status: 400},
		{name: "empty", body: "", status: 400, field: "line 1"},
		{name: "header only", body: header, status: 400, field: "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(req{method: "POST", path: "/api/v1/users/import", body: tc.body, ctype: "text/csv", as: "admin"})
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.field != "" && !strings.Contains(w.Body.String(), `"field":"`+tc.field) {
				t.Errorf("no detail for %q: %s", tc.field, w.Body)
			}
			if n := len(e.s.byID); n != 1 {
				t.Fatalf("%d users after a refused import: not whole or nothing", n)
			}
		})
	}
	w := e.do(req{method: "POST", path: "/api/v1/users/import", ctype: "text/csv", as: "admin",
		body: "\ufeff" + header + "a1,A One,a1@example.com,supervisor,201;202,PJSIP/201,dialer\n\"a2\",\"Two, A\",,USER,,,\n"})
	if w.Code != http.StatusCreated {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var res ImportResult
	decode(t, w, &res)
	if res.Created != 2 || res.Users[0].Role != platform.RoleSupervisor || len(res.Users[0].Extensions) != 2 || res.Users[1].DisplayName != "Two, A" {
		t.Fatalf("%+v", res)
	}
}

// TestCSVImportRowLimit: more rows than import_max_rows are refused.
func TestCSVImportRowLimit(t *testing.T) {
	cfg := fastCfg
	cfg.ImportMaxRows = 2
	e := newEnv(t, cfg)
	w := e.do(req{method: "POST", path: "/api/v1/users/import", ctype: "text/csv", as: "admin", body: "username\na\nb\nc\n"})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "line 4") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	cfg.ImportMaxBytes = 10
	e.start(cfg)
	w = e.do(req{method: "POST", path: "/api/v1/users/import", ctype: "text/csv", as: "admin", body: "username\naaaaaaaaaaaaaaa\n"})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the byte limit: %d %s", w.Code, w.Body)
	}
}

// FuzzReadCSV: the reader never panics, and what it accepts validates or
// is refused with field errors that name a line.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"username,display_name\nann,Ann\n",
		"username,extensions,endpoints,phones,disabled\nbob,101;102,PJSIP/101,001565aabbcc,yes\n",
		"\ufeffusername\n\"a\"\"b\"\n",
		"username,role\nx,root\n",
		"email\n",
		"username,username\n",
		"username\n\"unterminated\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := readCSV(strings.NewReader(s), 50)
		if err != nil {
			ae, ok := err.(*platform.APIError)
			if !ok || len(ae.Details) == 0 || !strings.HasPrefix(ae.Details[0].Field, "line ") {
				t.Fatalf("error %v does not name a line", err)
			}
			return
		}
		for _, it := range items {
			if !strings.HasPrefix(it.label, "line ") {
				t.Fatalf("label %q", it.label)
			}
			if u, errs := normalize(it.in); len(errs) == 0 && ValidateUsername(u.Username) != nil {
				t.Fatalf("accepted username %q", u.Username)
			}
		}
	})
}

// TestImportEndpoints: numeric endpoints no user has become users; the
// rest is skipped with a reason and existing users are untouched.
func TestImportEndpoints(t *testing.T) {
	eps := fakeEndpoints{{Technology: "PJSIP", Resource: "101"}, {Technology: "PJSIP", Resource: "102"},
		{Technology: "PJSIP", Resource: "anonymous"}, {Technology: "SIP", Resource: "102"}, {Technology: "PJSIP", Resource: "103"}}
	e := newEnv(t, fastCfg, WithEndpoints(eps))
	old := e.mkUser(`{"username":"103","display_name":"Kept"}`)
	w := e.do(req{method: "POST", path: "/api/v1/users/import-endpoints", as: "admin"})
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var res EndpointImport
	decode(t, w, &res)
	if len(res.Created) != 2 || res.Created[0].Username != "101" || res.Created[0].Extensions[0] != "101" ||
		res.Created[0].Devices.Endpoints[0] != "PJSIP/101" || len(res.Skipped) != 3 {
		t.Fatalf("%s", w.Body)
	}
	if rec, _ := e.s.user(old.ID); rec.DisplayName != "Kept" || len(rec.Devices.Endpoints) != 0 {
		t.Fatalf("existing user changed: %+v", rec.User)
	}
	w = e.do(req{method: "POST", path: "/api/v1/users/import-endpoints", as: "admin"})
	decode(t, w, &res)
	if len(res.Created) != 0 {
		t.Fatalf("second import created %d", len(res.Created))
	}
	var info EndpointImportInfo
	if w = e.do(req{method: "GET", path: "/api/v1/users/import-endpoints", as: "admin"}); w.Code != http.StatusOK {
		t.Fatalf("info with ARI: %d %s", w.Code, w.Body)
	}
	if decode(t, w, &info); !info.Available || info.Reason != "" {
		t.Fatalf("info with ARI: %s", w.Body)
	}
	noAri := newEnv(t, fastCfg)
	if w := noAri.do(req{method: "POST", path: "/api/v1/users/import-endpoints", as: "admin"}); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("without ARI: %d", w.Code)
	}
	w = noAri.do(req{method: "GET", path: "/api/v1/users/import-endpoints", as: "admin"})
	info = EndpointImportInfo{}
	if decode(t, w, &info); w.Code != http.StatusOK || info.Available || !strings.Contains(info.Reason, "ari.url") {
		t.Fatalf("info without ARI: %d %s", w.Code, w.Body)
	}
}

// TestMigratePhoneOwners: owners naming a user become its id and the
// phone joins the user's devices; unknown owners are reported, not created.
func TestMigratePhoneOwners(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fastCfg)
	ann := e.mkUser(`{"username":"Ann","email":"ann@example.com"}`)
	phones := e.st.Meta("phones")
	for key, val := range map[string]string{
		"phone/001565aabb01": `{"mac":"001565aabb01","vendor":"yealink","owner":"ann","token_hash":"h1"}`,
		"phone/001565aabb02": `{"mac":"001565aabb02","vendor":"yealink","owner":"ann@example.com"}`,
		"phone/001565aabb03": `{"mac":"001565aabb03","vendor":"snom","owner":"ghost"}`,
		"phone/001565aabb04": `{"mac":"001565aabb04","vendor":"snom"}`,
		"secret":             `not a phone`,
	} {
		if err := phones.Put(ctx, key, []byte(val)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := e.s.MigratePhoneOwners(ctx, phones)
	if err != nil {
		t.Fatal(err)
	}
	if m.Changed != 2 || m.Mapped["ann"] != ann.ID || len(m.Unmatched) != 1 || m.Unmatched[0] != "ghost" {
		t.Fatalf("%+v", m)
	}
	v, _ := phones.Get(ctx, "phone/001565aabb01")
	if !strings.Contains(string(v), `"owner":"`+ann.ID+`"`) || !strings.Contains(string(v), `"token_hash":"h1"`) {
		t.Fatalf("record %s", v)
	}
	rec, _ := e.s.user(ann.ID)
	if len(rec.Devices.Phones) != 2 {
		t.Fatalf("phones of ann %v", rec.Devices.Phones)
	}
	if len(e.s.byID) != 1 {
		t.Fatal("a user was created for an unknown owner")
	}
	if m, err := e.s.MigratePhoneOwners(ctx, phones); err != nil || m.Changed != 0 {
		t.Fatalf("second run: %+v %v", m, err)
	}
}

func TestContactOwner(t *testing.T) {
	ann := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	for _, tc := range []struct {
		name  string
		p     platform.Principal
		owner string
		want  bool
	}{
		{name: "own", p: ann, owner: "u1", want: true},
		{name: "someone else's", p: ann, owner: "u2"},
		{name: "no owner", p: ann, owner: ""},
		{name: "admin user", p: platform.Principal{Kind: platform.KindSession, UserID: "a", Role: platform.RoleAdmin}, owner: "u1", want: true},
		{name: "admin token", p: platform.Principal{Kind: platform.KindAdminToken}, owner: "u1", want: true},
		{name: "app for ann", p: platform.Principal{Kind: platform.KindAppUser, UserID: "u1", Role: platform.RoleUser, Granted: []platform.Scope{platform.ScopeContactsRead}}, owner: "u1", want: true},
		{name: "app for an admin without admin scope", p: platform.Principal{Kind: platform.KindAppUser, UserID: "a", Role: platform.RoleAdmin, Granted: []platform.Scope{platform.ScopeContactsRead}}, owner: "u1"},
	} {
		if got := MayAccessContacts(tc.p, tc.owner); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
	if ContactOwner(ann) != "u1" || ContactOwner(platform.Principal{Kind: platform.KindAdminToken}) != "" {
		t.Error("ContactOwner")
	}
}
