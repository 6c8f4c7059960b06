//go:build unix

package agent

import "syscall"

// fdLimit is the process's limit on open file descriptors (0: unknown).
// The Go runtime raises the soft limit to the hard one at start, so this is
// what the process can really open.
func fdLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}
