package phonebook

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// Saved index files. At a clean Close the store writes each in-memory
// index (caller index, name index) to a file in its directory, and at the
// next Open it loads the file instead of building the index from the
// store, when the file describes exactly the published state the store
// opened at. The layout is flat, so a load is a few large reads into the
// index's arrays and no allocation per entry:
//
//	header (indexHeaderLen bytes, little-endian fields):
//	  magic     8 bytes  "PBXIDX" + kind byte + format version byte
//	  order     uint32   0x01020304 written in the host's byte order
//	  schema    uint32   the store's SchemaVersion
//	  published uint64   the published timestamp the index reflects
//	  bodyLen   uint64   bytes after the header
//	  bodySum   uint64   xxhash64 of those bytes
//	body: the index's fields in a fixed order, each a uint64 count of
//	  elements followed by the elements' bytes in the host's byte order
//	  (scalars are a count-less uint64).
//
// A file is trusted only when its magic, order, schema and published
// timestamp match and its body's length and checksum are right; its
// content is then checked against the index's invariants (bounds of every
// offset and id) before it is used. Anything else is logged and the index
// is built from the store as when there is no file. Any published write
// moves the published timestamp, so a file left by a crash or saved before
// writes never matches. Files are written to a temporary name, fsynced,
// renamed and the directory fsynced.

// indexHeaderLen is the size of a saved index's header.
const indexHeaderLen = 48

// indexFormat is the version of the saved files' layout; a file of
// another version is rebuilt.
const indexFormat = 1

// Saved index kinds (the magic's seventh byte).
const (
	kindCallers = 'C'
	kindNames   = 'N'
)

// Saved index file names, in the store's directory.
const (
	callersFile = "pbxagent-callers.idx"
	namesFile   = "pbxagent-names.idx"
)

// byteOrderMark is written in the host's byte order; a file from a host
// of the other order does not match.
const byteOrderMark = 0x01020304

// errStaleIndex marks a file of another published state (not corrupt).
var errStaleIndex = errors.New("stale")

// indexHeader is a saved index's header.
type indexHeader struct {
	kind      byte
	schema    uint32
	published uint64
	bodyLen   uint64
	bodySum   uint64
}

func (h *indexHeader) encode() []byte {
	b := make([]byte, indexHeaderLen)
	copy(b, "PBXIDX")
	b[6], b[7] = h.kind, indexFormat
	binary.NativeEndian.PutUint32(b[8:], byteOrderMark)
	binary.LittleEndian.PutUint32(b[12:], h.schema)
	binary.LittleEndian.PutUint64(b[16:], h.published)
	binary.LittleEndian.PutUint64(b[24:], h.bodyLen)
	binary.LittleEndian.PutUint64(b[32:], h.bodySum)
	return b
}

// decodeIndexHeader checks a header of a file of kind for the store state
// (schema, published) and returns it.
func decodeIndexHeader(b []byte, kind byte, schema uint32, published uint64) (indexHeader, error) {
	var h indexHeader
	if len(b) < indexHeaderLen || string(b[:6]) != "PBXIDX" || b[6] != kind {
		return h, errors.New("not a saved index file of this kind")
	}
	if b[7] != indexFormat {
		return h, fmt.Errorf("format %d, this build reads %d: %w", b[7], indexFormat, errStaleIndex)
	}
	if binary.NativeEndian.Uint32(b[8:]) != byteOrderMark {
		return h, fmt.Errorf("written on a host of another byte order: %w", errStaleIndex)
	}
	h = indexHeader{kind: kind, schema: binary.LittleEndian.Uint32(b[12:]), published: binary.LittleEndian.Uint64(b[16:]),
		bodyLen: binary.LittleEndian.Uint64(b[24:]), bodySum: binary.LittleEndian.Uint64(b[32:])}
	if h.schema != schema {
		return h, fmt.Errorf("schema %d, the store's is %d: %w", h.schema, schema, errStaleIndex)
	}
	if h.published != published {
		return h, fmt.Errorf("saved at published timestamp %d, the store is at %d: %w", h.published, published, errStaleIndex)
	}
	return h, nil
}

// flatElem are the element types of a saved array.
type flatElem interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

// asBytes returns the memory of s as bytes (host byte order).
func asBytes[T flatElem](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// flatWriter writes a saved index's body and sums it.
type flatWriter struct {
	w   *bufio.Writer
	sum *xxhash.Digest
	n   uint64
	err error
}

func (w *flatWriter) raw(b []byte) {
	if w.err != nil {
		return
	}
	_, _ = w.sum.Write(b)
	_, w.err = w.w.Write(b)
	w.n += uint64(len(b))
}

func (w *flatWriter) u64(v uint64) {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], v)
	w.raw(b[:])
}

// putSlice writes s (its length, then its elements).
func putSlice[T flatElem](w *flatWriter, s []T) {
	w.u64(uint64(len(s)))
	w.raw(asBytes(s))
}

