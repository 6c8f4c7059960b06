package csvbook_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

const benchRows = 100_000

func benchFile(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, benchRows, 1); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRead parses a generated Central Phone Book file; rows/s is the
// import parse rate.
func BenchmarkRead(b *testing.B) {
	data := benchFile(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		r := csvbook.NewReader(bytes.NewReader(data))
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
}

// BenchmarkWrite exports generated contacts.
func BenchmarkWrite(b *testing.B) {
	var contacts []*phonebook.Contact
	if err := gen.Contacts(10_000, 1, func(c *phonebook.Contact) error { contacts = append(contacts, c); return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := csvbook.NewWriter(io.Discard)
		for _, c := range contacts {
			if err := w.Write(c); err != nil {
				b.Fatal(err)
			}
		}
		w.Flush()
	}
	b.ReportMetric(float64(b.N*len(contacts))/b.Elapsed().Seconds(), "rows/s")
}
