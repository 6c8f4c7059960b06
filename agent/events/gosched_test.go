package events

import "runtime"

// runtime_Gosched yields while eventually polls.
func runtime_Gosched() { runtime.Gosched() }
