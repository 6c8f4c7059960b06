package csvbook_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

const googleHeader = "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value"

// googleRow builds a row for googleHeader from column name → value.
func googleRow(vals map[string]string) string {
	cols := strings.Split(googleHeader, ",")
	out := make([]string, len(cols))
	for i, c := range cols {
		v := vals[c]
		if strings.ContainsAny(v, ",\"\n") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		out[i] = v
	}
	return strings.Join(out, ",")
}

func TestGoogleCurrent(t *testing.T) {
	in := "\ufeff" + googleHeader + "\r\n" +
		googleRow(map[string]string{
			"First Name": "Ana", "Last Name": "Anić", "Organization Name": "Example d.o.o.", "Organization Title": "CTO",
			"Notes": "line one\nline two, with comma", "Labels": "* myContacts ::: Navy",
			"E-mail 1 - Label": "* Work", "E-mail 1 - Value": "ana@example.com",
			"Phone 1 - Label": "Mobile", "Phone 1 - Value": "+387 61 111-111 ::: 062 222-222",
			"Phone 2 - Label": "* Work Fax", "Phone 2 - Value": "+38733123457",
		}) + "\r\n" +
		googleRow(map[string]string{
			"Phone 1 - Label": "Home ::: Work", "Phone 1 - Value": "033 111 222 ::: 033 333 444",
			"Phone 2 - Label": "Pager", "Phone 2 - Value": "ext. 12",
		}) + "\r\n" +
		googleRow(map[string]string{"Notes": "nothing else"}) + "\r\n"
	got, lines, r, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != csvbook.FormatGoogle {
		t.Fatalf("Format = %v", r.Format())
	}
	want := []*phonebook.Contact{
		{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV, FirstName: "Ana", LastName: "Anić",
			Company: "Example d.o.o.", JobTitle: "CTO",
			Emails:  []phonebook.Email{{Label: "work", Address: "ana@example.com"}},
			Numbers: []phonebook.Number{num("mobile", "+387 61 111-111"), num("mobile", "062 222-222"), num("fax", "+38733123457")}},
		{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV,
			Numbers: []phonebook.Number{num("home", "033 111 222"), num("work", "033 333 444")}},
	}
	if !reflect.DeepEqual(got, want) {
		for _, c := range got {
			t.Logf("got %+v", *c)
		}
		t.Fatal("contacts differ")
	}
	if !reflect.DeepEqual(lines, []int{2, 4}) {
		t.Errorf("lines = %v, want [2 4] (row 1 spans lines 2–3)", lines)
	}
	w := r.Warnings()
	if len(w) != 2 || w[0].Line != 4 || w[0].Field != "Phone 2 - Value" || w[1].Line != 5 {
		t.Errorf("warnings = %+v", w)
	}
}

func TestGoogleOld(t *testing.T) {
	in := "Name,Given Name,Additional Name,Family Name,Yomi Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Organization 1 - Type,Organization 1 - Name,Organization 1 - Title\n" +
		"Emir Hodžić,Emir,,Hodžić,,* My Contacts ::: Spammers,* Home,emir@example.ba,\"Mobile, \",\"000-000-2026 ::: 000-045-5554\",Business,033 222 111,,BH Telecom,Engineer\n" +
		"Only Display,,,,,,,,Cell,+38761999888,,,,,\n" +
		"short row,Kratko\n"
	got, _, r, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != csvbook.FormatGoogle || len(got) != 3 {
		t.Fatalf("format %v, %d contacts", r.Format(), len(got))
	}
	c := got[0]
	if c.FirstName != "Emir" || c.LastName != "Hodžić" || c.Company != "BH Telecom" || c.JobTitle != "Engineer" || c.DisplayName != "" {
		t.Errorf("names: %+v", c)
	}
	if !reflect.DeepEqual(c.Emails, []phonebook.Email{{Label: "home", Address: "emir@example.ba"}}) {
		t.Errorf("emails: %+v", c.Emails)
	}
	if want := []phonebook.Number{num("mobile", "000-000-2026"), num("mobile", "000-045-5554"), num("work", "033 222 111")}; !reflect.DeepEqual(c.Numbers, want) {
		t.Errorf("numbers: %+v", c.Numbers)
	}
	if got[1].DisplayName != "Only Display" || got[1].FirstName != "" || !reflect.DeepEqual(got[1].Numbers, []phonebook.Number{num("mobile", "+38761999888")}) {
		t.Errorf("display-only row: %+v", got[1])
	}
	if got[2].FirstName != "Kratko" || got[2].DisplayName != "" {
		t.Errorf("short row (missing columns tolerated): %+v", got[2])
	}
}

const outlookHeader = `"Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title","Business Street","Business Fax","Business Phone","Business Phone 2","Callback","Car Phone","Company Main Phone","Home Fax","Home Phone","Home Phone 2","ISDN","Mobile Phone","Other Fax","Other Phone","Pager","Primary Phone","E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address","Notes","Office Location"`

