package csvbook_test

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// readAll reads every contact and the final error (nil for a clean file).
func readAll(t *testing.T, in string) ([]*phonebook.Contact, []int, *csvbook.Reader, error) {
	t.Helper()
	r := csvbook.NewReader(strings.NewReader(in))
	var out []*phonebook.Contact
	var lines []int
	for {
		c, err := r.Next()
		if err == io.EOF {
			return out, lines, r, nil
		}
		if err != nil {
			return out, lines, r, err
		}
		out = append(out, c)
		lines = append(lines, r.Line())
	}
}

func num(t phonebook.NumberType, v string) phonebook.Number {
	return phonebook.Number{Type: t, Value: v}
}

func TestCentralPhoneBook(t *testing.T) {
	in := "\ufeffChevy,,Yesipov,cyesipov0@example.com,Jacobi and Sons,mobile:50011,work:600111\r\n" +
		"\r\n" +
		"Jeanine,,Tiddeman,jtiddeman1@ihg.com,\"Ankunding,Weissnat\",wOrK:+387 61 111-111,Other:123,HOME:033/222-111\r\n" +
		",,,,Walsh Group,fax:+38733123456,\n" +
		"  Ana , Marija ,Đurić,,,MOBILE : 061111111 \n" +
		",,,,,\n" +
		"\"Hans \"\"Jo\"\"\",,Müller,,\" spaced \",work:1805"
	got, lines, r, err := readAll(t, in)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if r.Format() != csvbook.FormatCentralPhoneBook {
		t.Errorf("Format = %v", r.Format())
	}
	g := func(first, middle, last, email, company string, nums ...phonebook.Number) *phonebook.Contact {
		c := &phonebook.Contact{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV,
			FirstName: first, MiddleName: middle, LastName: last, Company: company, Numbers: nums}
		if email != "" {
			c.Emails = []phonebook.Email{{Label: "work", Address: email}}
		}
		return c
	}
	want := []*phonebook.Contact{
		g("Chevy", "", "Yesipov", "cyesipov0@example.com", "Jacobi and Sons", num("mobile", "50011"), num("work", "600111")),
		g("Jeanine", "", "Tiddeman", "jtiddeman1@ihg.com", "Ankunding,Weissnat", num("work", "+387 61 111-111"), num("other", "123"), num("home", "033/222-111")),
		g("", "", "", "", "Walsh Group", num("fax", "+38733123456")),
		g("Ana", "Marija", "Đurić", "", "", num("mobile", "061111111")),
		g("Hans \"Jo\"", "", "Müller", "", " spaced ", num("work", "1805")),
	}
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			t.Logf("got  %+v", *got[i])
		}
		t.Fatalf("contacts differ from %d wanted", len(want))
	}
	if wantLines := []int{1, 3, 4, 5, 7}; !reflect.DeepEqual(lines, wantLines) {
		t.Errorf("lines = %v, want %v", lines, wantLines)
	}
	if w := r.Warnings(); len(w) != 0 {
		t.Errorf("warnings = %+v, want none", w)
	}
	if r.Rows() != 5 {
		t.Errorf("Rows = %d", r.Rows())
	}
}

