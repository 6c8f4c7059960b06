package phonebook

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

// The name index answers name searches (words that are prefixes of a
// contact's name, company or e-mail tokens) from memory, without reading
// index keys from the store: it picks the candidates of a query and their
// display-name order, and only the page's records are read from Badger.
//
// It mirrors the published ix/sort entries (key: sort key and id; value:
// visibility, tokens, number keys): built from them when the store opens
// or after a load, and changed by every published write with the ix/sort
// entries that write set or deleted (see nameDelta), in commit order.
//
// Layout (no pointers per contact, so the garbage collector does not scan
// it): every contact has a slot (uint32) holding its ix/sort key (sort key,
// NUL, id) in one byte arena, its visibility (an id into a small table of
// distinct values) and its tokens (ids into a dictionary of distinct
// tokens, each stored once). Slots built together (the base) are numbered
// in display-name order, so ordering two of them is comparing numbers.
// Each prefix of 1, 2 and 3 bytes of some token is a bucket: the sorted
// list of the base slots with a token starting with it (one array for all
// buckets). A query word walks the bucket of its first three bytes (or of
// itself when shorter) in display-name order, checking the other words
// and the visibility on each slot; the smallest bucket of the query's
// words drives.
//
// Writes after the build change it without re-sorting: a contact written
// gets a new slot, kept in small per-bucket delta lists sorted by key, and
// its old slot is marked dead. When the delta and the dead slots grow past
// a fraction of the base, the index is rebuilt in the background from the
// store while the current one keeps answering.

// nameBucketLen is the longest token prefix that has a bucket.
const nameBucketLen = 3

// slotDead marks the visibility of a slot whose contact was deleted or
// written again (it then has a newer slot).
const slotDead = ^uint32(0)

// nameIndex is the in-memory name-search index; see above.
type nameIndex struct {
	mu   sync.RWMutex
	seed uint64 // of tokHash and hashID; random per build, kept in the saved file

	// Tokens, interned: id → bytes.
	tokTab  keyTable // hash of a token → id + refBase
	tokOff  []uint32
	tokLen  []uint8
	tokData []byte

	// Visibility values (scope, owner, source), interned.
	visIDs map[string]uint32
	visStr [][]byte

	// Contacts, by slot.
	keyOff  []uint32 // offset of the slot's ix/sort key suffix (sort, NUL, id) in keyData
	keyLen  []uint16
	keyData []byte
	vis     []uint32 // visibility id, or slotDead
	tokAt   []uint32 // start of the slot's token ids in toks
	tokN    []uint16
	toks    []uint32
	ids     keyTable // hash of a live contact's id → slot + refBase

	// Buckets over the base slots [0, base), numbered in key order.
	base    uint32
	bucket  map[uint32]uint32 // bucket code → bucket number
	bStart  []uint32          // bucket number → start in bSlots; one more entry than buckets
	bSlots  []uint32
	delta   map[uint32][]uint32 // bucket code → slots ≥ base with a token in it, in key order
	dSlots  int                 // slots ≥ base (live or dead)
	dead    int                 // dead slots
	tokHash func(uint64, string) uint64
}

func newNameIndex() *nameIndex {
	return &nameIndex{
		seed: rand.Uint64(), tokHash: seededHash,
		tokTab: newKeyTable(1024), ids: newKeyTable(1024),
		visIDs: map[string]uint32{}, bucket: map[uint32]uint32{}, delta: map[uint32][]uint32{},
		bStart: []uint32{0},
	}
}

// presize reserves room for about n contacts (an estimate from the
// store's tables), so that building does not grow every array by copying
// (which, at 1 M contacts, would hold about twice the index's size at
// the peak).
func (x *nameIndex) presize(n int) {
	if n <= 0 {
		return
	}
	n += n / 32
	x.keyOff, x.keyLen, x.vis = make([]uint32, 0, n), make([]uint16, 0, n), make([]uint32, 0, n)
	x.tokAt, x.tokN = make([]uint32, 0, n), make([]uint16, 0, n)
	x.keyData = make([]byte, 0, n*48)
	x.toks = make([]uint32, 0, n*10)
	x.tokTab, x.ids = newKeyTable(n*2), newKeyTable(n)
	x.tokOff, x.tokLen = make([]uint32, 0, n*2), make([]uint8, 0, n*2)
	x.tokData = make([]byte, 0, n*24)
}

