package phones_test

import (
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/phones"
)

// TestBookCappedPerVendor: a full book holds at most its vendor's cap,
// says so where the format shows it, and searches still find the contacts
// past the cap.
func TestBookCappedPerVendor(t *testing.T) {
	e := newEnv(t, phones.WithBookLimits(phones.BookLimits{Yealink: 2, Grandstream: 3, Fanvil: 1, Snom: 2}))
	note := func(shown int) string {
		return "First " + string(rune('0'+shown)) + " of 4 contacts: search for the others"
	}
	tests := []struct {
		name    string
		target  string
		entries string // element path of one contact (Snom: one item per number)
		want    int
		inTitle string // element holding the note, "" for none the phone shows
		noteFor int
	}{
		{name: "yealink flat", target: "/phonebook/yealink.xml", entries: "//DirectoryEntry", want: 2, inTitle: "//Title", noteFor: 2},
		{name: "yealink browse (#SEARCH unsubstituted)", target: "/phonebook/yealink.xml?q=%23SEARCH", entries: "//DirectoryEntry", want: 2, inTitle: "//Title", noteFor: 2},
		{name: "yealink groups", target: "/phonebook/yealink-groups.xml", entries: "//Unit", want: 2, inTitle: "//Title", noteFor: 2},
		{name: "grandstream", target: "/phonebook/grandstream.xml", entries: "//Contact", want: 3, inTitle: "//pbgroup/name", noteFor: 3},
		{name: "fanvil", target: "/phonebook/fanvil.xml", entries: "//DirectoryEntry", want: 1, noteFor: 1},
		{name: "snom", target: "/phonebook/snom.xml", entries: "//item", want: 3, noteFor: 2}, // Alice Martin has two numbers
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sep := "?"
			if strings.Contains(tc.target, "?") {
				sep = "&"
			}
			r := e.get(tc.target + sep + "token=" + e.aliceTk)
			if r.Code != 200 {
				t.Fatalf("%d %s", r.Code, r.Body)
			}
			doc := parseXML(t, r.Body.Bytes())
			if got := len(doc.FindElements(tc.entries)); got != tc.want {
				t.Errorf("%d entries, want %d:\n%s", got, tc.want, r.Body)
			}
			if !strings.Contains(r.Body.String(), note(tc.noteFor)) {
				t.Errorf("no note %q in\n%s", note(tc.noteFor), r.Body)
			}
			if tc.inTitle != "" {
				found := false
				for _, el := range doc.FindElements(tc.inTitle) {
					found = found || strings.Contains(el.Text(), note(tc.noteFor))
				}
				if !found {
					t.Errorf("the note is not in %s", tc.inTitle)
				}
			}
		})
	}
	// The search URLs the phones are provisioned with find a contact past
	// every cap.
	for _, target := range []string{"/phonebook/yealink.xml?q=zo", "/phonebook/fanvil.xml?q=zo", "/phonebook/snom.xml?q=zo"} {
		r := e.get(target + "&token=" + e.aliceTk)
		if r.Code != 200 || !strings.Contains(r.Body.String(), "Zoë Müller") || strings.Contains(r.Body.String(), "search for the others") {
			t.Errorf("%s: %d %s", target, r.Code, r.Body)
		}
	}
	if !strings.Contains(e.logs.String(), "phones.book_max.yealink") {
		t.Errorf("no warning naming the key:\n%s", e.logs)
	}
}

func TestBookUnderItsCapHasNoNote(t *testing.T) {
	e := newEnv(t)
	r := e.get("/phonebook/grandstream.xml?token=" + e.aliceTk)
	if r.Code != 200 || strings.Contains(r.Body.String(), "search for the others") || len(parseXML(t, r.Body.Bytes()).FindElements("//Contact")) != 4 {
		t.Errorf("%d %s", r.Code, r.Body)
	}
}

func TestBookLimitsValidated(t *testing.T) {
	l := phones.DefaultBookLimits()
	l.Snom = 0
	if err := l.Validate(); err == nil || !strings.Contains(err.Error(), "phones.book_max.snom") {
		t.Errorf("err %v", err)
	}
	if err := phones.DefaultBookLimits().Validate(); err != nil {
		t.Error(err)
	}
}
