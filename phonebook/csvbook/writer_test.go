package csvbook_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// canonical is a file in the Writer's own form.
const canonical = `Chevy,,Yesipov,cyesipov0@example.com,Jacobi and Sons,mobile:50011,work:600111
Jeanine,,Tiddeman,jtiddeman1@ihg.com,"Ankunding,Weissnat",work:+387 61 111-111,home:033/222-111
,,,,Walsh Group,fax:+38733123456
Ana,Marija,Đurić,,,mobile:061111111
"Hans ""Jo""",,Müller,,  " spaced ",work:1805
Zoë,,Weiß,z@example.de,"Schmidt, Weber & Co. KG"
`

func TestRoundTripBytes(t *testing.T) {
	in := strings.ReplaceAll(canonical, `,  " spaced "`, `," spaced "`)
	var out bytes.Buffer
	w := csvbook.NewWriter(&out)
	r := csvbook.NewReader(strings.NewReader(in))
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.String() != in {
		t.Fatalf("export differs from import:\n%s\nwant:\n%s", out.String(), in)
	}
}

func TestWriterRules(t *testing.T) {
	var out bytes.Buffer
	w := csvbook.NewWriter(&out)
	contacts := []*phonebook.Contact{
		{FirstName: "Multi\nLine", LastName: "Name", Company: "Co", Emails: []phonebook.Email{{Label: "home", Address: "h@x"}, {Label: "work", Address: "w@x"}},
			Numbers: []phonebook.Number{num("other", "123"), num("work", " 456 "), num("mobile", "not a number"), num("FAX", "789"), num("pager", "1"), num("", "12")}},
		{DisplayName: "Only Display", Numbers: []phonebook.Number{num("home", "061111111")}},
		{Emails: []phonebook.Email{{Address: "only@mail"}}},
		{},
	}
	for _, c := range contacts {
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "Multi Line,,Name,w@x,Co,other:123,work:456,fax:789,other:12\n" +
		"Only Display,,,,,home:061111111\n" +
		"only@mail,,,only@mail,\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if w.SkippedNumbers() != 2 || w.SkippedContacts() != 1 {
		t.Errorf("skipped numbers %d contacts %d, want 2 and 1", w.SkippedNumbers(), w.SkippedContacts())
	}
	if n, err := csvbook.Validate(strings.NewReader(out.String())); n != 3 || err != nil {
		t.Errorf("writer output does not validate: %d, %v", n, err)
	}
}

func TestTemplate(t *testing.T) {
	var b bytes.Buffer
	if err := csvbook.Template(&b); err != nil {
		t.Fatal(err)
	}
	got, _, r, err := readAll(t, b.String())
	if err != nil || len(got) != 2 || r.Format() != csvbook.FormatCentralPhoneBook || len(r.Warnings()) != 0 {
		t.Fatalf("template %q: %d contacts, %v, warnings %v", b.String(), len(got), err, r.Warnings())
	}
	if got[1].Company != "Ankunding,Weissnat" {
		t.Errorf("template row 2: %+v", got[1])
	}
}

// cpbView is the part of a contact the Central Phone Book format holds, as
// the Writer renders it.
type cpbView struct {
	First, Middle, Last, Email, Company string
	Numbers                             []phonebook.Number
}

func view(c *phonebook.Contact) cpbView {
	nl := strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")
	v := cpbView{First: nl.Replace(c.FirstName), Middle: nl.Replace(c.MiddleName), Last: nl.Replace(c.LastName), Company: nl.Replace(c.Company)}
	if strings.TrimSpace(v.First+v.Middle+v.Last+v.Company) == "" {
		v.First = strings.TrimSpace(c.DisplayName)
		if v.First == "" {
			v.First = c.DeriveDisplayName()
		}
		v.First = nl.Replace(v.First)
	}
	for _, e := range c.Emails {
		if strings.EqualFold(e.Label, "work") && e.Address != "" {
			v.Email = e.Address
			break
		}
	}
	if v.Email == "" {
		for _, e := range c.Emails {
			if e.Address != "" {
				v.Email = e.Address
				break
			}
		}
	}
	v.Email = strings.TrimSpace(nl.Replace(v.Email))
	for _, n := range c.Numbers {
		switch n.Type {
		case phonebook.NumberWork, phonebook.NumberMobile, phonebook.NumberHome, phonebook.NumberFax:
			v.Numbers = append(v.Numbers, phonebook.Number{Type: n.Type, Value: strings.TrimSpace(n.Value)})
		}
	}
	return v
}

