package rating

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// bigTables is one table of n distinct prefixes of 3 to 10 digits (seeded)
// and a table per class beside it.
func bigTables(n int) ([]hotel.RateTable, []string) {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := make(map[string]bool, n)
	t := hotel.RateTable{ID: "big", Currency: "EUR"}
	for len(t.Rates) < n {
		p := "00" + fmt.Sprintf("%09d", rng.IntN(1_000_000_000))[:1+rng.IntN(8)]
		if seen[p] {
			continue
		}
		seen[p] = true
		t.Rates = append(t.Rates, hotel.Rate{Prefix: p, PerMinute: hotel.Money(rng.IntN(50000)), Increment: 60})
	}
	numbers := make([]string, 1024)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("00%013d", rng.Int64N(10_000_000_000_000))
	}
	return []hotel.RateTable{{ID: "local", Class: hotel.ClassLocal, Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0"}}}, t}, numbers
}

// BenchmarkRate50k rates calls against 50 000 prefixes (the index is
// built once, on the first call).
func BenchmarkRate50k(b *testing.B) {
	tables, numbers := bigTables(50_000)
	if err := Validate(tables); err != nil {
		b.Fatal(err)
	}
	r := New()
	c := answered("", 125)
	r.Rate(tables, c)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Number = numbers[i%len(numbers)]
		r.Rate(tables, c)
	}
}

// BenchmarkIndex50k builds the index of 50 000 prefixes (paid once per
// PutRates).
func BenchmarkIndex50k(b *testing.B) {
	tables, _ := bigTables(50_000)
	b.ReportAllocs()
	for b.Loop() {
		buildIndex(tables)
	}
}

// BenchmarkValidate50k checks 50 000 rates.
func BenchmarkValidate50k(b *testing.B) {
	tables, _ := bigTables(50_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(tables); err != nil {
			b.Fatal(err)
		}
	}
}
