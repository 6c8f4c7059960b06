// Package backoff is the delay between retries of a failing accept or
// read (out of file descriptors, a connection aborted before it was
// accepted): 5 ms, doubling to at most 1 s, as net/http's Server does. The
// HTTP fast lane, FastAGI and the SIP listeners share it.
package backoff

import "time"

// The first and the longest delay.
const (
	Min = 5 * time.Millisecond
	Max = time.Second
)

// Next returns the delay after d: Min after none (0), then d doubled up to
// Max.
func Next(d time.Duration) time.Duration {
	if d == 0 {
		return Min
	}
	return min(2*d, Max)
}
