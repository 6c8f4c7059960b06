package phonebook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// ErrSourceNotEmpty is returned by Load for a source that has contacts.
var ErrSourceNotEmpty = errors.New("source already has contacts")

// loadSpillBytes is how much a load buffers before it spills a sorted run
// (two such buffers: one fills while the other is sorted and written).
const loadSpillBytes = 32 << 20

// Loader adds new contacts to an empty source in one bulk load. It is
// valid only inside the function given to Store.Load and is not safe for
// concurrent use.
type Loader struct {
	s     *Store
	ctx   context.Context
	src   string
	sort  *sorter
	pre   NumberIndex
	stats BulkStats
	n     int
	metas int          // SetMeta calls
	rep   *replacement // the source's contacts before a Replace (nil: a Load)
}

// Load is the fast path for filling an empty source (a first CSV import,
// a first sync): fn adds contacts through l, and they become visible at
// once when fn returns nil, exactly as with Bulk. Instead of going through
// Badger's memtables and compactions, every key is written once: the
// records are sorted in bounded memory (spilling sorted runs next to the
// store) and handed to Badger's stream writer as finished tables. Writes
// to the key-value namespaces wait while the tables are written. A load
// that fails or dies leaves nothing visible (see Bulk). It returns
// ErrSourceNotEmpty, having called nothing, when the source has contacts.
func (s *Store) Load(ctx context.Context, source string, fn func(l *Loader) error) (BulkStats, error) {
	return s.load(ctx, source, false, fn, nil)
}

// load is Load, or Replace when replace is set; rp is set when it applies
// a replicated unit.
func (s *Store) load(ctx context.Context, source string, replace bool, fn func(l *Loader) error, rp *replay) (BulkStats, error) {
	verb := "load"
	if replace {
		verb = "replace"
	}
	if source == "" || strings.ContainsRune(source, 0) {
		return BulkStats{}, fmt.Errorf("%s: invalid source name %q", verb, source)
	}
	if err := s.lockWriter(ctx); err != nil {
		return BulkStats{}, err
	}
	defer s.wmu.Unlock()
	r, err := s.replicaStep(rp)
	if err != nil {
		return BulkStats{}, err
	}
	if err := s.disk.check(); err != nil {
		return BulkStats{}, fmt.Errorf("%s %s: %w", verb, source, err)
	}
	if !replace {
		empty := true
		stop := errors.New("stop")
		err := s.view(func(txn *badger.Txn) error {
			return txnScan(txn, kSource(source, ""), func([]byte, func() ([]byte, error)) error {
				empty = false
				return stop
			})
		})
		if err != nil && !errors.Is(err, stop) {
			return BulkStats{}, fmt.Errorf("load %s: %w", source, err)
		}
		if !empty {
			return BulkStats{}, fmt.Errorf("load %s: %w", source, ErrSourceNotEmpty)
		}
	}
	pub := s.pub.Load()
	ts := pub + 1
	dir, err := s.spillDir(ts)
	if err != nil {
		return BulkStats{}, fmt.Errorf("%s %s: %w", verb, source, err)
	}
	so, err := newSorter(dir, loadSpillBytes)
	if err != nil {
		return BulkStats{}, fmt.Errorf("%s %s: %w", verb, source, err)
	}
	defer func() { _ = so.cleanup() }()
	so.need = s.disk.checkNeed
	so.rec = s.newRecorder(ctx, r, replace, source)
	l := &Loader{s: s, ctx: ctx, src: source, sort: so}
	if replace {
		defer l.closeReplace()
		if err := l.startReplace(pub); err != nil {
			return BulkStats{}, fmt.Errorf("replace %s: %w", source, s.disk.note(err))
		}
	}
	if err := fn(l); err != nil {
		return BulkStats{}, s.disk.note(err) // spilling may fill the disk
	}
	if err := ctx.Err(); err != nil {
		return BulkStats{}, err
	}
	if err := l.finishReplace(); err != nil {
		return BulkStats{}, fmt.Errorf("replace %s: %w", source, s.disk.note(err))
	}
	if l.stats.Created+l.stats.Updated+l.stats.Deleted == 0 && l.metas == 0 {
		return l.stats, nil
	}
	setSeq := func(k, v []byte) error { return so.add(recSet, k, v) }
	// A replace is replicated as a bulk unit: its followers apply the
	// records it set and the ones it deleted through the per-contact path
	// (a load unit only adds to an empty source).
	kind := UnitLoad
	if replace {
		kind = UnitBulk
	}
	if err := s.commitUnit(ctx, r, rp, kind, source, so.rec, setSeq); err != nil {
		return BulkStats{}, fmt.Errorf("%s %s: %w", verb, source, err)
	}
	if s.numf == nil {
		// Merging number lists reads only the keys the filter cannot rule out.
		err := s.view(func(txn *badger.Txn) error {
			return s.buildNumFilter(func(p []byte, fn func([]byte, func() ([]byte, error)) error) error {
				return txnScan(txn, p, fn)
			})
		})
		if err != nil {
			s.log.Warn("number-key filter not built", "err", err)
		}
	}
	if err := s.disk.checkNeed(so.spilled()); err != nil {
		return BulkStats{}, fmt.Errorf("%s %s: %w", verb, source, err)
	}
	if err := s.ingest(ctx, so, pub, ts); err != nil {
		err = s.disk.note(err)
		if maxV := s.db.MaxVersion(); maxV > pub {
			if rerr := s.rollback(context.Background(), pub, maxV); rerr != nil {
				return BulkStats{}, fmt.Errorf("%s %s: %w (and rolling back failed: %v)", verb, source, err, rerr)
			}
		}
		return BulkStats{}, fmt.Errorf("%s %s: %w", verb, source, err)
	}
	s.refreshCallers(nil) // a load is too large to track key by key
	s.refreshNames(nil)
	return l.stats, nil
}

