package phonebook

import (
	"strings"
	"time"
)

// Scope says who sees a contact.
type Scope string

const (
	// ScopeGlobal contacts are visible to every user and phone.
	ScopeGlobal Scope = "global"
	// ScopePersonal contacts belong to one owner (a user id).
	ScopePersonal Scope = "personal"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeGlobal || s == ScopePersonal }

// NumberType classifies a phone number.
type NumberType string

// Number types, as the CSV format and the phones know them.
const (
	NumberWork   NumberType = "work"
	NumberMobile NumberType = "mobile"
	NumberHome   NumberType = "home"
	NumberFax    NumberType = "fax"
	NumberOther  NumberType = "other"
)

// Number is one phone number of a contact.
type Number struct {
	// Type is work, mobile, home, fax or other.
	Type NumberType `json:"type"`
	// Value is the number as given by the user or the source.
	Value string `json:"value"`
	// Normalized is the E.164 form (or the bare digits of an internal
	// extension); filled by the store at write time.
	Normalized string `json:"normalized,omitempty"`
}

// Email is one e-mail address with an optional label (work, home…).
type Email struct {
	Label   string `json:"label,omitempty"`
	Address string `json:"address"`
}

// Source names for contacts not coming from a sync source.
const (
	SourceLocal = "local"
	SourceCSV   = "csv"
)

// Contact is one directory entry.
type Contact struct {
	// ID is a server-generated ULID, stable for the life of the contact.
	ID string `json:"id"`
	// Scope is global or personal; Owner is the user id of a personal contact.
	Scope Scope  `json:"scope"`
	Owner string `json:"owner,omitempty"`

	FirstName  string `json:"first_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
	// DisplayName is derived from the name parts (or company, e-mail, number)
	// unless set explicitly.
	DisplayName string `json:"display_name"`

	Company           string `json:"company,omitempty"`
	Department        string `json:"department,omitempty"`
	JobTitle          string `json:"job_title,omitempty"`
	OfficeLocation    string `json:"office_location,omitempty"`
	PreferredLanguage string `json:"preferred_language,omitempty"`
	UserPrincipalName string `json:"user_principal_name,omitempty"`

	Emails  []Email  `json:"emails,omitempty"`
	Numbers []Number `json:"numbers,omitempty"`

	// Source is "local", "csv" or a sync source's name; ExternalID is the
	// contact's id in that source.
	Source     string `json:"source"`
	ExternalID string `json:"external_id,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Custom holds free fields.
	Custom map[string]string `json:"custom,omitempty"`
}

// DeriveDisplayName returns the name a contact shows when DisplayName is not
// set: "First Middle Last", else company, else the first e-mail, else the
// first number.
func (c *Contact) DeriveDisplayName() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{c.FirstName, c.MiddleName, c.LastName} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	if s := strings.TrimSpace(c.Company); s != "" {
		return s
	}
	if len(c.Emails) > 0 && c.Emails[0].Address != "" {
		return c.Emails[0].Address
	}
	if len(c.Numbers) > 0 {
		return c.Numbers[0].Value
	}
	return ""
}

// Clone returns a deep copy of c.
func (c *Contact) Clone() *Contact {
	if c == nil {
		return nil
	}
	d := *c
	d.Emails = append([]Email(nil), c.Emails...)
	d.Numbers = append([]Number(nil), c.Numbers...)
	if c.Custom != nil {
		d.Custom = make(map[string]string, len(c.Custom))
		for k, v := range c.Custom {
			d.Custom[k] = v
		}
	}
	return &d
}
