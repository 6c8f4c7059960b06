package phonebook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"
)

// UnitKind says how a follower applies a change unit.
type UnitKind byte

// Unit kinds.
const (
	// UnitBulk is a single write or a whole Bulk batch: applied as one
	// Bulk.
	UnitBulk UnitKind = 1
	// UnitLoad is a whole Load of one source: applied as one Load.
	UnitLoad UnitKind = 2
)

// Unit is one committed write of a writer store, as its followers apply
// it: the primary records it set or deleted, in order (contact records
// with their ids, timestamps and number keys; source versions, overlays,
// source mappings, key-value entries). Search and number indexes are not
// in it: a follower derives them through the same write code.
type Unit struct {
	Kind   UnitKind
	Source string // a load's source
	Ops    []UnitOp
}

// UnitOp is one record set (Del false) or deleted.
type UnitOp struct {
	Del      bool
	Key, Val []byte
}

// Replicator receives every change unit of a store before the change
// becomes visible (see Store.SetReplicator).
type Replicator interface {
	// PublishUnit makes u durable in the replication log and returns the
	// log position it has there (0: not logged, the unit was empty). An
	// error refuses the write: nothing of it becomes visible.
	PublishUnit(ctx context.Context, u *Unit) (seq uint64, err error)
}

// keyReplSeq holds the replication log position the store reflects,
// written in the same commit as the unit (see Store.AppliedSeq).
const keyReplSeq = "meta/replseq"

type replicatorBox struct{ r Replicator }

// replicators hold the store's Replicator (nil: none).
type replicators = atomic.Pointer[replicatorBox]

// SetReplicator makes every later Create, Update, Delete, Bulk and Load
// hand its change unit to r, under the writer lock and before it becomes
// visible; r's error refuses the write. nil removes it. Units applied with
// ApplyUnit are not handed to r.
func (s *Store) SetReplicator(r Replicator) {
	if r == nil {
		s.repl.Store(nil)
		return
	}
	s.repl.Store(&replicatorBox{r: r})
}

func (s *Store) replicator() Replicator {
	if b := s.repl.Load(); b != nil {
		return b.r
	}
	return nil
}

// unitRecorder collects the primary records a write sets and deletes, or
// streams them (out set, see unitstream.go). Its methods do nothing on a
// nil recorder.
type unitRecorder struct {
	ops []UnitOp
	streamRec
}

// primary reports whether k is a record a unit carries.
func primary(k []byte) bool {
	for _, p := range []string{pfxContact, pfxSrcVer, pfxOverlay, pfxSource, pfxKV} {
		if bytes.HasPrefix(k, []byte(p)) {
			return true
		}
	}
	return false
}

func (r *unitRecorder) set(k, v []byte) {
	if r == nil || !primary(k) {
		return
	}
	if r.out != nil {
		r.stream(UnitOp{Key: k, Val: v})
		return
	}
	r.ops = append(r.ops, UnitOp{Key: bytes.Clone(k), Val: append([]byte{}, v...)})
}

func (r *unitRecorder) del(k []byte) {
	if r == nil || !primary(k) {
		return
	}
	if r.out != nil {
		r.stream(UnitOp{Del: true, Key: k})
		return
	}
	r.ops = append(r.ops, UnitOp{Del: true, Key: bytes.Clone(k)})
}

// publishUnit hands the recorded unit to r and returns the value of
// keyReplSeq to commit with it (nil: nothing logged).
func (s *Store) publishUnit(ctx context.Context, r Replicator, kind UnitKind, source string, rec *unitRecorder) ([]byte, error) {
	if len(rec.ops) == 0 {
		return nil, nil
	}
	seq, err := r.PublishUnit(ctx, &Unit{Kind: kind, Source: source, Ops: rec.ops})
	if err != nil {
		return nil, fmt.Errorf("replicate: %w", err)
	}
	if seq == 0 {
		return nil, nil
	}
	return u64(seq), nil
}

// replay is what ApplyUnit passes to bulk and load: the log position of
// the unit applied.
type replay struct{ seq uint64 }

// errApplied is returned by bulk and load for a unit already applied.
var errApplied = errors.New("unit already applied")