// flatReader reads a saved index's body, bounded by its length, and sums
// it.
type flatReader struct {
	r    io.Reader
	sum  *xxhash.Digest
	want uint64 // the body's checksum, checked once it is all read
	left uint64
	err  error
}

var errIndexTruncated = errors.New("truncated")

func (r *flatReader) raw(b []byte) {
	if r.err != nil {
		return
	}
	if uint64(len(b)) > r.left {
		r.err = errIndexTruncated
		return
	}
	if _, err := io.ReadFull(r.r, b); err != nil {
		r.err = fmt.Errorf("read: %w", err)
		return
	}
	_, _ = r.sum.Write(b)
	r.left -= uint64(len(b))
	if r.left == 0 && r.sum.Sum64() != r.want {
		r.err = errIndexChecksum // before the decoder's checks of the content
	}
}

var errIndexChecksum = errors.New("checksum mismatch")

func (r *flatReader) u64() uint64 {
	var b [8]byte
	r.raw(b[:])
	if r.err != nil {
		return 0
	}
	return binary.NativeEndian.Uint64(b[:])
}

// u32 reads a uint64 that must fit 32 bits.
func (r *flatReader) u32() uint32 {
	v := r.u64()
	if v > 1<<32-1 && r.err == nil {
		r.err = fmt.Errorf("value %d out of range", v)
	}
	return uint32(v)
}

// getSlice reads an array written by putSlice into one allocation.
func getSlice[T flatElem](r *flatReader) []T {
	n := r.u64()
	if r.err != nil {
		return nil
	}
	var z T
	if n > r.left/uint64(unsafe.Sizeof(z)) {
		r.err = errIndexTruncated
		return nil
	}
	s := make([]T, n)
	r.raw(asBytes(s))
	if r.err != nil {
		return nil
	}
	return s
}

// writeIndexFile writes a saved index of kind to dir/name: a temporary
// file, its body by body, the header, fsync, rename, fsync of dir.
func writeIndexFile(dir, name string, kind byte, published uint64, body func(w *flatWriter)) (size int64, err error) {
	f, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return 0, fmt.Errorf("save %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(make([]byte, indexHeaderLen)); err != nil {
		return 0, fmt.Errorf("save %s: %w", name, err)
	}
	w := &flatWriter{w: bufio.NewWriterSize(f, 1<<20), sum: xxhash.New()}
	body(w)
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if w.err != nil {
		return 0, fmt.Errorf("save %s: %w", name, w.err)
	}
	h := indexHeader{kind: kind, schema: SchemaVersion, published: published, bodyLen: w.n, bodySum: w.sum.Sum64()}
	if _, err = f.WriteAt(h.encode(), 0); err != nil {
		return 0, fmt.Errorf("save %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return 0, fmt.Errorf("save %s: fsync: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return 0, fmt.Errorf("save %s: %w", name, err)
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return 0, fmt.Errorf("save %s: %w", name, err)
	}
	if err = syncDir(dir); err != nil {
		return 0, fmt.Errorf("save %s: %w", name, err)
	}
	return int64(indexHeaderLen + w.n), nil
}

// syncDir fsyncs directory dir (a rename in it becomes durable).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// readIndex decodes a saved index of kind from r (size bytes) for the
// store state (schema, published): the header, then the body by body,
// whose checksum and length are checked once it is read.
func readIndex[X any](r io.Reader, size int64, kind byte, schema uint32, published uint64, body func(r *flatReader) X) (X, error) {
	var zero X
	hb := make([]byte, indexHeaderLen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return zero, fmt.Errorf("read header: %w", err)
	}
	h, err := decodeIndexHeader(hb, kind, schema, published)
	if err != nil {
		return zero, err
	}
	if size >= 0 && h.bodyLen != uint64(size)-indexHeaderLen {
		return zero, fmt.Errorf("body of %d bytes, the header says %d", size-indexHeaderLen, h.bodyLen)
	}
	fr := &flatReader{r: r, sum: xxhash.New(), want: h.bodySum, left: h.bodyLen}
	x := body(fr)
	switch {
	case fr.err != nil:
		return zero, fr.err
	case fr.left != 0:
		return zero, fmt.Errorf("%d bytes left after the index", fr.left)
	case fr.sum.Sum64() != h.bodySum:
		return zero, errIndexChecksum
	}
	return x, nil
}

// loadIndexFile opens dir/name and decodes it with readIndex; the
// returned error tells why the file is not used (os.ErrNotExist: none).
func loadIndexFile[X any](dir, name string, kind byte, published uint64, body func(r *flatReader) X) (X, error) {
	var zero X
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return zero, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return zero, err
	}
	return readIndex(bufio.NewReaderSize(f, 1<<20), fi.Size(), kind, SchemaVersion, published, body)
}
