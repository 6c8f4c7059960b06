package syncfake

import (
	"sync"
	"time"
)

// Clock is a manual clock: time moves only with Advance. Waiters fire when
// the clock reaches their deadline.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	// Instant makes After fire at once (and records the wait in Waits):
	// for sources' back-off tests.
	Instant bool
	waits   []time.Duration
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// NewInstantClock returns a clock whose waits return at once and are recorded.
func NewInstantClock(t time.Time) *Clock {
	c := NewClock(t)
	c.Instant = true
	return c
}

// Now implements sync.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After implements sync.Clock.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if c.Instant {
		c.waits = append(c.waits, d)
		c.now = c.now.Add(d)
		ch <- c.now
		return ch
	}
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// At implements sync.AtClock: the channel receives once the clock reaches t.
func (c *Clock) At(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) { // also on an instant clock: only After is instant
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: t, ch: ch})
	return ch
}

// Waits returns the durations After was called with on an instant clock.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// Advance moves the clock and fires the waiters that are due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}
