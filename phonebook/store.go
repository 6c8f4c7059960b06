package phonebook

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Options configure a Store.
type Options struct {
	// Dir is the data directory; ignored when InMemory is set.
	Dir string
	// InMemory keeps everything in memory (tests).
	InMemory bool
	// Numbering normalises stored numbers and probes calling numbers.
	// Required.
	Numbering Numbering
	// Logger receives store events; slog.Default() when nil.
	Logger *slog.Logger
	// Now returns the time stamped on contacts; time.Now when nil.
	Now func() time.Time
	// MemoryBudget sizes Badger's memtables (1/32 each, three of them),
	// block cache (1/4) and index cache (1/8), the record cache of name
	// searches (1/8, recordcache.go), and the old records a Replace reads
	// ahead while it runs (1/4, replace.go), in bytes (0: 256 MiB).
	// Table building during flushes and compactions needs more.
	MemoryBudget int64
	// DiskReserve is the free space, in bytes, below which the store
	// refuses writes with ErrDiskFull, keeping room for Badger's flushes
	// and compactions (0: DefaultDiskReserve; negative: no check, only
	// Badger's own errors).
	DiskReserve int64
	// CloseTimeout bounds Close: Badger cannot finish closing while it
	// cannot flush its memtables (a full disk); Close then gives up and
	// returns an error (0: DefaultCloseTimeout).
	CloseTimeout time.Duration
	// LogLines caps Badger's log lines per LogInterval; those over it are
	// counted and reported in one line (0: 10 lines a minute).
	LogLines    int
	LogInterval time.Duration
}

// DefaultCloseTimeout bounds Close when Options.CloseTimeout is 0.
const DefaultCloseTimeout = 10 * time.Second

