package agent

import (
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestLDAPDirectoryInTheDaemon: ldap.addr starts the directory with the
// daemon; a phone registered through the API binds with its credentials
// and finds a contact made through the API.
func TestLDAPDirectoryInTheDaemon(t *testing.T) {
	d, base := testDaemon(t, func(c *config.Config) {
		c.LDAP.Addr = "127.0.0.1:0"
		c.LDAP.BaseDN = "ou=contacts,dc=example"
	})
	addr := d.LDAPAddr()
	if addr == "" {
		t.Fatal("the LDAP directory is not listening")
	}
	api := client{t: t, base: base, token: "test-admin-token"}
	if code, body := api.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Ada","last_name":"Lovelace","numbers":[{"type":"work","value":"1815"}]}`)); code != 201 {
		t.Fatalf("create contact: %d %s", code, body)
	}
	if code, body := api.do("POST", "/api/v1/phones", "application/json", []byte(`{"mac":"001565AABBCC","vendor":"yealink","username":"desk1","password":"desk1-secret"}`)); code != 201 {
		t.Fatalf("register phone: %d %s", code, body)
	}
	c, err := ldap.DialURL("ldap://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind("cn=desk1,ou=contacts,dc=example", "desk1-secret"); err != nil {
		t.Fatalf("bind: %v", err)
	}
	res, err := c.Search(ldap.NewSearchRequest("ou=contacts,dc=example", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(|(cn=lov*)(sn=lov*))", []string{"cn", "telephoneNumber"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("telephoneNumber") != "1815" {
		t.Fatalf("entries %+v", res.Entries)
	}
	if err := c.Bind("desk1", "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("bad password: %v", err)
	}
}

func TestLDAPOffByDefault(t *testing.T) {
	d, _ := testDaemon(t, nil)
	if a := d.LDAPAddr(); a != "" {
		t.Fatalf("LDAP listening on %s by default", a)
	}
}
