package sip

import "time"

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