// Store is the contact directory on Badger.
//
// Visibility is built on Badger's own versions (managed mode): every write,
// small or bulk, is committed at a timestamp above the published one, and
// readers read at the published timestamp. A single write publishes its
// timestamp in the same commit; a bulk operation writes many commits at one
// timestamp and publishes it at the end, so readers see all of it or none
// of it. A bulk operation that dies half-way is rolled back on the next
// Open. Writers are serialised by one lock.
type Store struct {
	db   *badger.DB
	opts Options
	log  *slog.Logger
	now  func() time.Time
	num  Numbering

	wmu  writerLock    // serialises contact writers
	numf *numFilter    // ix/num keys that exist (nil until a bulk operation needs it); under wmu
	kvmu sync.Mutex    // serialises key-value writes
	gcmu sync.Mutex    // held by value-log garbage collection and by a load's table writing
	pub  atomic.Uint64 // published commit timestamp

	callers  atomic.Pointer[callerIndex]        // caller-ID lookups from memory (nil: read the store)
	cbuild   bgBuilder[*callerIndex, *numDelta] // its background builder
	names    atomic.Pointer[nameIndex]          // name searches from memory (nil: read the store)
	nbuild   bgBuilder[*nameIndex, *nameDelta]  // its background builder
	recs     *recordCache                       // records name searches read, by name-index slot (nil: none)
	deltaCap int                                // keys a write tracks for the caller index before it rebuilds it

	readAhead int // bytes of old records a Replace reads ahead (replace.go)

	rmu     sync.Mutex
	readers map[uint64]int // active read timestamps, for SetDiscardTs

	ingestHook func(keys int)                // tests: called during a load's table writing
	streamHook func(tableStream) tableStream // tests: wraps a load's stream writer
	dbClosed   chan struct{}                 // tests: if set, closed once Badger has closed

	disk *diskGuard // refuses writes while the disk is full

	repl replicators // receives every change unit (replunit.go)

	renum renumber // the background re-index of numbers after a numbering change

	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

// Open opens (or creates) the store, checks the schema version and rolls
// back a bulk operation that did not finish.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Numbering == nil {
		return nil, errors.New("open store: Options.Numbering is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	budget := opts.MemoryBudget
	if budget <= 0 {
		budget = 256 << 20
	}
	var disk *diskGuard
	if !opts.InMemory {
		disk = newDiskGuard(opts.Dir, opts.DiskReserve, time.Now)
	}
	bo := badger.DefaultOptions(opts.Dir).
		WithLogger(newBadgerLogger(opts.Logger, opts.LogLines, opts.LogInterval, time.Now, disk)).
		WithDetectConflicts(false).
		WithNumMemtables(3).
		// Badger builds every table wholly in memory (two to three times
		// its size) and keeps up to eight such builders pooled: small
		// memtables (the flushed tables) and tables of one size at every
		// level keep that heap small during a large import.
		WithMemTableSize(budget / 32).
		WithBlockCacheSize(budget / 4).
		WithIndexCacheSize(budget / 8).
		WithNumCompactors(2).
		WithValueLogFileSize(64 << 20).
		WithValueThreshold(1 << 10).
		WithMetricsEnabled(false) // Badger's metrics are process-wide expvars, updated on every read
	bo.TableSizeMultiplier = 1 // BaseTableSize (2 MiB) at every level
	if opts.InMemory {
		bo = bo.WithInMemory(true).WithDir("").WithValueDir("")
	}
	if err := removeSpills(bo.Dir); err != nil {
		return nil, fmt.Errorf("open store %s: remove a dead load's files: %w", opts.Dir, err)
	}
	if err := removeIndexTemps(bo.Dir); err != nil {
		return nil, fmt.Errorf("open store %s: remove an unfinished saved index: %w", opts.Dir, err)
	}
	if err := removeEmptyLogs(bo.Dir, opts.Logger); err != nil {
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	db, err := badger.OpenManaged(bo)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	s := &Store{
		db: db, opts: opts, log: opts.Logger, now: opts.Now, num: opts.Numbering,
		readers: map[uint64]int{}, deltaCap: maxNumDelta, wmu: newWriterLock(),
		stop: make(chan struct{}), done: make(chan struct{}), disk: disk,
		recs: newRecordCache(recordCacheSize(budget)), readAhead: readAheadSize(budget),
	}
	s.initCallerBuild()
	s.initNameBuild()
	if err := s.recover(ctx); err != nil {
		s.stopCallers()
		s.stopNames()
		_ = db.Close()
		return nil, err
	}
	// The indexes saved at the last clean Close are loaded when they
	// describe the state the store opened at (indexsave.go); writes from
	// now on are queued by the builders and applied once they are loaded.
	pub := s.pub.Load()
	s.cbuild.mu.Lock()
	if !s.cbuild.running { // a migration may have started one
		// lookups read the store until it is loaded or built
		s.startCallerBuild(loadOrBuild(s, "caller index", callersFile, kindCallers, pub, decodeCallers, s.cbuild.build))
	}
	s.cbuild.mu.Unlock()
	s.nbuild.mu.Lock()
	if !s.nbuild.running {
		// searches read the store until it is loaded or built
		s.startNameBuild(loadOrBuild(s, "name index", namesFile, kindNames, pub, decodeNames, s.nbuild.build))
	}
	s.nbuild.mu.Unlock()
	if err := s.startRenumber(); err != nil {
		s.stopCallers()
		s.stopNames()
		_ = db.Close()
		return nil, err
	}
	go s.maintain()
	return s, nil
}

// recover reads the schema and published timestamp and rolls back any
// version above the published timestamp (a bulk operation that died).
func (s *Store) recover(ctx context.Context) error {
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	schema, err := getUvarint(txn, keySchema)
	if err != nil {
		return fmt.Errorf("open store: read schema: %w", err)
	}
	switch {
	case schema > SchemaVersion:
		return fmt.Errorf("open store %s: schema version %d, this build reads up to %d: %w", s.opts.Dir, schema, SchemaVersion, ErrNewerSchema)
	case schema == 0:
		// New store: write the schema at ts 1 and publish it.
		w := s.db.NewTransactionAt(0, true)
		defer w.Discard()
		if err := w.Set([]byte(keySchema), binary.AppendUvarint(nil, SchemaVersion)); err != nil {
			return err
		}
		if err := w.Set([]byte(keyPublished), u64(1)); err != nil {
			return err
		}
		if err := w.CommitAt(1, nil); err != nil {
			return fmt.Errorf("open store: initialise: %w", err)
		}
		s.pub.Store(1)
		return nil
	}
	pub, err := getU64(txn, keyPublished)
	if err != nil {
		return fmt.Errorf("open store: read published timestamp: %w", err)
	}
	s.pub.Store(pub)
	if maxV := s.db.MaxVersion(); maxV > pub {
		if err := s.rollback(ctx, pub, maxV); err != nil {
			return fmt.Errorf("open store: roll back unfinished bulk operation: %w", err)
		}
	}
	if schema < SchemaVersion {
		if err := s.migrate(ctx, schema); err != nil {
			return fmt.Errorf("open store %s: upgrade schema %d to %d: %w", s.opts.Dir, schema, SchemaVersion, err)
		}
	}
	return nil
}

// rollback undoes every version above pub by writing, in chunks from
// version maxV+1 up, each touched key's value as of pub (or a delete), and
// publishes the last chunk's version.
func (s *Store) rollback(ctx context.Context, pub, maxV uint64) error {
	fix := maxV + 1
	s.log.Warn("rolling back an unfinished bulk operation", "published", pub, "max_version", maxV)
	rt := s.db.NewTransactionAt(math.MaxUint64, false)
	defer rt.Discard()
	it := rt.NewIterator(badger.IteratorOptions{AllVersions: true, PrefetchValues: false})
	defer it.Close()
	w := newChunkWriter(s.db, fix)
	var cur []byte
	var touched, handled bool
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		if cur == nil || string(k) != string(cur) {
			if touched && !handled {
				if err := w.del(cur); err != nil {
					return err
				}
			}
			cur = item.KeyCopy(nil)
			touched, handled = false, false
		}
		if handled {
			continue
		}
		if item.Version() > pub {
			touched = true
			continue
		}
		if !touched {
			handled = true // newest version is published: untouched key
			continue
		}
		// First version at or below pub of a touched key: restore it.
		handled = true
		if item.IsDeletedOrExpired() {
			if err := w.del(cur); err != nil {
				return err
			}
		} else {
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := w.set(cur, v); err != nil {
				return err
			}
		}
		if n++; n%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if touched && !handled {
		if err := w.del(cur); err != nil {
			return err
		}
	}
	last, err := w.publish([]byte(keyBulk))
	w.discard()
	if err != nil {
		return err
	}
	s.pub.Store(last)
	return nil
}

// Close stops background work and closes Badger cleanly, within
// Options.CloseTimeout: while Badger cannot flush its memtables (a full
// disk) it cannot finish closing, and Close then returns an error saying
// so. The writes already acknowledged are in Badger's write-ahead log and
// are replayed on the next Open.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	limit := s.opts.CloseTimeout
	if limit <= 0 {
		limit = DefaultCloseTimeout
	}
	closed := make(chan error, 1)
	// This goroutine is owned by Close while it waits; after the timeout
	// it is left to finish (or to the process's exit): Badger offers no way
	// to abandon a flush.
	go func() {
		close(s.stop)
		<-s.done
		s.stopRenumber() // its bulk operation is rolled back
		s.stopCallers()
		s.stopNames()
		s.wmu.Lock() // wait for a writer in flight
		defer s.wmu.Unlock()
		s.saveIndexes() // they mirror the published state now
		closed <- s.closeDB()
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case err := <-closed:
		if err != nil {
			return fmt.Errorf("close store: %w", err)
		}
		return nil
	case <-t.C:
		reason := "Badger is still flushing or compacting"
		if why := s.DiskFullReason(); why != "" {
			reason = why
		}
		return fmt.Errorf("close store: not closed within %s (%s); acknowledged writes are in the write-ahead log and replayed at the next start", limit, reason)
	}
}

// closeDB closes Badger.
func (s *Store) closeDB() error {
	err := s.db.Close()
	if s.dbClosed != nil {
		close(s.dbClosed)
	}
	return err
}

// Generation changes whenever the visible directory changes; use it in
// ETags and cache keys.
func (s *Store) Generation() uint64 { return s.pub.Load() }

// maintain advances the discard timestamp and collects value-log garbage.
func (s *Store) maintain() {
	defer close(s.done)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.db.SetDiscardTs(s.minReadTs())
			if !s.opts.InMemory {
				s.gcmu.Lock()
				for s.db.RunValueLogGC(0.5) == nil {
				}
				s.gcmu.Unlock()
			}
		}
	}
}

