package phonebook

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Saving and loading the in-memory indexes (the file format is described
// in indexfile.go).

// encodeCallers writes the caller index's body.
func (x *callerIndex) encode(w *flatWriter) {
	w.u64(x.seed)
	w.u64(uint64(x.tab.n))
	putSlice(w, x.tab.hs)
	putSlice(w, x.tab.refs)
	putSlice(w, x.arena)
	w.u64(uint64(x.dead))
}

// decodeCallers reads a caller index's body and checks its invariants
// (every reference inside the arena and its record well formed, the table
// consistent), so that no lookup on it can fail.
func decodeCallers(r *flatReader) *callerIndex {
	x := &callerIndex{hash: seededHash}
	x.seed = r.u64()
	n := r.u64()
	x.tab.hs = getSlice[uint64](r)
	x.tab.refs = getSlice[callerRef](r)
	x.arena = getSlice[byte](r)
	dead := r.u64()
	if r.err != nil {
		return nil
	}
	if err := checkKeyTable(&x.tab, n); err != nil {
		r.err = err
		return nil
	}
	if dead > uint64(len(x.arena)) {
		r.err = errors.New("dead bytes beyond the arena")
		return nil
	}
	x.dead = int(dead)
	// The arena is a sequence of records (appendRecord): walk it once,
	// marking where each starts, then check that every reference is one of
	// those starts (sequential reads, no random access into the arena).
	starts := make([]uint64, len(x.arena)/64+1)
	for off := 0; off < len(x.arena); {
		n, ok := recordLen(x.arena[off:])
		if !ok {
			r.err = fmt.Errorf("bad caller record at %d", off)
			return nil
		}
		starts[off/64] |= 1 << (off % 64)
		off += n
	}
	for _, ref := range x.tab.refs {
		if ref < refBase {
			continue
		}
		off := uint64(ref - refBase)
		if off >= uint64(len(x.arena)) || starts[off/64]&(1<<(off%64)) == 0 {
			r.err = fmt.Errorf("caller reference %d is not a record", off)
			return nil
		}
	}
	return x
}

// checkKeyTable checks a loaded key table: arrays of one length, n used
// slots (references not refEmpty), at least one free slot (a probe must
// end), and every used slot reachable from its hash's home.
func checkKeyTable(t *keyTable, n uint64) error {
	if len(t.hs) != len(t.refs) || len(t.hs) == 0 {
		return errors.New("key table: bad size")
	}
	used := uint64(0)
	for _, r := range t.refs {
		if r != refEmpty {
			used++
		}
	}
	if used != n || n >= uint64(len(t.hs)) {
		return fmt.Errorf("key table: %d keys in %d slots, the header says %d", used, len(t.hs), n)
	}
	t.n = int(n)
	// With linear probing, a used slot is reachable when its home lies in
	// the run of used slots that holds it. Walk the slots once from a free
	// one, keeping where the current run started.
	size := len(t.hs)
	free := slices.Index(t.refs, refEmpty)
	run := 1 // distance from free of the current run's first slot
	for d := 1; d <= size; d++ {
		i := (free + d) % size
		if t.refs[i] == refEmpty {
			run = d + 1
			continue
		}
		if hd := (t.home(t.hs[i]) - free + size) % size; hd < run || hd > d {
			return fmt.Errorf("key table: slot %d not reachable from its home", i)
		}
	}
	return nil
}

// saveIndexes writes both indexes to the store's directory when they
// mirror the published state (at Close, with the writer lock held and the
// builders stopped); an index that is not there (being built) has its old
// file removed, so it is never loaded for a later state.
func (s *Store) saveIndexes() {
	if s.opts.InMemory || s.opts.Dir == "" {
		return
	}
	if why := s.DiskFullReason(); why != "" {
		s.log.Warn("indexes not saved: the disk is full; they are built at the next start", "why", why)
		s.removeIndexFile(callersFile)
		s.removeIndexFile(namesFile)
		return
	}
	pub := s.pub.Load()
	t0 := time.Now()
	if x := s.callers.Load(); x != nil {
		x.mu.RLock()
		size, err := writeIndexFile(s.opts.Dir, callersFile, kindCallers, pub, x.encode)
		x.mu.RUnlock()
		if err != nil {
			s.log.Warn("caller index not saved; it is built at the next start", "err", err)
		} else {
			s.log.Info("caller index saved", "bytes", size, "published", pub, "took", time.Since(t0))
		}
	} else {
		s.removeIndexFile(callersFile)
	}
	t0 = time.Now()
	if x := s.names.Load(); x != nil {
		x.mu.RLock()
		size, err := writeIndexFile(s.opts.Dir, namesFile, kindNames, pub, x.encode)
		x.mu.RUnlock()
		if err != nil {
			s.log.Warn("name index not saved; it is built at the next start", "err", err)
		} else {
			s.log.Info("name index saved", "bytes", size, "published", pub, "took", time.Since(t0))
		}
	} else {
		s.removeIndexFile(namesFile)
	}
}

// removeIndexFile removes a saved index that no longer describes the store.
func (s *Store) removeIndexFile(name string) {
	if err := os.Remove(filepath.Join(s.opts.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("remove a saved index", "file", name, "err", err)
	}
}

// loadOrBuild returns a first-build function for a builder: load the
// saved file name when it describes published (the state the store
// opened at), else build. Why a file is not used is logged: missing at
// debug level, stale at info, corrupt as a warning.
func loadOrBuild[X any](s *Store, what, name string, kind byte, published uint64,
	decode func(*flatReader) X, build func(context.Context) (X, error)) func(context.Context) (X, error) {
	if s.opts.InMemory || s.opts.Dir == "" {
		return nil
	}
	return func(ctx context.Context) (X, error) {
		t0 := time.Now()
		x, err := loadIndexFile(s.opts.Dir, name, kind, published, decode)
		switch {
		case err == nil:
			s.log.Info(what+" loaded from its saved file", "file", name, "took", time.Since(t0))
			return x, nil
		case errors.Is(err, fs.ErrNotExist):
			s.log.Debug("no saved "+what+"; building it", "file", name)
		case errors.Is(err, errStaleIndex):
			s.log.Info("saved "+what+" is stale; building it", "file", name, "why", err)
		default:
			s.log.Warn("saved "+what+" is corrupt; building it", "file", name, "err", err)
		}
		return build(ctx)
	}
}

// encode writes the name index's body.
func (x *nameIndex) encode(w *flatWriter) {
	w.u64(x.seed)
	w.u64(uint64(x.tokTab.n))
	putSlice(w, x.tokTab.hs)
	putSlice(w, x.tokTab.refs)
	putSlice(w, x.tokOff)
	putSlice(w, x.tokLen)
	putSlice(w, x.tokData)
	visOff := make([]uint32, 0, len(x.visStr)+1)
	var visData []byte
	for _, v := range x.visStr {
		visOff = append(visOff, uint32(len(visData)))
		visData = append(visData, v...)
	}
	visOff = append(visOff, uint32(len(visData)))
	putSlice(w, visOff)
	putSlice(w, visData)
	putSlice(w, x.keyOff)
	putSlice(w, x.keyLen)
	putSlice(w, x.keyData)
	putSlice(w, x.vis)
	putSlice(w, x.tokAt)
	putSlice(w, x.tokN)
	putSlice(w, x.toks)
	w.u64(uint64(x.ids.n))
	putSlice(w, x.ids.hs)
	putSlice(w, x.ids.refs)
	w.u64(uint64(x.base))
	codes := make([]uint32, len(x.bucket))
	for c, b := range x.bucket {
		codes[b] = c
	}
	putSlice(w, codes)
	putSlice(w, x.bStart)
	putSlice(w, x.bSlots)
	dCodes := make([]uint32, 0, len(x.delta))
	dLens := make([]uint32, 0, len(x.delta))
	var dSlots []uint32
	for c, l := range x.delta {
		dCodes, dLens, dSlots = append(dCodes, c), append(dLens, uint32(len(l))), append(dSlots, l...)
	}
	putSlice(w, dCodes)
	putSlice(w, dLens)
	putSlice(w, dSlots)
	w.u64(uint64(x.dSlots))
	w.u64(uint64(x.dead))
}

// decodeNames reads a name index's body and checks its invariants (every
// offset, id and slot in bounds, tables consistent), so that no search on
// it can fail.
func decodeNames(r *flatReader) *nameIndex {
	x := &nameIndex{tokHash: seededHash}
	x.seed = r.u64()
	tokN := r.u64()
	x.tokTab.hs = getSlice[uint64](r)
	x.tokTab.refs = getSlice[uint32](r)
	x.tokOff = getSlice[uint32](r)
	x.tokLen = getSlice[uint8](r)
	x.tokData = getSlice[byte](r)
	visOff := getSlice[uint32](r)
	visData := getSlice[byte](r)
	x.keyOff = getSlice[uint32](r)
	x.keyLen = getSlice[uint16](r)
	x.keyData = getSlice[byte](r)
	x.vis = getSlice[uint32](r)
	x.tokAt = getSlice[uint32](r)
	x.tokN = getSlice[uint16](r)
	x.toks = getSlice[uint32](r)
	idsN := r.u64()
	x.ids.hs = getSlice[uint64](r)
	x.ids.refs = getSlice[uint32](r)
	x.base = r.u32()
	codes := getSlice[uint32](r)
	x.bStart = getSlice[uint32](r)
	x.bSlots = getSlice[uint32](r)
	dCodes := getSlice[uint32](r)
	dLens := getSlice[uint32](r)
	dSlots := getSlice[uint32](r)
	x.dSlots = int(r.u32())
	x.dead = int(r.u32())
	if r.err != nil {
		return nil
	}
	if err := x.check(tokN, idsN, visOff, visData, codes, dCodes, dLens, dSlots); err != nil {
		r.err = err
		return nil
	}
	return x
}

// check validates a decoded name index and sets up its maps (visibility
// values, buckets, delta lists) from the saved arrays.
func (x *nameIndex) check(tokN, idsN uint64, visOff []uint32, visData []byte, codes, dCodes, dLens, dSlots []uint32) error {
	ntok := uint64(len(x.tokOff))
	if uint64(len(x.tokLen)) != ntok {
		return errors.New("name index: token arrays differ in length")
	}
	for t := range x.tokOff {
		if uint64(x.tokOff[t])+uint64(x.tokLen[t]) > uint64(len(x.tokData)) {
			return fmt.Errorf("name index: token %d beyond the data", t)
		}
	}
	if err := checkKeyTable(&x.tokTab, tokN); err != nil {
		return fmt.Errorf("name index: tokens: %w", err)
	}
	for _, ref := range x.tokTab.refs {
		if ref != refEmpty && (ref < refBase || uint64(ref-refBase) >= ntok) {
			return errors.New("name index: token table refers beyond the tokens")
		}
	}
	if len(visOff) == 0 || visOff[0] != 0 || visOff[len(visOff)-1] != uint32(len(visData)) || uint64(len(visData)) >= 1<<32 {
		return errors.New("name index: bad visibility table")
	}
	x.visStr = make([][]byte, 0, len(visOff)-1)
	x.visIDs = make(map[string]uint32, len(visOff)-1)
	for i := 1; i < len(visOff); i++ {
		if visOff[i] < visOff[i-1] {
			return errors.New("name index: bad visibility table")
		}
		v := visData[visOff[i-1]:visOff[i]:visOff[i]]
		x.visIDs[string(v)] = uint32(len(x.visStr))
		x.visStr = append(x.visStr, v)
	}
	n := len(x.vis)
	if len(x.keyOff) != n || len(x.keyLen) != n || len(x.tokAt) != n || len(x.tokN) != n || uint64(n) >= 1<<31 {
		return errors.New("name index: slot arrays differ in length")
	}
	for s := range n {
		if uint64(x.keyOff[s])+uint64(x.keyLen[s]) > uint64(len(x.keyData)) {
			return fmt.Errorf("name index: key of slot %d beyond the data", s)
		}
		if v := x.vis[s]; v != slotDead && int(v) >= len(x.visStr) {
			return fmt.Errorf("name index: slot %d: bad visibility", s)
		}
		if uint64(x.tokAt[s])+uint64(x.tokN[s]) > uint64(len(x.toks)) {
			return fmt.Errorf("name index: tokens of slot %d beyond the list", s)
		}
	}
	for _, t := range x.toks {
		if uint64(t) >= ntok {
			return errors.New("name index: token id out of range")
		}
	}
	if err := checkKeyTable(&x.ids, idsN); err != nil {
		return fmt.Errorf("name index: ids: %w", err)
	}
	for _, ref := range x.ids.refs {
		if ref != refEmpty && (ref < refBase || int(ref-refBase) >= n) {
			return errors.New("name index: id table refers beyond the slots")
		}
	}
	if int(x.base) > n {
		return errors.New("name index: base beyond the slots")
	}
	if len(x.bStart) != len(codes)+1 || x.bStart[0] != 0 || int(x.bStart[len(codes)]) != len(x.bSlots) {
		return errors.New("name index: bad bucket table")
	}
	x.bucket = make(map[uint32]uint32, len(codes))
	for b, c := range codes {
		if x.bStart[b+1] < x.bStart[b] {
			return errors.New("name index: bad bucket table")
		}
		if _, dup := x.bucket[c]; dup {
			return errors.New("name index: bucket listed twice")
		}
		x.bucket[c] = uint32(b)
	}
	for _, s := range x.bSlots {
		if s >= x.base {
			return errors.New("name index: bucket slot beyond the base")
		}
	}
	if len(dLens) != len(dCodes) {
		return errors.New("name index: bad delta lists")
	}
	x.delta = make(map[uint32][]uint32, len(dCodes))
	at := uint64(0)
	for i, c := range dCodes {
		l := uint64(dLens[i])
		if at+l > uint64(len(dSlots)) {
			return errors.New("name index: bad delta lists")
		}
		if _, dup := x.delta[c]; dup {
			return errors.New("name index: delta list listed twice")
		}
		x.delta[c] = dSlots[at : at+l : at+l]
		at += l
	}
	if at != uint64(len(dSlots)) {
		return errors.New("name index: bad delta lists")
	}
	for _, s := range dSlots {
		if s < x.base || int(s) >= n {
			return errors.New("name index: delta slot out of range")
		}
	}
	if x.dSlots > n || x.dead > n {
		return errors.New("name index: bad counts")
	}
	return nil
}

// removeIndexTemps removes the temporary files of a save that did not
// finish (a crash, or a Close that timed out).
func removeIndexTemps(dir string) error {
	if dir == "" {
		return nil
	}
	for _, name := range []string{callersFile, namesFile} {
		old, err := filepath.Glob(filepath.Join(dir, name+".tmp*"))
		if err != nil {
			return err
		}
		for _, f := range old {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
