package phonebook

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	badger "github.com/dgraph-io/badger/v4"
)

// The caller index answers caller-ID lookups from memory, so a lookup on
// the call path never waits for a disk read or a block decode. It holds,
// for every number key (x:, ext:, e164:, nsn:) that some global contact
// has, what the key's ix/num list says about global contacts: exactly one
// (its id, source and display name) or several (ambiguous). Lookups only
// ever answer with global contacts, so personal ones are left out.
//
// It mirrors the published ix/num lists: built from the contact records
// when the store opens, changed by every published write with the lists
// that write left (see numDelta), and rebuilt after a load or a bulk
// operation too large to track key by key. A write applies its changes
// before it returns, holding the writer lock, so they apply in commit
// order. The index holds no pointers (a key table of hashes and offsets,
// and one byte arena), so the garbage collector never scans it; at 1 M
// contacts with 1.5 numbers each it takes about 120 MB.
//
// Keys are kept as 64-bit seeded hashes (xxhash64 with a random seed
// drawn at every build and saved with the index, see indexfile.go): two
// keys of one store share a hash with a probability of about n²/2⁶⁵
// (2·10⁻⁷ for 4.5 M keys).

// callerRef points into the arena: refEmpty marks a free slot, refAmbiguous
// a key with several global contacts, anything else an arena offset + 2.
type callerRef = uint32

const (
	refEmpty     callerRef = 0
	refAmbiguous callerRef = 1
	refBase      callerRef = 2
)

// callerIndex is the in-memory caller-ID index.
type callerIndex struct {
	mu    sync.RWMutex
	seed  uint64                               // random per build, kept in the saved file
	hash  func(seed uint64, key string) uint64 // seededHash; tests force collisions
	tab   keyTable
	arena []byte // records: uvarint len + id, source, name
	dead  int    // arena bytes no longer referenced (approximate)
}

func newCallerIndex(keys int) *callerIndex {
	return &callerIndex{seed: rand.Uint64(), hash: seededHash, tab: newKeyTable(keys)}
}

// callerHit is what the index knows about one number key.
type callerHit struct {
	ambiguous        bool
	id, source, name string
}

// get returns the hit for number key k (ok false when no global contact has it).
func (x *callerIndex) get(k string) (callerHit, bool) {
	h := x.hash(x.seed, k)
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, found := x.tab.find(h)
	if !found {
		return callerHit{}, false
	}
	ref := x.tab.refs[i]
	if ref == refAmbiguous {
		return callerHit{ambiguous: true}, true
	}
	return x.record(ref), true
}

// record decodes the arena record at ref (the caller holds mu).
func (x *callerIndex) record(ref callerRef) callerHit {
	b := x.arena[ref-refBase:]
	var f [3]string
	for i := range f {
		n, k := binary.Uvarint(b)
		f[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	return callerHit{id: f[0], source: f[1], name: f[2]}
}

// appendRecord adds a contact record to the arena (the caller holds mu).
func (x *callerIndex) appendRecord(id, source, name string) (callerRef, error) {
	off := len(x.arena)
	if uint64(off)+uint64(len(id)+len(source)+len(name)+30) >= 1<<32-uint64(refBase) {
		return 0, fmt.Errorf("caller index: arena full")
	}
	for _, s := range [...]string{id, source, name} {
		x.arena = binary.AppendUvarint(x.arena, uint64(len(s)))
		x.arena = append(x.arena, s...)
	}
	return callerRef(off) + refBase, nil
}

// recordLen is the arena size of the record at ref.
func (x *callerIndex) recordLen(ref callerRef) int {
	n, _ := recordLen(x.arena[ref-refBase:])
	return n
}

// recordLen is the length of the whole record (three uvarint
// length-prefixed strings, appendRecord) at the start of b (ok false:
// none, or one cut short).
func recordLen(b []byte) (int, bool) {
	n := 0
	for range 3 {
		l, k := binary.Uvarint(b[n:])
		if k <= 0 || l > uint64(len(b)-n-k) {
			return 0, false
		}
		n += k + int(l)
	}
	return n, true
}

// apply sets the keys of d (the lists a published write left).
func (x *callerIndex) apply(d *numDelta) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, hit := range d.keys {
		h := x.hash(x.seed, k)
		i, found := x.tab.find(h)
		if found && x.tab.refs[i] >= refBase {
			x.dead += x.recordLen(x.tab.refs[i])
		}
		switch {
		case hit == nil:
			if found {
				x.tab.deleteAt(i)
			}
		case hit.ambiguous:
			x.tab.set(h, refAmbiguous)
		default:
			ref, err := x.appendRecord(hit.id, hit.source, hit.name)
			if err != nil {
				return err
			}
			x.tab.set(h, ref)
		}
	}
	return nil
}

// wasteful reports whether the arena is mostly dead records (rebuild then).
func (x *callerIndex) wasteful() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.dead > 16<<20 && x.dead > len(x.arena)/2
}

