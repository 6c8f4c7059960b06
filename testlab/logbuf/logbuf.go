// Package logbuf is a buffer that a logger in other goroutines and a test
// can share: tests read what was logged while the code under test writes.
package logbuf

import (
	"bytes"
	"sync"
)

// Buffer collects written bytes; safe for concurrent use. The zero value
// is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
