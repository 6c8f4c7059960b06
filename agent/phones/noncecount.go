package phones

import (
	"container/heap"
	"sync"
	"time"
)

// Digest nonce counts (RFC 7616 §3.4: the server may refuse a request whose
// nonce count it has seen, which stops a captured request from being
// replayed). The nonces themselves are stateless (secrets.go); this table
// remembers, for each nonce and username a valid response was received
// for, the highest nonce count accepted. A request must bring a higher
// one; a request without qop (no count) may use its nonce once.
//
// Memory is bounded: an entry goes when its nonce expires, and when the
// table is full the entry of the oldest nonce goes early. The table then
// refuses every nonce issued no later than the one it dropped that it does
// not hold (it cannot tell a new one from a dropped one) as stale, so the
// phone takes a fresh nonce and nothing is ever accepted twice.

// DefaultDigestNonces bounds the nonce-count table (WithDigestNonces).
const DefaultDigestNonces = 65536

// WithDigestNonces bounds the Digest nonce-count table (entries, about
// 150 bytes each; default DefaultDigestNonces). Past it the oldest nonces
// become stale early and phones using them take new ones.
func WithDigestNonces(n int) Option { return func(c *config) { c.maxNonces = n } }

type nonceKey struct{ nonce, user string }

type nonceEntry struct {
	key    nonceKey
	nc     uint32
	issued time.Time
	index  int // in the heap
}

// nonceHeap orders entries by issue time, oldest first.
type nonceHeap []*nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].issued.Before(h[j].issued) }
func (h nonceHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *nonceHeap) Push(x any) {
	e := x.(*nonceEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

type nonceCounts struct {
	max int
	ttl time.Duration

	mu    sync.Mutex
	m     map[nonceKey]*nonceEntry
	h     nonceHeap
	floor time.Time // the latest issue time of an entry dropped early
}

func newNonceCounts(max int, ttl time.Duration) *nonceCounts {
	return &nonceCounts{max: max, ttl: ttl, m: map[nonceKey]*nonceEntry{}}
}

// use reports whether nonce count nc is accepted for user's requests under
// nonce, issued at issued, at now; when it is, it becomes the count to
// beat. A nonce must still be fresh (the caller checks).
func (c *nonceCounts) use(nonce, user string, nc uint32, issued, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.h) > 0 && now.Sub(c.h[0].issued) > c.ttl {
		delete(c.m, heap.Pop(&c.h).(*nonceEntry).key)
	}
	k := nonceKey{nonce, user}
	if e, ok := c.m[k]; ok {
		if nc <= e.nc {
			return false
		}
		e.nc = nc
		return true
	}
	if !issued.After(c.floor) && !c.floor.IsZero() {
		return false // maybe dropped early: cannot tell, so never twice
	}
	if nc == 0 {
		return false
	}
	if len(c.h) >= c.max {
		if !issued.After(c.h[0].issued) {
			return false // older than every nonce kept: stale
		}
		old := heap.Pop(&c.h).(*nonceEntry)
		delete(c.m, old.key)
		if old.issued.After(c.floor) {
			c.floor = old.issued
		}
	}
	e := &nonceEntry{key: k, nc: nc, issued: issued}
	heap.Push(&c.h, e)
	c.m[k] = e
	return true
}

// len returns the number of entries.
func (c *nonceCounts) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
