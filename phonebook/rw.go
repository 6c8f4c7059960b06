package phonebook

import (
	"errors"

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
}

// txnRW adapts a Badger transaction.
type txnRW struct{ txn *badger.Txn }

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

// chunkWriter writes many transactions at one commit timestamp, reading at
// that timestamp so it sees its own earlier chunks.
type chunkWriter struct {
	db  *badger.DB
	ts  uint64
	txn *badger.Txn
}

func newChunkWriter(db *badger.DB, ts uint64) *chunkWriter {
	return &chunkWriter{db: db, ts: ts, txn: db.NewTransactionAt(ts, true)}
}

func (w *chunkWriter) get(k []byte) ([]byte, error) { return txnGet(w.txn, k) }

func (w *chunkWriter) scan(p []byte, fn func([]byte, func() ([]byte, error)) error) error {
	// Iterators over an update transaction see its pending writes too.
	return txnScan(w.txn, p, fn)
}

func (w *chunkWriter) set(k, v []byte) error {
	err := w.txn.Set(k, v)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.flush(); err != nil {
			return err
		}
		return w.txn.Set(k, v)
	}
	return err
}

func (w *chunkWriter) del(k []byte) error {
	err := w.txn.Delete(k)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.flush(); err != nil {
			return err
		}
		return w.txn.Delete(k)
	}
	return err
}

// flush commits the current chunk and opens the next.
func (w *chunkWriter) flush() error {
	err := w.txn.CommitAt(w.ts, nil)
	w.txn = w.db.NewTransactionAt(w.ts, true)
	return err
}

func (w *chunkWriter) discard() { w.txn.Discard() }
