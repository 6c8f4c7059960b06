package phonebook

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkBulkImport measures contacts/s of a bulk import into an on-disk
// store (the import path of CSV uploads and sync rounds).
func BenchmarkBulkImport(b *testing.B) {
	const n = 50_000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		s := openTest(b, b.TempDir())
		b.StartTimer()
		if _, err := s.Bulk(ctx, func(bt *Batch) error {
			for j := 0; j < n; j++ {
				if _, err := bt.Put(crashContact("Bench", j)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = s.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, b.TempDir())
	const n = 20_000
	if _, err := s.Bulk(ctx, func(bt *Batch) error {
		for j := 0; j < n; j++ {
			if _, err := bt.Put(crashContact("L", j*2)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	nums := make([]string, 1024)
	for i := range nums {
		nums[i] = fmt.Sprintf("+3876%07d", (i*37%n)*2)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r, err := s.Lookup(ctx, nums[i%len(nums)]); err != nil || !r.Match.Hit() {
			b.Fatalf("%v %+v", err, r)
		}
	}
}