func (s *Store) minReadTs() uint64 {
	min := s.pub.Load()
	s.rmu.Lock()
	for ts := range s.readers {
		if ts < min {
			min = ts
		}
	}
	s.rmu.Unlock()
	return min
}

// view runs fn in a read transaction at the published timestamp.
func (s *Store) view(fn func(txn *badger.Txn) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	ts := s.pub.Load()
	s.rmu.Lock()
	s.readers[ts]++
	s.rmu.Unlock()
	defer func() {
		s.rmu.Lock()
		if s.readers[ts]--; s.readers[ts] == 0 {
			delete(s.readers, ts)
		}
		s.rmu.Unlock()
	}()
	txn := s.db.NewTransactionAt(ts, false)
	defer txn.Discard()
	return fn(txn)
}

// update runs fn in one write transaction and publishes it.
func (s *Store) update(ctx context.Context, fn func(w updateRW) error) error {
	return s.updateAs(ctx, fn, false)
}

// updateAs is update; replayed is set when fn applies a replicated unit
// (which is not handed to the Replicator again).
func (s *Store) updateAs(ctx context.Context, fn func(w updateRW) error, replayed bool) error {
	if err := s.lockWriter(ctx); err != nil {
		return err
	}
	defer s.wmu.Unlock()
	if err := s.disk.check(); err != nil {
		return err
	}
	pub := s.pub.Load()
	next := pub + 1
	txn := s.db.NewTransactionAt(pub, true)
	defer txn.Discard()
	d := newNumDelta(s.deltaCap)
	nd := newNameDelta(maxNameDelta)
	r := s.replicator()
	if replayed {
		r = nil
	}
	var rec *unitRecorder
	if r != nil {
		rec = &unitRecorder{}
	}
	if err := fn(updateRW{txnRW{txn}, d, nd, rec}); err != nil {
		return err
	}
	if r != nil {
		seq, err := s.publishUnit(ctx, r, UnitBulk, "", rec)
		if err != nil {
			return err
		}
		if seq != nil {
			if err := txn.Set([]byte(keyReplSeq), seq); err != nil {
				return err
			}
		}
	}
	if err := txn.Set([]byte(keyPublished), u64(next)); err != nil {
		return err
	}
	if err := txn.CommitAt(next, nil); err != nil {
		return fmt.Errorf("commit: %w", s.disk.note(err))
	}
	s.pub.Store(next)
	s.refreshCallers(d)
	s.refreshNames(nd)
	return nil
}