func TestOutlook(t *testing.T) {
	in := outlookHeader + "\r\n" +
		`"","Jürgen","","Weiß","","Müller & Söhne GmbH","Sales","Manager","Hauptstr. 1` + "\r\n" + `2. OG","+49 30 1234568","+49 30 1234567","","","","+49 30 1234500","","+49 30 7654321","","","+49 171 1234567","","+49 30 999","555 12","","jw@example.de","SMTP","Jürgen Weiß","/o=ExchangeLabs/cn=Recipients","","Berlin"` + "\r\n" +
		`"","","","","","Company Only","","","","","","","","","","","","","","","","","","","","","","","",""` + "\r\n"
	got, lines, r, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != csvbook.FormatOutlook || len(got) != 2 {
		t.Fatalf("format %v, %d contacts", r.Format(), len(got))
	}
	c := got[0]
	want := &phonebook.Contact{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV,
		FirstName: "Jürgen", LastName: "Weiß", Company: "Müller & Söhne GmbH", Department: "Sales", JobTitle: "Manager",
		OfficeLocation: "Berlin",
		Emails:         []phonebook.Email{{Address: "jw@example.de"}},
		Numbers: []phonebook.Number{num("fax", "+49 30 1234568"), num("work", "+49 30 1234567"), num("work", "+49 30 1234500"),
			num("home", "+49 30 7654321"), num("mobile", "+49 171 1234567"), num("other", "+49 30 999"), num("other", "555 12")}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", *c, *want)
	}
	if !reflect.DeepEqual(lines, []int{2, 4}) {
		t.Errorf("lines = %v", lines)
	}
	if got[1].Company != "Company Only" {
		t.Errorf("company row: %+v", got[1])
	}
}

func TestHeadedTooManyColumns(t *testing.T) {
	in := "First Name,Last Name,Mobile Phone,E-mail Address\nA,B,061111111,a@b.c\nA,B,C,D,E\n"
	_, _, r, err := readAll(t, in)
	if r.Format() != csvbook.FormatOutlook {
		t.Fatalf("format %v", r.Format())
	}
	pe, ok := err.(*csvbook.ParseError)
	if !ok || !reflect.DeepEqual(pe.Lines(), []int{3}) {
		t.Fatalf("err = %v", err)
	}
}

func TestWithFormat(t *testing.T) {
	// Forced Central Phone Book: a header-looking row is a contact.
	r := csvbook.NewReader(strings.NewReader("First Name,,Last Name,,Company,work:1\n"), csvbook.WithFormat(csvbook.FormatCentralPhoneBook))
	c, err := r.Next()
	if err != nil || c.FirstName != "First Name" {
		t.Fatalf("forced CPB: %+v, %v", c, err)
	}
	r = csvbook.NewReader(strings.NewReader("Given Name,Phone 1 - Value\nAna,061111111\n"), csvbook.WithFormat(csvbook.FormatGoogle))
	if c, err = r.Next(); err != nil || c.FirstName != "Ana" || len(c.Numbers) != 1 || c.Numbers[0].Type != phonebook.NumberOther {
		t.Fatalf("forced Google: %+v, %v", c, err)
	}
}

// A headed file names its format and the columns it did not import; the
// usual phone column names of a hand-made file are read as numbers.
func TestHeadedSkippedColumnsAndGenericPhones(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		format  csvbook.Format
		numbers []phonebook.Number
		skipped []csvbook.SkippedColumn
	}{
		{name: "hand-made, Outlook-like",
			in:     "First Name,Last Name,Company,Phone,Mobile,Fax,Notes\nAna,Anić,Example,033 123 456,061 111 111,033 123 457,likes tea\n",
			format: csvbook.FormatOutlook,
			numbers: []phonebook.Number{{Type: phonebook.NumberOther, Value: "033 123 456"}, {Type: phonebook.NumberMobile, Value: "061 111 111"},
				{Type: phonebook.NumberFax, Value: "033 123 457"}},
			skipped: []csvbook.SkippedColumn{{Column: 7, Name: "Notes", Cells: 1}}},
		{name: "Google with notes",
			in:      googleHeader + "\n" + googleRow(map[string]string{"First Name": "Ana", "Notes": "x", "Birthday": "1990-01-01", "Phone 1 - Value": "061 111 111"}) + "\n",
			format:  csvbook.FormatGoogle,
			numbers: []phonebook.Number{{Type: phonebook.NumberOther, Value: "061 111 111"}},
			skipped: []csvbook.SkippedColumn{{Column: 14, Name: "Birthday", Cells: 1}, {Column: 15, Name: "Notes", Cells: 1}}},
		{name: "Central Phone Book has no columns to skip",
			in:      "Ana,,Anić,,,work:1\n",
			format:  csvbook.FormatCentralPhoneBook,
			numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: "1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := csvbook.NewReader(strings.NewReader(tc.in))
			c, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != tc.format || !reflect.DeepEqual(c.Numbers, tc.numbers) {
				t.Fatalf("format %v numbers %+v", r.Format(), c.Numbers)
			}
			if got := r.SkippedColumns(); !reflect.DeepEqual(got, tc.skipped) {
				t.Fatalf("skipped %+v, want %+v", got, tc.skipped)
			}
			if !strings.Contains(r.Format().Describe(), map[csvbook.Format]string{csvbook.FormatOutlook: "Outlook", csvbook.FormatGoogle: "Google", csvbook.FormatCentralPhoneBook: "no header row"}[tc.format]) {
				t.Fatalf("Describe = %q", r.Format().Describe())
			}
		})
	}
}
