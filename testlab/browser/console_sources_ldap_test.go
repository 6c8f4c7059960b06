package browser

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/slapd"
)

// ldapPeople are the entries of the console test's directory.
const ldapPeople = `dn: uid=ana,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: ana
cn: Ana Imenik
sn: Imenik
givenName: Ana
telephoneNumber: +387 33 500 100

dn: uid=bora,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: bora
cn: Bora Imenik
sn: Imenik
mobile: +387 61 500 101

dn: uid=cana,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: cana
cn: Cana Imenik
sn: Imenik
telephoneNumber: +387 33 500 102

dn: cn=reader,dc=example,dc=com
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: reader-pw-1

`

// TestConsoleSourcesLDAP runs console/sources-ldap.mjs against a throwaway slapd: the LDAP tab's
// form, a refused test naming the password, the preview, create and sync; then checks through
// the API what the browser did.
func TestConsoleSourcesLDAP(t *testing.T) {
	slapd.Require(t)
	l := startConsole(t, consoleOptions{})
	var base strings.Builder
	if err := slapd.WriteBase(&base, "dc=example,dc=com"); err != nil {
		t.Fatal(err)
	}
	s := slapd.Start(t, slapd.Config{LDIF: []byte(base.String() + ldapPeople)})
	t.Setenv("LDAP_URL", s.URL)
	t.Setenv("LDAP_BIND_DN", "cn=reader,dc=example,dc=com")
	t.Setenv("LDAP_PASSWORD", "reader-pw-1")
	t.Setenv("LDAP_BASE_DN", "ou=people,dc=example,dc=com")
	var res struct {
		Fields    []string `json:"fields"`
		TestError string   `json:"test_error"`
		Preview   []string `json:"preview"`
		Status    string   `json:"status"`
		A11y      []string `json:"a11y_checked"`
	}
	l.run(t, "sources-ldap", &res)
	t.Logf("sources-ldap: %+v", res)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the LDAP form's fields", ok: containsAll(strings.Join(res.Fields, "|"), "Server URL", "StartTLS", "Bind DN", "Password", "Base DN", "Filter", "Directory")},
		{name: "a refused bind names the password setting", ok: containsAll(res.TestError, "Test failed", "settings.password", "invalidCredentials")},
		{name: "the test previews the people", ok: slices.Equal(res.Preview, []string{"Ana Imenik", "Bora Imenik", "Cana Imenik"})},
		{name: "the sync's status", ok: strings.HasSuffix(res.Status, "Contacts synced: 3, deleted: 0.")},
		{name: "axe ran in every state", ok: len(res.A11y) >= 5},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	var list struct {
		Sources []struct {
			Type       string         `json:"type"`
			Name       string         `json:"name"`
			Settings   map[string]any `json:"settings"`
			SecretsSet []string       `json:"secrets_set"`
			Status     struct {
				Contacts int `json:"contacts"`
			} `json:"status"`
		} `json:"sources"`
	}
	l.apiJSON(t, "GET", "/api/v1/sources", nil, http.StatusOK, &list)
	if len(list.Sources) != 1 {
		t.Fatalf("sources: %+v", list.Sources)
	}
	src := list.Sources[0]
	if src.Type != "ldap" || src.Name != "corp" || src.Settings["url"] != s.URL || src.Settings["password"] != nil ||
		!slices.Equal(src.SecretsSet, []string{"password"}) || src.Status.Contacts != 3 {
		t.Errorf("the LDAP source: %+v", src)
	}
}
