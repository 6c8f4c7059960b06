package phonebook

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// A streamed unit is a large change unit (a Load's or a Replace's)
// published while it is recorded, in parts, instead of whole at its
// commit: its followers start applying it as the parts arrive and make it
// visible only with the last one (see StageUnit). Its bytes are format
// version 2: the first part starts with streamMagic, the kind and the
// length-prefixed source; every part then holds whole ops, each encoded
// as in version 1 (appendOp), up to its end. There is no op count: the
// writer does not know it before the end. A reader of version 1 refuses a
// version 2 unit (bad magic) rather than misreading it.
const streamMagic = "PBU2"

// ErrBadUnit is what a streamed unit's decoding errors wrap: the bytes
// are not a unit this build reads (another version's, or damaged).
// Retrying cannot help.
var ErrBadUnit = errors.New("bad change unit")

// UnitStreamer is a Replicator that can also publish a large unit while
// the store records it (a Load or a Replace): the store starts a
// UnitStream under its writer lock, writes parts of about PartSize bytes
// as records come, and commits it before the change becomes visible.
type UnitStreamer interface {
	Replicator
	// PartSize is the size of the parts to write (0: do not stream;
	// the unit is handed whole to PublishUnit).
	PartSize() int
	// BeginUnit starts a unit. A unit never committed (the write failed
	// or the process died) is abandoned: followers drop what they staged
	// of it when the next unit starts.
	BeginUnit(ctx context.Context) (UnitStream, error)
}

// UnitStream publishes the parts of one streamed unit, in order.
type UnitStream interface {
	// Write publishes a part that is not the last, possibly after it
	// returns: data belongs to the stream from the call on. An error may
	// be one of an earlier part's.
	Write(ctx context.Context, data []byte) error
	// Commit publishes the last part (possibly empty) with the commit
	// marker and returns its log position.
	Commit(ctx context.Context, data []byte) (seq uint64, err error)
}

// streamRec is the streaming state of a unitRecorder: parts are encoded
// into buf and written to out when they reach size. A failed write stops
// the recording; the unit's commit returns the error.
type streamRec struct {
	ctx  context.Context
	out  UnitStream // nil: the unit is collected whole
	buf  []byte
	size int
	n    int // ops recorded
	err  error
}

// newRecorder returns the recorder of a load's unit (nil when the store
// has no Replicator, r nil): streaming when r can stream.
func (s *Store) newRecorder(ctx context.Context, r Replicator, replace bool, source string) *unitRecorder {
	if r == nil {
		return nil
	}
	rec := &unitRecorder{}
	st, ok := r.(UnitStreamer)
	if !ok || st.PartSize() <= 0 {
		return rec
	}
	kind := UnitLoad
	if replace {
		kind = UnitBulk // see Store.load
	}
	rec.ctx, rec.size = ctx, st.PartSize()
	rec.buf = make([]byte, 0, rec.size+rec.size/8)
	rec.buf = appendStreamHead(rec.buf, kind, source)
	rec.out, rec.err = st.BeginUnit(ctx)
	if rec.err != nil && rec.out == nil {
		rec.out = failedStream{rec.err}
	}
	return rec
}

// appendStreamHead appends a streamed unit's header.
func appendStreamHead(b []byte, kind UnitKind, source string) []byte {
	b = append(b, streamMagic...)
	b = append(b, byte(kind))
	b = binary.AppendUvarint(b, uint64(len(source)))
	return append(b, source...)
}

// failedStream stands for a stream that could not begin.
type failedStream struct{ err error }

func (f failedStream) Write(context.Context, []byte) error { return f.err }
func (f failedStream) Commit(context.Context, []byte) (uint64, error) {
	return 0, f.err
}

// stream adds op to the part under way, writing the part first when op
// would make it larger than the part size.
func (r *streamRec) stream(op UnitOp) {
	if r.err != nil {
		return
	}
	need := 1 + 2*binary.MaxVarintLen64 + len(op.Key) + len(op.Val)
	if r.n > 0 && len(r.buf)+need > r.size && len(r.buf) > 0 {
		if r.err = r.out.Write(r.ctx, r.buf); r.err != nil {
			return
		}
		r.buf = make([]byte, 0, cap(r.buf)) // the stream keeps the part
	}
	r.buf = appendOp(r.buf, op)
	r.n++
}

// commit writes the last part with the commit marker; it returns the
// value of keyReplSeq to commit with the change (nil: nothing recorded,
// nothing published).
func (r *streamRec) commit(ctx context.Context) ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.n == 0 {
		return nil, nil
	}
	seq, err := r.out.Commit(ctx, r.buf)
	if err != nil {
		return nil, err
	}
	r.buf = nil
	if seq == 0 {
		return nil, nil
	}
	return u64(seq), nil
}

// IsStreamedUnit reports whether data is the first part of a streamed
// unit (format version 2), as opposed to a unit published whole (or the
// first chunk of one), which DecodeUnit reads.
func IsStreamedUnit(data []byte) bool { return bytes.HasPrefix(data, []byte(streamMagic)) }

// decodeStreamHead reads a streamed unit's header from its first part
// and returns the rest of the part (ops).
func decodeStreamHead(b []byte) (kind UnitKind, source string, rest []byte, err error) {
	if !IsStreamedUnit(b) {
		return 0, "", nil, fmt.Errorf("%w: not a streamed unit (bad magic)", ErrBadUnit)
	}
	kind, source, p, err := decodeHead(b, len(streamMagic))
	if err != nil {
		return 0, "", nil, fmt.Errorf("%w: %w", ErrBadUnit, err)
	}
	return kind, source, b[p:], nil
}

// decodeOps reads the whole ops of a streamed unit's part; the ops share
// b's memory.
func decodeOps(b []byte, ops []UnitOp) ([]UnitOp, error) {
	for p, i := 0, 0; p < len(b); i++ {
		op, next, err := decodeOp(b, p)
		if err != nil {
			return ops, fmt.Errorf("%w: op %d: %w", ErrBadUnit, i, err)
		}
		p = next
		ops = append(ops, op)
	}
	return ops, nil
}
