package phonebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// BulkStats counts what a bulk operation changed.
type BulkStats struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Deleted   int `json:"deleted"`
}

// Batch writes one bulk operation. It is valid only inside the function
// given to Store.Bulk and is not safe for concurrent use.
type Batch struct {
	s     *Store
	w     *chunkWriter
	ctx   context.Context
	n     int
	stats BulkStats
	pre   NumberIndex
	// writes counts contact writes while the store has no number-key
	// filter; buildErr is why building one failed.
	writes   int
	buildErr error
	known    map[string]map[string]string // source → external id → id, see LoadSource
}

// Bulk runs fn; everything fn writes through b becomes visible to readers
// at once when fn returns nil. If fn returns an error, or the process dies
// before the end, none of it is ever visible (a crash is rolled back on the
// next Open). Bulk holds the store's writer lock while fn runs, so other
// writes wait.
func (s *Store) Bulk(ctx context.Context, fn func(b *Batch) error) (BulkStats, error) {
	return s.bulk(ctx, fn, nil)
}

// bulk is Bulk; rp is set when it applies a replicated unit.
func (s *Store) bulk(ctx context.Context, fn func(b *Batch) error, rp *replay) (BulkStats, error) {
	if err := s.lockWriter(ctx); err != nil {
		return BulkStats{}, err
	}
	defer s.wmu.Unlock()
	r, err := s.replicaStep(rp)
	if err != nil {
		return BulkStats{}, err
	}
	if err := s.disk.check(); err != nil {
		return BulkStats{}, err
	}
	pub := s.pub.Load()
	ts := pub + 1
	w := newChunkWriter(s.db, ts)
	w.d = newNumDelta(s.deltaCap)
	w.nd = newNameDelta(maxNameDelta)
	w.guard = s.disk.check
	b := &Batch{s: s, w: w, ctx: ctx}
	if r != nil {
		w.rec = &unitRecorder{}
	}
	err = w.set([]byte(keyBulk), u64(ts))
	if err == nil {
		err = fn(b)
	}
	if err == nil {
		err = s.commitUnit(ctx, r, rp, UnitBulk, "", w.rec, w.set)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		var last uint64
		last, err = w.publish([]byte(keyBulk))
		w.discard()
		if err == nil {
			s.pub.Store(last)
			s.refreshCallers(w.d)
			s.refreshNames(w.nd)
			return b.stats, nil
		}
	}
	w.discard()
	// Chunks may already be committed (invisible, above pub): undo them now
	// rather than leave them to the next Open.
	if maxV := s.db.MaxVersion(); maxV > pub {
		if rerr := s.rollback(context.Background(), pub, maxV); rerr != nil {
			return BulkStats{}, fmt.Errorf("%w (and rolling back failed: %v)", s.disk.note(err), rerr)
		}
	}
	return BulkStats{}, s.disk.note(err)
}

// filterAfter is how many contacts a bulk operation writes before it builds
// the number-key filter (when the store has none yet): small operations
// read the few keys they touch, large ones save a read per number key.
const filterAfter = 2048

// filter returns the store's number-key filter, building it once the batch
// is large enough to be worth the scan of ix/num.
func (b *Batch) filter() *numFilter {
	if b.s.numf != nil || b.buildErr != nil {
		return b.s.numf
	}
	if b.writes++; b.writes < filterAfter {
		return nil
	}
	if err := b.s.buildNumFilter(b.w.scan); err != nil {
		b.buildErr = err // read keys one by one instead
		b.s.log.Warn("number-key filter not built", "err", err)
	}
	return b.s.numf
}

