package phonebook

import (
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestBadgerLogLinesCappedPerInterval(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out strings.Builder
	disk := newDiskGuard("/nowhere", 1, func() time.Time { return now })
	l := newBadgerLogger(slog.New(slog.NewTextHandler(&out, nil)), 3, time.Minute, func() time.Time { return now }, disk)
	for i := 0; i < 100; i++ { // Badger's flush retry, once a second
		l.Errorf("error flushing memtable to disk: %v, retrying", fmt.Errorf("while creating table err: %+v", syscall.ENOSPC))
		now = now.Add(100 * time.Millisecond)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Fatalf("%d lines in the first interval, want 3:\n%s", n, out.String())
	}
	now = now.Add(time.Minute)
	l.Warningf("next")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "suppressed=97") || !strings.Contains(last, "component=badger") {
		t.Fatalf("line after the cap does not count what was left out: %s", last)
	}
	if !strings.Contains(lines[0], "no space left on device") {
		t.Fatalf("first line: %s", lines[0])
	}
	now = disk.noSpace.Add(time.Second)
	if err := disk.check(); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("a 'no space' line from Badger did not make the store refuse writes: %v", err)
	}
	now = disk.noSpace.Add(noSpaceHold)
	disk.space = func(string) (int64, int64, bool, error) { return 1 << 30, 1 << 20, true, nil }
	if err := disk.check(); err != nil {
		t.Fatalf("still refused %s after the last 'no space' line, with space: %v", noSpaceHold, err)
	}
}

func TestIsNoSpaceThroughBadgerWrapping(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{name: "wrapped", err: fmt.Errorf("commit: %w", syscall.ENOSPC), want: true},
		{name: "y.Wrap formats with %+v", err: fmt.Errorf("cannot create new mem table err: %+v", fmt.Errorf("open: %w", syscall.ENOSPC)), want: true},
		{name: "quota", err: fmt.Errorf("x: %w", syscall.EDQUOT), want: true},
		{name: "other", err: fmt.Errorf("x: %w", syscall.EIO), want: false},
	} {
		if got := isNoSpace(tc.err); got != tc.want {
			t.Errorf("%s: isNoSpace(%v) = %v", tc.name, tc.err, got)
		}
	}
}

// TestBadgerCacheWarningShortened: Badger's "might be too small" warning
// (every counter, then a histogram of cache life expectancy) becomes one
// short info line naming the cache and its hit ratio.
func TestBadgerCacheWarningShortened(t *testing.T) {
	var out strings.Builder
	l := newBadgerLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})), 10, time.Minute, time.Now, nil)
	// The two calls Badger v4's monitorCache makes (db.go), with ristretto's text.
	l.Warningf("%s might be too small. Metrics: %s\n", "Block cache",
		"hit: 12 miss: 88 keys-added: 40 keys-updated: 0 keys-evicted: 30 cost-added: 1 cost-evicted: 1 sets-dropped: 0 sets-rejected: 0 gets-dropped: 0 gets-kept: 0 gets-total: 100 hit-ratio: 0.12")
	l.Warningf("Cache life expectancy (in seconds): %+v\n", " -- Histogram: \n Min value: 0 \n Max value: 4 \n [0, 2) 20 66.67% \n [2, 4) 10 33.33% \n --")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(lines), out.String())
	}
	for _, want := range []string{"level=INFO", "cache=\"block cache\"", "hit_ratio=0.12", "store.memory_mb", "component=badger"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line lacks %s: %s", want, lines[0])
		}
	}
	if strings.Contains(out.String(), "Histogram") || strings.Contains(out.String(), "keys-evicted") {
		t.Errorf("the histogram or the counters were logged: %s", out.String())
	}
}