// addContact indexes a global contact while building (no lock: the index
// is not shared yet). A key of several contacts (each contact's keys are
// distinct) is ambiguous.
func (x *callerIndex) addContact(c *Contact, numKeys []string) error {
	if c.Scope != ScopeGlobal || len(numKeys) == 0 {
		return nil
	}
	ref, err := x.appendRecord(c.ID, c.Source, c.DisplayName) // the name numValue holds
	if err != nil {
		return err
	}
	for _, k := range numKeys {
		h := x.hash(x.seed, k)
		if i, found := x.tab.find(h); found {
			x.tab.refs[i] = refAmbiguous
			continue
		}
		x.tab.set(h, ref)
	}
	return nil
}

// buildCallerIndex builds the index from the contact records at the
// published timestamp.
func (s *Store) buildCallerIndex(ctx context.Context) (*callerIndex, error) {
	return s.buildCallerIndexSeeded(ctx, rand.Uint64(), seededHash)
}

// buildCallerIndexSeeded is buildCallerIndex with a given hash.
func (s *Store) buildCallerIndexSeeded(ctx context.Context, seed uint64, hash func(uint64, string) uint64) (*callerIndex, error) {
	est := s.estimateNumKeys()
	x := newCallerIndex(est + est/16)
	x.seed, x.hash = seed, hash
	err := s.view(func(txn *badger.Txn) error {
		return scanKV(ctx, txn, []byte(pfxContact), func(k, v []byte) error {
			c, nk, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			return x.addContact(c, nk)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("build caller index: %w", err)
	}
	x.arena = slices.Clip(x.arena)
	return x, nil
}

// estimateNumKeys estimates the count of ix/num keys from the key counts
// of Badger's tables (without reading them): tables within ix/num count
// whole, tables across its boundary half. Old versions make it an upper
// bound, memtables are left out; the key table grows if need be.
func (s *Store) estimateNumKeys() int {
	n := 0
	p := []byte(pfxNum)
	for _, t := range s.db.Tables() {
		l, r := bytes.HasPrefix(t.Left, p), bytes.HasPrefix(t.Right, p)
		switch {
		case l && r:
			n += int(t.KeyCount)
		case l || r || (bytes.Compare(t.Left, p) < 0 && bytes.Compare(t.Right, p) > 0):
			n += int(t.KeyCount) / 2
		}
	}
	return n
}

// diff lists where x differs from want (built with the same hash).
func (x *callerIndex) diff(want *callerIndex) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []string
	if x.tab.n != want.tab.n {
		out = append(out, fmt.Sprintf("%d keys, want %d", x.tab.n, want.tab.n))
	}
	for i, r := range want.tab.refs {
		if r == refEmpty {
			continue
		}
		h := want.tab.hs[i]
		j, ok := x.tab.find(h)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("key hash %x missing", h))
		case (r == refAmbiguous) != (x.tab.refs[j] == refAmbiguous):
			out = append(out, fmt.Sprintf("key hash %x: ambiguity differs", h))
		case r != refAmbiguous && x.record(x.tab.refs[j]) != want.record(r):
			out = append(out, fmt.Sprintf("key hash %x: %+v, want %+v", h, x.record(x.tab.refs[j]), want.record(r)))
		}
	}
	return out
}

// refreshCallers brings the caller index up to date after a published
// write whose ix/num changes d holds; a nil d (a load) or one that
// overflowed, or an arena mostly dead, starts a rebuild in the background.
// The caller holds the writer lock, so writes arrive in commit order.
func (s *Store) refreshCallers(d *numDelta) {
	b := &s.cbuild
	b.mu.Lock()
	defer b.mu.Unlock()
	if d != nil && !d.overflow && len(d.keys) == 0 {
		return
	}
	if b.running {
		if d == nil || d.overflow {
			b.rebuild()
		} else {
			b.queue(d)
		}
		return
	}
	if x := s.callers.Load(); x != nil && d != nil && !d.overflow {
		err := x.apply(d)
		if err == nil && !x.wasteful() {
			return
		}
		if err != nil {
			s.log.Warn("caller index: rebuilding", "err", err)
		}
	}
	s.startCallerBuild(nil)
}

// initCallerBuild sets up the caller index's background builder.
func (s *Store) initCallerBuild() {
	s.cbuild.init(s.log, "caller index", "lookups read the store",
		func(ctx context.Context) (*callerIndex, error) {
			// A build follows a load or a large bulk operation, whose
			// garbage the collector may not have reclaimed yet: collect it
			// first, so the index (about 140 MB at 1 M contacts) reuses
			// that memory instead of adding to the peak.
			runtime.GC()
			return s.buildCallerIndex(ctx)
		},
		(*callerIndex).apply,
		func(x *callerIndex, took time.Duration) {
			s.callers.Store(x)
			keys, size := x.size()
			s.log.Debug("caller index ready", "keys", keys, "bytes", size, "took", took)
		})
}

// startCallerBuild drops the index (lookups read the store meanwhile) and
// builds a new one in the background, with first when not nil (see
// bgBuilder.start). The caller holds cbuild.mu.
func (s *Store) startCallerBuild(first func(context.Context) (*callerIndex, error)) {
	if s.cbuild.ctx.Err() != nil {
		return
	}
	s.callers.Store(nil)
	s.cbuild.start(first)
}

