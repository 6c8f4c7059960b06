package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// One number rule on every path: what the API accepts a CSV import
// accepts, the export writes and a sync source keeps; what one refuses
// every other refuses (or, for a source, drops).
func TestOneNumberRuleOnEveryPath(t *testing.T) {
	f := newAccessFixture(t)
	for _, tc := range []struct {
		name, typ, value string
		ok               bool
		field            string // the field the API names when !ok
	}{
		{name: "work", typ: "work", value: "+387 33 123-456", ok: true},
		{name: "other", typ: "other", value: "061111111", ok: true},
		{name: "type in capitals", typ: "MOBILE", value: "(033) 222/333", ok: true},
		{name: "dial characters", typ: "fax", value: "*21#", ok: true},
		{name: "words", typ: "work", value: "call me", field: "numbers[0].value"},
		{name: "no digit", typ: "home", value: "+-", field: "numbers[0].value"},
		{name: "extension letters", typ: "work", value: "033 123 ext 5", field: "numbers[0].value"},
		{name: "too long", typ: "work", value: strings.Repeat("1", 65), field: "numbers[0].value"},
		{name: "unknown type", typ: "pager", value: "123", field: "numbers[0].type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"last_name": "Rule " + tc.name, "numbers": []map[string]string{{"type": tc.typ, "value": tc.value}}})
			w := f.do("token", "POST", "/api/v1/contacts", string(body))
			if tc.ok != (w.Code == http.StatusCreated) {
				t.Fatalf("API: %d %s", w.Code, w.Body)
			}
			if !tc.ok {
				e := errorOf(t, w)
				if len(e.Details) != 1 || e.Details[0].Field != tc.field {
					t.Fatalf("API error %+v does not name %s alone", e, tc.field)
				}
			}

			row := "Rule,," + tc.name + ",,," + tc.typ + ":" + tc.value + "\n"
			_, err := csvbook.Validate(strings.NewReader(row))
			var pe *csvbook.ParseError
			if tc.ok != (err == nil) || (!tc.ok && !errors.As(err, &pe)) {
				t.Fatalf("CSV import of %q: %v", row, err)
			}
			if !tc.ok && (pe.Problems[0].Field != "column 6" || pe.Problems[0].Line != 1) {
				t.Fatalf("CSV problem %+v does not name line 1, column 6", pe.Problems[0])
			}

			var out strings.Builder
			cw := csvbook.NewWriter(&out)
			if err := cw.Write(&phonebook.Contact{LastName: "Rule", Numbers: []phonebook.Number{{Type: phonebook.NumberType(tc.typ), Value: tc.value}}}); err != nil {
				t.Fatal(err)
			}
			_ = cw.Flush()
			cell := strings.ToLower(tc.typ) + ":" + tc.value
			if tc.ok != strings.Contains(out.String(), cell) {
				t.Fatalf("export wrote %q", out.String())
			}

			c := &phonebook.Contact{Numbers: []phonebook.Number{{Type: phonebook.NumberType(tc.typ), Value: tc.value}}}
			if dropped := c.DropInvalidNumbers(); tc.ok != (dropped == 0) {
				t.Fatalf("a sync source dropped %d numbers", dropped)
			}
		})
	}
}
