package callhistory

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

func benchKV(b *testing.B) storeKV {
	b.Helper()
	num, err := number.New(number.Config{DefaultRegion: "CH"})
	if err != nil {
		b.Fatal(err)
	}
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: b.TempDir(), Numbering: num.Numbering(), MemoryBudget: 64 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return storeKV{RangeKV: s.MetaRange("callhistory"), batch: s.MetaBatch("callhistory")}
}

// BenchmarkAdd: writing one ended call (two keys in one batch), the time
// the engine's event loop waits before call_ended goes out.
func BenchmarkAdd(b *testing.B) {
	h, err := New(benchKV(b), Config{}, WithLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := ended(fmt.Sprintf("pbxcall-%016x", i), fmt.Sprintf("u%d", i%100), calls.Outbound, "200", t0.Add(time.Duration(i)*time.Second), time.Second, time.Minute)
		if _, err := h.Add(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPage: the first page (100 calls) of one user's history
// among 50 000 calls of 50 users, and the same across users.
func BenchmarkListPage(b *testing.B) {
	h, err := New(benchKV(b), Config{}, WithLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 50_000; i++ {
		c := ended(fmt.Sprintf("pbxcall-%016x", i), fmt.Sprintf("u%d", i%50), calls.Outbound, "200", t0.Add(time.Duration(i)*time.Second), time.Second, time.Minute)
		if _, err := h.Add(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []struct {
		name string
		f    Filter
	}{{"user", Filter{UserID: "u7"}}, {"all", Filter{}}, {"user-since-q", Filter{UserID: "u7", Since: t0.Add(10 * time.Hour), Q: "200"}}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p, err := h.List(ctx, f.f)
				if err != nil || len(p.Calls) != 100 {
					b.Fatalf("%d %v", len(p.Calls), err)
				}
			}
		})
	}
}
