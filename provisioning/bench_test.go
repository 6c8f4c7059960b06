package provisioning

import (
	"fmt"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

func benchContacts(n int) []*phonebook.Contact {
	cs := make([]*phonebook.Contact, n)
	for i := range cs {
		cs[i] = contact(fmt.Sprintf("Person %05d & Co", i), fmt.Sprintf("+49 30 %07d", i), fmt.Sprintf("0170 %07d", i))
	}
	return cs
}

// BenchmarkYealinkDirectory10k renders and serialises a 10 000-contact book.
func BenchmarkYealinkDirectory10k(b *testing.B) {
	cs := benchContacts(10000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Marshal(YealinkDirectory(Book{Contacts: cs}), UTF8); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCiscoPage renders one 32-entry Cisco page in Latin-1.
func BenchmarkCiscoPage(b *testing.B) {
	cs := benchContacts(32)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d, err := CiscoDirectory(CiscoPage{Title: "Company", Prompt: "1-32 of 1000000", Entries: CiscoEntries(Book{Contacts: cs}),
			NextURL: "http://pbx.example.com/phonebook/cisco.xml?page=2&q=person&token=abcdefghijklmnopqrstuv"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Marshal(d, Latin1); err != nil {
			b.Fatal(err)
		}
	}
}
