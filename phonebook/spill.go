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
	runs []string    // spilled run files, oldest first
}

// bufRecord locates a buffered record: its key at buf[off:off+klen], the
// kind byte after it, then vlen bytes of value.
type bufRecord struct{ off, klen, vlen uint32 }

// Record kinds.
const (
	recSet byte = iota // the key's value (the last one wins)
	recNum             // one contact of an ix/num list (an encoded one-entry list)
)

func newSorter(dir string, limit int) (*sorter, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spill directory: %w", err)
	}
	return &sorter{dir: dir, limit: limit}, nil
}

// add buffers a record, spilling when the buffer is full.
func (s *sorter) add(kind byte, key, val []byte) error {
	s.recs = append(s.recs, bufRecord{off: uint32(len(s.buf)), klen: uint32(len(key)), vlen: uint32(len(val))})
	s.buf = append(s.buf, key...)
	s.buf = append(s.buf, kind)
	s.buf = append(s.buf, val...)
	if len(s.buf) >= s.limit {
		return s.spill()
	}
	return nil
}

func (s *sorter) key(r bufRecord) []byte { return s.buf[r.off : r.off+r.klen] }

// spill sorts the buffer (by key, then in the order added) and writes it
// as a run file.
func (s *sorter) spill() error {
	if len(s.recs) == 0 {
		return nil
	}
	slices.SortFunc(s.recs, func(a, b bufRecord) int {
		if c := bytes.Compare(s.key(a), s.key(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.off, b.off)
	})
	name := filepath.Join(s.dir, fmt.Sprintf("run-%05d", len(s.runs)))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr []byte
	for _, r := range s.recs {
		hdr = binary.AppendUvarint(hdr[:0], uint64(r.klen))
		_, _ = w.Write(hdr)
		_, _ = w.Write(s.key(r))
		hdr = append(hdr[:0], s.buf[r.off+r.klen])
		hdr = binary.AppendUvarint(hdr, uint64(r.vlen))
		_, _ = w.Write(hdr)
		start := r.off + r.klen + 1
		if _, err := w.Write(s.buf[start : start+r.vlen]); err != nil {
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
	s.runs = append(s.runs, name)
	s.buf, s.recs = s.buf[:0], s.recs[:0]
	return nil
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
	s.buf, s.recs = nil, nil
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

// cleanup removes the run files and the directory.
func (s *sorter) cleanup() error { return os.RemoveAll(s.dir) }

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
