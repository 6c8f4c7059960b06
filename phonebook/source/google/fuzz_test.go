package google_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/phonebook/source/google"
	"github.com/pbxagent/pbxagent/testlab/googlefake"
)

// FuzzMapPerson feeds arbitrary JSON to the page decoder and the person
// mapping: no panic, and a mapped contact always has its id and no empty
// number or address.
func FuzzMapPerson(f *testing.F) {
	p, _ := json.Marshal(googlefake.DirectoryPerson(1))
	f.Add(string(p))
	f.Add(`{"resourceName":"people/c1","metadata":{"deleted":true}}`)
	f.Add(`{"resourceName":"people/c2","names":[{"givenName":"A"},{"metadata":{"primary":true},"familyName":"B"}],"phoneNumbers":[{"value":" ","canonicalForm":""},{"value":"1","type":"workFax"}]}`)
	f.Add(`{"resourceName":"","names":null}`)
	f.Add(`{"people":[{"resourceName":"people/1"}],"nextPageToken":"x"}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, in string) {
		if pg, err := google.DecodePage([]byte(in), "people"); err == nil {
			for _, raw := range pg.People {
				_, _, _ = google.MapPerson(raw)
			}
		}
		c, deleted, err := google.MapPerson(json.RawMessage(in))
		if err != nil {
			return
		}
		if c.ExternalID == "" || strings.TrimSpace(c.ExternalID) != c.ExternalID {
			t.Fatalf("id %q", c.ExternalID)
		}
		if deleted {
			return
		}
		for _, n := range c.Numbers {
			if n.Value == "" || n.Type == "" {
				t.Fatalf("number %+v", n)
			}
		}
		for _, e := range c.Emails {
			if e.Address == "" {
				t.Fatalf("email %+v", e)
			}
		}
		if utf8.ValidString(in) && c.DisplayName == "" && (c.FirstName != "" || c.LastName != "") {
			t.Fatalf("no display name for %+v", c)
		}
	})
}
