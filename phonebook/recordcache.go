package phonebook

import (
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// The record cache keeps the stored bytes of contact records a name search
// read, so that the next search showing the same contacts decodes them
// from memory instead of reading Badger: a phone's prefix searches show
// the same first contacts of each letter over and over, and a search
// whose words also match company or e-mail words reads many records its
// caller then drops (an LDAP cn/sn filter), most of them the same ones
// from one search to the next. A Badger read of one record costs several
// table lookups (one per level) and a 4 KiB block in the block cache; the
// cache holds the record's bytes alone.
//
// Records are keyed by their slot in the name index: every write of a
// contact gives it a new slot (see nameIndex.apply) and a load replaces
// the index, so a slot names one version of one record and an entry is
// never stale. A search looks a hit's slot up before it opens the read
// transaction the record comes from, so the record read is that version
// or (a write published in between) a newer one, whose slot is then
// already dead. An entry made for another index instance is dropped with
// the whole cache.
//
// Memory: two generations of one byte arena each (half the cache's size);
// when the current one is full it becomes the previous one, the previous
// one is dropped, and a record found in the previous one is copied to the
// current one. Arenas are only appended to and never reused, so a
// record's bytes may be decoded after the lock is released. No pointers
// per record: the garbage collector does not scan the maps.

// recordCache is the record cache; see above. A nil *recordCache caches
// nothing.
type recordCache struct {
	half int // bytes of one generation's arena

	mu       sync.RWMutex // searches of all phones look records up at once: get reads under RLock
	x        *nameIndex   // the index whose slots key the entries
	cur, old recordGen

	hits, misses atomic.Uint64
}

// recordGen is one generation: records by slot, in one arena.
type recordGen struct {
	at   map[uint32]recordRef
	data []byte
}

// recordRef is where a record is in its generation's arena.
type recordRef struct{ off, n uint32 }

// newRecordCache returns a cache of about size bytes (nil, no cache, when
// size is too small to hold more than a few records).
func newRecordCache(size int64) *recordCache {
	if size < 64<<10 {
		return nil
	}
	return &recordCache{half: int(min(size/2, 1<<31))}
}

// get returns the record cached for slot s of index x.
func (c *recordCache) get(x *nameIndex, s uint32) ([]byte, bool) {
	if c == nil || x == nil {
		return nil, false
	}
	b, old, ok := c.lookup(x, s)
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	if old {
		c.put(x, s, b) // into the current generation
	}
	return b, true
}

// lookup finds slot s of index x in either generation (old: the
// previous one).
func (c *recordCache) lookup(x *nameIndex, s uint32) (b []byte, old, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.x != x {
		return nil, false, false
	}
	if r, ok := c.cur.at[s]; ok {
		return c.cur.data[r.off : r.off+r.n : r.off+r.n], false, true
	}
	if r, ok := c.old.at[s]; ok {
		return c.old.data[r.off : r.off+r.n : r.off+r.n], true, true
	}
	return nil, false, false
}

// put caches rec as the record of slot s of index x.
func (c *recordCache) put(x *nameIndex, s uint32, rec []byte) {
	if c == nil || x == nil || len(rec) == 0 || len(rec) > c.half/64 {
		return
	}
	var arena []byte // a new generation's, allocated (and zeroed) outside the lock
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.x != x {
			c.x, c.cur, c.old = x, recordGen{}, recordGen{}
		}
		if _, ok := c.cur.at[s]; ok {
			return
		}
		if c.cur.at != nil && len(c.cur.data)+len(rec) <= cap(c.cur.data) {
			break
		}
		if arena != nil {
			c.old = c.cur
			c.cur = recordGen{at: map[uint32]recordRef{}, data: arena}
			break
		}
		c.mu.Unlock()
		arena = make([]byte, 0, c.half)
		c.mu.Lock()
	}
	off := len(c.cur.data)
	c.cur.data = append(c.cur.data, rec...)
	c.cur.at[s] = recordRef{off: uint32(off), n: uint32(len(rec))}
}

// stats reports the cache's hits and misses so far.
func (c *recordCache) stats() (hits, misses uint64) {
	if c == nil {
		return 0, 0
	}
	return c.hits.Load(), c.misses.Load()
}

// liveSlots returns the slot of each hit's contact, or slotDead when the
// contact has no live slot whose key is the hit's.
func (x *nameIndex) liveSlots(hits []hit) []uint32 {
	out := make([]uint32, len(hits))
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, h := range hits {
		out[i] = slotDead
		if s, ok := x.slotOf([]byte(h.id)); ok && x.vis[s] != slotDead {
			k := x.key(s)
			if len(k) == len(h.sort)+1+len(h.id) && string(k[:len(h.sort)]) == h.sort {
				out[i] = s
			}
		}
	}
	return out
}

// recordCacheSize is the record cache's share of the memory budget: 1/8.
func recordCacheSize(budget int64) int64 { return budget / 8 }

// cachedRecord reads the record of contact id, whose slot in index x is s
// (slotDead: none), from the record cache, else from txn (and caches it).
func (s *Store) cachedRecord(txn *badger.Txn, x *nameIndex, slot uint32, id string) (*Contact, error) {
	if slot != slotDead {
		if b, ok := s.recs.get(x, slot); ok {
			c, _, err := decodeRecord(b)
			return c, err
		}
	}
	b, err := txnGet(txn, kContact(id))
	if err != nil {
		return nil, err
	}
	c, _, err := decodeRecord(b)
	if err == nil && slot != slotDead {
		s.recs.put(x, slot, b)
	}
	return c, err
}
