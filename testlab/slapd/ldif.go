package slapd

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

// PeopleOU is the RDN of the container WritePeople fills.
const PeopleOU = "ou=people"

// PersonDN returns the DN of the i-th person WritePeople writes under suffix.
func PersonDN(suffix string, i int) string {
	return fmt.Sprintf("uid=p%07d,%s,%s", i, PeopleOU, suffix)
}

// WriteBase writes the suffix entry (dc=, o= or ou= as its first RDN says) and the
// ou=people container under it, as LDIF for slapadd or ldapadd.
func WriteBase(w io.Writer, suffix string) error {
	first, _, _ := strings.Cut(suffix, ",")
	attr, val, ok := strings.Cut(first, "=")
	if !ok {
		return fmt.Errorf("suffix %q: first RDN has no '='", suffix)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "dn: %s\n", suffix)
	switch strings.ToLower(strings.TrimSpace(attr)) {
	case "dc":
		fmt.Fprintf(bw, "objectClass: top\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n", val, val)
	case "o":
		fmt.Fprintf(bw, "objectClass: top\nobjectClass: organization\no: %s\n", val)
	case "ou":
		fmt.Fprintf(bw, "objectClass: top\nobjectClass: organizationalUnit\nou: %s\n", val)
	default:
		return fmt.Errorf("suffix %q: first RDN must be dc=, o= or ou=", suffix)
	}
	fmt.Fprintf(bw, "\ndn: %s,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: people\n\n", PeopleOU, suffix)
	return bw.Flush()
}

// numberAttr maps a generated number's type to the inetOrgPerson attribute holding it.
var numberAttr = map[phonebook.NumberType]string{
	phonebook.NumberWork:   "telephoneNumber",
	phonebook.NumberMobile: "mobile",
	phonebook.NumberHome:   "homePhone",
	phonebook.NumberFax:    "facsimileTelephoneNumber",
}

// WritePeople writes n inetOrgPerson entries (uid=pNNNNNNN,ou=people,<suffix>, see PersonDN)
// made from testlab/gen's contacts for seed: cn, sn, givenName, displayName, mail, o, ou
// (a department), title and the numbers in telephoneNumber, mobile, homePhone and
// facsimileTelephoneNumber by their type. The same n and seed give the same LDIF.
func WritePeople(w io.Writer, suffix string, n int, seed uint64) error {
	return WritePeopleAt(w, suffix, n, seed, time.Time{})
}

// WritePeopleAt is WritePeople with createTimestamp and modifyTimestamp set to at (slapadd
// keeps operational attributes given in the LDIF), so that a test's changes made after the load
// are told apart from the fixture by modifyTimestamp; a zero at leaves them to slapadd (now).
func WritePeopleAt(w io.Writer, suffix string, n int, seed uint64, at time.Time) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	ts := ""
	if !at.IsZero() {
		ts = at.UTC().Format("20060102150405Z")
	}
	i := 0
	err := gen.Contacts(n, seed, func(c *phonebook.Contact) error {
		writePerson(bw, PersonDN(suffix, i), i, c, ts)
		i++
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

var departments = []string{"Sales", "Support", "Engineering", "Finance", "Logistics"}
var titles = []string{"Manager", "Engineer", "Assistant", "Director", "Technician"}

// writePerson writes one entry.
func writePerson(w *bufio.Writer, dn string, i int, c *phonebook.Contact, ts string) {
	attr(w, "dn", dn)
	w.WriteString("objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n")
	attr(w, "uid", fmt.Sprintf("p%07d", i))
	attr(w, "cn", c.FirstName+" "+c.LastName)
	attr(w, "sn", c.LastName)
	attr(w, "givenName", c.FirstName)
	attr(w, "displayName", c.FirstName+" "+c.MiddleName+" "+c.LastName)
	if c.Company != "" {
		attr(w, "o", c.Company)
	}
	attr(w, "ou", departments[i%len(departments)])
	attr(w, "title", titles[i%len(titles)])
	for _, e := range c.Emails {
		attr(w, "mail", e.Address)
	}
	for _, n := range c.Numbers {
		attr(w, numberAttr[n.Type], n.Value)
	}
	if ts != "" {
		attr(w, "createTimestamp", ts)
		attr(w, "modifyTimestamp", ts)
	}
	w.WriteByte('\n')
}

// attr writes one LDIF line, base64 ("name:: …") when the value is not a SAFE-STRING of
// RFC 2849 (ASCII without NUL, CR, LF; not starting with space, ':' or '<'; not ending in space).
func attr(w *bufio.Writer, name, val string) {
	if safe(val) {
		w.WriteString(name + ": " + val + "\n")
		return
	}
	w.WriteString(name + ":: " + base64.StdEncoding.EncodeToString([]byte(val)) + "\n")
}

func safe(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[0] == ':' || s[0] == '<' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b == 0 || b == '\n' || b == '\r' || b > 127 {
			return false
		}
	}
	return true
}

// Fixture returns WriteBase followed by WritePeople(n, seed) as one LDIF for Config.LDIF.
func Fixture(suffix string, n int, seed uint64) ([]byte, error) {
	return FixtureAt(suffix, n, seed, time.Time{})
}

// FixtureAt is Fixture with the people's timestamps set to at (see WritePeopleAt).
func FixtureAt(suffix string, n int, seed uint64, at time.Time) ([]byte, error) {
	var b strings.Builder
	if err := WriteBase(&b, suffix); err != nil {
		return nil, err
	}
	if err := WritePeopleAt(&b, suffix, n, seed, at); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
