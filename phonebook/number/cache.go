package number

import (
	"hash/maphash"
	"strings"
	"sync"
)

// lru is a bounded, sharded least-recently-used cache of raw input → Probe,
// safe for concurrent use. Each shard is a map into a slice of nodes linked
// by index (no per-entry allocation beyond the map slot and the key copy).
type lru struct {
	seed   maphash.Seed
	shards []lruShard
	mask   uint64
}

type lruShard struct {
	mu    sync.Mutex
	items map[string]int32
	nodes []lruNode
	cap   int
	head  int32 // most recently used, -1 when empty
	tail  int32 // least recently used
	_     [40]byte
}

type lruNode struct {
	key        string
	val        Probe
	prev, next int32
}

const lruShards = 16

func newLRU(size int) *lru {
	shards := lruShards
	for shards > 1 && size/shards < 16 {
		shards /= 2
	}
	c := &lru{seed: maphash.MakeSeed(), shards: make([]lruShard, shards), mask: uint64(shards - 1)}
	per := (size + shards - 1) / shards
	for i := range c.shards {
		s := &c.shards[i]
		s.cap = per
		s.items = make(map[string]int32)
		s.head, s.tail = -1, -1
	}
	return c
}

func (c *lru) shard(key string) *lruShard {
	if c.mask == 0 {
		return &c.shards[0]
	}
	return &c.shards[maphash.String(c.seed, key)&c.mask]
}

// get returns the cached Probe for key and marks it most recently used.
func (c *lru) get(key string) (Probe, bool) {
	s := c.shard(key)
	s.mu.Lock()
	i, ok := s.items[key]
	if !ok {
		s.mu.Unlock()
		return Probe{}, false
	}
	s.moveToFront(i)
	v := s.nodes[i].val
	s.mu.Unlock()
	return v, true
}

// add stores key → v, evicting the least recently used entry when full.
func (c *lru) add(key string, v Probe) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.items[key]; ok {
		s.nodes[i].val = v
		s.moveToFront(i)
		return
	}
	key = strings.Clone(key)
	var i int32
	if len(s.nodes) < s.cap {
		s.nodes = append(s.nodes, lruNode{key: key, val: v, prev: -1, next: -1})
		i = int32(len(s.nodes) - 1)
	} else {
		i = s.tail
		s.unlink(i)
		delete(s.items, s.nodes[i].key)
		s.nodes[i] = lruNode{key: key, val: v, prev: -1, next: -1}
	}
	s.items[key] = i
	s.pushFront(i)
}

// len returns the number of cached entries.
func (c *lru) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

func (s *lruShard) moveToFront(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}

func (s *lruShard) unlink(i int32) {
	n := &s.nodes[i]
	if n.prev >= 0 {
		s.nodes[n.prev].next = n.next
	} else {
		s.head = n.next
	}
	if n.next >= 0 {
		s.nodes[n.next].prev = n.prev
	} else {
		s.tail = n.prev
	}
	n.prev, n.next = -1, -1
}

func (s *lruShard) pushFront(i int32) {
	n := &s.nodes[i]
	n.prev, n.next = -1, s.head
	if s.head >= 0 {
		s.nodes[s.head].prev = i
	}
	s.head = i
	if s.tail < 0 {
		s.tail = i
	}
}
