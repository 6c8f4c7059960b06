package phones

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// LoginLimits bounds password guessing against Basic and Digest (tokens,
// 128 random bits, are not worth guessing and are not held). A zero field
// takes its default. docs/phones.md explains each limit.
type LoginLimits struct {
	// MaxFailures wrong passwords for one username from one address within
	// Window hold that username from that address (429) until the window
	// of its first failure has passed. Default 10.
	MaxFailures int
	// Window is how long failures count, from the first one. Default 10m.
	Window time.Duration
	// MaxUsersPerAddress distinct usernames failing from one address (an
	// IPv6 address counts as its /64) within Window hold every username
	// from that address. Default 50.
	MaxUsersPerAddress int
	// MaxAccountFailures failures for one username from all addresses
	// within Window leave each address that has failed for it a single
	// failure (instead of MaxFailures), against guessing spread over many
	// addresses. Addresses that have not failed for it are unaffected.
	// Default 100.
	MaxAccountFailures int
	// MaxTracked bounds each of the three tables (username and address,
	// address, username). When one is full, a new entry evicts an expired
	// one, else the one with the fewest failures, never all. Default 10000.
	MaxTracked int
}

// DefaultLoginLimits are the limits used when WithLoginLimits is not given.
var DefaultLoginLimits = LoginLimits{MaxFailures: 10, Window: 10 * time.Minute, MaxUsersPerAddress: 50,
	MaxAccountFailures: 100, MaxTracked: 10000}

// WithLoginLimits sets the failed-login limits; zero fields keep their
// defaults (DefaultLoginLimits).
func WithLoginLimits(l LoginLimits) Option { return func(c *config) { c.login = l } }

// withDefaults fills zero fields and checks the rest.
func (l LoginLimits) withDefaults() (LoginLimits, error) {
	d := DefaultLoginLimits
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{{"max failures", &l.MaxFailures, d.MaxFailures}, {"max users per address", &l.MaxUsersPerAddress, d.MaxUsersPerAddress},
		{"max account failures", &l.MaxAccountFailures, d.MaxAccountFailures}, {"max tracked", &l.MaxTracked, d.MaxTracked}} {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0:
			return l, fmt.Errorf("login limits: %s %d: must be positive", f.name, *f.v)
		}
	}
	switch {
	case l.Window == 0:
		l.Window = d.Window
	case l.Window < time.Second:
		return l, fmt.Errorf("login limits: window %s: must be at least 1s", l.Window)
	}
	return l, nil
}

// failures is the failed-login throttle: three bounded tables counting
// failures per username and address, per address (distinct usernames) and
// per username (all addresses).
type failures struct {
	lim LoginLimits

	mu       sync.Mutex
	pairs    *countTable[pairKey]
	addrs    *countTable[netip.Addr]
	accounts *countTable[string]
	// tracked is the number of pairs, readable without the lock: while it
	// is 0 nobody is held and a cached credential needs no throttle check.
	tracked atomic.Int64
}

type pairKey struct {
	user string
	addr netip.Addr
}

func newFailures(lim LoginLimits) *failures {
	return &failures{
		lim:      lim,
		pairs:    newCountTable[pairKey](lim.MaxTracked, lim.MaxFailures, lim.Window),
		addrs:    newCountTable[netip.Addr](lim.MaxTracked, lim.MaxUsersPerAddress, lim.Window),
		accounts: newCountTable[string](lim.MaxTracked, lim.MaxAccountFailures, lim.Window),
	}
}

// addrKey is the address as the per-address limit counts it: an IPv6
// address by its /64, which one host usually holds whole.
func addrKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		return netip.PrefixFrom(a, 64).Masked().Addr()
	}
	return a
}

// blocked reports whether user is held from addr at now.
func (f *failures) blocked(user string, addr netip.Addr, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer func() { f.tracked.Store(int64(f.pairs.len())) }()
	n := f.pairs.count(pairKey{user, addr}, now)
	switch {
	case n >= f.lim.MaxFailures:
		return true
	case f.addrs.count(addrKey(addr), now) >= f.lim.MaxUsersPerAddress:
		return true
	case n > 0 && f.accounts.count(user, now) >= f.lim.MaxAccountFailures:
		return true
	}
	return false
}

// any reports whether any failure is being tracked.
func (f *failures) any() bool { return f.tracked.Load() > 0 }

// fail counts one failure for user from addr.
func (f *failures) fail(user string, addr netip.Addr, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, created := f.pairs.add(pairKey{user, addr}, now); created {
		f.addrs.add(addrKey(addr), now)
	}
	f.accounts.add(user, now)
	f.tracked.Store(int64(f.pairs.len()))
}
