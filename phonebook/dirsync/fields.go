package dirsync

import (
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Contact fields a source mapping can target. Graph-style names (the list
// Microsoft 365 and the SQL mapping offer) are accepted as aliases.
var fieldAliases = map[string]string{
	"businessPhones":    "work",
	"displayName":       "display_name",
	"mail":              "email",
	"givenName":         "first_name",
	"jobTitle":          "job_title",
	"mobilePhone":       "mobile",
	"officeLocation":    "office_location",
	"preferredLanguage": "preferred_language",
	"surname":           "last_name",
	"userPrincipalName": "user_principal_name",
	"department":        "department",
	"companyName":       "company",
}

var fieldNames = map[string]bool{
	"first_name": true, "middle_name": true, "last_name": true, "display_name": true, "company": true,
	"department": true, "job_title": true, "office_location": true, "preferred_language": true,
	"user_principal_name": true, "email": true, "work": true, "mobile": true, "home": true, "fax": true, "other": true,
}

// CanonicalField returns the canonical contact field for a name or alias
// ("custom.<key>" for free fields), or "" when unknown.
func CanonicalField(name string) string {
	if a, ok := fieldAliases[name]; ok {
		return a
	}
	if fieldNames[name] {
		return name
	}
	if k, ok := strings.CutPrefix(name, "custom."); ok && k != "" && len(k) <= 64 {
		return name
	}
	return ""
}

// SetField stores value in the canonical field of c: number fields and
// email append (empty values are skipped), text fields replace.
func SetField(c *phonebook.Contact, field, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	switch field {
	case "first_name":
		c.FirstName = value
	case "middle_name":
		c.MiddleName = value
	case "last_name":
		c.LastName = value
	case "display_name":
		c.DisplayName = value
	case "company":
		c.Company = value
	case "department":
		c.Department = value
	case "job_title":
		c.JobTitle = value
	case "office_location":
		c.OfficeLocation = value
	case "preferred_language":
		c.PreferredLanguage = value
	case "user_principal_name":
		c.UserPrincipalName = value
	case "email":
		c.Emails = append(c.Emails, phonebook.Email{Address: value})
	case "work", "mobile", "home", "fax", "other":
		c.Numbers = append(c.Numbers, phonebook.Number{Type: phonebook.NumberType(field), Value: value})
	default:
		if k, ok := strings.CutPrefix(field, "custom."); ok {
			if c.Custom == nil {
				c.Custom = map[string]string{}
			}
			c.Custom[k] = value
		}
	}
}

// Finish fills DisplayName from the name parts when empty.
func Finish(c *phonebook.Contact) {
	if c.DisplayName == "" {
		c.DisplayName = c.DeriveDisplayName()
	}
}
