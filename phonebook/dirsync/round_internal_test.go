package dirsync

import (
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Every field a source sets must change the row hash.
func TestContactHashCoversFields(t *testing.T) {
	base := func() *phonebook.Contact {
		return &phonebook.Contact{FirstName: "A", LastName: "B", Emails: []phonebook.Email{{Label: "x", Address: "a@b"}},
			Numbers: []phonebook.Number{{Type: "work", Value: "1"}}, Custom: map[string]string{"k": "v", "j": "w"}}
	}
	h0 := contactHash(base())
	muts := []func(c *phonebook.Contact){
		func(c *phonebook.Contact) { c.FirstName = "A2" },
		func(c *phonebook.Contact) { c.MiddleName = "M" },
		func(c *phonebook.Contact) { c.DisplayName = "D" },
		func(c *phonebook.Contact) { c.Company = "C" },
		func(c *phonebook.Contact) { c.Department = "D" },
		func(c *phonebook.Contact) { c.JobTitle = "J" },
		func(c *phonebook.Contact) { c.OfficeLocation = "O" },
		func(c *phonebook.Contact) { c.PreferredLanguage = "P" },
		func(c *phonebook.Contact) { c.UserPrincipalName = "U" },
		func(c *phonebook.Contact) { c.Emails[0].Label = "y" },
		func(c *phonebook.Contact) { c.Emails = append(c.Emails, phonebook.Email{Address: "z"}) },
		func(c *phonebook.Contact) { c.Numbers[0].Type = "home" },
		func(c *phonebook.Contact) { c.Numbers[0].Value = "2" },
		func(c *phonebook.Contact) { c.Numbers = nil },
		func(c *phonebook.Contact) { c.Custom["k"] = "v2" },
		func(c *phonebook.Contact) { delete(c.Custom, "j") },
		func(c *phonebook.Contact) { c.FirstName, c.LastName = "", "AB" }, // separators matter
	}
	for i, m := range muts {
		c := base()
		m(c)
		if contactHash(c) == h0 {
			t.Errorf("mutation %d does not change the hash", i)
		}
	}
	if contactHash(base()) != h0 {
		t.Fatal("hash not deterministic (map order)")
	}
}
