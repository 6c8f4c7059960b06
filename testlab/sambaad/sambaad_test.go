package sambaad

import (
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// TestStartAddBind starts a DC, adds an OU, a user with a password and a contact, and binds as
// the user by principal name and by DN.
func TestStartAddBind(t *testing.T) {
	d := Start(t, Config{})
	if !strings.HasPrefix(d.Version, "4.") {
		t.Fatalf("version %q", d.Version)
	}
	l := d.Admin(t)
	ou := "OU=Selftest," + BaseDN
	if err := AddOU(l, ou); err != nil {
		t.Fatal(err)
	}
	u := User{DN: "CN=Self Test," + ou, SAMAccountName: "selftest", Password: "Self-Test-2026!",
		Attrs: map[string][]string{"ipPhone": {"201"}, "otherTelephone": {"+387 33 000 001", "+387 33 000 002"}}}
	if err := AddUser(l, u); err != nil {
		t.Fatal(err)
	}
	if err := AddContact(l, "CN=Outside Person,"+ou, map[string][]string{"telephoneNumber": {"+387 33 000 003"}, "company": {"Elsewhere"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"selftest@" + DNSDomain, u.DN, NetBIOSDomain + `\selftest`} {
		c, err := d.Dial(name, u.Password)
		if err != nil {
			t.Fatalf("bind as %s: %v", name, err)
		}
		c.Close()
	}
	if _, err := d.Dial("selftest@"+DNSDomain, "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("wrong password: %v, want invalidCredentials", err)
	}
	e, err := Read(l, u.DN, "otherTelephone", "uSNChanged", "objectGUID")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.GetAttributeValues("otherTelephone")) != 2 || len(e.GetRawAttributeValue("objectGUID")) != 16 {
		t.Fatalf("entry %v", e)
	}
	usn, err := USNChanged(l, u.DN)
	if err != nil {
		t.Fatal(err)
	}
	high, err := HighestCommittedUSN(l)
	if err != nil || usn > high {
		t.Fatalf("uSNChanged %d, highestCommittedUSN %d, %v", usn, high, err)
	}
}
