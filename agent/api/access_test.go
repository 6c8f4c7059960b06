package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// testAuth maps the X-Test-Principal header to a principal.
type testAuth map[string]platform.Principal

func (a testAuth) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	v := r.Header.Get("X-Test-Principal")
	if v == "" {
		return platform.Principal{}, false, nil
	}
	p, ok := a[v]
	if !ok {
		return platform.Principal{}, false, errors.New("unknown test principal " + v)
	}
	return p, true, nil
}

// The principals of the access tests ("token" is the admin token itself).
var accessPrincipals = testAuth{
	"admin":   {Kind: platform.KindSession, UserID: "u-adm", Username: "root", Role: platform.RoleAdmin},
	"a":       {Kind: platform.KindSession, UserID: "u-a", Username: "ann", Role: platform.RoleUser},
	"b":       {Kind: platform.KindSession, UserID: "u-b", Username: "bob", Role: platform.RoleUser},
	"a-app":   {Kind: platform.KindAppUser, UserID: "u-a", Username: "ann", Role: platform.RoleUser, AppID: "crm", Granted: []platform.Scope{platform.ScopeContactsRead}},
	"cc":      {Kind: platform.KindApp, AppID: "bot", Granted: []platform.Scope{platform.ScopeContactsRead, platform.ScopeContactsWrite}},
	"cc-root": {Kind: platform.KindApp, AppID: "sync", Granted: []platform.Scope{platform.ScopeAdmin, platform.ScopeContactsRead, platform.ScopeContactsWrite}},
}

// accessFixture is the contacts routes on a store holding one global
// contact (G) and one personal contact of each of users A and B (PA, PB),
// each with words and a number found nowhere else.
type accessFixture struct {
	store       *phonebook.Store
	mux         *httpx.Mux
	g, pa, pb   *phonebook.Contact
	secretOf    map[string][]string // owner → what no one else may be shown
	contactsNow func() string
}

func newAccessFixture(t testing.TB) *accessFixture {
	t.Helper()
	ctx := context.Background()
	norm, err := number.New(number.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(ctx, phonebook.Options{InMemory: true, Numbering: norm.Numbering(), MemoryBudget: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	reg := prometheus.NewRegistry()
	mux := httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken("tok"), accessPrincipals), httpx.WithRegisterer(reg))
	mux.Mount(NewComponent(NewContacts(st, reg), NewImports(st, t.TempDir())))
	mk := func(c *phonebook.Contact) *phonebook.Contact {
		out, err := st.Create(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	f := &accessFixture{store: st, mux: mux,
		g: mk(&phonebook.Contact{Scope: phonebook.ScopeGlobal, FirstName: "Globus", Company: "Shared",
			Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: "+38733100001"}}}),
		pa: mk(&phonebook.Contact{Scope: phonebook.ScopePersonal, Owner: "u-a", FirstName: "Alphasecret", Company: "Shared",
			Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "+38761200002"}}}),
		pb: mk(&phonebook.Contact{Scope: phonebook.ScopePersonal, Owner: "u-b", FirstName: "Bravosecret", Company: "Shared",
			Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "+38761300003"}}}),
	}
	f.secretOf = map[string][]string{
		"u-a": {"Alphasecret", "38761200002", f.pa.ID},
		"u-b": {"Bravosecret", "38761300003", f.pb.ID},
	}
	f.contactsNow = func() string {
		p, err := st.Search(ctx, phonebook.Query{Limit: phonebook.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p.Contacts)
		return string(b)
	}
	return f
}

// do sends a request as who ("token": the admin token) with {G}, {PA} and
// {PB} in path replaced by the fixture's ids.
func (f *accessFixture) do(who, method, path, body string) *httptest.ResponseRecorder {
	path = strings.NewReplacer("{G}", f.g.ID, "{PA}", f.pa.ID, "{PB}", f.pb.ID).Replace(path)
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if who == "token" {
		req.Header.Set("Authorization", "Bearer tok")
	} else {
		req.Header.Set("X-Test-Principal", who)
	}
	switch {
	case method == "PATCH":
		req.Header.Set("Content-Type", "application/merge-patch+json")
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	return rec
}

// wantNames returns a check that the body is a page of contacts with
// exactly these first names (in display-name order).
func wantNames(names ...string) func(*testing.T, *accessFixture, []byte) {
	return func(t *testing.T, _ *accessFixture, b []byte) {
		t.Helper()
		var p phonebook.Page
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("page: %v: %s", err, b)
		}
		var got []string
		for _, c := range p.Contacts {
			got = append(got, c.FirstName)
		}
		if strings.Join(got, ",") != strings.Join(names, ",") || p.Total != len(names) {
			t.Fatalf("contacts %v (total %d), want %v", got, p.Total, names)
		}
	}
}

