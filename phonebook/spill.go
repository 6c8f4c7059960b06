package phonebook

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// sorter is an external merge sort of key-value records with bounded
// memory: records are buffered, sorted and spilled to run files in dir when
// the buffer is full, and merged in key order at the end. Records with the
// same key come out together, in the order they were added. A bulk load
// uses it to hand Badger its data already sorted.
type sorter struct {
	dir   string
	limit int // buffered bytes before a spill

	buf  []byte      // records: key, kind, value
	recs []bufRecord // where each record is, in the order added
	runs []string    // run files, oldest first
	size int64       // bytes spilled to run files

	// need, if set, is called with the bytes of a run before it is
	// written (the store's disk guard).
	need func(n int64) error

	// rec, if set, records the change unit (replunit.go).
	rec *unitRecorder

	// One spill runs in the background while the next buffer fills; its
	// buffers come back for reuse.
	inflight  chan spillDone
	spareBuf  []byte
	spareRecs []bufRecord
	scratch   []bufRecord // sortRun's, used by one spill at a time
}

type spillDone struct {
	err     error
	buf     []byte
	recs    []bufRecord
	scratch []bufRecord
}

// bufRecord locates a buffered record: its key at buf[off:off+klen], the
// kind byte after it, then vlen bytes of value. fam and p1, p2 (the 16
// bytes after the key's family prefix) make most comparisons integer
// compares.
type bufRecord struct {
	off, klen, vlen uint32
	fam             uint8
	p1, p2          uint64
}

// Record kinds.
const (
	recSet    byte = iota // the key's value (the last one wins)
	recNum                // one contact of an ix/num list (an encoded one-entry list)
	recDel                // the key is deleted, unless a recSet sets it (Replace)
	recNumDel             // the contact whose id is the value leaves an ix/num list (Replace)
)

// isNumRec reports whether a record kind edits an ix/num list.
func isNumRec(kind byte) bool { return kind == recNum || kind == recNumDel }

// families are the key prefixes a load writes, in byte order; none is a
// prefix of another, so ordering by family and then by the rest of the
// key is ordering by the whole key.
var families = [...]string{pfxContact, pfxNum, pfxBucket, pfxSort, pfxSource, pfxToken}

const famOther = 255

func newSorter(dir string, limit int) (*sorter, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spill directory: %w", err)
	}
	return &sorter{dir: dir, limit: limit}, nil
}

// add buffers a record, spilling when the buffer is full.
func (s *sorter) add(kind byte, key, val []byte) error {
	switch kind {
	case recSet:
		s.rec.set(key, val)
	case recDel: // a Replace's; in the unit's order, a later set wins as in the sort
		s.rec.del(key)
	}
	r := bufRecord{off: uint32(len(s.buf)), klen: uint32(len(key)), vlen: uint32(len(val)), fam: famOther}
	rest := key
	for i, f := range families {
		if len(key) >= len(f) && string(key[:len(f)]) == f {
			r.fam, rest = uint8(i), key[len(f):]
			break
		}
	}
	r.p1, r.p2 = be64(rest), be64(rest[min(8, len(rest)):])
	if n := len(key) + 1 + len(val); len(s.buf)+n > cap(s.buf) {
		s.buf = growRun(s.buf, n, s.limit)
	}
	if len(s.recs) == cap(s.recs) {
		s.recs = growRun(s.recs, 1, s.limit/recBytes)
	}
	s.recs = append(s.recs, r)
	s.buf = append(s.buf, key...)
	s.buf = append(s.buf, kind)
	s.buf = append(s.buf, val...)
	if len(s.buf) >= s.limit {
		return s.spill()
	}
	return nil
}

// recBytes is about the smallest average record a load buffers (key,
// kind and value; about 120 bytes in an import): what the record index of
// a full buffer is sized for.
const recBytes = 96

// growRun returns b with room for n more items: grown 4× while small, then
// at once to a whole run's size (limit items and an eighth), so that a
// run's buffer is not copied again and again on its way to limit (append
// grows large slices by a quarter: a 32 MiB run cost 5× its size in
// copies), and a small load does not allocate a whole run.
func growRun[T any](b []T, n, limit int) []T {
	c := max(4*cap(b), 4096)
	if c > limit/4 {
		c = limit + limit/8
	}
	if c < len(b)+n { // past a run's size (smaller records than expected): by a quarter
		c = max(len(b)+n, cap(b)+cap(b)/4)
	}
	return append(make([]T, 0, c), b...)
}

// be64 reads up to 8 bytes big-endian, zero-padded.
func be64(b []byte) uint64 {
	var x [8]byte
	copy(x[:], b)
	return binary.BigEndian.Uint64(x[:])
}

