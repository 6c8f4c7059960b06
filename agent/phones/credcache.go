package phones

import (
	"sync"
	"sync/atomic"
)

// Credential cache. A fleet revalidating its books sends the same
// credential (Basic header or URL token) again and again; verifying it costs
// a SHA-256 and a registry look-up each time, more than the rest of a 304.
// The cache remembers credentials that passed verification, keyed by their
// exact text, together with the registry version they were checked at: any
// change of the registry (a phone added, changed or removed, a password or
// token set or rotated) makes every entry stale, so a revoked credential is
// refused again at once. Only successes are kept, so a wrong or unknown
// credential always takes the full check and is refused as before. Digest
// is not cached: each request carries a new nonce count and response.
//
// Reads are lock-free (an immutable map behind an atomic pointer), so the
// hot path costs no shared write; new entries collect in a pending map and
// are published copy-on-write once they reach an eighth of the published
// ones, which keeps the copying amortised O(1) per entry.

// maxCachedCreds bounds the cache; past it, it starts over.
const maxCachedCreds = 1 << 16

// credKind tells which way a credential arrived.
type credKind uint8

const (
	credToken credKind = iota + 1
	credBasic
)

type credKey struct {
	kind  credKind
	value string // the token, or the whole Authorization header
}

// credHit is a verified credential: the phone it names and, for Basic, the
// username (for the failed-login throttle).
type credHit struct {
	rec  *record
	user string
}

type credSnapshot struct {
	version uint64 // registry version the entries were verified at
	m       map[credKey]credHit
}

type credCache struct {
	snap atomic.Pointer[credSnapshot]

	mu      sync.Mutex
	pending map[credKey]credHit // verified at snap's version, not yet published
}

func newCredCache() *credCache {
	c := &credCache{pending: map[credKey]credHit{}}
	c.snap.Store(&credSnapshot{m: map[credKey]credHit{}})
	return c
}

// get returns the cached verification of k if it was made at registry
// version current. A miss in the published map looks at the pending
// entries under the lock: a miss costs a full verification anyway.
func (c *credCache) get(k credKey, current uint64) (credHit, bool) {
	s := c.snap.Load()
	if s.version != current {
		return credHit{}, false
	}
	if h, ok := s.m[k]; ok {
		return h, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap.Load() != s {
		return credHit{}, false
	}
	h, ok := c.pending[k]
	return h, ok
}

// put remembers that k was verified as h at registry version v; current is
// the registry version now. A verification made before the latest change
// is dropped.
func (c *credCache) put(k credKey, h credHit, v, current uint64) {
	if v != current {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snap.Load()
	switch {
	case s.version > v:
		return // the registry moved on meanwhile
	case s.version < v:
		s = &credSnapshot{version: v, m: map[credKey]credHit{}}
		clear(c.pending)
		c.snap.Store(s)
	}
	if _, ok := s.m[k]; ok {
		return
	}
	c.pending[k] = h
	if len(c.pending) < len(s.m)/8+1 {
		return
	}
	n := len(s.m) + len(c.pending)
	m := make(map[credKey]credHit, n)
	if n <= maxCachedCreds {
		for key, val := range s.m {
			m[key] = val
		}
	}
	for key, val := range c.pending {
		m[key] = val
	}
	clear(c.pending)
	c.snap.Store(&credSnapshot{version: v, m: m})
}
