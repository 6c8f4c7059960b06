// Package clock abstracts time so that the dialer, the call features and the
// testlab Asterisk stand-in can run on real time in production and on a
// virtual clock in simulations, where an hour of campaign passes in seconds.
package clock

import "time"

// Clock tells the time and schedules work. Real and Virtual implement it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once d has elapsed. On a Virtual clock f runs in the
	// goroutine that advances the clock; on Real, in its own goroutine.
	AfterFunc(d time.Duration, f func()) Timer
	// NewTimer returns a timer whose channel receives the time once d has elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is a scheduled event that can be stopped or rescheduled.
type Timer interface {
	// C is the channel the time is sent on; nil for timers made by AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was pending.
	Stop() bool
	// Reset reschedules the timer to fire after d; it reports whether it was pending.
	Reset(d time.Duration) bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return realTimer{t: time.AfterFunc(d, f)} }

// NewTimer wraps time.NewTimer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{t: time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }
