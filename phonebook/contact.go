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
	Type NumberType `json:"type" openapi:"enum=work|mobile|home|fax|other" doc:"The kind of number: work, mobile, home, fax or other" example:"mobile"`
	// Value is the number as given by the user or the source.
	Value string `json:"value" doc:"The number as given by the user or the source" example:"061 111-111"`
	// Normalized is the E.164 form (or the bare digits of an internal
	// extension); filled by the store at write time.
	Normalized string `json:"normalized,omitempty" doc:"The E.164 form (or the bare digits of an internal extension), filled in by the server" example:"+38761111111"`
}

// Email is one e-mail address with an optional label (work, home…).
type Email struct {
	Label   string `json:"label,omitempty" doc:"A free label (work, home, …)" example:"work"`
	Address string `json:"address" doc:"The e-mail address" example:"j.mueller@example.com"`
}

// Source names for contacts not coming from a sync source.
const (
	SourceLocal = "local"
	SourceCSV   = "csv"
)

// Contact is one directory entry.
type Contact struct {
	// ID is a server-generated ULID, stable for the life of the contact.
	ID string `json:"id" doc:"The contact's id, server-generated (a ULID) and stable for the contact's life" example:"01JEQ7G8ZK4M2N5P6R7S8T9V0W"`
	// Scope is global or personal; Owner is the user id of a personal contact.
	Scope Scope  `json:"scope" openapi:"enum=global|personal" doc:"global (every user and phone sees it) or personal (its owner's)" example:"global"`
	Owner string `json:"owner,omitempty" doc:"The user id owning a personal contact; empty for a global one" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`

	FirstName  string `json:"first_name,omitempty" doc:"Given name" example:"Jürgen"`
	MiddleName string `json:"middle_name,omitempty" doc:"Middle name" example:"Karl"`
	LastName   string `json:"last_name,omitempty" doc:"Family name" example:"Müller"`
	// DisplayName is derived from the name parts (or company, e-mail, number)
	// unless set explicitly.
	DisplayName string `json:"display_name" doc:"The name shown and matched: derived from the name parts (or company, e-mail, number) unless set explicitly" example:"Jürgen Müller"`

	Company           string `json:"company,omitempty" doc:"Company or organisation" example:"Ankunding d.o.o."`
	Department        string `json:"department,omitempty" doc:"Department within the company" example:"Sales"`
	JobTitle          string `json:"job_title,omitempty" doc:"Job title" example:"CTO"`
	OfficeLocation    string `json:"office_location,omitempty" doc:"Office or site" example:"Sarajevo"`
	PreferredLanguage string `json:"preferred_language,omitempty" doc:"Preferred language (BCP 47 tag)" example:"de"`
	UserPrincipalName string `json:"user_principal_name,omitempty" doc:"The directory sign-in name (Microsoft 365 userPrincipalName) of a synced contact" example:"j.mueller@ankunding.onmicrosoft.com"`

	Emails  []Email  `json:"emails,omitempty" doc:"E-mail addresses"`
	Numbers []Number `json:"numbers,omitempty" doc:"Phone numbers; each is indexed for reverse lookup"`

	// Source is "local", "csv" or a sync source's name; ExternalID is the
	// contact's id in that source.
	Source     string `json:"source" doc:"Where the contact comes from: \"local\" (made through the API or console), \"csv\" (the CSV import) or a sync source's id" example:"local"`
	ExternalID string `json:"external_id,omitempty" doc:"The contact's id in its sync source (empty for local and CSV contacts)" example:"5f2c1e0a-3b4d-4e6f-8a9b-0c1d2e3f4a5b"`

	CreatedAt time.Time `json:"created_at" doc:"When the contact was created" example:"2026-11-30T09:12:00Z"`
	UpdatedAt time.Time `json:"updated_at" doc:"When the contact last changed" example:"2026-12-07T08:30:00Z"`

	// Custom holds free fields.
	Custom map[string]string `json:"custom,omitempty" doc:"Free fields, name to value" example:"{\"crm_id\":\"A-1042\"}"`
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