// wantOwner returns a check that the body is a contact of this scope and
// owner.
func wantOwner(scope phonebook.Scope, owner string) func(*testing.T, *accessFixture, []byte) {
	return func(t *testing.T, _ *accessFixture, b []byte) {
		t.Helper()
		var c phonebook.Contact
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("contact: %v: %s", err, b)
		}
		if c.Scope != scope || c.Owner != owner {
			t.Fatalf("contact %s/%q, want %s/%q: %s", c.Scope, c.Owner, scope, owner, b)
		}
	}
}

// TestContactsAccess: who may read and change which contacts, over the
// principals × the contacts routes. Besides each case's status and check:
// a refused request changes nothing, and no response shows anyone but an
// admin another user's personal contact (not its name, number or id).
func TestContactsAccess(t *testing.T) {
	const (
		newPersonal = `{"first_name":"Newbie","numbers":[{"type":"mobile","value":"+38762400004"}]}`
		G, PA, PB   = "/api/v1/contacts/{G}", "/api/v1/contacts/{PA}", "/api/v1/contacts/{PB}"
		all         = "/api/v1/contacts"
	)
	personal, global := phonebook.ScopePersonal, phonebook.ScopeGlobal
	tests := []struct {
		name, who, method, path, body string
		status                        int
		check                         func(*testing.T, *accessFixture, []byte)
	}{
		// Search.
		{name: "admin token searches all", who: "token", method: "GET", path: all, status: 200, check: wantNames("Alphasecret", "Bravosecret", "Globus")},
		{name: "admin user searches all", who: "admin", method: "GET", path: all, status: 200, check: wantNames("Alphasecret", "Bravosecret", "Globus")},
		{name: "admin app searches all", who: "cc-root", method: "GET", path: all, status: 200, check: wantNames("Alphasecret", "Bravosecret", "Globus")},
		{name: "A searches: global and A's", who: "a", method: "GET", path: all, status: 200, check: wantNames("Alphasecret", "Globus")},
		{name: "B searches: global and B's", who: "b", method: "GET", path: all, status: 200, check: wantNames("Bravosecret", "Globus")},
		{name: "A's app searches: global and A's", who: "a-app", method: "GET", path: all, status: 200, check: wantNames("Alphasecret", "Globus")},
		{name: "client app searches: global only", who: "cc", method: "GET", path: all, status: 200, check: wantNames("Globus")},
		{name: "A searches B's words", who: "a", method: "GET", path: all + "?q=bravosecret", status: 200, check: wantNames()},
		{name: "A searches B's number", who: "a", method: "GET", path: all + "?q=%2B38761300003", status: 200, check: wantNames()},
		{name: "A searches personal: A's", who: "a", method: "GET", path: all + "?scope=personal", status: 200, check: wantNames("Alphasecret")},
		{name: "A searches global", who: "a", method: "GET", path: all + "?scope=global", status: 200, check: wantNames("Globus")},
		{name: "A searches own owner", who: "a", method: "GET", path: all + "?owner=u-a", status: 200, check: wantNames("Alphasecret")},
		{name: "A searches B as owner", who: "a", method: "GET", path: all + "?owner=u-b", status: 403},
		{name: "A searches B's as personal", who: "a", method: "GET", path: all + "?scope=personal&owner=u-b", status: 403},
		{name: "A searches own view", who: "a", method: "GET", path: all + "?visible_to=u-a", status: 200, check: wantNames("Alphasecret", "Globus")},
		{name: "A searches B's view", who: "a", method: "GET", path: all + "?visible_to=u-b", status: 403},
		{name: "client app searches personal", who: "cc", method: "GET", path: all + "?scope=personal", status: 403},
		{name: "client app searches an owner", who: "cc", method: "GET", path: all + "?owner=u-a", status: 403},
		{name: "client app searches global", who: "cc", method: "GET", path: all + "?scope=global", status: 200, check: wantNames("Globus")},
		{name: "admin searches B as owner", who: "admin", method: "GET", path: all + "?owner=u-b", status: 200, check: wantNames("Bravosecret")},
		{name: "admin searches B's view", who: "token", method: "GET", path: all + "?visible_to=u-b", status: 200, check: wantNames("Bravosecret", "Globus")},

		// Get.
		{name: "A gets global", who: "a", method: "GET", path: G, status: 200},
		{name: "client app gets global", who: "cc", method: "GET", path: G, status: 200},
		{name: "A gets A's", who: "a", method: "GET", path: PA, status: 200, check: wantOwner(personal, "u-a")},
		{name: "A's app gets A's", who: "a-app", method: "GET", path: PA, status: 200},
		{name: "A gets B's", who: "a", method: "GET", path: PB, status: 404},
		{name: "B gets A's", who: "b", method: "GET", path: PA, status: 404},
		{name: "A's app gets B's", who: "a-app", method: "GET", path: PB, status: 404},
		{name: "client app gets A's", who: "cc", method: "GET", path: PA, status: 404},
		{name: "admin gets B's", who: "admin", method: "GET", path: PB, status: 200},
		{name: "admin token gets A's", who: "token", method: "GET", path: PA, status: 200},
		{name: "admin app gets A's", who: "cc-root", method: "GET", path: PA, status: 200},

		// Lookup: global contacts only, for everyone (unchanged).
		{name: "A looks up global", who: "a", method: "GET", path: "/api/v1/lookup?number=%2B38733100001", status: 200},
		{name: "client app looks up global", who: "cc", method: "GET", path: "/api/v1/lookup?number=%2B38733100001", status: 200},
		{name: "B looks up A's number", who: "b", method: "GET", path: "/api/v1/lookup?number=%2B38761200002", status: 404,
			check: func(t *testing.T, f *accessFixture, b []byte) {
				if bytes.Contains(b, []byte(f.pa.ID)) || bytes.Contains(b, []byte("Alphasecret")) {
					t.Fatalf("lookup showed A's contact: %s", b)
				}
			}},

		// Create.
		{name: "A creates: personal, A's", who: "a", method: "POST", path: all, body: newPersonal, status: 201, check: wantOwner(personal, "u-a")},
		{name: "A creates personal", who: "a", method: "POST", path: all, body: `{"scope":"personal","first_name":"N"}`, status: 201, check: wantOwner(personal, "u-a")},
		{name: "A creates naming A", who: "a", method: "POST", path: all, body: `{"scope":"personal","owner":"u-a","first_name":"N"}`, status: 201, check: wantOwner(personal, "u-a")},
		{name: "A creates for B", who: "a", method: "POST", path: all, body: `{"scope":"personal","owner":"u-b","first_name":"N"}`, status: 403},
		{name: "A creates for B, no scope", who: "a", method: "POST", path: all, body: `{"owner":"u-b","first_name":"N"}`, status: 403},
		{name: "A creates global", who: "a", method: "POST", path: all, body: `{"scope":"global","first_name":"N"}`, status: 403},
		{name: "A's read-only app creates", who: "a-app", method: "POST", path: all, body: newPersonal, status: 403},
		{name: "client app creates personal", who: "cc", method: "POST", path: all, body: `{"scope":"personal","first_name":"N"}`, status: 403},
		{name: "client app creates", who: "cc", method: "POST", path: all, body: newPersonal, status: 403},
		{name: "client app creates global", who: "cc", method: "POST", path: all, body: `{"scope":"global","first_name":"N"}`, status: 403},
		{name: "admin token creates B's", who: "token", method: "POST", path: all, body: `{"scope":"personal","owner":"u-b","first_name":"N"}`, status: 201, check: wantOwner(personal, "u-b")},
		{name: "admin creates: global", who: "admin", method: "POST", path: all, body: newPersonal, status: 201, check: wantOwner(global, "")},

		// Put.
		{name: "A puts A's", who: "a", method: "PUT", path: PA, body: `{"first_name":"Alpha2"}`, status: 200, check: wantOwner(personal, "u-a")},
		{name: "A gives A's to B", who: "a", method: "PUT", path: PA, body: `{"scope":"personal","owner":"u-b","first_name":"Alpha2"}`, status: 403},
		{name: "A makes A's global", who: "a", method: "PUT", path: PA, body: `{"scope":"global","first_name":"Alpha2"}`, status: 403},
		{name: "A puts B's", who: "a", method: "PUT", path: PB, body: `{"first_name":"Mine"}`, status: 404},
		{name: "A puts B's as A's", who: "a", method: "PUT", path: PB, body: `{"scope":"personal","owner":"u-a","first_name":"Mine"}`, status: 404},
		{name: "A puts global", who: "a", method: "PUT", path: G, body: `{"scope":"global","first_name":"G2"}`, status: 403},
		{name: "A takes global", who: "a", method: "PUT", path: G, body: `{"first_name":"G2"}`, status: 403},
		{name: "A's read-only app puts A's", who: "a-app", method: "PUT", path: PA, body: `{"first_name":"Alpha2"}`, status: 403},
		{name: "client app puts global", who: "cc", method: "PUT", path: G, body: `{"scope":"global","first_name":"G2"}`, status: 403},
		{name: "admin puts B's", who: "admin", method: "PUT", path: PB, body: `{"scope":"personal","owner":"u-b","first_name":"Bravo2"}`, status: 200, check: wantOwner(personal, "u-b")},

		// Patch.
		{name: "A patches A's", who: "a", method: "PATCH", path: PA, body: `{"last_name":"X"}`, status: 200, check: wantOwner(personal, "u-a")},
		{name: "A patches A's owner away", who: "a", method: "PATCH", path: PA, body: `{"owner":"u-b"}`, status: 403},
		{name: "A patches A's to global", who: "a", method: "PATCH", path: PA, body: `{"scope":"global","owner":null}`, status: 403},
		{name: "A patches B's", who: "a", method: "PATCH", path: PB, body: `{"last_name":"X"}`, status: 404},
		{name: "A patches global", who: "a", method: "PATCH", path: G, body: `{"last_name":"X"}`, status: 403},
		{name: "A's read-only app patches A's", who: "a-app", method: "PATCH", path: PA, body: `{"last_name":"X"}`, status: 403},
		{name: "admin patches global", who: "admin", method: "PATCH", path: G, body: `{"last_name":"X"}`, status: 200, check: wantOwner(global, "")},

		// Delete.
		{name: "A deletes A's", who: "a", method: "DELETE", path: PA, status: 204},
		{name: "A deletes B's", who: "a", method: "DELETE", path: PB, status: 404},
		{name: "B deletes A's", who: "b", method: "DELETE", path: PA, status: 404},
		{name: "A deletes global", who: "a", method: "DELETE", path: G, status: 403},
		{name: "A's read-only app deletes A's", who: "a-app", method: "DELETE", path: PA, status: 403},
		{name: "client app deletes global", who: "cc", method: "DELETE", path: G, status: 403},
		{name: "client app deletes A's", who: "cc", method: "DELETE", path: PA, status: 404},
		{name: "admin token deletes B's", who: "token", method: "DELETE", path: PB, status: 204},

		// Revert.
		{name: "A reverts A's", who: "a", method: "POST", path: PA + "/revert", status: 200, check: wantOwner(personal, "u-a")},
		{name: "A reverts B's", who: "a", method: "POST", path: PB + "/revert", status: 404},
		{name: "A reverts global", who: "a", method: "POST", path: G + "/revert", status: 403},
		{name: "A's read-only app reverts A's", who: "a-app", method: "POST", path: PA + "/revert", status: 403},
		{name: "admin reverts global", who: "admin", method: "POST", path: G + "/revert", status: 200},

		// The CSV routes act on the global book: admins only.
		{name: "A exports", who: "a", method: "GET", path: all + "/export", status: 403},
		{name: "A gets the template", who: "a", method: "GET", path: all + "/template", status: 403},
		{name: "A imports", who: "a", method: "POST", path: all + "/import?mode=merge", status: 403},
		{name: "client app exports", who: "cc", method: "GET", path: all + "/export", status: 403},
		{name: "admin exports", who: "admin", method: "GET", path: all + "/export", status: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newAccessFixture(t)
			before := f.contactsNow()
			rec := f.do(tc.who, tc.method, tc.path, tc.body)
			b := rec.Body.Bytes()
			if rec.Code != tc.status {
				t.Fatalf("%s %s as %s: %d, want %d: %s", tc.method, tc.path, tc.who, rec.Code, tc.status, b)
			}
			if tc.check != nil {
				tc.check(t, f, b)
			}
			if rec.Code >= 400 && f.contactsNow() != before {
				t.Errorf("a refused request changed the contacts")
			}
			if rec.Code == 404 && strings.HasPrefix(tc.path, all) && !bytes.Contains(b, []byte(`"message":"not found"`)) {
				t.Errorf("a 404 unlike that of a missing contact: %s", b)
			}
			p := accessPrincipals[tc.who]
			if tc.who == "token" || p.Allows(platform.ScopeAdmin) {
				return
			}
			for owner, secrets := range f.secretOf {
				if owner == p.UserID {
					continue
				}
				for _, s := range secrets {
					if bytes.Contains(b, []byte(s)) && !strings.Contains(tc.path, s) { // a lookup miss echoes its number
						t.Errorf("%s was shown %s's personal contact (%q): %s", tc.who, owner, s, b)
					}
				}
			}
		})
	}
}