// spill hands the buffer to a background writer (after the previous one
// finished) and starts a new buffer.
func (s *sorter) spill() error {
	if err := s.wait(); err != nil {
		return err
	}
	if len(s.recs) == 0 {
		return nil
	}
	if s.need != nil {
		if err := s.need(int64(len(s.buf))); err != nil {
			return err
		}
	}
	s.size += int64(len(s.buf))
	name := filepath.Join(s.dir, fmt.Sprintf("run-%05d", len(s.runs)))
	s.runs = append(s.runs, name)
	buf, recs := s.buf, s.recs
	s.buf, s.recs = s.spareBuf[:0], s.spareRecs[:0]
	done := make(chan spillDone, 1)
	s.inflight = done
	scratch := s.scratch
	s.scratch = nil
	go func() {
		scratch = sortRun(buf, recs, scratch)
		done <- spillDone{writeRun(name, buf, recs), buf, recs, scratch}
	}()
	return nil
}

// spilled returns the bytes of records spilled to run files and still
// buffered: about the size of the tables a load writes.
func (s *sorter) spilled() int64 { return s.size + int64(len(s.buf)) }

// wait waits for the spill in flight, if any.
func (s *sorter) wait() error {
	if s.inflight == nil {
		return nil
	}
	d := <-s.inflight
	s.inflight = nil
	s.spareBuf, s.spareRecs, s.scratch = d.buf, d.recs, d.scratch
	return d.err
}