// alphabet holds text the contact rule accepts (no control characters),
// formula characters and quotes included.
var alphabet = []string{"a", "Z", "č", "Đ", "ü", " ", ",", "\"", "'", "''", ":", ";", "é", "-", "x y", "=", "+", "@", "ß"}

func randText(rng *rand.Rand, max int) string {
	var b strings.Builder
	for i, n := 0, rng.IntN(max+1); i < n; i++ {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func randNumber(rng *rand.Rand) string {
	const chars = "0123456789 -+()./"
	b := []byte{byte('0' + rng.IntN(10))}
	for i, n := 0, rng.IntN(14); i < n; i++ {
		b = append(b, chars[rng.IntN(len(chars))])
	}
	rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	return string(b)
}

// TestWriteParseProperty: parse(write(c)) == c on the fields the format
// holds, for random contacts.
func TestWriteParseProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []phonebook.NumberType{"work", "mobile", "home", "fax", "other"}
	for i := 0; i < 3000; i++ {
		c := &phonebook.Contact{FirstName: randText(rng, 6), MiddleName: randText(rng, 2), LastName: randText(rng, 6), Company: randText(rng, 8)}
		if strings.TrimSpace(c.FirstName+c.MiddleName+c.LastName+c.Company) == "" {
			c.Company = "Co" // a row needs a name
		}
		if rng.IntN(2) == 0 {
			c.Emails = []phonebook.Email{{Label: "work", Address: strings.TrimSpace(randText(rng, 5)) + "@ex.com"}}
		}
		for j, n := 0, rng.IntN(4); j < n; j++ {
			c.Numbers = append(c.Numbers, phonebook.Number{Type: types[rng.IntN(len(types))], Value: randNumber(rng)})
		}
		var b bytes.Buffer
		w := csvbook.NewWriter(&b)
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		got, _, _, err := readAll(t, b.String())
		if err != nil || len(got) != 1 {
			t.Fatalf("contact %+v: row %q reads as %d contacts, %v", c, b.String(), len(got), err)
		}
		if a, b2 := view(got[0]), view(c); !reflect.DeepEqual(a, b2) {
			t.Fatalf("row %q:\nread  %+v\nwrote %+v", b.String(), a, b2)
		}
	}
}

// FuzzReader: the Reader never panics, and every contact it returns
// round-trips through the Writer.
func FuzzReader(f *testing.F) {
	f.Add(canonical)
	f.Add(googleHeader + "\n" + googleRow(map[string]string{"First Name": "A", "Phone 1 - Value": "1 ::: 2", "Phone 1 - Label": "* Work ::: Home"}))
	f.Add(outlookHeader + "\n\"\",\"B\"\n")
	f.Add("\ufeffa,,b,,,wOrK:1\r\n\"x\ny\",,,,\n")
	f.Add("\"unterminated,,x,,,work:1\nok,,,,,home:2")
	f.Add(",,,,,5551234\n,,,,,:1\nA,,,,,pager:1")
	f.Fuzz(func(t *testing.T, in string) {
		r := csvbook.NewReader(strings.NewReader(in))
		for i := 0; ; i++ {
			c, err := r.Next()
			if err != nil {
				if err != io.EOF {
					pe, ok := err.(*csvbook.ParseError)
					if !ok {
						t.Fatalf("unexpected error type %T: %v", err, err)
					}
					// Every problem is on a malformed row, and a row has at
					// least one: the counts agree with the recorded lines.
					if pe.Total < pe.Rows || pe.Rows < 1 || (pe.Total == len(pe.Problems) && pe.Rows != len(pe.Lines())) {
						t.Fatalf("%d problems on %d rows, lines %v", pe.Total, pe.Rows, pe.Lines())
					}
					_ = err.Error()
				}
				return
			}
			if i > len(in) {
				t.Fatalf("more contacts than bytes")
			}
			var b bytes.Buffer
			w := csvbook.NewWriter(&b)
			if err := w.Write(c); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			if w.SkippedContacts() != 0 {
				t.Fatalf("contact %+v not writable", c)
			}
			back := csvbook.NewReader(strings.NewReader(b.String()), csvbook.WithFormat(csvbook.FormatCentralPhoneBook))
			got, err := back.Next()
			if err != nil {
				t.Fatalf("contact %+v: written row %q does not read back: %v", c, b.String(), err)
			}
			if a, w := view(got), view(c); !reflect.DeepEqual(a, w) {
				t.Fatalf("row %q:\nread  %+v\nwant %+v", b.String(), a, w)
			}
			if _, err := back.Next(); err != io.EOF {
				t.Fatalf("written row %q: %v after the contact", b.String(), err)
			}
		}
	})
}