// spillDir is where a load at ts spills its sorted runs: beside the
// store's files (a load's runs can be as large as the data it loads), or
// in the system's temporary directory for an in-memory store.
func (s *Store) spillDir(ts uint64) (string, error) {
	if s.opts.InMemory {
		return os.MkdirTemp("", "pbxagent-load-")
	}
	return filepath.Join(s.opts.Dir, fmt.Sprintf("%s%d", spillPrefix, ts)), nil
}

// spillPrefix names the spill directories inside the store's directory;
// Open removes any a crashed load left behind.
const spillPrefix = "load-"

// removeSpills deletes spill directories left by a load that died.
func removeSpills(dir string) error {
	if dir == "" {
		return nil
	}
	old, err := filepath.Glob(filepath.Join(dir, spillPrefix+"*"))
	if err != nil {
		return err
	}
	for _, d := range old {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

// SetMeta writes a value in a key-value namespace as part of the load: it
// becomes visible with the contacts (e.g. a sync source's state and row
// hashes). Each key may be set once per load.
func (l *Loader) SetMeta(ns, key string, val []byte) error {
	if err := checkNS(ns, key); err != nil {
		return err
	}
	l.metas++
	return l.sort.add(recSet, kKV(ns, key), val)
}

// UseNumbers makes the following Adds take numbers from ix instead of
// normalising them again (see Store.IndexNumbers).
func (l *Loader) UseNumbers(ix NumberIndex) { l.pre = ix }

// Stats returns what the load has added so far.
func (l *Loader) Stats() BulkStats { return l.stats }

// Add adds c as a new contact of the load's source and returns its id.
// c.Source must be empty or the load's source; c.ID is ignored. Two
// contacts with one external id fail the load when it is written. In a
// Replace, a contact with an external id the source had takes the place
// (and the id) of that contact.
func (l *Loader) Add(c *Contact) (string, error) {
	if l.n++; l.n%1024 == 0 {
		if err := l.ctx.Err(); err != nil {
			return "", err
		}
	}
	if c.Source != "" && c.Source != l.src {
		return "", &ValidationError{Fields: []FieldError{{Field: "source", Message: fmt.Sprintf("a load of source %q cannot add a contact of source %q", l.src, c.Source)}}}
	}
	c = c.Clone()
	c.Source = l.src
	if l.rep != nil {
		if id, ok, err := l.replaceOld(c); ok || err != nil {
			return id, err
		}
	}
	c.ID = l.s.newID()
	c.CreatedAt = l.s.now().UTC()
	c.UpdatedAt = c.CreatedAt
	keys, err := l.s.prepareWith(c, l.pre)
	if err != nil {
		return "", err
	}
	if err := l.addPrepared(c, keys, nil); err != nil {
		return "", err
	}
	return c.ID, nil
}

// addPrepared adds the prepared new contact c (id, times and normalised
// numbers set) with its number keys and counts it created; rec is its
// encoded record (nil: encode it).
func (l *Loader) addPrepared(c *Contact, keys []string, rec []byte) error {
	if err := l.emitRecord(c, keys, rec); err != nil {
		return err
	}
	l.stats.Created++
	return nil
}

// emit adds the records of contact c (prepared, with its number keys):
// the record, its index entries and its entries of the number lists.
func (l *Loader) emit(c *Contact, keys []string) error { return l.emitRecord(c, keys, nil) }

// emitRecord is emit with c's encoded record (nil: encode it).
func (l *Loader) emitRecord(c *Contact, keys []string, rec []byte) error {
	if rec == nil {
		var err error
		if rec, err = encodeRecord(c, keys); err != nil {
			return err
		}
	}
	if err := l.sort.add(recSet, kContact(c.ID), rec); err != nil {
		return err
	}
	e := indexEntries(c, keys)
	for i, k := range e.keys {
		if err := l.sort.add(recSet, k, e.vals[i]); err != nil {
			return err
		}
	}
	if len(keys) > 0 {
		op := encodeNumList([]numEntry{{id: c.ID, val: numValue(c)}})
		for _, k := range keys {
			if err := l.sort.add(recNum, kNum(k), op); err != nil {
				return err
			}
		}
	}
	return nil
}

// ingest writes the sorted records at ts and publishes ts: through
// Badger's stream writer when it can take them, else (an in-memory store)
// through ordinary chunked commits.
func (s *Store) ingest(ctx context.Context, so *sorter, pub, ts uint64) error {
	s.kvmu.Lock() // key-value writes would be refused while tables are streamed
	defer s.kvmu.Unlock()
	s.gcmu.Lock() // so is value-log garbage collection
	defer s.gcmu.Unlock()
	read := s.db.NewTransactionAt(pub, false)
	defer read.Discard()
	sw, err := s.streamWriter()
	if err != nil {
		s.log.Info("bulk load through ordinary commits", "reason", err)
		return s.ingestCommits(ctx, read, so, ts)
	}
	var st tableStream = sw
	if s.streamHook != nil {
		st = s.streamHook(st)
	}
	err = s.ingestStream(ctx, read, st, so, ts)
	// Finish the tables even when the load failed, never Cancel: Badger
	// builds several of a stream's tables at once and adds each to its
	// level when it is built, in whatever order they finish; only Flush
	// puts the level's tables in key order. A level left out of order
	// makes reads and iterators miss or misplace its keys, and the
	// rollback that follows a failure would then delete or keep the wrong
	// keys (index entries of published contacts, entries of the failed
	// load). Finished tables are undone by that rollback.
	if ferr := st.Flush(); ferr != nil {
		if err == nil {
			return ferr
		}
		return fmt.Errorf("%w (and finishing the tables written: %v)", err, ferr)
	}
	if err != nil {
		return err
	}
	// Tables written: publish with an ordinary commit.
	txn := s.db.NewTransactionAt(ts, true)
	defer txn.Discard()
	if err := txn.Set([]byte(keyPublished), u64(ts)); err != nil {
		return err
	}
	if err := txn.CommitAt(ts, nil); err != nil {
		return err
	}
	s.pub.Store(ts)
	return nil
}

// mergeResolved merges the sorted records and calls emit with each key's
// value (see resolve), checking ctx and calling the test hook as it goes.
func (s *Store) mergeResolved(ctx context.Context, read *badger.Txn, so *sorter, emit func(key, val []byte, del bool) error) error {
	n := 0
	lists := newNumCursor(read)
	defer lists.close()
	return so.merge(func(key []byte, recs []sortedRec) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if s.ingestHook != nil {
				s.ingestHook(n)
			}
		}
		val, del, err := s.resolve(lists, key, recs)
		if err != nil {
			return err
		}
		if s.numf != nil && !del && isNumRec(recs[0].kind) {
			s.numf.add(key)
		}
		return emit(key, val, del)
	})
}

