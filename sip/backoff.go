package sip

import "time"

// Backoff bounds between retries of a failing accept or read (as net/http's Serve does).
const (
	minRetryBackoff = 5 * time.Millisecond
	maxRetryBackoff = time.Second
)

// nextBackoff doubles d within [minRetryBackoff, maxRetryBackoff].
func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return minRetryBackoff
	}
	return min(2*d, maxRetryBackoff)
}

// sleepOrDone waits d unless done closes first; it reports whether the wait ran its course.
func sleepOrDone(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