// appliedAt reads keyReplSeq at the published timestamp; the caller holds
// the writer lock.
func (s *Store) appliedAt() (uint64, error) {
	var seq uint64
	err := s.view(func(txn *badger.Txn) error {
		v, err := getU64(txn, keyReplSeq)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		seq = v
		return err
	})
	return seq, err
}

// AppliedSeq returns the replication log position the store's content
// reflects: the last unit it published (as a writer) or applied (as a
// follower); 0 when none.
func (s *Store) AppliedSeq(ctx context.Context) (uint64, error) {
	seq, err := s.appliedAt()
	if err != nil {
		return 0, fmt.Errorf("read the applied log position: %w", err)
	}
	return seq, nil
}

// ApplyUnit applies a unit read from the replication log at position seq,
// whole or not at all, and records seq with it. A unit at or below the
// store's applied position is skipped (applied false): applying is
// idempotent, so a node may apply its own units.
func (s *Store) ApplyUnit(ctx context.Context, seq uint64, u *Unit) (applied bool, err error) {
	if seq == 0 {
		return false, errors.New("apply unit: log position 0")
	}
	rp := &replay{seq: seq}
	switch {
	case u.Kind == UnitBulk && len(u.Ops) <= smallUnit:
		err = s.updateAs(ctx, func(w updateRW) error {
			if applied, err := getAppliedRW(w); err != nil || applied >= seq {
				return cmp.Or(err, errApplied)
			}
			if err := replayOps(w, func() *numFilter { return s.numf }, u.Ops, ctx.Err); err != nil {
				return err
			}
			return w.set([]byte(keyReplSeq), u64(seq))
		}, true)
	case u.Kind == UnitBulk:
		_, err = s.bulk(ctx, func(b *Batch) error { return b.replay(u.Ops) }, rp)
	case u.Kind == UnitLoad:
		_, err = s.load(ctx, u.Source, false, func(l *Loader) error { return l.replay(u.Ops) }, rp)
	default:
		return false, fmt.Errorf("apply unit %d: unknown kind %d", seq, u.Kind)
	}
	if errors.Is(err, errApplied) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("apply unit %d: %w", seq, err)
	}
	return true, nil
}

// replay applies the ops of a bulk unit: contact records through
// writeContact and removeContact (so every index follows), the other
// records as they are.
func (b *Batch) replay(ops []UnitOp) error {
	return replayOps(b.w, b.filter, ops, b.tick)
}

// smallUnit is the most ops a unit applied in one transaction has (a
// single write has a few); larger ones are applied as a Bulk.
const smallUnit = 16

