package sources

import "github.com/pbxagent/pbxagent/phonebook"

// previewRow is a source test's row: the fields the source filled, without
// the ones the phone book assigns when it writes the contact (id, scope,
// source, version, times), which a dry run does not have.
type previewRow struct {
	// ExternalID is the contact's id in the source.
	ExternalID        string             `json:"external_id" doc:"The contact's id in the source" example:"5f2c1e0a-3b4d-4e6f-8a9b-0c1d2e3f4a5b"`
	DisplayName       string             `json:"display_name" doc:"The name shown: the source's, else derived from the name parts as on write" example:"Jürgen Müller"`
	FirstName         string             `json:"first_name,omitempty" doc:"Given name" example:"Jürgen"`
	MiddleName        string             `json:"middle_name,omitempty" doc:"Middle name" example:"Karl"`
	LastName          string             `json:"last_name,omitempty" doc:"Family name" example:"Müller"`
	Company           string             `json:"company,omitempty" doc:"Company or organisation" example:"Ankunding d.o.o."`
	Department        string             `json:"department,omitempty" doc:"Department within the company" example:"Sales"`
	JobTitle          string             `json:"job_title,omitempty" doc:"Job title" example:"CTO"`
	OfficeLocation    string             `json:"office_location,omitempty" doc:"Office or site" example:"Sarajevo"`
	PreferredLanguage string             `json:"preferred_language,omitempty" doc:"Preferred language (BCP 47 tag)" example:"de"`
	UserPrincipalName string             `json:"user_principal_name,omitempty" doc:"The directory sign-in name (Microsoft 365)" example:"j.mueller@ankunding.onmicrosoft.com"`
	Emails            []phonebook.Email  `json:"emails,omitempty" doc:"E-mail addresses"`
	Numbers           []phonebook.Number `json:"numbers,omitempty" doc:"Phone numbers as the source gives them"`
	Custom            map[string]string  `json:"custom,omitempty" doc:"Free fields, name to value" example:"{\"type\":\"customer\"}"`
}

// preview returns c's row, with the display name the phone book derives
// on write when the source gives none.
func preview(c *phonebook.Contact) previewRow {
	name := c.DisplayName
	if name == "" {
		name = c.DeriveDisplayName()
	}
	return previewRow{ExternalID: c.ExternalID, DisplayName: name, FirstName: c.FirstName, MiddleName: c.MiddleName,
		LastName: c.LastName, Company: c.Company, Department: c.Department, JobTitle: c.JobTitle, OfficeLocation: c.OfficeLocation,
		PreferredLanguage: c.PreferredLanguage, UserPrincipalName: c.UserPrincipalName, Emails: c.Emails, Numbers: c.Numbers, Custom: c.Custom}
}
