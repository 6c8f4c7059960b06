package google

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Page is one decoded listing page (ListDirectoryPeopleResponse or
// ListConnectionsResponse).
type Page struct {
	People        []json.RawMessage
	NextPageToken string
	NextSyncToken string
}

// DecodePage decodes a listing page whose people are under items
// ("people" or "connections").
func DecodePage(b []byte, items string) (*Page, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode page: %w", err)
	}
	var p Page
	if v, ok := m[items]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &p.People); err != nil {
			return nil, fmt.Errorf("decode page: %s: %w", items, err)
		}
	}
	for k, dst := range map[string]*string{"nextPageToken": &p.NextPageToken, "nextSyncToken": &p.NextSyncToken} {
		if v, ok := m[k]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("decode page: %s: %w", k, err)
			}
		}
	}
	return &p, nil
}

type fieldMeta struct {
	Primary bool `json:"primary"`
}

// person is the part of a People API Person resource that is mapped
// (https://developers.google.com/people/api/rest/v1/people#Person).
type person struct {
	ResourceName string `json:"resourceName"`
	Metadata     struct {
		Deleted bool `json:"deleted"`
	} `json:"metadata"`
	Names []struct {
		Metadata    fieldMeta `json:"metadata"`
		DisplayName string    `json:"displayName"`
		GivenName   string    `json:"givenName"`
		MiddleName  string    `json:"middleName"`
		FamilyName  string    `json:"familyName"`
	} `json:"names"`
	Organizations []struct {
		Metadata   fieldMeta `json:"metadata"`
		Name       string    `json:"name"`
		Department string    `json:"department"`
		Title      string    `json:"title"`
		Location   string    `json:"location"`
	} `json:"organizations"`
	EmailAddresses []struct {
		Metadata fieldMeta `json:"metadata"`
		Value    string    `json:"value"`
		Type     string    `json:"type"`
	} `json:"emailAddresses"`
	PhoneNumbers []struct {
		Metadata      fieldMeta `json:"metadata"`
		Value         string    `json:"value"`
		CanonicalForm string    `json:"canonicalForm"`
		Type          string    `json:"type"`
	} `json:"phoneNumbers"`
}

// phoneTypes maps the People API's phone types (PhoneNumber.type: home,
// work, mobile, homeFax, workFax, otherFax, pager, workMobile, workPager,
// main, googleVoice, other, or free text) to number types; the rest is
// "other".
var phoneTypes = map[string]phonebook.NumberType{
	"work": phonebook.NumberWork, "main": phonebook.NumberWork, "home": phonebook.NumberHome,
	"mobile": phonebook.NumberMobile, "workmobile": phonebook.NumberMobile,
	"homefax": phonebook.NumberFax, "workfax": phonebook.NumberFax, "otherfax": phonebook.NumberFax,
}

// maxIDLen bounds a resource name.
const maxIDLen = 256

// MapPerson maps one Person to a contact; deleted reports
// metadata.deleted (the contact then only carries its ExternalID). The
// primary name and organisation win (else the first); every e-mail and
// number is kept, a number's canonicalForm (E.164) before its value.
func MapPerson(raw json.RawMessage) (c *phonebook.Contact, deleted bool, err error) {
	var p person
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, false, fmt.Errorf("decode person: %w", err)
	}
	id := strings.TrimSpace(p.ResourceName)
	if id == "" || len(id) > maxIDLen || strings.ContainsRune(id, 0) {
		return nil, false, errors.New("person without a valid resourceName")
	}
	c = &phonebook.Contact{ExternalID: id}
	if p.Metadata.Deleted {
		return c, true, nil
	}
	if i := primary(len(p.Names), func(i int) bool { return p.Names[i].Metadata.Primary }); i >= 0 {
		n := p.Names[i]
		c.FirstName, c.MiddleName, c.LastName = clean(n.GivenName), clean(n.MiddleName), clean(n.FamilyName)
		c.DisplayName = clean(n.DisplayName)
	}
	if i := primary(len(p.Organizations), func(i int) bool { return p.Organizations[i].Metadata.Primary }); i >= 0 {
		o := p.Organizations[i]
		c.Company, c.Department, c.JobTitle, c.OfficeLocation = clean(o.Name), clean(o.Department), clean(o.Title), clean(o.Location)
	}
	for _, e := range p.EmailAddresses {
		if v := clean(e.Value); v != "" {
			c.Emails = append(c.Emails, phonebook.Email{Label: clean(e.Type), Address: v})
		}
	}
	for _, n := range p.PhoneNumbers {
		v := clean(n.CanonicalForm)
		if v == "" {
			v = clean(n.Value)
		}
		if v == "" {
			continue
		}
		t, ok := phoneTypes[strings.ToLower(n.Type)]
		if !ok {
			t = phonebook.NumberOther
		}
		c.Numbers = append(c.Numbers, phonebook.Number{Type: t, Value: v})
	}
	if c.DisplayName == "" {
		c.DisplayName = c.DeriveDisplayName()
	}
	return c, false, nil
}

// primary returns the index of the primary entry, else 0; -1 when empty.
func primary(n int, isPrimary func(int) bool) int {
	for i := range n {
		if isPrimary(i) {
			return i
		}
	}
	if n > 0 {
		return 0
	}
	return -1
}

// clean trims s and drops NULs.
func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\x00", "")) }
