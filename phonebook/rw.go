package phonebook

import (
	"bytes"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// rw is the read-write view the contact writer needs: one transaction for a
// single write, a chunked writer for a bulk operation.
type rw interface {
	get(k []byte) ([]byte, error) // ErrNotFound when absent
	set(k, v []byte) error
	del(k []byte) error
	// scan calls fn for every key with the prefix (values copied lazily).
	scan(prefix []byte, fn func(k []byte, val func() ([]byte, error)) error) error
	// noteNum records the list a write leaves under number key k, for
	// the caller index (see numDelta).
	noteNum(k string, es []numEntry)
}

// txnRW adapts a Badger transaction.
type txnRW struct{ txn *badger.Txn }

func (txnRW) noteNum(string, []numEntry) {}

// updateRW is the txnRW of a published write: it collects the number
// lists written, for the caller index.
type updateRW struct {
	txnRW
	d   *numDelta
	nd  *nameDelta    // the ix/sort entries written, for the name index
	rec *unitRecorder // the change unit, when the store has a Replicator
}

func (u updateRW) noteNum(k string, es []numEntry) { u.d.note(k, es) }

func (u updateRW) set(k, v []byte) error {
	u.rec.set(k, v)
	if err := u.txnRW.set(k, v); err != nil {
		return err
	}
	if v == nil {
		v = []byte{}
	}
	u.nd.note(k, v)
	return nil
}

func (u updateRW) del(k []byte) error {
	u.rec.del(k)
	if err := u.txnRW.del(k); err != nil {
		return err
	}
	u.nd.note(k, nil)
	return nil
}

func (t txnRW) get(k []byte) ([]byte, error) { return txnGet(t.txn, k) }
func (t txnRW) set(k, v []byte) error        { return t.txn.Set(k, v) }
func (t txnRW) del(k []byte) error           { return t.txn.Delete(k) }
func (t txnRW) scan(p []byte, fn func([]byte, func() ([]byte, error)) error) error {
	return txnScan(t.txn, p, fn)
}

func txnGet(txn *badger.Txn, k []byte) ([]byte, error) {
	it, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return it.ValueCopy(nil)
}

func txnScan(txn *badger.Txn, prefix []byte, fn func(k []byte, val func() ([]byte, error)) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		if err := fn(item.Key(), func() ([]byte, error) { return item.ValueCopy(nil) }); err != nil {
			return err
		}
	}
	return nil
}

// chunkWriter writes many transactions at one commit timestamp. A full
// chunk is committed asynchronously while the next one fills, so encoding
// and Badger's write path run side by side; the writes of chunks still in
// flight are kept in memory so reads see them (read-your-writes across
// chunks). At most maxInflight chunks are in flight.
type chunkWriter struct {
	db      *badger.DB
	ts      uint64
	txn     *badger.Txn
	cur     map[string][]byte // writes of the current chunk (nil = delete)
	flights []*flight         // chunks committed but not yet acknowledged, oldest first
	d       *numDelta         // the number lists written, for the caller index
	nd      *nameDelta        // the ix/sort entries written, for the name index
	guard   func() error      // if set, called before each chunk is committed (the disk guard)
	err     error             // the first commit error seen
	rec     *unitRecorder     // the change unit, when recorded
}

type flight struct {
	writes map[string][]byte
	done   chan error
}

const maxInflight = 2

func newChunkWriter(db *badger.DB, ts uint64) *chunkWriter {
	return &chunkWriter{db: db, ts: ts, txn: db.NewTransactionAt(ts, true), cur: map[string][]byte{}}
}

// tracked reports whether writes to k are remembered for read-your-writes.
// A bulk operation reads contacts, source mappings, number lists, overlays
// and key-value entries, never the search indexes, so those (most of the
// keys written) are not tracked; reading one drains the chunks in flight
// first.
func tracked(k []byte) bool {
	return !bytes.HasPrefix(k, []byte("ix/")) || bytes.HasPrefix(k, []byte(pfxSource)) || bytes.HasPrefix(k, []byte(pfxNum))
}

func (w *chunkWriter) get(k []byte) ([]byte, error) {
	if !tracked(k) {
		if err := w.drain(); err != nil {
			return nil, err
		}
		return txnGet(w.txn, k)
	}
	if v, ok := w.cur[string(k)]; ok {
		return found(v)
	}
	for i := len(w.flights) - 1; i >= 0; i-- {
		if v, ok := w.flights[i].writes[string(k)]; ok {
			return found(v)
		}
	}
	return txnGet(w.txn, k)
}

