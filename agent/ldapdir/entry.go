package ldapdir

import (
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Attribute names served, in their canonical spelling (RFC 4519, RFC 2798).
const (
	atObjectClass = "objectClass"
	atUID         = "uid"
	atCN          = "cn"
	atSN          = "sn"
	atGivenName   = "givenName"
	atDisplayName = "displayName"
	atTelephone   = "telephoneNumber"
	atMobile      = "mobile"
	atHomePhone   = "homePhone"
	atFax         = "facsimileTelephoneNumber"
	atMail        = "mail"
	atO           = "o"
	atOU          = "ou"
	atTitle       = "title"
)

// entryAttrs are the attributes of an entry, in the order they are sent.
var entryAttrs = []string{atObjectClass, atUID, atCN, atSN, atGivenName, atDisplayName,
	atTelephone, atMobile, atHomePhone, atFax, atMail, atO, atOU, atTitle}

// aliases maps every accepted spelling of an attribute (lower case: its
// short and long names, RFC 4519 / RFC 2798 / RFC 4524) to its canonical
// name.
var aliases = map[string]string{
	"objectclass": atObjectClass, "2.5.4.0": atObjectClass,
	"uid": atUID, "userid": atUID, "0.9.2342.19200300.100.1.1": atUID,
	"cn": atCN, "commonname": atCN, "2.5.4.3": atCN,
	"sn": atSN, "surname": atSN, "2.5.4.4": atSN,
	"givenname": atGivenName, "gn": atGivenName, "2.5.4.42": atGivenName,
	"displayname": atDisplayName, "2.16.840.1.113730.3.1.241": atDisplayName,
	"telephonenumber": atTelephone, "2.5.4.20": atTelephone,
	"mobile": atMobile, "mobiletelephonenumber": atMobile, "0.9.2342.19200300.100.1.41": atMobile,
	"homephone": atHomePhone, "hometelephonenumber": atHomePhone, "0.9.2342.19200300.100.1.20": atHomePhone,
	"facsimiletelephonenumber": atFax, "fax": atFax, "2.5.4.23": atFax,
	"mail": atMail, "rfc822mailbox": atMail, "0.9.2342.19200300.100.1.3": atMail,
	"o": atO, "organizationname": atO, "2.5.4.10": atO,
	"ou": atOU, "organizationalunitname": atOU, "2.5.4.11": atOU,
	"title": atTitle, "2.5.4.12": atTitle,
}

// canonical returns the canonical name of an attribute description
// (options such as ";lang-de" dropped), or "" when it is not served.
func canonical(desc string) string {
	if i := strings.IndexByte(desc, ';'); i >= 0 {
		desc = desc[:i]
	}
	return aliases[strings.ToLower(desc)]
}

// isNumberAttr reports whether a (canonical) attribute holds phone numbers.
func isNumberAttr(a string) bool {
	switch a {
	case atTelephone, atMobile, atHomePhone, atFax:
		return true
	}
	return false
}

// objectClasses of every contact entry (RFC 2798 inetOrgPerson and its
// superclasses).
var objectClasses = []string{"top", "person", "organizationalPerson", "inetOrgPerson"}

// numberAttr is the attribute a number of type t is served as: work and
// other numbers are telephoneNumber.
func numberAttr(t phonebook.NumberType) string {
	switch t {
	case phonebook.NumberMobile:
		return atMobile
	case phonebook.NumberHome:
		return atHomePhone
	case phonebook.NumberFax:
		return atFax
	}
	return atTelephone
}

// displayName is the contact's cn: its display name, else its id (cn and
// sn are mandatory in person).
func displayName(c *phonebook.Contact) string {
	if c.DisplayName != "" {
		return c.DisplayName
	}
	if n := c.DeriveDisplayName(); n != "" {
		return n
	}
	return c.ID
}

// values returns the values of the canonical attribute a of contact c.
func values(c *phonebook.Contact, a string) []string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch a {
	case atObjectClass:
		return objectClasses
	case atUID:
		return []string{c.ID}
	case atCN:
		return []string{displayName(c)}
	case atSN:
		if c.LastName != "" {
			return []string{c.LastName}
		}
		return []string{displayName(c)}
	case atGivenName:
		return one(c.FirstName)
	case atDisplayName:
		return []string{displayName(c)}
	case atTelephone, atMobile, atHomePhone, atFax:
		var out []string
		for _, n := range c.Numbers {
			if numberAttr(n.Type) == a && n.Value != "" {
				out = append(out, n.Value)
			}
		}
		return out
	case atMail:
		var out []string
		for _, e := range c.Emails {
			if e.Address != "" {
				out = append(out, e.Address)
			}
		}
		return out
	case atO:
		return one(c.Company)
	case atOU:
		return one(c.Department)
	case atTitle:
		return one(c.JobTitle)
	}
	return nil
}