// bucketCode packs a prefix of 1 to 3 bytes (its length in the top byte).
func bucketCode(p string) uint32 {
	c := uint32(len(p)) << 24
	for i := 0; i < len(p); i++ {
		c |= uint32(p[i]) << (16 - 8*i)
	}
	return c
}

// wordBucket is the bucket a query word walks.
func wordBucket(w string) uint32 { return bucketCode(w[:min(len(w), nameBucketLen)]) }

// key returns slot s's ix/sort key suffix (sort key, NUL, id).
func (x *nameIndex) key(s uint32) []byte {
	o := x.keyOff[s]
	return x.keyData[o : o+uint32(x.keyLen[s])]
}

// token returns token id t.
func (x *nameIndex) token(t uint32) []byte {
	o := x.tokOff[t]
	return x.tokData[o : o+uint32(x.tokLen[t])]
}

// tokensOf returns slot s's token ids.
func (x *nameIndex) tokensOf(s uint32) []uint32 {
	a := x.tokAt[s]
	return x.toks[a : a+uint32(x.tokN[s])]
}

// internToken returns the id of token t, adding it when new.
func (x *nameIndex) internToken(t []byte) (uint32, error) {
	h := x.tokHash(x.seed, string(t))
	for {
		i, found := x.tokTab.find(h)
		if !found {
			break
		}
		id := x.tokTab.refs[i] - refBase
		if bytes.Equal(x.token(id), t) {
			return id, nil
		}
		// A 64-bit hash collision between two tokens: perturb and retry
		// (the same sequence is taken for the same token).
		h = h*0x9e3779b97f4a7c15 + 1
	}
	if len(t) > 255 || len(x.tokOff) >= 1<<31 || uint64(len(x.tokData))+uint64(len(t)) >= 1<<32 {
		return 0, fmt.Errorf("name index: token table full")
	}
	id := uint32(len(x.tokOff))
	x.tokOff = append(x.tokOff, uint32(len(x.tokData)))
	x.tokLen = append(x.tokLen, uint8(len(t)))
	x.tokData = append(x.tokData, t...)
	x.tokTab.set(h, id+refBase)
	return id, nil
}

// internVis returns the id of visibility value v.
func (x *nameIndex) internVis(v []byte) uint32 {
	if id, ok := x.visIDs[string(v)]; ok {
		return id
	}
	id := uint32(len(x.visStr))
	x.visStr = append(x.visStr, bytes.Clone(v))
	x.visIDs[string(v)] = id
	return id
}

// splitSortValue splits an ix/sort value into its visibility part (scope,
// owner, NUL, source) and its NUL-led token list (without number keys).
func splitSortValue(v []byte) (vis, toks []byte, ok bool) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return nil, nil, false
	}
	j := bytes.IndexByte(v[i+1:], 0)
	if j < 0 {
		return v, nil, true // no token list
	}
	vis, toks = v[:i+1+j], v[i+1+j:]
	if k := bytes.IndexByte(toks, 1); k >= 0 {
		toks = toks[:k]
	}
	return vis, toks, true
}

// idOf returns the id part of an ix/sort key suffix.
func idOf(key []byte) []byte { return key[bytes.LastIndexByte(key, 0)+1:] }

