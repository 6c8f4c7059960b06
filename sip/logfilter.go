package sip

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// logFilter is the slog handler in front of everything the SIP server and sipgo log. Debug
// records pass unchanged: debug is where callers' numbers may appear. Above debug it
//
//   - rate-limits: at most burst records with one message text per interval; the rest are
//     counted, and the first record of that text after the interval is preceded by one line
//     saying how many were dropped;
//   - strips contents: only attributes known to hold addresses, counts or transport names are
//     kept; an error keeps its text up to the first quote, bracket or line break (sipgo quotes
//     the offending line in its parse errors); anything else (sipgo's "data" with a whole
//     packet, "req" with a Request-URI, "tx" with a Via branch) is dropped.
type logFilter struct {
	next slog.Handler
	st   *logFilterState
}

type logFilterState struct {
	burst    int
	interval time.Duration
	now      func() time.Time
	dropped  func() // counts one dropped record

	mu      sync.Mutex
	buckets map[string]*logBucket
}

type logBucket struct {
	start   time.Time
	n       int
	dropped int
}

// maxLogBuckets bounds the distinct message texts tracked; sipgo's are constants, so more means
// messages built from input, and they share one bucket.
const maxLogBuckets = 256

// newLogFilter wraps next. dropped, when not nil, is called once per dropped record.
func newLogFilter(next slog.Handler, burst int, interval time.Duration, now func() time.Time, dropped func()) slog.Handler {
	if now == nil {
		now = time.Now
	}
	if dropped == nil {
		dropped = func() {}
	}
	return &logFilter{next: next, st: &logFilterState{
		burst: burst, interval: interval, now: now, dropped: dropped, buckets: map[string]*logBucket{},
	}}
}

// Enabled implements slog.Handler.
func (f *logFilter) Enabled(ctx context.Context, l slog.Level) bool { return f.next.Enabled(ctx, l) }

// WithAttrs implements slog.Handler. Attributes given through With are the program's own
// (component names, callers such as "TransportLayer"), not message contents: they pass.
func (f *logFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return &logFilter{next: f.next.WithAttrs(as), st: f.st}
}

// WithGroup implements slog.Handler.
func (f *logFilter) WithGroup(name string) slog.Handler {
	return &logFilter{next: f.next.WithGroup(name), st: f.st}
}

// Handle implements slog.Handler.
func (f *logFilter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		return f.next.Handle(ctx, r)
	}
	pass, summary := f.st.admit(r.Message)
	if summary > 0 {
		s := slog.NewRecord(f.st.now(), slog.LevelWarn, "sip log lines suppressed", 0)
		s.AddAttrs(slog.String("message", r.Message), slog.Int("count", summary),
			slog.Duration("interval", f.st.interval))
		if err := f.next.Handle(ctx, s); err != nil {
			return err
		}
	}
	if !pass {
		f.st.dropped()
		return nil
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a, ok := safeAttr(a); ok {
			out.AddAttrs(a)
		}
		return true
	})
	return f.next.Handle(ctx, out)
}

// admit says whether a record with message msg may be logged now, and how many records of that
// message were dropped in the interval that has just ended (to be reported first).
func (st *logFilterState) admit(msg string) (pass bool, summary int) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buckets[msg]
	if !ok {
		if len(st.buckets) >= maxLogBuckets {
			msg = "\x00other"
			b = st.buckets[msg]
		}
		if b == nil {
			b = &logBucket{start: now}
			st.buckets[msg] = b
		}
	}
	if now.Sub(b.start) >= st.interval {
		summary = b.dropped
		b.start, b.n, b.dropped = now, 0, 0
	}
	if b.n >= st.burst {
		b.dropped++
		return false, summary
	}
	b.n++
	return true, summary
}

// safeLogKeys are attribute keys whose values are addresses, counts, durations or names of
// transports, never message contents.
var safeLogKeys = map[string]bool{
	"caller": true, "laddr": true, "raddr": true, "network": true, "addr": true, "src": true,
	"dst": true, "ip": true, "ref": true, "transport": true, "status": true, "count": true,
	"interval": true, "component": true, "peer": true, "limit": true, "backoff": true,
	"timeout": true, "dur": true, "method": true,
}

// safeAttr returns the attribute as it may be logged above debug, or false to drop it.
func safeAttr(a slog.Attr) (slog.Attr, bool) {
	switch {
	case a.Key == "error" || a.Key == "err":
		if err, ok := a.Value.Any().(error); ok && err != nil {
			return slog.String(a.Key, safeErrorText(err.Error())), true
		}
		return slog.String(a.Key, safeErrorText(a.Value.String())), true
	case a.Key == "method":
		// a request method is a token; an odd one could be anything
		if s := a.Value.String(); len(s) <= 16 && headerToken(s) == s {
			return a, true
		}
		return slog.Attr{}, false
	case safeLogKeys[a.Key]:
		return a, true
	}
	return slog.Attr{}, false
}

// maxLogErrorText bounds an error's text above debug.
const maxLogErrorText = 160

// safeErrorText keeps an error's text up to the first character that starts quoted input (sipgo
// quotes the line it could not parse) and bounds its length.
func safeErrorText(s string) string {
	cut := len(s)
	if i := strings.IndexAny(s, "'\"<`\r\n"); i >= 0 {
		cut = i
	}
	if cut > maxLogErrorText {
		cut = maxLogErrorText
		for cut > 0 && s[cut]&0xc0 == 0x80 { // stay on a rune boundary
			cut--
		}
	}
	if cut < len(s) {
		return strings.TrimRight(s[:cut], " :=") + " …"
	}
	return s
}

// SetLibraryLogger sends what sipgo logs through its package-wide logger (connection reference
// warnings such as "TCP ref went negative", one per connection closed under a transaction) to l,
// through the same filter as a server's own logs: at most burst lines of a kind per interval
// above debug, and no message contents there. sipgo keeps that logger in a package variable, so
// this is process-wide: call it once at start, before any server runs.
func SetLibraryLogger(l *slog.Logger, burst int, interval time.Duration) {
	if l == nil || burst < 1 || interval <= 0 {
		return
	}
	sipmsg.SetDefaultLogger(slog.New(newLogFilter(l.Handler(), burst, interval, nil, nil)))
}
