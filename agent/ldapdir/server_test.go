package ldapdir_test

import (
	"slices"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/agent/ldapdir"
	"github.com/pbxagent/pbxagent/phonebook"
)

func search(t *testing.T, c *ldap.Conn, filter string, attrs []string, sizeLimit int) (*ldap.SearchResult, error) {
	t.Helper()
	return c.Search(ldap.NewSearchRequest(testBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, sizeLimit, 0, false, filter, attrs, nil))
}

func TestBind(t *testing.T) {
	e := newEnv(t)
	_, open := e.serve(ldapdir.Config{Allow: allowLoopback})
	_, closed := e.serve(ldapdir.Config{})
	tests := []struct {
		name     string
		addr     string
		user     string
		pass     string
		wantBind int
		// wantSearch is the result code of a search after the bind.
		wantSearch int
	}{
		{name: "bare username", addr: closed, user: "alice-phone", pass: alicePass},
		{name: "cn and base", addr: closed, user: "cn=alice-phone," + testBase, pass: alicePass},
		{name: "uid and base", addr: closed, user: "uid=alice-phone," + testBase, pass: alicePass},
		{name: "cn alone", addr: closed, user: "cn=alice-phone", pass: alicePass},
		{name: "wrong password", addr: closed, user: "alice-phone", pass: "nope", wantBind: ldap.LDAPResultInvalidCredentials, wantSearch: ldap.LDAPResultInsufficientAccessRights},
		{name: "unknown phone", addr: closed, user: "carol-phone", pass: "x", wantBind: ldap.LDAPResultInvalidCredentials, wantSearch: ldap.LDAPResultInsufficientAccessRights},
		{name: "other base", addr: closed, user: "cn=alice-phone,dc=other", pass: alicePass, wantBind: ldap.LDAPResultInvalidCredentials, wantSearch: ldap.LDAPResultInsufficientAccessRights},
		{name: "anonymous refused", addr: closed, wantBind: ldap.LDAPResultInsufficientAccessRights, wantSearch: ldap.LDAPResultInsufficientAccessRights},
		{name: "anonymous allowed", addr: open},
		{name: "phone on allow-listed address", addr: open, user: "bob-phone", pass: bobPass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, tc.addr)
			var err error
			if tc.user == "" {
				err = c.UnauthenticatedBind("")
			} else {
				err = c.Bind(tc.user, tc.pass)
			}
			if got := code(err); got != tc.wantBind {
				t.Fatalf("bind: code %d (%v), want %d", got, err, tc.wantBind)
			}
			res, err := search(t, c, "(cn=alice*)", []string{"cn"}, 0)
			if got := code(err); got != tc.wantSearch {
				t.Fatalf("search: code %d (%v), want %d", got, err, tc.wantSearch)
			}
			if tc.wantSearch == 0 && !slices.Contains(names(res), "Alice Martin") {
				t.Fatalf("search found %q, want Alice Martin", names(res))
			}
		})
	}
}

func TestSearchWithoutBind(t *testing.T) {
	e := newEnv(t)
	_, open := e.serve(ldapdir.Config{Allow: allowLoopback})
	_, closed := e.serve(ldapdir.Config{})
	if _, err := search(t, dial(t, closed), "(cn=*)", nil, 0); code(err) != ldap.LDAPResultInsufficientAccessRights {
		t.Fatalf("search without bind from an address not allowed: %v, want insufficientAccessRights", err)
	}
	res, err := search(t, dial(t, open), "(|(cn=mum*)(sn=mum*))", nil, 0)
	if err != nil || len(res.Entries) != 0 {
		t.Fatalf("anonymous search for a personal contact: %q %v, want none", names(res), err)
	}
}

