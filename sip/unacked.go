package sip

import (
	"net/netip"
	"sync"
)

// unackedBudget counts, per address, the INVITE final responses sent over UDP and not yet
// ACKed (their transactions retransmit them on Timer G). Entries go with their last response.
type unackedBudget struct {
	max int
	mu  sync.Mutex
	n   map[netip.Addr]int
}

func newUnackedBudget(max int) *unackedBudget {
	return &unackedBudget{max: max, n: map[netip.Addr]int{}}
}

// acquire takes one slot for a, or reports that a has used its budget.
func (b *unackedBudget) acquire(a netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n[a] >= b.max {
		return false
	}
	b.n[a]++
	return true
}

// release gives back a slot taken by acquire.
func (b *unackedBudget) release(a netip.Addr) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n[a]--; b.n[a] <= 0 {
		delete(b.n, a)
	}
}
