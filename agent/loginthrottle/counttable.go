package loginthrottle

import (
	"container/list"
	"time"
)

// CountTable counts events per key within a fixed window from each key's
// first event, in bounded memory. When it is full, a new key evicts an
// expired entry if there is one, else the entry with the fewest events
// (the oldest among those): an entry that reached top, the count that
// matters to the caller, goes last. So a flood of keys seen once cannot
// push out the few keys that are being counted up, which a table that
// started over when full would forget.
//
// Every operation is O(1) apart from eviction, which is O(top). Not safe
// for concurrent use; the caller locks.
type CountTable[K comparable] struct {
	max    int           // entries kept
	top    int           // counts at or above top share the last bucket
	window time.Duration // an entry expires window after its first event
	m      map[K]*countEntry[K]
	byAge  list.List   // entries by first event, oldest first
	byN    []list.List // byN[i]: entries with count i+1 (top and over in the last), least recently raised first
}

type countEntry[K comparable] struct {
	key   K
	n     int
	since time.Time
	age   *list.Element
	rank  *list.Element
}

// NewCountTable returns a table of at most max entries that ranks counts
// up to top (top ≥ 1), each entry living window from its first event.
func NewCountTable[K comparable](max, top int, window time.Duration) *CountTable[K] {
	return &CountTable[K]{max: max, top: top, window: window, m: map[K]*countEntry[K]{}, byN: make([]list.List, top)}
}

// Len returns the number of entries kept (expired ones included until they
// are looked up or evicted).
func (t *CountTable[K]) Len() int { return len(t.m) }

// Count returns key's count at now (0 when absent or expired).
func (t *CountTable[K]) Count(key K, now time.Time) int {
	e, ok := t.m[key]
	if !ok {
		return 0
	}
	if t.expired(e, now) {
		t.remove(e)
		return 0
	}
	return e.n
}

// Add counts one event for key at now; created reports whether the key was
// new (absent or expired).
func (t *CountTable[K]) Add(key K, now time.Time) (n int, created bool) {
	e, ok := t.m[key]
	if ok && t.expired(e, now) {
		t.remove(e)
		ok = false
	}
	if ok {
		old := t.bucket(e.n)
		e.n++
		if nb := t.bucket(e.n); nb != old {
			t.byN[old].Remove(e.rank)
			e.rank = t.byN[nb].PushBack(e)
		}
		return e.n, false
	}
	if len(t.m) >= t.max {
		t.evict(now)
	}
	e = &countEntry[K]{key: key, n: 1, since: now}
	e.age = t.byAge.PushBack(e)
	e.rank = t.byN[t.bucket(1)].PushBack(e)
	t.m[key] = e
	return 1, true
}

func (t *CountTable[K]) bucket(n int) int { return min(n, t.top) - 1 }

func (t *CountTable[K]) expired(e *countEntry[K], now time.Time) bool {
	return now.Sub(e.since) >= t.window
}

// evict removes one entry: the oldest if it has expired, else the oldest
// of those with the fewest events.
func (t *CountTable[K]) evict(now time.Time) {
	if f := t.byAge.Front(); f != nil && t.expired(f.Value.(*countEntry[K]), now) {
		t.remove(f.Value.(*countEntry[K]))
		return
	}
	for i := range t.byN {
		if f := t.byN[i].Front(); f != nil {
			t.remove(f.Value.(*countEntry[K]))
			return
		}
	}
}

func (t *CountTable[K]) remove(e *countEntry[K]) {
	t.byAge.Remove(e.age)
	t.byN[t.bucket(e.n)].Remove(e.rank)
	delete(t.m, e.key)
}