func TestMalformedRowsAllReported(t *testing.T) {
	in := strings.Join([]string{
		"Ok,,One,,,work:1",              // 1 ok
		"Bad,,Quote,\"x@y.com,,work:2",  // 2 unterminated quote
		"No,,Type,,,5551234",            // 3 number with no type
		"Empty,,Type,,,:5551234",        // 4 empty type
		",,,nobody@example.com,,work:3", // 5 no name
		"Ok,,Two,,,mobile:4",            // 6 ok
		"Too,Few",                       // 7 too few columns
		"Not,,Number,,,work:abc",        // 8 not a number
		"Trail,,Quote,\"a\"b,,work:5",   // 9 text after closing quote
		"Many,,Bad,,,5,:6",              // 10 two problems, one line
		"",                              // 11 blank: skipped
		"Latin1,,M\xfcller,,,work:7",    // 12 not UTF-8
		"Bad,,Type,,,pager:8,home:9",    // 13 a type the number rule does not know
	}, "\n")
	got, lines, _, err := readAll(t, in)
	var pe *csvbook.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *ParseError", err)
	}
	if want := []int{2, 3, 4, 5, 7, 8, 9, 10, 12, 13}; !reflect.DeepEqual(pe.Lines(), want) {
		t.Errorf("problem lines = %v, want %v (%v)", pe.Lines(), want, pe.Problems)
	}
	if pe.Total != 11 || pe.Rows != 10 {
		t.Errorf("Total = %d, Rows = %d; want 11 problems on 10 rows", pe.Total, pe.Rows)
	}
	msg := err.Error()
	for _, s := range []string{"10 malformed rows", "lines 2, 3, 4, 5, 7, 8, 9, 10, 12, 13", "line 2: unterminated quoted field", "line 3, column 6"} {
		if !strings.Contains(msg, s) {
			t.Errorf("Error() = %q, missing %q", msg, s)
		}
	}
	// Good rows still stream (an importer applying while reading aborts at the end).
	if !reflect.DeepEqual(lines, []int{1, 6}) || len(got) != 2 {
		t.Errorf("good rows at lines %v", lines)
	}
	if p := pe.Problems[len(pe.Problems)-1]; p.Line != 13 || p.Field != "column 6" || !strings.Contains(p.Msg, `number type "pager" is not work, mobile, home, fax or other`) {
		t.Errorf("last problem = %+v, want line 13's pager type", p)
	}
	n, verr := csvbook.Validate(strings.NewReader(in))
	if n != 2 || !errors.As(verr, &pe) || pe.Total != 11 {
		t.Errorf("Validate = %d, %v", n, verr)
	}
}

func TestMalformedFirstRow(t *testing.T) {
	_, _, r, err := readAll(t, "\"Open,,quote,,,work:1\nOk,,Row,,,work:2\n")
	var pe *csvbook.ParseError
	if !errors.As(err, &pe) || !reflect.DeepEqual(pe.Lines(), []int{1}) {
		t.Fatalf("err = %v", err)
	}
	if r.Format() != csvbook.FormatCentralPhoneBook || r.Rows() != 1 {
		t.Errorf("format %v rows %d", r.Format(), r.Rows())
	}
}

func TestSemicolonHint(t *testing.T) {
	_, _, _, err := readAll(t, "Ana;;Anić;;;work:1\n")
	if err == nil || !strings.Contains(err.Error(), "semicolon-separated") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, in := range []string{"", "\n\n", "\ufeff", " , ,\r\n"} {
		got, _, r, err := readAll(t, in)
		if err != nil || len(got) != 0 {
			t.Errorf("%q: %d contacts, %v", in, len(got), err)
		}
		if r.Format() != csvbook.FormatUnknown {
			t.Errorf("%q: format %v", in, r.Format())
		}
		if n, err := csvbook.Validate(strings.NewReader(in)); n != 0 || err != nil {
			t.Errorf("Validate(%q) = %d, %v", in, n, err)
		}
	}
}

func TestLongLine(t *testing.T) {
	in := "A,,B,,,work:1\nLong,,Row,," + strings.Repeat("x", 2<<20) + ",work:2\nC,,D,,,work:3\n"
	got, _, _, err := readAll(t, in)
	var pe *csvbook.ParseError
	if !errors.As(err, &pe) || !reflect.DeepEqual(pe.Lines(), []int{2}) || len(got) != 2 {
		t.Fatalf("err = %v, %d contacts", err, len(got))
	}
}

type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n == 0 {
		e.n++
		return copy(p, "A,,B,,,work:1\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestIOError(t *testing.T) {
	r := csvbook.NewReader(&errReader{})
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v", err)
	}
	var pe *csvbook.ParseError
	if errors.As(err, &pe) {
		t.Fatal("I/O error reported as ParseError")
	}
}