// lockWriter takes the writer lock, giving up when ctx ends.
func (s *Store) lockWriter(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.wmu.LockContext(ctx); err != nil {
		return fmt.Errorf("wait for the store's writer lock: %w", err)
	}
	if s.closed.Load() {
		s.wmu.Unlock()
		return ErrClosed
	}
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getU64(txn *badger.Txn, key string) (uint64, error) {
	it, err := txn.Get([]byte(key))
	if err != nil {
		return 0, err
	}
	var v uint64
	err = it.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("%s: bad length %d", key, len(b))
		}
		v = binary.BigEndian.Uint64(b)
		return nil
	})
	return v, err
}

func getUvarint(txn *badger.Txn, key string) (uint64, error) {
	it, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var v uint64
	err = it.Value(func(b []byte) error {
		x, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("%s: bad varint", key)
		}
		v = x
		return nil
	})
	return v, err
}

// Settle waits until Badger's background compaction has caught up (no
// level, level 0 included, due for compaction), or ctx ends. Reads are
// fastest then; benchmarks call it after a large import.
func (s *Store) Settle(ctx context.Context) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		settled := true
		for _, l := range s.db.Levels() {
			if l.Score >= 1 {
				settled = false
				break
			}
		}
		if settled {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("settle: %w", ctx.Err())
		case <-t.C:
		}
	}
}
