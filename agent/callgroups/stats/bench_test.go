package stats

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// openBook opens a phonebook store in dir (in memory when "").
func openBook(b testing.TB, dir string) *phonebook.Store {
	b.Helper()
	n, err := number.New(number.Config{DefaultRegion: "GB"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, InMemory: dir == "", Numbering: n.Numbering(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MemoryBudget: 32 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

// benchRecord records a day's mix of entries (per call: ENTERQUEUE,
// CONNECT, COMPLETECALLER; 50 members in 5 groups) into a store over kv.
func benchRecord(b *testing.B, kv KV) {
	clk := clock.NewVirtual(at(7, 8, 0, 0))
	s := New(kv, WithClock(clk), WithLocation(zone), WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	ctx := context.Background()
	users := make([]string, 50)
	for i := range users {
		users[i] = fmt.Sprintf("01JEQ7H2B3C4D5E6F7G8H9J%03d", i)
	}
	groups := []string{"sales", "support", "billing", "tech", "vip"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tm := at(7, 8, 0, 0).Add(time.Duration(i) * time.Second)
		g, u, c := groups[i%len(groups)], users[i%len(users)], fmt.Sprint("c", i)
		var e callgroups.Entry
		switch i % 3 {
		case 0:
			e = enter(tm, g, c)
		case 1:
			e = connect(tm, g, c, u, 12*time.Second)
		default:
			e = complete(tm, g, c, u, 12*time.Second, 3*time.Minute)
		}
		s.Record(ctx, e)
		i++
	}
	if s.WriteFailures() != 0 {
		b.Fatalf("%d writes failed", s.WriteFailures())
	}
}

// BenchmarkRecord: Record with its write-through, over memory, over the
// daemon's store in memory, and over the daemon's store on disk.
func BenchmarkRecord(b *testing.B) {
	b.Run("memkv", func(b *testing.B) { benchRecord(b, newKV()) })
	b.Run("store-inmemory", func(b *testing.B) { benchRecord(b, openBook(b, "").MetaBatch("callgroup_stats")) })
	b.Run("store-disk", func(b *testing.B) { benchRecord(b, openBook(b, b.TempDir()).MetaBatch("callgroup_stats")) })
}

// BenchmarkAgentStats: reading a member's day over all groups, a pause
// in progress.
func BenchmarkAgentStats(b *testing.B) {
	clk := clock.NewVirtual(at(7, 8, 0, 0))
	s := New(newKV(), WithClock(clk), WithLocation(zone))
	ctx := context.Background()
	s.Record(ctx, member(at(7, 8, 0, 0), callgroups.VerbPause, "sales", "ann", "lunch"))
	s.Record(ctx, connect(at(7, 8, 0, 0), "support", "c", "ann", time.Second))
	clk.AdvanceTo(at(7, 9, 0, 0))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AgentStats(ctx, "ann", "", at(7, 9, 0, 0)); err != nil {
			b.Fatal(err)
		}
	}
}