// addSlot appends a slot for the ix/sort key suffix key with value v.
func (x *nameIndex) addSlot(key, v []byte) (uint32, error) {
	vis, list, ok := splitSortValue(v)
	if !ok || len(key) > 1<<16-1 || bytes.IndexByte(key, 0) < 0 {
		return 0, fmt.Errorf("name index: malformed ix/sort entry %q", key)
	}
	if uint64(len(x.keyData))+uint64(len(key)) >= 1<<32 || len(x.vis) >= 1<<31 {
		return 0, fmt.Errorf("name index: full")
	}
	s := uint32(len(x.vis))
	x.keyOff = append(x.keyOff, uint32(len(x.keyData)))
	x.keyLen = append(x.keyLen, uint16(len(key)))
	x.keyData = append(x.keyData, key...)
	x.vis = append(x.vis, x.internVis(vis))
	x.tokAt = append(x.tokAt, uint32(len(x.toks)))
	n := 0
	for len(list) > 0 {
		list = list[1:] // the NUL before each token
		e := bytes.IndexByte(list, 0)
		if e < 0 {
			e = len(list)
		}
		if e > 0 && n < 1<<16-1 {
			id, err := x.internToken(list[:e])
			if err != nil {
				return 0, err
			}
			x.toks = append(x.toks, id)
			n++
		}
		list = list[e:]
	}
	x.tokN = append(x.tokN, uint16(n))
	x.ids.set(x.hashID(idOf(key)), s+refBase)
	return s, nil
}

func (x *nameIndex) hashID(id []byte) uint64 { return seededHashBytes(x.seed, id) ^ 0x5bd1e995 }

// slotOf returns the live slot of contact id.
func (x *nameIndex) slotOf(id []byte) (uint32, bool) {
	i, found := x.ids.find(x.hashID(id))
	if !found {
		return 0, false
	}
	return x.ids.refs[i] - refBase, true
}

// bucketsOf appends the distinct bucket codes of slot s to out.
func (x *nameIndex) bucketsOf(s uint32, out []uint32) []uint32 {
	start := len(out)
	for _, t := range x.tokensOf(s) {
		tok := x.token(t)
		for l := 1; l <= min(len(tok), nameBucketLen); l++ {
			out = append(out, bucketCode(string(tok[:l])))
		}
	}
	slices.Sort(out[start:])
	return append(out[:start], slices.Compact(out[start:])...)
}

// finishBase makes every slot so far (added in key order) the base and
// builds its buckets.
func (x *nameIndex) finishBase() {
	x.base = uint32(len(x.vis))
	counts := map[uint32]uint32{}
	var codes []uint32
	for s := uint32(0); s < x.base; s++ {
		codes = x.bucketsOf(s, codes[:0])
		for _, c := range codes {
			counts[c]++
		}
	}
	x.bucket = make(map[uint32]uint32, len(counts))
	x.bStart = make([]uint32, 0, len(counts)+1)
	total := uint32(0)
	for c, n := range counts {
		x.bucket[c] = uint32(len(x.bStart))
		x.bStart = append(x.bStart, total)
		total += n
	}
	x.bStart = append(x.bStart, total)
	x.bSlots = make([]uint32, total)
	fill := slices.Clone(x.bStart[:len(x.bStart)-1])
	for s := uint32(0); s < x.base; s++ {
		codes = x.bucketsOf(s, codes[:0])
		for _, c := range codes {
			b := x.bucket[c]
			x.bSlots[fill[b]] = s
			fill[b]++
		}
	}
	x.keyData, x.toks, x.tokData = slices.Clip(x.keyData), slices.Clip(x.toks), slices.Clip(x.tokData)
}

// baseList returns the base slots of bucket c, in key order.
func (x *nameIndex) baseList(c uint32) []uint32 {
	b, ok := x.bucket[c]
	if !ok {
		return nil
	}
	return x.bSlots[x.bStart[b]:x.bStart[b+1]]
}

// cmpSlots orders two slots by key.
func (x *nameIndex) cmpSlots(a, b uint32) int {
	if a < x.base && b < x.base {
		return int(int64(a) - int64(b))
	}
	return bytes.Compare(x.key(a), x.key(b))
}

// kill marks slot s dead.
func (x *nameIndex) kill(s uint32) {
	if x.vis[s] == slotDead {
		return
	}
	x.vis[s] = slotDead
	x.dead++
	if i, found := x.ids.find(x.hashID(idOf(x.key(s)))); found && x.ids.refs[i] == s+refBase {
		x.ids.deleteAt(i)
	}
}