func found(v []byte) ([]byte, error) {
	if v == nil {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (w *chunkWriter) scan(p []byte, fn func([]byte, func() ([]byte, error)) error) error {
	// Iterators see committed chunks and the current transaction: let the
	// chunks in flight land first.
	if err := w.drain(); err != nil {
		return err
	}
	return txnScan(w.txn, p, fn)
}

func (w *chunkWriter) noteNum(k string, es []numEntry) { w.d.note(k, es) }

func (w *chunkWriter) set(k, v []byte) error {
	if v == nil {
		v = []byte{}
	}
	err := w.txn.Set(k, v)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.commitAsync(); err != nil {
			return err
		}
		err = w.txn.Set(k, v)
	}
	if err == nil && tracked(k) {
		w.cur[string(k)] = v
	}
	if err == nil {
		w.nd.note(k, v)
		w.rec.set(k, v)
	}
	return err
}

func (w *chunkWriter) del(k []byte) error {
	err := w.txn.Delete(k)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.commitAsync(); err != nil {
			return err
		}
		err = w.txn.Delete(k)
	}
	if err == nil && tracked(k) {
		w.cur[string(k)] = nil
	}
	if err == nil {
		w.nd.note(k, nil)
		w.rec.del(k)
	}
	return err
}

// commitAsync hands the current chunk to Badger and opens the next one,
// waiting for the oldest chunk when too many are in flight.
func (w *chunkWriter) commitAsync() error {
	if w.guard != nil {
		if err := w.guard(); err != nil {
			return err
		}
	}
	f := &flight{writes: w.cur, done: make(chan error, 1)}
	if err := w.txn.CommitAt(w.ts, func(err error) { f.done <- err }); err != nil {
		return err
	}
	w.flights = append(w.flights, f)
	w.next()
	for len(w.flights) > maxInflight {
		if err := w.waitOldest(); err != nil {
			return err
		}
	}
	return w.err
}

func (w *chunkWriter) waitOldest() error {
	f := w.flights[0]
	w.flights = w.flights[1:]
	if err := <-f.done; err != nil && w.err == nil {
		w.err = fmt.Errorf("commit chunk: %w", err)
	}
	return w.err
}

// drain waits until every chunk in flight has landed.
func (w *chunkWriter) drain() error {
	for len(w.flights) > 0 {
		_ = w.waitOldest()
	}
	return w.err
}

// next opens the next chunk, one version above the last: every chunk
// commits at a version of its own, so that a key an operation writes twice
// (a number list two contacts share, a contact put twice) never has two
// values at one version. Badger keeps (key, version) unique by design, and
// where it is not, which value a read finds depends on the order of its
// tables: an L0-to-L0 compaction puts the merged older table after newer
// ones (badger levels.go fillTablesL0ToL0), and a read then finds the older
// value (seen here: a number list losing an entry after a 200 k-row import
// on a loaded machine). Readers read at the published version, so chunks
// above it stay invisible until the operation publishes its last one.
func (w *chunkWriter) next() {
	w.ts++
	w.txn = w.db.NewTransactionAt(w.ts, true)
	w.cur = map[string][]byte{}
}

// publish ends the operation: after every chunk in flight has landed, it
// deletes the keys dels names and sets keyPublished to the version of the
// final chunk, which it commits synchronously; it returns that version,
// which the caller publishes (Store.pub). Both writes land in the final
// chunk, so the operation becomes visible all at once.
func (w *chunkWriter) publish(dels ...[]byte) (uint64, error) {
	if err := w.drain(); err != nil {
		return 0, err
	}
	last := func() error {
		for _, k := range dels {
			if err := w.txn.Delete(k); err != nil {
				return err
			}
		}
		return w.txn.Set([]byte(keyPublished), u64(w.ts))
	}
	err := last()
	if errors.Is(err, badger.ErrTxnTooBig) {
		// The final chunk is full: commit it as it is and publish in a
		// chunk of its own.
		if err := w.txn.CommitAt(w.ts, nil); err != nil {
			return 0, err
		}
		w.next()
		err = last()
	}
	if err != nil {
		return 0, err
	}
	ts := w.ts
	if err := w.txn.CommitAt(ts, nil); err != nil {
		w.next()
		return 0, err
	}
	w.next()
	return ts, nil
}

// discard drops the current chunk and waits for the chunks in flight.
func (w *chunkWriter) discard() {
	w.txn.Discard()
	_ = w.drain()
}
