package csvbook

import (
	"bufio"
	"io"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Writer writes contacts in the Central Phone Book format, one row per
// contact, LF line endings, no BOM. It is not safe for concurrent use.
//
// Columns: first, middle and last name, one e-mail (the first labelled
// "work", else the first), company, then "type:number" cells in the
// contact's order with lower-case types (work, mobile, home, fax, other).
// Numbers that break the number rule (phonebook.CheckNumberValue), which
// no path lets into the store any more but older data may hold, are
// skipped and counted by SkippedNumbers. Line breaks inside values become spaces (rows
// are single lines). A contact without name and company is written with its
// display name (or the derived one) as first name, so every row it writes
// reads back. Text cells that a spreadsheet would run as a formula are
// prefixed with a single quote, which the Reader removes (see formula.go).
type Writer struct {
	w        *bufio.Writer
	buf      []byte
	skipped  int
	nameless int
}

// NewWriter returns a Writer on w. Call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes one contact. A contact with nothing to call it by (no name,
// company, display name, e-mail or number) cannot be a row: it is skipped
// and counted by SkippedContacts, so one odd contact does not abort an
// export. Only I/O errors are returned.
func (w *Writer) Write(c *phonebook.Contact) error {
	first := c.FirstName
	if isBlank(c.FirstName) && isBlank(c.MiddleName) && isBlank(c.LastName) && isBlank(c.Company) {
		first = strings.TrimSpace(c.DisplayName)
		if first == "" {
			first = c.DeriveDisplayName()
		}
		if isBlank(first) {
			w.nameless++
			return nil
		}
	}
	b := w.buf[:0]
	b = appendText(b, first)
	b = append(b, ',')
	b = appendText(b, c.MiddleName)
	b = append(b, ',')
	b = appendText(b, c.LastName)
	b = append(b, ',')
	b = appendText(b, strings.TrimSpace(pickEmail(c.Emails)))
	b = append(b, ',')
	b = appendText(b, c.Company)
	for _, n := range c.Numbers {
		v := strings.TrimSpace(n.Value)
		t, ok := phonebook.NumberOther, true
		if n.Type != "" {
			t, ok = phonebook.ParseNumberType(string(n.Type))
		}
		if !ok || !phonebook.ValidNumberValue(v) {
			w.skipped++
			continue
		}
		b = append(b, ',')
		b = append(b, t...)
		b = append(b, ':')
		b = append(b, v...) // ValidNumberValue: no comma, quote or line break
	}
	b = append(b, '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// Flush writes buffered rows to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }

// SkippedContacts counts the contacts Write left out for want of a name.
func (w *Writer) SkippedContacts() int { return w.nameless }

// SkippedNumbers counts the numbers Write left out (unknown types, values
// that are not phone numbers).
func (w *Writer) SkippedNumbers() int { return w.skipped }

func pickEmail(es []phonebook.Email) string {
	for _, e := range es {
		if strings.EqualFold(e.Label, "work") && e.Address != "" {
			return e.Address
		}
	}
	for _, e := range es {
		if e.Address != "" {
			return e.Address
		}
	}
	return ""
}

// appendText appends a text cell: v neutralised against formula injection
// (line breaks, which would end the row, first become spaces).
func appendText(b []byte, v string) []byte {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(v)
	}
	return appendField(b, escapeFormula(v))
}

// appendField appends v, quoted when it holds a comma or quote, starts or
// ends with a blank (the Reader trims unquoted fields), or starts with
// "\ufeff" on the first column; line breaks become spaces.
func appendField(b []byte, v string) []byte {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(v)
	}
	quote := strings.ContainsAny(v, ",\"") ||
		(v != "" && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t')) ||
		strings.HasPrefix(v, "\ufeff")
	if !quote {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

// templateRows are the example rows Template writes.
var templateRows = []*phonebook.Contact{
	{FirstName: "Ana", LastName: "Anić", Emails: []phonebook.Email{{Label: "work", Address: "ana.anic@example.com"}},
		Company: "Example d.o.o.", Numbers: []phonebook.Number{
			{Type: phonebook.NumberWork, Value: "+38733123456"}, {Type: phonebook.NumberMobile, Value: "061 111-111"}}},
	{Company: "Ankunding,Weissnat", Numbers: []phonebook.Number{
		{Type: phonebook.NumberWork, Value: "1805"}, {Type: phonebook.NumberFax, Value: "+38733123457"}}},
}

// Template writes a two-row example file. The format has no header row
// (a header would be read as a contact), so the template is two sensible
// contacts: a person with e-mail, company and two numbers, and a company
// whose name contains a comma, with an extension and a fax number.
func Template(w io.Writer) error {
	cw := NewWriter(w)
	for _, c := range templateRows {
		if err := cw.Write(c); err != nil {
			return err
		}
	}
	return cw.Flush()
}
