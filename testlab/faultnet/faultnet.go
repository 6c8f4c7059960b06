// Package faultnet injects the failures a listener sees in production
// (out of file descriptors, connections aborted before they were
// accepted) so tests can check that servers retry rather than stop.
package faultnet

import (
	"net"
	"os"
	"sync"
	"syscall"
)

// Listener fails its first Fails accepts with Err (EMFILE, "too many open
// files", when nil), then accepts from the wrapped listener.
type Listener struct {
	net.Listener
	Fails int
	Err   error

	mu sync.Mutex
}

// Accept implements net.Listener.
func (l *Listener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.Fails > 0 {
		l.Fails--
		l.mu.Unlock()
		if l.Err != nil {
			return nil, l.Err
		}
		return nil, Errno(syscall.EMFILE)
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// Errno is the error net returns for a failed accept with errno.
func Errno(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}
