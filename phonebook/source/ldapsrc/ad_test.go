package ldapsrc_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
	"github.com/pbxagent/pbxagent/testlab/slapd"
)

// adSchema gives slapd the Active Directory attributes the AD path reads (under OpenLDAP's
// experimental arc 1.3.6.1.4.1.4203.666: only the names matter here). uSNChanged is an INTEGER
// with ordering, as in AD, so uSNChanged>=N filters work.
const adSchema = `
attributetype ( 1.3.6.1.4.1.4203.666.24.1 NAME 'uSNChanged' EQUALITY integerMatch ORDERING integerOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.24.2 NAME 'objectGUID' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.24.3 NAME 'company' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.24.4 NAME 'department' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.24.5 NAME 'ipPhone' EQUALITY telephoneNumberMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.50 )
attributetype ( 1.3.6.1.4.1.4203.666.24.6 NAME 'otherTelephone' EQUALITY telephoneNumberMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.50 )
attributetype ( 1.3.6.1.4.1.4203.666.24.7 NAME 'isGlobalCatalogReady' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.3.6.1.4.1.4203.666.24.8 NAME 'supportedCapabilities' EQUALITY objectIdentifierMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.38 )
attributetype ( 1.3.6.1.4.1.4203.666.24.9 NAME 'highestCommittedUSN' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )
attributetype ( 1.3.6.1.4.1.4203.666.24.10 NAME 'dsServiceName' EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
objectclass ( 1.3.6.1.4.1.4203.666.24.100 NAME 'adFake' AUXILIARY MAY ( uSNChanged $ objectGUID $ company $ department $ ipPhone $ otherTelephone ) )
`

// adRootDSE is what a domain controller's rootDSE says (highestCommittedUSN is fixed here).
const adRootDSE = `dn:
isGlobalCatalogReady: TRUE
supportedCapabilities: 1.2.840.113556.1.4.800
highestCommittedUSN: 1000
dsServiceName: CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=example,DC=com
`

// adGUID is the objectGUID of the i-th fake AD user.
func adGUID(i int) []byte {
	return []byte{byte(i), 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
}

// TestActiveDirectoryPath runs the AD flavor against slapd dressed as a domain controller: the
// rootDSE announces AD and a highestCommittedUSN, entries carry objectGUID and uSNChanged. The
// full sync keys contacts by the GUID string and keeps the USN; a change raising an entry's
// uSNChanged above it is the only one the delta reads.
func TestActiveDirectoryPath(t *testing.T) {
	slapd.Require(t)
	dir := t.TempDir()
	schema, dse := filepath.Join(dir, "ad.schema"), filepath.Join(dir, "rootdse.ldif")
	if err := os.WriteFile(schema, []byte(adSchema), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dse, []byte(adRootDSE), 0o600); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := slapd.WriteBase(&b, suffix); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		fmt.Fprintf(&b, "dn: cn=User %d,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: adFake\ncn: User %d\nsn: User\ndisplayName: AD User %d\n"+
			"company: Contoso\ndepartment: Sales\ntelephoneNumber: +387 33 700 10%d\nipPhone: 20%d\nuSNChanged: %d\nobjectGUID:: %s\n\n",
			i, suffix, i, i, i, i, 10+i, base64.StdEncoding.EncodeToString(adGUID(i)))
	}
	b.WriteString(readerLDIF)
	s := slapd.Start(t, slapd.Config{Suffix: suffix, LDIF: []byte(b.String()),
		Extra: []string{"include " + schema, "rootDSE " + dse}})

	src := newSource(t, s.URL, nil)
	sink := &recordSink{}
	res, err := src.Sync(context.Background(), dirsync.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.ids) != 5 {
		t.Fatalf("full AD sync: %d contacts, want 5", len(sink.ids))
	}
	want2, _ := ldapsrc.FormatGUID(adGUID(2))
	c2 := sink.byID[want2]
	if c2 == nil {
		t.Fatalf("no contact keyed by objectGUID %s; ids %v", want2, sink.ids)
	}
	if c2.DisplayName != "AD User 2" || c2.Company != "Contoso" || c2.Department != "Sales" || !hasNumber(c2, "other", "202") || !hasNumber(c2, "work", "+387 33 700 102") {
		t.Fatalf("AD user mapped as %+v", c2)
	}
	if got := string(res.State); !strings.Contains(got, `"flavor":"ad"`) || !strings.Contains(got, `"usn":1000`) {
		t.Fatalf("state %s, want flavor ad and usn 1000", got)
	}

	// A change: the DC gives the entry a USN above the state's.
	l := admin(t, s)
	mod := ldap.NewModifyRequest("cn=User 2,ou=people,"+suffix, nil)
	mod.Replace("uSNChanged", []string{"1001"})
	mod.Replace("title", []string{"Head of Sales"})
	if err := l.Modify(mod); err != nil {
		t.Fatal(err)
	}
	sink = &recordSink{}
	if _, err := src.Sync(context.Background(), dirsync.Request{State: res.State}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.ids) != 1 || sink.ids[0] != want2 || sink.byID[want2].JobTitle != "Head of Sales" {
		t.Fatalf("AD delta read %v, want only %s", sink.ids, want2)
	}

	// A state from another domain controller cannot continue: full sync.
	other := strings.Replace(string(res.State), "CN=DC1", "CN=DC2", 1)
	_, err = src.Sync(context.Background(), dirsync.Request{State: []byte(other)}, &recordSink{})
	if !errorsIs(err, dirsync.ErrResync) {
		t.Fatalf("state of another DC: err = %v, want ErrResync", err)
	}
}