// stopCallers stops a build under way and keeps any other from starting.
func (s *Store) stopCallers() { s.cbuild.stop() }

// waitCallers waits until no caller-index build is under way.
func (s *Store) waitCallers(ctx context.Context) error { return s.cbuild.wait(ctx) }

// numDelta collects, during one write, the ix/num lists it leaves, as
// caller-index entries; nil entries mark keys with no global contact. Past
// its cap it gives up (overflow): the index is rebuilt instead.
type numDelta struct {
	keys     map[string]*callerHit
	cap      int
	overflow bool
}

// maxNumDelta is the default cap of a numDelta (about 100 B a key).
const maxNumDelta = 1 << 17

func newNumDelta(cap int) *numDelta { return &numDelta{keys: map[string]*callerHit{}, cap: cap} }

// note records the list es now under number key k.
func (d *numDelta) note(k string, es []numEntry) {
	if d == nil || d.overflow {
		return
	}
	if _, seen := d.keys[k]; !seen && len(d.keys) >= d.cap {
		d.overflow, d.keys = true, nil
		return
	}
	var hit *callerHit
	for _, e := range es {
		if len(e.val) == 0 || e.val[0] != 'g' {
			continue
		}
		if hit != nil {
			hit = &callerHit{ambiguous: true}
			break
		}
		_, _, source, name := splitNumValue(e.val)
		hit = &callerHit{id: e.id, source: source, name: name}
	}
	d.keys[k] = hit
}

// seededHash is xxhash64 of k with seed: a hash whose seed can be saved
// (maphash's cannot), so a saved index's table stays valid.
func seededHash(seed uint64, k string) uint64 {
	var d xxhash.Digest
	d.ResetWithSeed(seed)
	_, _ = d.WriteString(k)
	return d.Sum64()
}

// seededHashBytes is seededHash of b.
func seededHashBytes(seed uint64, b []byte) uint64 {
	var d xxhash.Digest
	d.ResetWithSeed(seed)
	_, _ = d.Write(b)
	return d.Sum64()
}

// keyTable is an open-addressing hash table (linear probing, backward-shift
// deletion) from key hashes to arena references.
type keyTable struct {
	hs   []uint64
	refs []callerRef
	n    int
}

// newKeyTable sizes a table for n keys at a load of at most 3/4.
func newKeyTable(n int) keyTable {
	c := max(16, n+n/3+1)
	return keyTable{hs: make([]uint64, c), refs: make([]callerRef, c)}
}

func (t *keyTable) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.hs)))
	return int(hi)
}

func (t *keyTable) next(i int) int {
	if i++; i == len(t.hs) {
		return 0
	}
	return i
}

// find returns the slot of h, or the free slot where it would go.
func (t *keyTable) find(h uint64) (int, bool) {
	for i := t.home(h); ; i = t.next(i) {
		if t.refs[i] == refEmpty {
			return i, false
		}
		if t.hs[i] == h {
			return i, true
		}
	}
}

// set maps h to ref (not refEmpty), growing the table when it fills.
func (t *keyTable) set(h uint64, ref callerRef) {
	i, found := t.find(h)
	if found {
		t.refs[i] = ref
		return
	}
	if 4*(t.n+1) > 3*len(t.hs) {
		t.grow()
		i, _ = t.find(h)
	}
	t.hs[i], t.refs[i] = h, ref
	t.n++
}

func (t *keyTable) grow() {
	old := *t
	*t = newKeyTable(2 * old.n)
	for i, r := range old.refs {
		if r != refEmpty {
			j, _ := t.find(old.hs[i])
			t.hs[j], t.refs[j] = old.hs[i], r
			t.n++
		}
	}
}

// deleteAt empties slot i and moves later entries of its probe run back,
// so that every entry stays reachable from its home slot.
func (t *keyTable) deleteAt(i int) {
	j := i
	for {
		j = t.next(j)
		if t.refs[j] == refEmpty {
			break
		}
		k := t.home(t.hs[j])
		// The entry at j may stay when its home lies cyclically in (i, j].
		if (i < j && i < k && k <= j) || (i > j && (k > i || k <= j)) {
			continue
		}
		t.hs[i], t.refs[i] = t.hs[j], t.refs[j]
		i = j
	}
	t.hs[i], t.refs[i] = 0, refEmpty
	t.n--
}

// WaitCallerIndex waits until no caller-index build is under way (after
// Open, or after a load): lookups are answered from memory from then on,
// and from the store before.
func (s *Store) WaitCallerIndex(ctx context.Context) error { return s.waitCallers(ctx) }

// CallerIndexSize reports the caller index's number keys and its size in
// bytes (0, 0 while lookups read the store).
func (s *Store) CallerIndexSize() (keys int, bytes int64) {
	x := s.callers.Load()
	if x == nil {
		return 0, 0
	}
	return x.size()
}

func (x *callerIndex) size() (keys int, bytes int64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.tab.n, int64(len(x.tab.hs))*12 + int64(cap(x.arena))
}
