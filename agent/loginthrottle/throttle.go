package loginthrottle

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bounds password guessing. A zero field takes its default
// (Default).
type Limits struct {
	// MaxFailures wrong passwords for one username from one address within
	// Window hold that username from that address until the window of its
	// first failure has passed. Default 10.
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

// Default are the limits a zero Limits takes.
var Default = Limits{MaxFailures: 10, Window: 10 * time.Minute, MaxUsersPerAddress: 50,
	MaxAccountFailures: 100, MaxTracked: 10000}

// WithDefaults fills zero fields from Default and checks the rest; what
// names the limits in its errors (e.g. "login limits").
func (l Limits) WithDefaults(what string) (Limits, error) {
	d := Default
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
			return l, fmt.Errorf("%s: %s %d: must be positive", what, f.name, *f.v)
		}
	}
	switch {
	case l.Window == 0:
		l.Window = d.Window
	case l.Window < time.Second:
		return l, fmt.Errorf("%s: window %s: must be at least 1s", what, l.Window)
	}
	return l, nil
}

// Throttle is the failed-login throttle: three bounded tables counting
// failures per username and address, per address (distinct usernames) and
// per username (all addresses). Safe for concurrent use.
type Throttle struct {
	lim Limits

	mu       sync.Mutex
	pairs    *CountTable[pairKey]
	addrs    *CountTable[netip.Addr]
	accounts *CountTable[string]
	// tracked is the number of pairs, readable without the lock: while it
	// is 0 nobody is held and a cached credential needs no throttle check.
	tracked atomic.Int64
}

type pairKey struct {
	user string
	addr netip.Addr
}

// New returns a throttle with lim, which must have gone through
// WithDefaults.
func New(lim Limits) *Throttle {
	return &Throttle{
		lim:      lim,
		pairs:    NewCountTable[pairKey](lim.MaxTracked, lim.MaxFailures, lim.Window),
		addrs:    NewCountTable[netip.Addr](lim.MaxTracked, lim.MaxUsersPerAddress, lim.Window),
		accounts: NewCountTable[string](lim.MaxTracked, lim.MaxAccountFailures, lim.Window),
	}
}

// Limits returns the throttle's limits.
func (f *Throttle) Limits() Limits { return f.lim }

// AddrKey is the address as the per-address limit counts it: an IPv6
// address by its /64, which one host usually holds whole.
func AddrKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		return netip.PrefixFrom(a, 64).Masked().Addr()
	}
	return a
}

// Blocked reports whether user is held from addr at now.
func (f *Throttle) Blocked(user string, addr netip.Addr, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer func() { f.tracked.Store(int64(f.pairs.Len())) }()
	n := f.pairs.Count(pairKey{user, addr}, now)
	switch {
	case n >= f.lim.MaxFailures:
		return true
	case f.addrs.Count(AddrKey(addr), now) >= f.lim.MaxUsersPerAddress:
		return true
	case n > 0 && f.accounts.Count(user, now) >= f.lim.MaxAccountFailures:
		return true
	}
	return false
}

// Any reports whether any failure is being tracked.
func (f *Throttle) Any() bool { return f.tracked.Load() > 0 }

// Fail counts one failure for user from addr at now.
func (f *Throttle) Fail(user string, addr netip.Addr, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, created := f.pairs.Add(pairKey{user, addr}, now); created {
		f.addrs.Add(AddrKey(addr), now)
	}
	f.accounts.Add(user, now)
	f.tracked.Store(int64(f.pairs.Len()))
}
