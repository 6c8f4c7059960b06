package ldapdir

import (
	"sync"

	"github.com/pbxagent/pbxagent/phonebook"
)

// resultCache keeps the matches of recent searches for one directory
// generation: phones repeat the same searches (each key typed extends the
// last prefix, and every phone of an office starts with the same letters),
// as the HTTP phone book's render cache also finds. Entries are keyed by
// what decides the answer: the owner whose contacts are visible, the
// filter and how many matches were wanted. A change of the directory
// (its generation) empties it.
type resultCache struct {
	mu    sync.RWMutex // every phone's search looks up: get reads under RLock
	gen   uint64
	max   int
	items map[cacheKey]cached
	order []cacheKey // insertion order, for eviction
}

type cacheKey struct {
	owner, filter string
	anonymous     bool
	want          int
}

type cached struct {
	found []*phonebook.Contact
	spent bool // the scan budget ran out
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, items: map[cacheKey]cached{}}
}

// get returns the matches cached for k at generation gen.
func (c *resultCache) get(gen uint64, k cacheKey) (cached, bool) {
	if c == nil {
		return cached{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if gen != c.gen {
		return cached{}, false
	}
	v, ok := c.items[k]
	return v, ok
}

// put stores the matches for k at generation gen, dropping the oldest
// entries beyond max and everything of an older generation.
func (c *resultCache) put(gen uint64, k cacheKey, v cached) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return // computed before a change another search saw already
	}
	if gen != c.gen {
		c.gen, c.items, c.order = gen, map[cacheKey]cached{}, c.order[:0]
	}
	if _, ok := c.items[k]; ok {
		return
	}
	for len(c.order) >= c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[k] = v
	c.order = append(c.order, k)
}