// TestVendorFilters sends each vendor's default or documented name and
// number filters (docs/phones.md#ldap-directory), as the phone sends them
// once it has put what the user typed in place of %.
func TestVendorFilters(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{})
	tests := []struct {
		vendor string
		filter string
		attrs  []string
		want   []string
	}{
		{vendor: "yealink name", filter: "(|(cn=smi*)(sn=smi*))", attrs: []string{"cn", "sn", "telephoneNumber", "mobile", "ipPhone"},
			want: []string{"Anna Smithson", "John Smith"}},
		{vendor: "yealink number", filter: "(|(telephoneNumber=1001*)(mobile=1001*)(ipPhone=1001*))", attrs: []string{"cn", "telephoneNumber", "mobile", "ipPhone"},
			want: []string{"Alice Martin"}},
		{vendor: "yealink incoming call", filter: "(|(telephoneNumber=+442079460018*)(mobile=+442079460018*)(ipPhone=+442079460018*))", attrs: []string{"cn"},
			want: []string{"Bob Builder"}},
		{vendor: "grandstream name", filter: "(|(cn=zo*)(sn=zo*))", attrs: []string{"cn", "sn", "telephoneNumber", "Mobile", "mail"},
			want: []string{"Zoë Müller"}},
		{vendor: "grandstream number", filter: "(|(telephoneNumber=07700*)(Mobile=07700*))", attrs: []string{"cn", "telephoneNumber", "Mobile"},
			want: []string{"Alice's Mum", "Anna Smithson"}},
		{vendor: "snom name", filter: "(|(sn=mül*)(cn=mül*))", attrs: []string{"cn", "sn", "telephoneNumber"},
			want: []string{"Zoë Müller"}},
		{vendor: "snom number", filter: "(&(telephoneNumber=1002)(sn=*))", attrs: []string{"cn", "telephoneNumber"},
			want: []string{"John Smith"}},
		{vendor: "snom during call", filter: "(&(telephoneNumber=*)(sn=Builder*))", attrs: []string{"cn", "telephoneNumber"},
			want: []string{"Bob Builder"}},
		{vendor: "cisco first and last name", filter: "(&(cn=john*)(sn=smi*))", attrs: []string{"cn", "sn", "givenName", "telephoneNumber"},
			want: []string{"John Smith"}},
		{vendor: "polycom", filter: "(&(objectclass=person)(|(sn=mar*)(givenName=mar*)))", attrs: []string{"sn", "givenName", "telephoneNumber", "cn"},
			want: []string{"Alice Martin"}},
		{vendor: "fanvil name", filter: "(|(cn=Page Person01*)(sn=Page Person01*))", attrs: []string{"cn", "telephoneNumber", "mobile", "homePhone"},
			want: []string{"Page Person01"}},
		{vendor: "fanvil number", filter: "(|(telephoneNumber=+4930*)(mobile=+4930*)(homePhone=+4930*))", attrs: []string{"cn", "homePhone"},
			want: []string{"Zoë Müller"}},
		{vendor: "no match", filter: "(|(cn=xyz*)(sn=xyz*))", want: []string{}},
		{vendor: "not", filter: "(&(o=Acme)(!(sn=Smith)))", want: []string{"Alice Martin"}},
		{vendor: "approx as equality", filter: "(sn~=martin)", want: []string{"Alice Martin"}},
		{vendor: "any and final", filter: "(cn=*build*er)", want: []string{"Bob Builder"}},
		{vendor: "unknown attribute", filter: "(foo=bar)", want: []string{}},
	}
	c := dial(t, addr)
	if err := c.Bind("alice-phone", alicePass); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.vendor, func(t *testing.T) {
			res, err := search(t, c, tc.filter, tc.attrs, 0)
			if err != nil {
				t.Fatalf("%s: %v", tc.filter, err)
			}
			if got := names(res); !slices.Equal(got, tc.want) {
				t.Fatalf("%s: %q, want %q", tc.filter, got, tc.want)
			}
		})
	}
}

func TestEntryAttributes(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback})
	c := dial(t, addr)
	res, err := search(t, c, "(sn=Martin)", nil, 0)
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("search: %v %d entries", err, len(res.Entries))
	}
	en := res.Entries[0]
	want := map[string][]string{
		"objectClass": {"top", "person", "organizationalPerson", "inetOrgPerson"},
		"cn":          {"Alice Martin"}, "sn": {"Martin"}, "givenName": {"Alice"}, "displayName": {"Alice Martin"},
		"telephoneNumber": {"1001"}, "mobile": {"+33 6 12 34 56 78"}, "mail": {"alice@acme.example"},
		"o": {"Acme"}, "ou": {"Sales"}, "title": {"CTO"},
	}
	for a, v := range want {
		if got := en.GetAttributeValues(a); !slices.Equal(got, v) {
			t.Errorf("%s: %q, want %q", a, got, v)
		}
	}
	uid := en.GetAttributeValue("uid")
	if en.DN != "uid="+uid+","+testBase {
		t.Errorf("dn %q, uid %q", en.DN, uid)
	}
	// The entry read by its DN, and attribute selection with typesOnly.
	r2, err := c.Search(ldap.NewSearchRequest(en.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, true, "(objectClass=*)", []string{"CN", "mobile"}, nil))
	if err != nil || len(r2.Entries) != 1 {
		t.Fatalf("base search: %v", err)
	}
	got := r2.Entries[0]
	if len(got.Attributes) != 2 || got.Attributes[0].Name != "CN" || len(got.Attributes[0].Values) != 0 {
		t.Fatalf("typesOnly selection: %+v", got.Attributes)
	}
	// Root DSE.
	r3, err := c.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"namingContexts", "supportedControl"}, nil))
	if err != nil || len(r3.Entries) != 1 || r3.Entries[0].GetAttributeValue("namingContexts") != testBase {
		t.Fatalf("root DSE: %v %+v", err, r3)
	}
	// Outside the directory.
	if _, err := c.Search(ldap.NewSearchRequest("dc=elsewhere", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(cn=*)", nil, nil)); code(err) != ldap.LDAPResultNoSuchObject {
		t.Fatalf("search outside the base: %v, want noSuchObject", err)
	}
}