// TestContactsAccessMissing: another user's personal contact and a
// contact that does not exist get the same answer.
func TestContactsAccessMissing(t *testing.T) {
	f := newAccessFixture(t)
	for _, m := range []struct{ method, body string }{{"GET", ""}, {"PUT", `{"first_name":"X"}`}, {"PATCH", `{"first_name":"X"}`}, {"DELETE", ""}} {
		theirs := f.do("a", m.method, "/api/v1/contacts/{PB}", m.body)
		missing := f.do("a", m.method, "/api/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV", m.body)
		strip := func(rec *httptest.ResponseRecorder) string {
			var e platform.ErrorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			e.Error.RequestID = ""
			b, _ := json.Marshal(e)
			return string(b)
		}
		if theirs.Code != missing.Code || strip(theirs) != strip(missing) {
			t.Errorf("%s: B's contact %d %s, a missing one %d %s", m.method, theirs.Code, theirs.Body, missing.Code, missing.Body)
		}
	}
}

// FuzzContactsAccessSearch: whatever a search asks for, no one but an
// admin is shown another user's personal contact.
func FuzzContactsAccessSearch(f *testing.F) {
	for i, s := range [][4]string{{"personal", "u-b", "", ""}, {"", "", "u-a", "secret"}, {"global", "u-a", "u-a", "+387"}, {"", "", "", ""}, {"bogus", "", "", ""}} {
		f.Add(uint8(i), s[0], s[1], s[2], s[3])
	}
	who := []string{"a", "b", "a-app", "cc"}
	fx := newAccessFixture(f)
	f.Fuzz(func(t *testing.T, w uint8, scope, owner, visibleTo, q string) {
		name := who[int(w)%len(who)]
		v := url.Values{"scope": {scope}, "owner": {owner}, "visible_to": {visibleTo}, "q": {q}}
		rec := fx.do(name, "GET", "/api/v1/contacts?"+v.Encode(), "")
		me := accessPrincipals[name].UserID
		for them, secrets := range fx.secretOf {
			if them == me {
				continue
			}
			for _, s := range secrets {
				if bytes.Contains(rec.Body.Bytes(), []byte(s)) && !strings.Contains(q+scope+owner+visibleTo, s) {
					t.Fatalf("%s %v: shown %s's contact: %s", name, v, them, rec.Body)
				}
			}
		}
	})
}

// FuzzContactsAccessInput: a contact written by anyone but an admin is
// personal and theirs, or refused.
func FuzzContactsAccessInput(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"personal", "u-b"}, {"global", ""}, {"personal", "u-a"}, {"x", "u-a"}} {
		f.Add(uint8(0), s[0], s[1])
	}
	who := []string{"a", "b", "a-app", "cc"}
	f.Fuzz(func(t *testing.T, w uint8, scope, owner string) {
		p := accessPrincipals[who[int(w)%len(who)]]
		in := contactInput{Scope: phonebook.Scope(scope), Owner: owner}
		err := access{p: p}.vetInput(&in)
		switch {
		case err != nil:
			var ae *platform.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
				t.Fatalf("%v", err)
			}
		case p.UserID == "":
			t.Fatalf("no user, yet allowed: %+v", in)
		case in.Scope == phonebook.ScopeGlobal, in.Scope == phonebook.ScopePersonal && in.Owner != p.UserID:
			t.Fatalf("%s writes %+v", p.UserID, in)
		case in.Scope != phonebook.ScopePersonal && in.Scope.Valid():
			t.Fatalf("scope %q", in.Scope)
		}
	})
}