// buildNumFilter sets s.numf to a filter of every ix/num key scan finds.
// The caller holds the writer lock.
func (s *Store) buildNumFilter(scan func(prefix []byte, fn func(k []byte, val func() ([]byte, error)) error) error) error {
	f := newNumFilter(1 << 20)
	n := 0
	err := scan([]byte(pfxNum), func(k []byte, _ func() ([]byte, error)) error {
		f.add(k)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	s.numf = f
	s.log.Debug("number-key filter built", "keys", n, "bytes", f.sizeBytes())
	return nil
}

// tick checks for cancellation every so often.
func (b *Batch) tick() error {
	if b.n++; b.n%1024 == 0 {
		return b.ctx.Err()
	}
	return nil
}

// NumberIndex holds the normalised forms and index keys of numbers,
// computed ahead of a bulk write by Store.IndexNumbers — possibly in another
// goroutine while the batch writes the previous contacts.
type NumberIndex map[string]numIndex

type numIndex struct {
	norm string
	keys []string
}

// IndexNumbers normalises every number of cs (the costly part of preparing
// a contact). A contact with more than MaxNumbers numbers is left out: the
// write refuses it anyway. It is safe to call from any goroutine.
func (s *Store) IndexNumbers(cs []*Contact) NumberIndex {
	m := make(NumberIndex, 2*len(cs))
	for _, c := range cs {
		if len(c.Numbers) > MaxNumbers {
			continue
		}
		for _, n := range c.Numbers {
			v := strings.TrimSpace(n.Value)
			if _, ok := m[v]; ok || v == "" {
				continue
			}
			norm, keys := s.num.Index(v)
			m[v] = numIndex{norm: norm, keys: keys}
		}
	}
	return m
}

// LoadSource reads every (external id → id) of a source into memory, so
// that UpsertFromSource of that source needs no read for new contacts — a
// large first import into an empty source is then write-only. It costs
// memory in proportion to the source's size.
func (b *Batch) LoadSource(source string) error {
	m := map[string]string{}
	err := b.SourceIDs(source, func(ext, id string) error {
		m[ext] = id
		return nil
	})
	if err != nil {
		return err
	}
	if b.known == nil {
		b.known = map[string]map[string]string{}
	}
	b.known[source] = m
	return nil
}

// UseNumbers makes the following writes of the batch take numbers from ix
// instead of normalising them again.
func (b *Batch) UseNumbers(ix NumberIndex) { b.pre = ix }

// Stats returns what the batch has changed so far.
func (b *Batch) Stats() BulkStats { return b.stats }

// Put stores c: a new contact when c.ID is empty (the new id is set in the
// returned copy), else a replacement of that contact.
func (b *Batch) Put(c *Contact) (*Contact, error) {
	if err := b.tick(); err != nil {
		return nil, err
	}
	c = c.Clone()
	var old *Contact
	var oldKeys []string
	now := b.s.now().UTC()
	if c.ID == "" {
		c.ID = b.s.newID()
		c.CreatedAt = now
	} else {
		var err error
		old, oldKeys, err = loadRecord(b.w, c.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if old != nil {
			c.CreatedAt = old.CreatedAt
		} else if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
	}
	c.UpdatedAt = now
	keys, err := b.s.prepareWith(c, b.pre)
	if err != nil {
		return nil, err
	}
	if err := writeContact(b.w, b.filter(), c, keys, old, oldKeys); err != nil {
		return nil, err
	}
	if old == nil {
		b.stats.Created++
	} else {
		b.stats.Updated++
	}
	return c, nil
}

// Delete removes a contact (and any overlay); absent ids are ignored.
func (b *Batch) Delete(id string) error {
	if err := b.tick(); err != nil {
		return err
	}
	old, oldKeys, err := loadRecord(b.w, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := b.s.saveOverlay(b.w, id, nil, nil); err != nil {
		return err
	}
	b.stats.Deleted++
	return removeContact(b.w, b.filter(), old, oldKeys, false)
}

// SourceIDs calls fn for every contact of a source with its external id
// (or "@"+id for contacts without one), including contacts deleted locally.
// It sees the batch's own writes.
func (b *Batch) SourceIDs(source string, fn func(externalID, id string) error) error {
	prefix := kSource(source, "")
	type pair struct{ ext, id string }
	var page []pair
	// Collect first: the writer's iterator must be closed before fn writes.
	err := b.w.scan(prefix, func(k []byte, val func() ([]byte, error)) error {
		v, err := val()
		if err != nil {
			return err
		}
		page = append(page, pair{string(k[len(prefix):]), string(v)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range page {
		if err := fn(p.ext, p.id); err != nil {
			return err
		}
	}
	return nil
}

// DeleteSource removes every contact of a source and returns how many.
func (b *Batch) DeleteSource(source string) (int, error) {
	n := 0
	err := b.SourceIDs(source, func(ext, id string) error {
		ok, err := b.deleteSourceEntry(source, ext, id)
		if ok {
			n++
		}
		return err
	})
	return n, err
}

// UpsertFromSource stores a contact as a sync source has it, keyed by
// (c.Source, c.ExternalID). An existing contact keeps its id; its local
// overlay (edits, local delete) is applied on top. changed is false when
// nothing differs.
func (b *Batch) UpsertFromSource(c *Contact) (id string, changed bool, err error) {
	if err := b.tick(); err != nil {
		return "", false, err
	}
	if c.Source == "" || c.ExternalID == "" {
		return "", false, &ValidationError{Fields: []FieldError{{Field: "external_id", Message: "a synced contact needs a source and an external id"}}}
	}
	src := c.Clone()
	src.Scope, src.Owner = ScopeGlobal, ""
	var idb []byte
	if known, ok := b.known[src.Source]; ok {
		// The source's ids are in memory: a miss needs no read.
		if id, ok := known[src.ExternalID]; ok {
			idb = []byte(id)
		} else {
			err = ErrNotFound
		}
	} else {
		idb, err = b.w.get(kSource(src.Source, src.ExternalID))
	}
	switch {
	case errors.Is(err, ErrNotFound):
		src.ID = ""
		out, err := b.Put(src)
		if err != nil {
			return "", false, err
		}
		if known, ok := b.known[src.Source]; ok {
			known[src.ExternalID] = out.ID
		}
		return out.ID, true, nil
	case err != nil:
		return "", false, err
	}
	id = string(idb)
	src.ID = id
	old, oldKeys, err := loadRecord(b.w, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", false, err
	}
	ov, err := loadOverlay(b.w, id)
	if err != nil {
		return "", false, err
	}
	now := b.s.now().UTC()
	if ov != nil {
		// Keep the source version beside the overlay.
		prevSrc := old
		if sb, err := b.w.get(kSrcVer(id)); err == nil {
			prevSrc, _, _ = decodeRecord(sb)
		}
		if prevSrc != nil {
			src.CreatedAt = prevSrc.CreatedAt
		}
		src.UpdatedAt = now
		if _, err := b.s.prepareWith(src, b.pre); err != nil {
			return "", false, err
		}
		changed = prevSrc == nil || !sameContent(prevSrc, src)
		if !changed {
			b.stats.Unchanged++
			return id, false, nil
		}
		if err := b.s.saveOverlay(b.w, id, src, ov); err != nil {
			return "", false, err
		}
		b.stats.Updated++
		if ov.Deleted {
			return id, true, nil
		}
		eff, err := applyOverlay(src, ov)
		if err != nil {
			return "", false, err
		}
		eff.ID, eff.Source, eff.ExternalID, eff.CreatedAt, eff.UpdatedAt = id, src.Source, src.ExternalID, src.CreatedAt, now
		keys, err := b.s.prepareWith(eff, b.pre)
		if err != nil {
			return "", false, err
		}
		return id, true, writeContact(b.w, b.filter(), eff, keys, old, oldKeys)
	}
	if old == nil {
		// Index entry without a contact (should not happen): write afresh.
		src.CreatedAt = now
	} else {
		src.CreatedAt = old.CreatedAt
	}
	src.UpdatedAt = now
	keys, err := b.s.prepareWith(src, b.pre)
	if err != nil {
		return "", false, err
	}
	if old != nil && sameContent(old, src) {
		b.stats.Unchanged++
		return id, false, nil
	}
	if old == nil {
		b.stats.Created++
	} else {
		b.stats.Updated++
	}
	return id, true, writeContact(b.w, b.filter(), src, keys, old, oldKeys)
}

// DeleteFromSource removes the contact a source deleted, with its overlay.
func (b *Batch) DeleteFromSource(source, externalID string) (bool, error) {
	if err := b.tick(); err != nil {
		return false, err
	}
	idb, err := b.w.get(kSource(source, externalID))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return b.deleteSourceEntry(source, externalID, string(idb))
}

func (b *Batch) deleteSourceEntry(source, ext, id string) (bool, error) {
	if known, ok := b.known[source]; ok {
		delete(known, ext)
	}
	if err := b.s.saveOverlay(b.w, id, nil, nil); err != nil {
		return false, err
	}
	old, oldKeys, err := loadRecord(b.w, id)
	if errors.Is(err, ErrNotFound) {
		// Deleted locally before: drop the remaining source mapping.
		return true, b.w.del(kSource(source, ext))
	}
	if err != nil {
		return false, err
	}
	b.stats.Deleted++
	return true, removeContact(b.w, b.filter(), old, oldKeys, false)
}

// SetMeta writes a value in a key-value namespace as part of the batch
// (e.g. a delta token that must advance only with the round).
func (b *Batch) SetMeta(ns, key string, val []byte) error {
	if err := checkNS(ns, key); err != nil {
		return err
	}
	return b.w.set(kKV(ns, key), append([]byte(nil), val...))
}

// DeleteMeta deletes a key of a namespace as part of the batch.
func (b *Batch) DeleteMeta(ns, key string) error {
	if err := checkNS(ns, key); err != nil {
		return err
	}
	return b.w.del(kKV(ns, key))
}

// GetMeta reads a key of a namespace, seeing the batch's own writes.
func (b *Batch) GetMeta(ns, key string) ([]byte, error) {
	if err := checkNS(ns, key); err != nil {
		return nil, err
	}
	return b.w.get(kKV(ns, key))
}

// sameContent compares two contacts ignoring the update time.
func sameContent(a, b *Contact) bool {
	x, y := *a, *b
	x.UpdatedAt, y.UpdatedAt = time.Time{}, time.Time{}
	ea, err1 := encodeRecord(&x, nil)
	eb, err2 := encodeRecord(&y, nil)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

func checkNS(ns, key string) error {
	if ns == "" || strings.ContainsAny(ns, "/\x00") {
		return fmt.Errorf("key-value namespace %q: must be non-empty without '/'", ns)
	}
	if key == "" || strings.ContainsRune(key, 0) {
		return fmt.Errorf("key-value key %q: must be non-empty without NUL", key)
	}
	return nil
}
