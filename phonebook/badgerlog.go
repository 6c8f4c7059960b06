package phonebook

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Default cap on Badger's log lines.
const (
	defaultLogLines    = 10
	defaultLogInterval = time.Minute
)

// badgerLogger sends Badger's log lines to slog, at most max lines per
// interval: Badger retries a failed memtable flush every second forever,
// logging each attempt. Lines over the cap are counted, and the first line
// of the next interval says how many were left out. A line saying the
// disk is full tells the store's disk guard.
type badgerLogger struct {
	l        *slog.Logger
	max      int
	interval time.Duration
	now      func() time.Time
	disk     *diskGuard

	mu         sync.Mutex
	start      time.Time // of the current interval
	n          int       // lines logged in it
	suppressed int       // lines left out since the last one logged
}

func newBadgerLogger(l *slog.Logger, max int, interval time.Duration, now func() time.Time, disk *diskGuard) *badgerLogger {
	if max <= 0 {
		max = defaultLogLines
	}
	if interval <= 0 {
		interval = defaultLogInterval
	}
	return &badgerLogger{l: l, max: max, interval: interval, now: now, disk: disk}
}

// log logs msg at level unless the interval's cap is reached.
func (b *badgerLogger) log(level slog.Level, msg string) { b.logAttrs(level, msg) }

// logAttrs logs msg with attrs at level unless the interval's cap is reached.
func (b *badgerLogger) logAttrs(level slog.Level, msg string, attrs ...any) {
	b.mu.Lock()
	now := b.now()
	if b.start.IsZero() || now.Sub(b.start) >= b.interval {
		b.start, b.n = now, 0
	}
	if b.n >= b.max {
		b.suppressed++
		b.mu.Unlock()
		return
	}
	b.n++
	suppressed := b.suppressed
	b.suppressed = 0
	b.mu.Unlock()
	args := append([]any{"component", "badger"}, attrs...)
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	b.l.Log(context.Background(), level, msg, args...)
}

func (b *badgerLogger) Errorf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if b.disk != nil && isNoSpaceText(msg) {
		b.disk.sawNoSpace()
	}
	b.log(slog.LevelError, strings.TrimSpace(msg))
}

func (b *badgerLogger) Warningf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if b.disk != nil && isNoSpaceText(msg) {
		b.disk.sawNoSpace()
	}
	if cache, ratio, ok := cacheTooSmall(msg); ok {
		// Badger's minute check of its caches: a hint, not a fault, and
		// its text embeds every counter and a histogram. One short line.
		b.logAttrs(slog.LevelInfo, "badger cache hit ratio is low; a larger store.memory_mb keeps more of the directory in memory",
			"cache", cache, "hit_ratio", ratio)
		return
	}
	if strings.HasPrefix(msg, "Cache life expectancy") {
		return // the histogram that follows the line above
	}
	b.log(slog.LevelWarn, strings.TrimSpace(msg))
}

// cacheTooSmall recognises Badger's "<name> might be too small. Metrics:
// … hit-ratio: 0.12" warning and returns the cache's name and hit ratio.
func cacheTooSmall(msg string) (cache, ratio string, ok bool) {
	cache, metrics, ok := strings.Cut(msg, " might be too small.")
	if !ok {
		return "", "", false
	}
	if _, r, found := strings.Cut(metrics, "hit-ratio: "); found {
		ratio = strings.TrimSpace(strings.Fields(r + " ")[0])
	}
	return strings.ToLower(strings.TrimSpace(cache)), ratio, true
}

func (b *badgerLogger) Infof(f string, a ...any) {
	if !b.l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	b.log(slog.LevelDebug, strings.TrimSpace(fmt.Sprintf(f, a...)))
}

func (b *badgerLogger) Debugf(string, ...any) {}

func isNoSpaceText(s string) bool {
	return strings.Contains(s, "no space left on device") || strings.Contains(s, "disk quota exceeded")
}