// ingestCommits writes the merged records through chunked commits and
// publishes them.
func (s *Store) ingestCommits(ctx context.Context, read *badger.Txn, so *sorter, ts uint64) error {
	w := newChunkWriter(s.db, ts)
	err := s.mergeResolved(ctx, read, so, func(key, val []byte, del bool) error {
		// The merge reuses its buffers; a transaction keeps what it is given.
		if del {
			return w.del(append([]byte(nil), key...))
		}
		return w.set(append([]byte(nil), key...), append([]byte(nil), val...))
	})
	var last uint64
	if err == nil {
		last, err = w.publish()
	}
	w.discard()
	if err != nil {
		return err
	}
	s.pub.Store(last)
	return nil
}

// ingestStream hands the merged records to the stream writer as one
// stream, in key order, and leaves flushing it to the caller. Merging
// (with number-list resolution and encoding) and the stream writer's
// decoding run on two goroutines, passing filled buffers: one core cannot
// do both as fast as the tables are built.
func (s *Store) ingestStream(ctx context.Context, read *badger.Txn, sw tableStream, so *sorter, ts uint64) error {
	const nbuf, bufSize = 3, 4 << 20
	free := make(chan *z.Buffer, nbuf)
	for range nbuf {
		free <- z.NewBuffer(bufSize*2, "phonebook.load")
	}
	full := make(chan *z.Buffer, nbuf)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := make(chan error, 1)
	go func() { // the writer: owned by this call, which waits for it
		var err error
		for buf := range full {
			if err == nil {
				if err = sw.Write(buf); err != nil {
					cancel() // stop the merge
				}
			}
			buf.Reset()
			free <- buf
		}
		written <- err
	}()
	cur := <-free
	kv := &pb.KV{Version: ts, StreamId: 1} // marshalled at once: one for every key
	tomb := []byte{badgerBitDelete}
	err := s.mergeResolved(ctx, read, so, func(key, val []byte, del bool) error {
		// Keys arrive sorted and unique: the stream writer's order.
		kv.Key, kv.Value, kv.Meta = key, val, nil
		if del {
			kv.Meta = tomb // a tombstone at ts: the key is deleted (Replace)
		}
		badger.KVToBuffer(kv, cur)
		if cur.LenNoPadding() >= bufSize {
			full <- cur
			cur = <-free
		}
		return nil
	})
	if err == nil && cur.LenNoPadding() > 0 {
		full <- cur
		cur = nil
	}
	close(full)
	werr := <-written
	n := nbuf // every buffer is back in free, but cur
	if cur != nil {
		_ = cur.Release()
		n--
	}
	for range n {
		_ = (<-free).Release()
	}
	if werr != nil {
		return werr // the merge stopped because the writer failed
	}
	return err // the caller flushes the stream writer
}