// apply changes the index by the ix/sort writes of d, in order.
func (x *nameIndex) apply(d *nameDelta) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	var codes []uint32
	for _, op := range d.ops {
		key := []byte(op.key)
		old, had := x.slotOf(idOf(key))
		if op.val == nil {
			if had && bytes.Equal(x.key(old), key) {
				x.kill(old)
			}
			continue
		}
		if had {
			x.kill(old)
		}
		s, err := x.addSlot(key, op.val)
		if err != nil {
			return err
		}
		x.dSlots++
		codes = x.bucketsOf(s, codes[:0])
		for _, c := range codes {
			l := x.delta[c]
			i, _ := slices.BinarySearchFunc(l, s, x.cmpSlots)
			x.delta[c] = slices.Insert(l, i, s)
		}
	}
	return nil
}

// stale reports whether enough of the index is delta or dead slots that a
// rebuild would pay (searches check every one of them).
func (x *nameIndex) stale() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.dSlots+x.dead > max(4096, int(x.base)/16)
}

// size reports the live contacts and the bytes the index takes.
func (x *nameIndex) size() (contacts int, bytes int64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := int64(len(x.tokTab.hs))*12 + int64(cap(x.tokOff))*5 + int64(cap(x.tokData)) +
		int64(cap(x.keyOff))*4 + int64(cap(x.keyLen))*2 + int64(cap(x.keyData)) + int64(cap(x.vis))*4 +
		int64(cap(x.tokAt))*4 + int64(cap(x.tokN))*2 + int64(cap(x.toks))*4 + int64(len(x.ids.hs))*12 +
		int64(len(x.bucket))*16 + int64(cap(x.bStart))*4 + int64(cap(x.bSlots))*4
	for _, l := range x.delta {
		b += int64(cap(l)) * 4
	}
	return x.ids.n, b
}

// nameEntry is one live contact of the index, for tests.
type nameEntry struct {
	key, vis string
	toks     []string
}

// entries lists the live contacts in key order with their tokens sorted.
func (x *nameIndex) entries() []nameEntry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []nameEntry
	for s := range x.vis {
		if x.vis[s] == slotDead {
			continue
		}
		e := nameEntry{key: string(x.key(uint32(s))), vis: string(x.visStr[x.vis[s]])}
		for _, t := range x.tokensOf(uint32(s)) {
			e.toks = append(e.toks, string(x.token(t)))
		}
		slices.Sort(e.toks)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b nameEntry) int { return bytes.Compare([]byte(a.key), []byte(b.key)) })
	return out
}

// nameDelta collects, during one write, the ix/sort entries it sets (val
// non-nil) and deletes, in order. Past its cap it gives up (overflow):
// the index is rebuilt instead.
type nameDelta struct {
	ops      []nameOp
	cap      int
	overflow bool
}

type nameOp struct {
	key string // the ix/sort key without its prefix: sort key, NUL, id
	val []byte // nil: deleted
}

// maxNameDelta is the default cap of a nameDelta.
const maxNameDelta = 1 << 16

func newNameDelta(cap int) *nameDelta { return &nameDelta{cap: cap} }

// note records a write of key k (value v, nil for a delete) when it is an
// ix/sort entry.
func (d *nameDelta) note(k, v []byte) {
	if d == nil || d.overflow || !bytes.HasPrefix(k, []byte(pfxSort)) {
		return
	}
	if len(d.ops) >= d.cap {
		d.overflow, d.ops = true, nil
		return
	}
	op := nameOp{key: string(k[len(pfxSort):])}
	if v != nil {
		op.val = bytes.Clone(v)
		if op.val == nil {
			op.val = []byte{}
		}
	}
	d.ops = append(d.ops, op)
}

// diffNames lists where the entries got differ from want (at most ten).
func diffNames(got, want []nameEntry) []string {
	var out []string
	if len(got) != len(want) {
		out = append(out, fmt.Sprintf("%d contacts, want %d", len(got), len(want)))
	}
	for i := 0; i < min(len(got), len(want)) && len(out) < 10; i++ {
		g, w := got[i], want[i]
		if g.key != w.key || g.vis != w.vis || !slices.Equal(g.toks, w.toks) {
			out = append(out, fmt.Sprintf("entry %d: %q %q %q, want %q %q %q", i, g.key, g.vis, g.toks, w.key, w.vis, w.toks))
		}
	}
	return out
}
