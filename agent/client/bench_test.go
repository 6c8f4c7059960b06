package client_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/pbxagent/pbxagent/agent/client"
	"github.com/pbxagent/pbxagent/phonebook"
)

// BenchmarkLookup measures one reverse lookup through the client against
// an in-process daemon over loopback HTTP (keep-alive).
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	c := daemon(b)
	if _, err := c.CreateContact(ctx, &client.ContactInput{FirstName: "Ana", Numbers: []phonebook.Number{{Type: "mobile", Value: "+38761111111"}}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Lookup(ctx, "061 111 111")
		if err != nil || !res.Hit() {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkAllContacts measures listing 2000 contacts in pages of 500.
func BenchmarkAllContacts(b *testing.B) {
	ctx := context.Background()
	c := daemon(b)
	const n = 2000
	var csv []byte
	for i := range n {
		csv = fmt.Appendf(csv, "First%04d,,Last,,Co,work:+387331%05d\n", i, i)
	}
	if _, err := c.ImportCSV(ctx, bytes.NewReader(csv), client.ImportOptions{Confirm: true}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		count := 0
		for _, err := range c.AllContacts(ctx, client.Query{Limit: 500}, nil) {
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatal(count)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/contact")
}