// tableStream is what a load uses of Badger's stream writer; tests wrap
// it (Store.streamHook).
type tableStream interface {
	Write(buf *z.Buffer) error
	Flush() error
}

// resolve turns the records of one key into its value: the last value set
// (a key with deletes only is deleted: del), or the merged ix/num list
// (the list already stored, less the contacts removed, plus those added;
// deleted when it ends empty).
func (s *Store) resolve(lists *numCursor, key []byte, recs []sortedRec) (val []byte, del bool, err error) {
	if !isNumRec(recs[0].kind) {
		sets := 0
		for _, r := range recs {
			if r.kind == recSet {
				val, sets = r.val, sets+1
			}
		}
		if sets > 1 && strings.HasPrefix(string(key), pfxSource) {
			return nil, false, fmt.Errorf("two contacts with the external id %q", key[len(pfxSource):])
		}
		return val, sets == 0, nil
	}
	var es []numEntry
	if s.numf == nil || s.numf.may(key) {
		b, err := lists.get(key)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, false, err
		default:
			if es, err = decodeNumList(b); err != nil {
				return nil, false, fmt.Errorf("number index %q: %w", key, err)
			}
		}
	}
	es = dropNumEntries(es, recs)
	for _, r := range recs {
		if r.kind != recNum {
			continue
		}
		add, err := decodeNumList(r.val)
		if err != nil {
			return nil, false, err
		}
		es = append(es, add...)
	}
	if len(es) == 0 {
		return nil, true, nil
	}
	slices.SortFunc(es, func(a, b numEntry) int { return strings.Compare(a.id, b.id) })
	return encodeNumList(es), false, nil
}

// streamWriter prepares Badger's stream writer to add tables above the
// existing ones. It needs empty memtables: a drop of a sentinel key makes
// Badger flush them (the only public way to).
func (s *Store) streamWriter() (*badger.StreamWriter, error) {
	if s.opts.InMemory {
		return nil, errors.New("in-memory store")
	}
	txn := s.db.NewTransactionAt(s.pub.Load(), true)
	err := txn.Set([]byte(keyFlush), nil)
	if err == nil {
		err = txn.CommitAt(s.pub.Load(), nil)
	}
	txn.Discard()
	if err == nil {
		err = s.db.DropPrefix([]byte(keyFlush))
	}
	if err != nil {
		return nil, fmt.Errorf("flush memtables: %w", err)
	}
	sw := s.db.NewStreamWriter()
	if err := sw.PrepareIncremental(); err != nil {
		sw.Cancel()
		return nil, fmt.Errorf("prepare stream writer: %w", err)
	}
	return sw, nil
}
