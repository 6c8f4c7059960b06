package api

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Error texts speak the API's terms: each names its field, parameter or
// line once, search parameters are not called contact fields, and no Go
// type or package shows through.
func TestErrorMessages(t *testing.T) {
	f := newAccessFixture(t)
	for _, tc := range []struct {
		name, method, path, body string
		message                  string                // the whole message
		details                  []platform.FieldError // the whole list
	}{
		{name: "type of a field", method: "POST", path: "/api/v1/contacts", body: `{"first_name":5}`,
			message: "invalid JSON: first_name: must be a string", details: []platform.FieldError{{Field: "first_name", Message: "must be a string"}}},
		{name: "type inside a list names the item", method: "POST", path: "/api/v1/contacts", body: `{"first_name":"x","numbers":[{"type":"work","value":"1"},{"type":"work","value":5}]}`,
			message: "invalid JSON: numbers[1].value: must be a string", details: []platform.FieldError{{Field: "numbers[1].value", Message: "must be a string"}}},
		{name: "type of a custom value names its key", method: "POST", path: "/api/v1/contacts", body: `{"custom":{"crm":1}}`,
			message: "invalid JSON: custom.crm: must be a string", details: []platform.FieldError{{Field: "custom.crm", Message: "must be a string"}}},
		{name: "a list where a text goes", method: "POST", path: "/api/v1/contacts", body: `{"emails":[{"address":["a@b"]}]}`,
			message: "invalid JSON: emails[0].address: must be a string", details: []platform.FieldError{{Field: "emails[0].address", Message: "must be a string"}}},
		{name: "contact rule", method: "POST", path: "/api/v1/contacts", body: `{"scope":"galactic","first_name":"x"}`,
			message: `invalid contact: scope: must be "global" or "personal"`, details: []platform.FieldError{{Field: "scope", Message: `must be "global" or "personal"`}}},
		{name: "number rule", method: "POST", path: "/api/v1/contacts", body: `{"first_name":"x","numbers":[{"type":"work","value":"call me"}]}`,
			message: `invalid contact: numbers[0].value: "call me" is not a phone number: use digits, a leading +, spaces and - . ( ) / * #`,
			details: []platform.FieldError{{Field: "numbers[0].value", Message: `"call me" is not a phone number: use digits, a leading +, spaces and - . ( ) / * #`}}},
		{name: "number type", method: "POST", path: "/api/v1/contacts", body: `{"first_name":"x","numbers":[{"type":"pager","value":"1"}]}`,
			message: `invalid contact: numbers[0].type: "pager" is not a number type: use work, mobile, home, fax or other`,
			details: []platform.FieldError{{Field: "numbers[0].type", Message: `"pager" is not a number type: use work, mobile, home, fax or other`}}},
		{name: "search scope is a parameter", method: "GET", path: "/api/v1/contacts?scope=galactic",
			message: `scope: must be "global" or "personal"`, details: []platform.FieldError{{Field: "scope", Message: `must be "global" or "personal"`}}},
		{name: "search cursor is a parameter", method: "GET", path: "/api/v1/contacts?cursor=zzz",
			message: "cursor: not the next_cursor of a previous page", details: []platform.FieldError{{Field: "cursor", Message: "not the next_cursor of a previous page"}}},
		{name: "lookup without number", method: "GET", path: "/api/v1/lookup",
			message: "number: required", details: []platform.FieldError{{Field: "number", Message: "required"}}},
		{name: "import mode", method: "POST", path: "/api/v1/contacts/import?mode=x", body: "a,b",
			message: "mode: must be replace or merge", details: []platform.FieldError{{Field: "mode", Message: "must be replace or merge"}}},
		{name: "import row rule", method: "POST", path: "/api/v1/contacts/import?mode=merge", body: "Ana,,Anić,not-an-address,,work:1\n",
			message: "csv (central-phone-book): 1 malformed row at line 1; line 1, column 4 (e-mail): not an e-mail address",
			details: []platform.FieldError{{Field: "line 1, column 4 (e-mail)", Message: "not an e-mail address"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do("token", tc.method, tc.path, tc.body)
			e := errorOf(t, w)
			if e.Message != tc.message {
				t.Errorf("message %q\n   want %q", e.Message, tc.message)
			}
			if len(e.Details) != len(tc.details) {
				t.Fatalf("details %+v, want %+v", e.Details, tc.details)
			}
			for i := range e.Details {
				if e.Details[i] != tc.details[i] {
					t.Errorf("detail %d %+v, want %+v", i, e.Details[i], tc.details[i])
				}
			}
			checkPlainText(t, e)
		})
	}
}

// repeated finds a name said twice in a row ("scope: scope:").
var repeated = regexp.MustCompile(`(^|[ :])([a-z_\[\]0-9.]+): ([a-z_\[\]0-9.]+):`)

// checkPlainText fails on Go showing through or a field named twice.
func checkPlainText(t *testing.T, e platform.ErrorDetail) {
	t.Helper()
	texts := []string{e.Message}
	for _, d := range e.Details {
		texts = append(texts, d.Field+": "+d.Message)
	}
	for _, s := range texts {
		for _, goism := range []string{"json:", "unmarshal", "Go value", "[]string", "*phonebook", "struct"} {
			if strings.Contains(s, goism) {
				t.Errorf("%q shows %q", s, goism)
			}
		}
		if m := repeated.FindStringSubmatch(s); m != nil && m[2] == m[3] {
			t.Errorf("%q names %q twice", s, m[2])
		}
	}
}
