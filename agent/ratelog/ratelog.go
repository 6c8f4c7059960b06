// Package ratelog limits a log line that an outsider can provoke at will
// (a refused connection, a failed accept) to one per interval: the first
// event is logged at once, those that follow within the interval are only
// counted, and the next line logged says how many were left out.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Limiter logs one line per interval. The zero value is not usable; make
// one with New. It is safe for concurrent use.
type Limiter struct {
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// New returns a Limiter logging at most once per interval; now is the
// clock (time.Now when nil).
func New(interval time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{interval: interval, now: now}
}

// Log logs msg with args at level on l unless a line was logged less than
// the interval ago; then it only counts the event. A line logged after
// such events carries their count as "suppressed".
func (r *Limiter) Log(l *slog.Logger, level slog.Level, msg string, args ...any) {
	r.mu.Lock()
	now := r.now()
	if !r.last.IsZero() && now.Sub(r.last) < r.interval {
		r.suppressed++
		r.mu.Unlock()
		return
	}
	n := r.suppressed
	r.last, r.suppressed = now, 0
	r.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	l.Log(context.Background(), level, msg, args...)
}