// writeRun writes records, sorted (sortRun), to a new run file.
func writeRun(name string, buf []byte, recs []bufRecord) error {
	key := func(r bufRecord) []byte { return buf[r.off : r.off+r.klen] }
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr []byte
	for _, r := range recs {
		hdr = binary.AppendUvarint(hdr[:0], uint64(r.klen))
		_, _ = w.Write(hdr)
		_, _ = w.Write(key(r))
		hdr = append(hdr[:0], buf[r.off+r.klen])
		hdr = binary.AppendUvarint(hdr, uint64(r.vlen))
		_, _ = w.Write(hdr)
		start := r.off + r.klen + 1
		if _, err := w.Write(buf[start : start+r.vlen]); err != nil {
			_ = f.Close()
			return fmt.Errorf("spill: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return fmt.Errorf("spill: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	return nil
}

// sortRun sorts a run's records by key, then in the order added (recs
// is in the order added), using tmp as scratch space; it returns tmp,
// grown, for the next run. Records are ordered by family, then by the 16
// bytes after it (p1, p2) with an LSD radix sort (stable, skipping the
// bytes all share), then each group equal in those by sortCmp: the
// comparison sort alone was 5–7 % of an import's CPU, most of it calling
// the comparator.
// A run holding a key of no family (famOther: interleaved with the
// families in byte order) is sorted by sortCmp alone.
func sortRun(buf []byte, recs, tmp []bufRecord) []bufRecord {
	if len(recs) < 512 || slices.ContainsFunc(recs, func(r bufRecord) bool { return r.fam == famOther }) {
		sortCmp(buf, recs)
		return tmp
	}
	tmp = slices.Grow(tmp[:0], len(recs))[:len(recs)]
	// By family first (a counting sort, stable), then each family's
	// records by their 16 bytes after it, least significant byte first.
	var famAt [len(families) + 1]int
	for i := range recs {
		famAt[recs[i].fam+1]++
	}
	for f := 1; f < len(famAt); f++ {
		famAt[f] += famAt[f-1]
	}
	start := famAt
	for i := range recs {
		f := recs[i].fam
		tmp[famAt[f]] = recs[i]
		famAt[f]++
	}
	copy(recs, tmp)
	for f := range families {
		radix16(recs[start[f]:famAt[f]], tmp[start[f]:famAt[f]])
	}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].fam == recs[i].fam && recs[j].p1 == recs[i].p1 && recs[j].p2 == recs[i].p2 {
			j++
		}
		if j-i > 1 {
			sortCmp(buf, recs[i:j])
		}
		i = j
	}
	return tmp
}

// radix16 sorts recs (of one family) by p1 and p2 with a stable LSD radix
// sort, skipping the bytes they all share; tmp is as long as recs.
func radix16(recs, tmp []bufRecord) {
	if len(recs) < 2 {
		return
	}
	src, dst := recs, tmp
	for b := range 16 {
		digit := func(r *bufRecord) uint8 {
			if b < 8 {
				return uint8(r.p2 >> (8 * b))
			}
			return uint8(r.p1 >> (8 * (b - 8)))
		}
		var at [256]int
		for i := range src {
			at[digit(&src[i])]++
		}
		if at[digit(&src[0])] == len(src) {
			continue // all share this byte
		}
		sum := 0
		for d, n := range at {
			at[d] = sum
			sum += n
		}
		for i := range src {
			d := digit(&src[i])
			dst[at[d]] = src[i]
			at[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &recs[0] {
		copy(recs, src)
	}
}

// sortCmp sorts records by key, then in the order added, by comparison.
func sortCmp(buf []byte, recs []bufRecord) {
	key := func(r bufRecord) []byte { return buf[r.off : r.off+r.klen] }
	slices.SortFunc(recs, func(a, b bufRecord) int {
		if a.fam == b.fam {
			if a.p1 != b.p1 {
				return cmp.Compare(a.p1, b.p1)
			}
			if a.p2 != b.p2 {
				return cmp.Compare(a.p2, b.p2)
			}
			// Equal family and 16 bytes after it: compare what follows
			// (keys of one family share long prefixes: bytes.Compare
			// of whole keys was a third of the sort). A key shorter
			// than that was zero-padded: compare it whole.
			ka, kb := key(a), key(b)
			skip := 16
			if a.fam != famOther {
				skip += len(families[a.fam])
			}
			if len(ka) >= skip && len(kb) >= skip {
				ka, kb = ka[skip:], kb[skip:]
			}
			if c := bytes.Compare(ka, kb); c != 0 {
				return c
			}
			return cmp.Compare(a.off, b.off)
		}
		if a.fam != famOther && b.fam != famOther {
			return cmp.Compare(a.fam, b.fam)
		}
		if c := bytes.Compare(key(a), key(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.off, b.off)
	})
}

// sortedRec is one record read back from a run.
type sortedRec struct {
	kind byte
	val  []byte
}

// merge spills what is buffered and calls fn once per distinct key, in key
// order, with the key's records in the order they were added. The slices
// are valid only during the call.
func (s *sorter) merge(fn func(key []byte, recs []sortedRec) error) error {
	if err := s.spill(); err != nil {
		return err
	}
	if err := s.wait(); err != nil {
		return err
	}
	s.buf, s.recs, s.spareBuf, s.spareRecs, s.scratch = nil, nil, nil, nil, nil
	h := &runHeap{}
	defer func() {
		for _, r := range h.rs {
			_ = r.f.Close()
		}
	}()
	for i, name := range s.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		r := &runReader{f: f, rd: bufio.NewReaderSize(f, 256<<10), idx: i}
		ok, err := r.next()
		if err != nil {
			_ = f.Close()
			return err
		}
		if !ok {
			_ = f.Close()
			continue
		}
		h.rs = append(h.rs, r)
	}
	heap.Init(h)
	var key []byte
	var recs []sortedRec
	var arena []byte
	flush := func() error {
		if key == nil {
			return nil
		}
		return fn(key, recs)
	}
	for h.Len() > 0 {
		r := h.rs[0]
		if key == nil || !bytes.Equal(r.key, key) {
			if err := flush(); err != nil {
				return err
			}
			arena = arena[:0]
			recs = recs[:0]
			arena = append(arena, r.key...)
			key = arena[:len(r.key):len(r.key)]
		}
		// When append moves the arena, the key and earlier values keep
		// pointing at the old array, which stays alive while they do.
		start := len(arena)
		arena = append(arena, r.val...)
		recs = append(recs, sortedRec{kind: r.kind, val: arena[start:len(arena):len(arena)]})
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			_ = r.f.Close()
			heap.Pop(h)
		}
	}
	return flush()
}

// cleanup waits for a spill in flight and removes the run files and the
// directory.
func (s *sorter) cleanup() error {
	_ = s.wait()
	return os.RemoveAll(s.dir)
}

// runReader reads one run file.
type runReader struct {
	f    *os.File
	rd   *bufio.Reader
	idx  int // run number: earlier runs hold earlier records
	key  []byte
	kind byte
	val  []byte
}

// next reads the following record; false at the end of the run.
func (r *runReader) next() (bool, error) {
	kl, err := binary.ReadUvarint(r.rd)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read run: %w", err)
	}
	r.key = grow(r.key, int(kl))
	if _, err := io.ReadFull(r.rd, r.key); err != nil {
		return false, fmt.Errorf("read run: %w", err)
	}
	if r.kind, err = r.rd.ReadByte(); err != nil {
		return false, fmt.Errorf("read run: %w", err)
	}
	vl, err := binary.ReadUvarint(r.rd)
	if err != nil {
		return false, fmt.Errorf("read run: %w", err)
	}
	r.val = grow(r.val, int(vl))
	if _, err := io.ReadFull(r.rd, r.val); err != nil {
		return false, fmt.Errorf("read run: %w", err)
	}
	return true, nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// runHeap orders run readers by their current key, then by run number.
type runHeap struct{ rs []*runReader }

func (h *runHeap) Len() int { return len(h.rs) }
func (h *runHeap) Less(i, j int) bool {
	if c := bytes.Compare(h.rs[i].key, h.rs[j].key); c != 0 {
		return c < 0
	}
	return h.rs[i].idx < h.rs[j].idx
}
func (h *runHeap) Swap(i, j int) { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *runHeap) Push(x any)    { h.rs = append(h.rs, x.(*runReader)) }
func (h *runHeap) Pop() any {
	r := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return r
}