// getAppliedRW reads keyReplSeq through w.
func getAppliedRW(w rw) (uint64, error) {
	v, err := w.get([]byte(keyReplSeq))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%s: bad length %d", keyReplSeq, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// replayOps applies ops through w with the number-key filter flt returns;
// tick is called before each op.
func replayOps(w rw, flt func() *numFilter, ops []UnitOp, tick func() error) error {
	for i, op := range ops {
		if err := tick(); err != nil {
			return err
		}
		if !bytes.HasPrefix(op.Key, []byte(pfxContact)) {
			var err error
			if op.Del {
				err = w.del(op.Key)
			} else {
				err = w.set(op.Key, op.Val)
			}
			if err != nil {
				return fmt.Errorf("op %d: %w", i, err)
			}
			continue
		}
		id := string(op.Key[len(pfxContact):])
		old, oldKeys, err := loadRecord(w, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("op %d: %w", i, err)
		}
		if op.Del {
			if old != nil {
				// The source mapping, when dropped, is an op of its own.
				err = removeContact(w, flt(), old, oldKeys, true)
			}
		} else {
			var c *Contact
			var keys []string
			if c, keys, err = decodeRecord(op.Val); err == nil {
				err = writeContact(w, flt(), c, keys, old, oldKeys)
			}
		}
		if err != nil {
			return fmt.Errorf("op %d (contact %s): %w", i, id, err)
		}
	}
	return nil
}

// replay adds the records of a load unit: contacts through addPrepared,
// key-value entries as they are; source mappings follow the contacts.
func (l *Loader) replay(ops []UnitOp) error {
	for i, op := range ops {
		if l.n++; l.n%1024 == 0 {
			if err := l.ctx.Err(); err != nil {
				return err
			}
		}
		switch {
		case op.Del:
			return fmt.Errorf("op %d: a load unit deletes %q", i, op.Key)
		case bytes.HasPrefix(op.Key, []byte(pfxSource)):
		case bytes.HasPrefix(op.Key, []byte(pfxContact)):
			c, keys, err := decodeRecord(op.Val)
			if err != nil {
				return fmt.Errorf("op %d: %w", i, err)
			}
			if err := l.addPrepared(c, keys, op.Val); err != nil {
				return fmt.Errorf("op %d (contact %s): %w", i, c.ID, err)
			}
		default:
			l.metas++
			if err := l.sort.add(recSet, op.Key, op.Val); err != nil {
				return err
			}
		}
	}
	return nil
}

// unitMagic starts an encoded unit (format version 1).
const unitMagic = "PBU1"

// Encode returns u in the binary form DecodeUnit reads: the magic, the
// kind, the source, the op count, then each op as a flag byte and
// length-prefixed key and value.
func (u *Unit) Encode() []byte {
	n := len(unitMagic) + 1 + 2*binary.MaxVarintLen64 + len(u.Source)
	for _, op := range u.Ops {
		n += 1 + 2*binary.MaxVarintLen64 + len(op.Key) + len(op.Val)
	}
	b := make([]byte, 0, n)
	b = append(b, unitMagic...)
	b = append(b, byte(u.Kind))
	b = binary.AppendUvarint(b, uint64(len(u.Source)))
	b = append(b, u.Source...)
	b = binary.AppendUvarint(b, uint64(len(u.Ops)))
	for _, op := range u.Ops {
		b = appendOp(b, op)
	}
	return b
}

// appendOp appends op as Encode writes it: a flag byte, the
// length-prefixed key and, for a set, the length-prefixed value.
func appendOp(b []byte, op UnitOp) []byte {
	var f byte
	if op.Del {
		f = 1
	}
	b = append(b, f)
	b = binary.AppendUvarint(b, uint64(len(op.Key)))
	b = append(b, op.Key...)
	if !op.Del {
		b = binary.AppendUvarint(b, uint64(len(op.Val)))
		b = append(b, op.Val...)
	}
	return b
}

// decodeHead reads a unit's kind and source, which follow its magic (at
// b[p:]), and returns the position after them.
func decodeHead(b []byte, p int) (UnitKind, string, int, error) {
	if p >= len(b) {
		return 0, "", p, errors.New("truncated at the kind")
	}
	kind := UnitKind(b[p])
	p++
	if kind != UnitBulk && kind != UnitLoad {
		return 0, "", p, fmt.Errorf("unknown kind %d", kind)
	}
	n, k := binary.Uvarint(b[p:])
	if k <= 0 || n > uint64(len(b)-p-k) {
		return 0, "", p, fmt.Errorf("bad length of the source at byte %d", p)
	}
	p += k
	return kind, string(b[p : p+int(n)]), p + int(n), nil
}

// decodeOp reads the op appendOp wrote at b[p:]; it returns the op (its
// slices share b's memory) and the position after it, or an error that
// says what is wrong and where (the caller adds which op it is).
func decodeOp(b []byte, p int) (UnitOp, int, error) {
	if p >= len(b) {
		return UnitOp{}, p, errors.New("truncated")
	}
	f := b[p]
	p++
	if f > 1 {
		return UnitOp{}, p, fmt.Errorf("bad flag %d", f)
	}
	op := UnitOp{Del: f == 1}
	field := func(what string) ([]byte, error) {
		n, k := binary.Uvarint(b[p:])
		if k <= 0 || n > uint64(len(b)-p-k) {
			return nil, fmt.Errorf("bad length of its %s at byte %d", what, p)
		}
		p += k
		v := b[p : p+int(n) : p+int(n)]
		p += int(n)
		return v, nil
	}
	var err error
	if op.Key, err = field("key"); err != nil {
		return UnitOp{}, p, err
	}
	if !op.Del {
		if op.Val, err = field("value"); err != nil {
			return UnitOp{}, p, err
		}
	}
	return op, p, nil
}

// DecodeUnit reads a unit written by Unit.Encode. The unit's slices
// share b's memory.
func DecodeUnit(b []byte) (*Unit, error) {
	if !bytes.HasPrefix(b, []byte(unitMagic)) {
		return nil, errors.New("decode unit: bad magic (not a change unit)")
	}
	kind, source, p, err := decodeHead(b, len(unitMagic))
	if err != nil {
		return nil, fmt.Errorf("decode unit: %w", err)
	}
	u := &Unit{Kind: kind, Source: source}
	count, k := binary.Uvarint(b[p:])
	if k <= 0 || count > uint64(len(b)-p) {
		return nil, fmt.Errorf("decode unit: bad op count at byte %d", p)
	}
	p += k
	u.Ops = make([]UnitOp, 0, count)
	for i := range count {
		op, next, err := decodeOp(b, p)
		if err != nil {
			return nil, fmt.Errorf("decode unit: op %d: %w", i, err)
		}
		p = next
		u.Ops = append(u.Ops, op)
	}
	if p != len(b) {
		return nil, fmt.Errorf("decode unit: %d bytes after the last op", len(b)-p)
	}
	return u, nil
}

// Digest returns a SHA-256 of the store's logical content at the
// published timestamp: every contact record, source version, overlay,
// source mapping and key-value entry, in key order (not Badger's versions,
// not the derived indexes). Two nodes that applied the same units have
// the same digest.
func (s *Store) Digest(ctx context.Context) ([32]byte, error) {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	err := s.view(func(txn *badger.Txn) error {
		for _, p := range []string{pfxContact, pfxKV, pfxSource, pfxOverlay, pfxSrcVer} {
			err := txnScan(txn, []byte(p), func(k []byte, val func() ([]byte, error)) error {
				v, err := val()
				if err != nil {
					return err
				}
				h.Write(n[:binary.PutUvarint(n[:], uint64(len(k)))])
				h.Write(k)
				h.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
				h.Write(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	var sum [32]byte
	if err != nil {
		return sum, fmt.Errorf("digest: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// replicaStep starts a bulk or load under the writer lock: for a replayed
// unit it returns errApplied when the store already has it; otherwise it
// returns the store's Replicator (nil: none).
func (s *Store) replicaStep(rp *replay) (Replicator, error) {
	if rp == nil {
		return s.replicator(), nil
	}
	applied, err := s.appliedAt()
	if err != nil {
		return nil, err
	}
	if applied >= rp.seq {
		return nil, errApplied
	}
	return nil, nil
}

// commitUnit ends a bulk or load before it is published: it hands the
// recorded unit to r (a writer) and writes, through set, the log position
// the store will reflect (the unit's, or the replayed one's).
func (s *Store) commitUnit(ctx context.Context, r Replicator, rp *replay, kind UnitKind, source string, rec *unitRecorder, set func(k, v []byte) error) error {
	var seq []byte
	switch {
	case rp != nil:
		seq = u64(rp.seq)
	case r != nil && rec.out != nil:
		var err error
		if seq, err = rec.commit(ctx); err != nil {
			return fmt.Errorf("replicate: %w", err)
		}
	case r != nil:
		var err error
		if seq, err = s.publishUnit(ctx, r, kind, source, rec); err != nil {
			return err
		}
	}
	if seq == nil {
		return nil
	}
	return set([]byte(keyReplSeq), seq)
}

// ErrNotWriter is what a Replicator's refusal wraps when this node is not
// the one that may write (another node holds the writer lease); its
// message names the writer.
var ErrNotWriter = errors.New("not the directory's writer")

// Writable returns nil when the store's writes may succeed now as far as
// its Replicator knows, else why not (an error matching ErrNotWriter on a
// cluster follower). Schedulers of bulk writes ask it before starting.
func (s *Store) Writable() error {
	if w, ok := s.replicator().(interface{ Writable() error }); ok {
		return w.Writable()
	}
	return nil
}
