package phones

import (
	"sync"
	"sync/atomic"
	"time"
)

// Password guessing: after maxFailures wrong passwords for one username from
// one address within failureWindow, that username is refused from that
// address (429) until the window has passed. Keyed by username and address
// so that a misconfigured phone behind a shared NAT locks out only itself.
// Tokens (128 random bits) are not worth guessing and are not throttled.
const (
	maxFailures   = 10
	failureWindow = 10 * time.Minute
	maxTracked    = 10000
)

type failures struct {
	mu sync.Mutex
	m  map[string]*failureCount
	// tracked is len(m), readable without the lock: while it is 0 nobody
	// is throttled and a cached credential needs no throttle check.
	tracked atomic.Int64
}

type failureCount struct {
	n     int
	since time.Time
}

func newFailures() *failures { return &failures{m: map[string]*failureCount{}} }

func failureKey(user, addr string) string { return user + "\x00" + addr }

// blocked reports whether key has used up its failures at now.
func (f *failures) blocked(key string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.m[key]
	if !ok {
		return false
	}
	if now.Sub(c.since) >= failureWindow {
		delete(f.m, key)
		f.tracked.Store(int64(len(f.m)))
		return false
	}
	return c.n >= maxFailures
}

// any reports whether any failure is being tracked.
func (f *failures) any() bool { return f.tracked.Load() > 0 }

// fail counts one failure for key.
func (f *failures) fail(key string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.m[key]
	if !ok || now.Sub(c.since) >= failureWindow {
		if len(f.m) >= maxTracked {
			f.prune(now)
		}
		f.m[key] = &failureCount{n: 1, since: now}
		f.tracked.Store(int64(len(f.m)))
		return
	}
	c.n++
}

// prune drops expired entries, or everything if none expired (bounded
// memory wins over remembering an attacker under a flood of addresses).
func (f *failures) prune(now time.Time) {
	for k, c := range f.m {
		if now.Sub(c.since) >= failureWindow {
			delete(f.m, k)
		}
	}
	if len(f.m) >= maxTracked {
		clear(f.m)
	}
}
