package phonebook

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// ErrDiskFull wraps every write refused because the disk holding the store
// is full (or within the store's reserve of full). Lookups and searches
// keep working; writes are accepted again by themselves once space is
// freed.
var ErrDiskFull = errors.New("the disk holding the store is full")

// DefaultDiskReserve is the free space the store keeps for Badger's own
// housekeeping (flushing memtables, compacting tables) when
// Options.DiskReserve is 0.
const DefaultDiskReserve = 256 << 20

// minFreeInodes is how many free inodes (where the filesystem counts them)
// the store keeps: Badger creates a file for every flushed table and for
// every memtable.
const minFreeInodes = 64

// noSpaceHold is how long a "no space left" error from Badger keeps the
// store refusing writes after it was last seen, even when statfs reports
// enough room (Badger retries a failed flush every second; while it fails,
// new writes would only pile up in memory).
const noSpaceHold = 3 * time.Second

// diskSpace reports the free bytes and inodes of the filesystem holding
// dir; inodes is -1 when the filesystem does not count them. ok is false
// when it cannot tell (unsupported platform).
type diskSpace func(dir string) (free, inodes int64, ok bool, err error)

// diskGuard refuses writes while the disk is full. Badger writes its
// tables, memtables and value log through memory-mapped files: a write
// through a mapping into a full filesystem does not return ENOSPC, it
// kills the process with SIGBUS. So the guard refuses the store's writes
// while less than the reserve is free, leaving room for the flushes and
// compactions already under way, and also while Badger reports "no space
// left on device" (a filesystem that fails file creation or a manifest
// append).
type diskGuard struct {
	dir     string // "" for an in-memory store: never full
	reserve int64
	space   diskSpace
	now     func() time.Time

	mu      sync.Mutex
	noSpace time.Time // last "no space left" error seen
}

func newDiskGuard(dir string, reserve int64, now func() time.Time) *diskGuard {
	if reserve == 0 {
		reserve = DefaultDiskReserve
	}
	return &diskGuard{dir: dir, reserve: reserve, space: statfsSpace, now: now}
}

// check returns nil when a write may go ahead, else an error wrapping
// ErrDiskFull that says how much is free.
func (g *diskGuard) check() error { return g.checkNeed(0) }

// checkNeed is check for a write that adds about need bytes at once (a
// load's tables): it must leave the reserve free.
func (g *diskGuard) checkNeed(need int64) error {
	if g == nil || g.dir == "" || g.reserve < 0 {
		return nil
	}
	g.mu.Lock()
	last := g.noSpace
	g.mu.Unlock()
	if !last.IsZero() && g.now().Sub(last) < noSpaceHold {
		return fmt.Errorf("%w: Badger could not write (no space left on device) %s ago", ErrDiskFull, g.now().Sub(last).Round(time.Second))
	}
	free, inodes, ok, err := g.space(g.dir)
	if err != nil || !ok {
		return nil // cannot tell: let Badger try
	}
	if free-need < g.reserve {
		if need > 0 {
			return fmt.Errorf("%w: %s free, and writing %s would leave less than the %s the store keeps in reserve", ErrDiskFull, mib(free), mib(need), mib(g.reserve))
		}
		return fmt.Errorf("%w: %s free, below the %s the store keeps in reserve", ErrDiskFull, mib(free), mib(g.reserve))
	}
	if inodes >= 0 && inodes < minFreeInodes {
		return fmt.Errorf("%w: %d free inodes, below the %d the store keeps in reserve", ErrDiskFull, inodes, minFreeInodes)
	}
	return nil
}

// note returns err, wrapping ErrDiskFull when it says the disk is full
// (and remembering that it did).
func (g *diskGuard) note(err error) error {
	if err == nil || !isNoSpace(err) || errors.Is(err, ErrDiskFull) {
		return err
	}
	g.sawNoSpace()
	return fmt.Errorf("%w: %w", ErrDiskFull, err)
}

func (g *diskGuard) sawNoSpace() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.noSpace = g.now()
	g.mu.Unlock()
}

// isNoSpace reports whether err says the disk is full. Badger's y.Wrap
// formats its cause with %+v instead of wrapping it, so the text is
// checked too.
func isNoSpace(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	s := err.Error()
	return isNoSpaceText(s)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// DiskFull reports whether the store refuses writes because its disk is
// full; readiness checks report it.
func (s *Store) DiskFull() bool { return errors.Is(s.disk.check(), ErrDiskFull) }

// DiskFullReason says why the store refuses writes ("" when it does not).
func (s *Store) DiskFullReason() string {
	if err := s.disk.check(); err != nil {
		return err.Error()
	}
	return ""
}
