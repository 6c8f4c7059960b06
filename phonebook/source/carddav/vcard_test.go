package carddav_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
)

func TestParseCard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		card    string
		want    phonebook.Contact
		wantErr string
	}{
		{
			name: "vCard 3 with several TYPE parameters and an escaped ORG",
			card: "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a1\r\nFN:Jürgen Müller\r\nN:Müller;Jürgen;Karl;Dr.;\r\n" +
				"ORG:Müller\\; Söhne;Einkauf\r\nTITLE:CTO\r\nTEL;TYPE=HOME:+49 30 1\r\nTEL;TYPE=WORK;TYPE=FAX:+49 30 2\r\n" +
				"TEL;TYPE=PAGER:+49 30 3\r\nitem1.TEL;TYPE=CELL:+49 170 4\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\nEND:VCARD\r\n",
			want: phonebook.Contact{ExternalID: "a1", DisplayName: "Jürgen Müller", FirstName: "Jürgen", MiddleName: "Karl", LastName: "Müller",
				Company: "Müller; Söhne", Department: "Einkauf", JobTitle: "CTO",
				Numbers: []phonebook.Number{{Type: "home", Value: "+49 30 1"}, {Type: "fax", Value: "+49 30 2"},
					{Type: "other", Value: "+49 30 3"}, {Type: "mobile", Value: "+49 170 4"}}},
		},
		{
			name: "vCard 4 with tel: URIs and folded lines",
			card: "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\nFN:Ana\r\n  Kovač\r\n" +
				"TEL;VALUE=uri;TYPE=\"voice,work\":tel:+387-33-123;ext=5\r\nTEL;VALUE=uri;TYPE=\"cell,voice\";PREF=1:tel:+387-61-1\r\n" +
				"EMAIL;TYPE=work:ana@example.com\r\nEND:VCARD\r\n",
			want: phonebook.Contact{ExternalID: "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1", DisplayName: "Ana Kovač",
				Emails:  []phonebook.Email{{Label: "work", Address: "ana@example.com"}},
				Numbers: []phonebook.Number{{Type: "work", Value: "+387-33-123"}, {Type: "mobile", Value: "+387-61-1"}}},
		},
		{
			name: "no UID: the href is the id; no FN: derived from N",
			card: "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Horvat;Ivo;;;\r\nTEL:100\r\nEND:VCARD\r\n",
			want: phonebook.Contact{ExternalID: "/book/x.vcf", FirstName: "Ivo", LastName: "Horvat", DisplayName: "Ivo Horvat",
				Numbers: []phonebook.Number{{Type: "other", Value: "100"}}},
		},
		{name: "vCard 2.1 refused", card: "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:X\r\nEND:VCARD\r\n", wantErr: `/book/x.vcf: VERSION "2.1"`},
		{name: "not a vCard", card: "hello", wantErr: "/book/x.vcf: vCard"},
		{name: "nothing to show", card: "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:e\r\nEND:VCARD\r\n", wantErr: "/book/x.vcf: FN: the card has no name"},
		{name: "TEL URI not tel:", card: "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Y\r\nTEL;VALUE=uri:sip:100@pbx\r\nEND:VCARD\r\n", wantErr: `/book/x.vcf: TEL "sip:100@pbx"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := carddav.ParseCard("/book/x.vcf", tc.card)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(c)
			w, _ := json.Marshal(&tc.want)
			if string(g) != string(w) {
				t.Fatalf("\n got %s\nwant %s", g, w)
			}
		})
	}
}

func FuzzVCard(f *testing.F) {
	f.Add("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nN:B;C;;;\r\nORG:D;E\r\nTEL;TYPE=WORK,FAX:1\r\nEMAIL:x@y\r\nEND:VCARD\r\n")
	f.Add("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nTEL;VALUE=uri;TYPE=\"cell,voice\":tel:+1;ext=2\r\nEND:VCARD\r\n")
	f.Add("BEGIN:VCARD\nN:\\;;\\\\;\nTEL;TYPE=\"x:2\nEND:VCARD")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := carddav.ParseCard("/b/x.vcf", s)
		if err != nil {
			if !strings.Contains(err.Error(), "/b/x.vcf") {
				t.Fatalf("error does not name the href: %v", err)
			}
			return
		}
		if c.ExternalID == "" || c.DisplayName == "" {
			t.Fatalf("contact without id or name: %+v", c)
		}
		for _, n := range c.Numbers {
			if n.Value == "" || strings.ContainsAny(n.Value, "\r\n") {
				t.Fatalf("bad number %q", n.Value)
			}
		}
	})
}
