package dirsync

import "time"

// Clock tells the time and waits; tests pass a fake one (syncfake.Clock) so
// that schedules and back-offs run without sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// After wraps time.After.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// AtClock is implemented by clocks that can wake at an absolute time; the
// scheduler prefers it (a fake clock advanced between Now and After would
// otherwise wake it late).
type AtClock interface {
	At(t time.Time) <-chan time.Time
}