func TestPersonalContactsOnlyForTheOwner(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback})
	tests := []struct {
		name       string
		user, pass string
		want       []string
	}{
		{name: "alice's phone", user: "alice-phone", pass: alicePass, want: []string{"Alice's Mum", "Anna Smithson"}},
		{name: "bob's phone", user: "bob-phone", pass: bobPass, want: []string{"Anna Smithson", "Bob's Secret"}},
		{name: "anonymous", want: []string{"Anna Smithson"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			if tc.user != "" {
				if err := c.Bind(tc.user, tc.pass); err != nil {
					t.Fatal(err)
				}
			}
			res, err := search(t, c, "(|(telephoneNumber=07700*)(mobile=07700*))", []string{"cn"}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res); !slices.Equal(got, tc.want) {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}

func TestSizeLimitAndPaging(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback, SizeLimit: 25})
	c := dial(t, addr)
	// The client's limit.
	res, err := search(t, c, "(cn=page*)", []string{"cn"}, 7)
	if code(err) != ldap.LDAPResultSizeLimitExceeded || len(res.Entries) != 7 {
		t.Fatalf("sizeLimit 7: %d entries, %v; want 7 and sizeLimitExceeded", len(res.Entries), err)
	}
	// The server's limit (25 of 30).
	res, err = search(t, c, "(cn=page*)", []string{"cn"}, 0)
	if code(err) != ldap.LDAPResultSizeLimitExceeded || len(res.Entries) != 25 {
		t.Fatalf("server limit: %d entries, %v; want 25 and sizeLimitExceeded", len(res.Entries), err)
	}
	// Within the limit: no error.
	res, err = search(t, c, "(cn=page person0*)", []string{"cn"}, 0)
	if err != nil || len(res.Entries) != 10 {
		t.Fatalf("10 matches: %d entries, %v", len(res.Entries), err)
	}
	// Paged: pages of 6 over the 10 matches, in order, no repeats.
	req := ldap.NewSearchRequest(testBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(cn=page person0*)", []string{"cn"}, nil)
	res, err = c.SearchWithPaging(req, 6)
	if err != nil {
		t.Fatal(err)
	}
	got := names(res)
	want := make([]string, 10)
	for i := range want {
		want[i] = "Page Person0" + string(rune('0'+i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged: %q, want %q", got, want)
	}
	// A cookie from another search is refused.
	pc := ldap.NewControlPaging(6)
	pc.SetCookie([]byte("0123456789abcdef"))
	_, err = c.Search(ldap.NewSearchRequest(testBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(cn=*)", nil, []ldap.Control{pc}))
	if code(err) != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("foreign cookie: %v, want unwillingToPerform", err)
	}
}

func TestReadOnlyAndUnsupported(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback})
	c := dial(t, addr)
	if err := c.Bind("alice-phone", alicePass); err != nil {
		t.Fatal(err)
	}
	mod := ldap.NewModifyRequest("uid=x,"+testBase, nil)
	mod.Replace("cn", []string{"x"})
	if err := c.Modify(mod); code(err) != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("modify: %v, want unwillingToPerform", err)
	}
	if err := c.Del(ldap.NewDelRequest("uid=x,"+testBase, nil)); code(err) != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("delete: %v, want unwillingToPerform", err)
	}
	if _, err := c.Compare("uid=x,"+testBase, "cn", "x"); code(err) != ldap.LDAPResultUnwillingToPerform {
		t.Fatalf("compare: %v, want unwillingToPerform", err)
	}
	if _, err := c.WhoAmI(nil); code(err) != ldap.LDAPResultProtocolError {
		t.Fatalf("who am i: %v, want protocolError", err)
	}
	// A critical control not offered.
	ctl := ldap.NewControlString("1.2.840.113556.1.4.473", true, "x") // server-side sort
	if _, err := c.Search(ldap.NewSearchRequest(testBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(cn=*)", nil, []ldap.Control{ctl})); code(err) != ldap.LDAPResultUnavailableCriticalExtension {
		t.Fatalf("critical control: %v, want unavailableCriticalExtension", err)
	}
	// The connection still serves after all of that.
	if _, err := search(t, c, "(cn=alice*)", nil, 0); err != nil {
		t.Fatal(err)
	}
	// StartTLS is refused (the directory has no TLS).
	c2 := dial(t, addr)
	if err := c2.StartTLS(nil); err == nil {
		t.Fatal("StartTLS succeeded")
	}
}

// TestResultsFollowChanges: a search repeated after a contact is added
// (the result cache's generation) finds it.
func TestResultsFollowChanges(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback})
	c := dial(t, addr)
	res, err := search(t, c, "(|(cn=newco*)(sn=newco*))", []string{"cn"}, 0)
	if err != nil || len(res.Entries) != 0 {
		t.Fatalf("before: %q %v", names(res), err)
	}
	if _, err := e.store.Create(t.Context(), &phonebook.Contact{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceLocal,
		FirstName: "Nora", LastName: "Newcomer"}); err != nil {
		t.Fatal(err)
	}
	res, err = search(t, c, "(|(cn=newco*)(sn=newco*))", []string{"cn"}, 0)
	if err != nil || !slices.Equal(names(res), []string{"Nora Newcomer"}) {
		t.Fatalf("after: %q %v", names(res), err)
	}
}
