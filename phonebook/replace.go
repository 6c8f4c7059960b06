package phonebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// badgerBitDelete is the meta bit Badger marks a deleted key's version with
// (bitDelete in badger/v4's value.go, not exported). A key handed to the
// stream writer with it is a tombstone at the load's timestamp.
const badgerBitDelete byte = 1 << 0

// Replace makes the contacts fn adds through l the whole of source, in one
// bulk load: what changed is written once, sorted, through Badger's stream
// writer (see Load), with the deletions of the keys the source's contacts
// no longer have (tombstones at the load's timestamp), and all of it
// becomes visible in one published step.
//
// It keeps what UpsertFromSource and DeleteFromSource keep: a contact
// added with an external id the source had keeps that contact's id and
// creation time, and is not written again when nothing differs; a contact
// edited locally keeps its local edits on top of the new source version,
// and one deleted locally stays deleted; the source's contacts fn does not
// add are deleted with their local edits. Contacts are added to the global
// scope; two with one external id fail the Replace. The stats count what
// changed as Bulk would; when nothing did, nothing is written. A Replace
// that fails or dies leaves the source as it was (see Bulk).
//
// A contact fn adds again costs a read of its record, and a changed one
// the keys that differ: index entries whose key and value are unchanged
// are neither deleted nor written.
func (s *Store) Replace(ctx context.Context, source string, fn func(l *Loader) error) (BulkStats, error) {
	return s.load(ctx, source, true, fn, nil)
}

// replacement is what a Replace knows of the source's contacts before it.
type replacement struct {
	read *badger.Txn            // at the published timestamp the Replace started from
	old  map[string]*oldContact // by external id (sourceExtID)
}

// oldContact is one contact of the source before a Replace (about 100
// bytes of memory with its external id).
type oldContact struct {
	id      string
	matched bool      // added again by this Replace
	ov      *oldEdits // local edits, nil when none
	// readAhead is set when the Replace read the contact's record at its
	// start (readAhead): rec holds it, nil when there is none.
	readAhead bool
	rec       []byte
}

// oldEdits is a contact of the source with local edits (ov/<id>): kept
// whole (they are few), and all its keys deleted when the Replace starts.
type oldEdits struct {
	ov      *overlay
	ovRaw   []byte
	svRaw   []byte   // sv/<id>, nil when absent
	prevSrc *Contact // the source's version (sv/<id>, else the record)
	eff     *Contact // the effective contact, nil when deleted locally
	effKeys []string
}

// startReplace reads the source's (external id → id) pairs as published
// at pub, and its contacts with local edits.
func (l *Loader) startReplace(pub uint64) error {
	rep := &replacement{read: l.s.db.NewTransactionAt(pub, false), old: map[string]*oldContact{}}
	l.rep = rep
	byID := map[string]*oldContact{}
	prefix := kSource(l.src, "")
	err := txnScan(rep.read, prefix, func(k []byte, val func() ([]byte, error)) error {
		v, err := val()
		if err != nil {
			return err
		}
		oc := &oldContact{id: string(v)}
		rep.old[string(k[len(prefix):])] = oc
		byID[oc.id] = oc
		return nil
	})
	if err != nil || len(byID) == 0 {
		return err
	}
	if err := l.readAhead(byID); err != nil {
		return err
	}
	// Local edits are few: read them all.
	edits := map[string][]byte{}
	err = txnScan(rep.read, []byte(pfxOverlay), func(k []byte, val func() ([]byte, error)) error {
		id := string(k[len(pfxOverlay):])
		if _, ok := byID[id]; !ok {
			return nil
		}
		v, err := val()
		edits[id] = v
		return err
	})
	if err != nil {
		return err
	}
	for ext, oc := range rep.old {
		raw, ok := edits[oc.id]
		if !ok {
			continue
		}
		if err := l.startEdited(ext, oc, raw); err != nil {
			return err
		}
	}
	return nil
}

// startEdited reads a contact with local edits and deletes all its keys
// (replaceEdited writes them again).
func (l *Loader) startEdited(ext string, oc *oldContact, raw []byte) error {
	read := l.rep.read
	o := &oldEdits{ov: &overlay{}, ovRaw: raw}
	if err := json.Unmarshal(raw, o.ov); err != nil {
		return fmt.Errorf("decode overlay %s: %w", oc.id, err)
	}
	old, oldKeys, err := l.readOld(oc)
	if err != nil {
		return err
	}
	o.prevSrc, o.eff, o.effKeys = old, old, oldKeys
	sv, err := txnGet(read, kSrcVer(oc.id))
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	default:
		o.svRaw = sv
		if o.prevSrc, _, err = decodeRecord(sv); err != nil {
			return fmt.Errorf("source version %s: %w", oc.id, err)
		}
	}
	oc.ov = o
	if err := l.deleteOld(ext, oc.id, old, oldKeys); err != nil {
		return err
	}
	if err := l.sort.add(recDel, kOverlay(oc.id), nil); err != nil {
		return err
	}
	return l.sort.add(recDel, kSrcVer(oc.id), nil)
}

// readOld reads a contact of the source as the Replace started; nil when
// there is none (deleted locally).
func (l *Loader) readOld(oc *oldContact) (*Contact, []string, error) {
	rec := oc.rec
	if !oc.readAhead {
		var err error
		rec, err = txnGet(l.rep.read, kContact(oc.id))
		if errors.Is(err, ErrNotFound) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if rec == nil {
		return nil, nil, nil
	}
	c, keys, err := decodeRecord(rec)
	if err != nil {
		return nil, nil, fmt.Errorf("contact %s: %w", oc.id, err)
	}
	return c, keys, nil
}

// readAheadChunk is the size of the arenas the records read ahead are
// copied into.
const readAheadChunk = 1 << 20

// readAheadSize is how many bytes of old records a Replace reads ahead:
// a quarter of the store's memory budget (64 MiB by default, about
// 200 000 records of the test books).
func readAheadSize(budget int64) int { return int(min(budget/4, 1<<30)) }

// readAhead reads the records of the source's contacts (byID) in id order
// with one iterator over c/, as many as readAheadSize allows; readOld reads
// the others with a point read each. A point read looks the key up in
// every level of the store and decompresses a block for each record, in
// the order of the file; the records of one source are mostly next to each
// other in c/, so walking them in order reads each block once.
func (l *Loader) readAhead(byID map[string]*oldContact) error {
	ocs := make([]*oldContact, 0, len(byID))
	for _, oc := range byID {
		ocs = append(ocs, oc)
	}
	slices.SortFunc(ocs, func(a, b *oldContact) int { return strings.Compare(a.id, b.id) })
	cur := newKeyCursor(l.rep.read, []byte(pfxContact))
	defer cur.close()
	left := l.s.readAhead
	var arena []byte
	for i, oc := range ocs {
		if i%1024 == 0 {
			if err := l.ctx.Err(); err != nil {
				return err
			}
		}
		item, err := cur.seek(kContact(oc.id))
		if errors.Is(err, ErrNotFound) {
			oc.readAhead = true // no record: deleted locally
			continue
		}
		if err != nil {
			return err
		}
		n := int(item.ValueSize())
		if n > left {
			return nil // the rest with point reads
		}
		left -= n
		if n > cap(arena)-len(arena) {
			arena = make([]byte, 0, max(readAheadChunk, n))
		}
		err = item.Value(func(v []byte) error {
			start := len(arena)
			arena = append(arena, v...)
			oc.rec = arena[start:len(arena):len(arena)]
			return nil
		})
		if err != nil {
			return fmt.Errorf("contact %s: %w", oc.id, err)
		}
		if oc.rec == nil {
			oc.rec = []byte{} // an empty record is not "none"
		}
		oc.readAhead = true
	}
	return nil
}

// deleteOld adds the deletion of a stored contact's keys to the load: its
// source mapping, and when it has a record (old not nil), the record, its
// index entries and its entries of the number lists.
func (l *Loader) deleteOld(ext, id string, old *Contact, oldKeys []string) error {
	if err := l.sort.add(recDel, kSource(l.src, ext), nil); err != nil {
		return err
	}
	if old == nil {
		return nil
	}
	if err := l.sort.add(recDel, kContact(id), nil); err != nil {
		return err
	}
	for _, k := range indexEntries(old, oldKeys).keys {
		if err := l.sort.add(recDel, k, nil); err != nil {
			return err
		}
	}
	for _, k := range oldKeys {
		if err := l.sort.add(recNumDel, kNum(k), []byte(id)); err != nil {
			return err
		}
	}
	return nil
}

// replaceOld adds c (a clone, of the load's source) in place of the old
// contact with its external id, if there is one (ok false: c is a new
// contact).
func (l *Loader) replaceOld(c *Contact) (id string, ok bool, err error) {
	c.Scope, c.Owner = ScopeGlobal, ""
	oc := l.rep.old[c.ExternalID]
	if c.ExternalID == "" || oc == nil {
		return "", false, nil // two new contacts with one external id fail at the merge
	}
	if oc.matched {
		return "", true, &ValidationError{Fields: []FieldError{{Field: "external_id", Message: fmt.Sprintf("two contacts with the external id %q", c.ExternalID)}}}
	}
	oc.matched = true
	c.ID = oc.id
	now := l.s.now().UTC()
	if oc.ov != nil {
		return c.ID, true, l.replaceEdited(c, oc.ov, now)
	}
	old, oldKeys, err := l.readOld(oc)
	if err != nil {
		return "", true, err
	}
	c.CreatedAt, c.UpdatedAt = now, now
	if old != nil {
		c.CreatedAt = old.CreatedAt
	}
	keys, err := l.s.prepareWith(c, l.pre)
	if err != nil {
		return "", true, err
	}
	switch {
	case old == nil: // a source entry without a contact (should not happen): afresh
		l.stats.Created++
		return c.ID, true, l.emit(c, keys)
	case sameContent(old, c):
		l.stats.Unchanged++
		return c.ID, true, nil
	}
	l.stats.Updated++
	return c.ID, true, l.emitChange(old, oldKeys, c, keys)
}

// emitChange adds what turns the stored contact old into c (same id): its
// record, the index entries that are new or hold another value, the
// deletion of those c no longer has, and the number-list changes.
func (l *Loader) emitChange(old *Contact, oldKeys []string, c *Contact, keys []string) error {
	rec, err := encodeRecord(c, keys)
	if err != nil {
		return err
	}
	if err := l.sort.add(recSet, kContact(c.ID), rec); err != nil {
		return err
	}
	oe, ne := indexEntries(old, oldKeys), indexEntries(c, keys)
	// A contact has a handful of entries: linear searches, no map.
	kept := make([]bool, len(oe.keys))
	for i, k := range ne.keys {
		if j := slices.IndexFunc(oe.keys, func(o []byte) bool { return bytes.Equal(o, k) }); j >= 0 {
			kept[j] = true
			if bytes.Equal(oe.vals[j], ne.vals[i]) {
				continue
			}
		}
		if err := l.sort.add(recSet, k, ne.vals[i]); err != nil {
			return err
		}
	}
	for j, k := range oe.keys { // in order: the sorter is cheaper so
		if !kept[j] {
			if err := l.sort.add(recDel, k, nil); err != nil {
				return err
			}
		}
	}
	nv, ov := numValue(c), numValue(old)
	same := bytes.Equal(nv, ov)
	var op []byte
	for _, k := range keys {
		kept := slices.Contains(oldKeys, k)
		if kept && same {
			continue
		}
		if kept {
			if err := l.sort.add(recNumDel, kNum(k), []byte(c.ID)); err != nil {
				return err
			}
		}
		if op == nil {
			op = encodeNumList([]numEntry{{id: c.ID, val: nv}})
		}
		if err := l.sort.add(recNum, kNum(k), op); err != nil {
			return err
		}
	}
	for _, k := range oldKeys {
		if !slices.Contains(keys, k) {
			if err := l.sort.add(recNumDel, kNum(k), []byte(c.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// replaceEdited adds src, the new source version of a contact with local
// edits, as UpsertFromSource would: the edits stay on top of it, a local
// delete stays.
func (l *Loader) replaceEdited(src *Contact, o *oldEdits, now time.Time) error {
	id := src.ID
	if o.prevSrc != nil {
		src.CreatedAt = o.prevSrc.CreatedAt
	}
	src.UpdatedAt = now
	if _, err := l.s.prepareWith(src, l.pre); err != nil {
		return err
	}
	srcKey := kSource(l.src, src.ExternalID)
	if o.prevSrc != nil && sameContent(o.prevSrc, src) {
		// Unchanged: everything as it was.
		l.stats.Unchanged++
		if err := l.sort.add(recSet, kOverlay(id), o.ovRaw); err != nil {
			return err
		}
		if o.svRaw != nil {
			if err := l.sort.add(recSet, kSrcVer(id), o.svRaw); err != nil {
				return err
			}
		}
		if o.eff == nil {
			return l.sort.add(recSet, srcKey, []byte(id))
		}
		return l.emit(o.eff, o.effKeys)
	}
	l.stats.Updated++
	if o.ov.Deleted || len(o.ov.Fields) > 0 { // else saveOverlay keeps none
		ob, err := json.Marshal(o.ov)
		if err != nil {
			return err
		}
		sb, err := encodeRecord(src, nil)
		if err != nil {
			return err
		}
		if err := l.sort.add(recSet, kOverlay(id), ob); err != nil {
			return err
		}
		if err := l.sort.add(recSet, kSrcVer(id), sb); err != nil {
			return err
		}
	}
	if o.ov.Deleted {
		return l.sort.add(recSet, srcKey, []byte(id))
	}
	eff, err := applyOverlay(src, o.ov)
	if err != nil {
		return err
	}
	eff.ID, eff.Source, eff.ExternalID, eff.CreatedAt, eff.UpdatedAt = id, src.Source, src.ExternalID, src.CreatedAt, now
	keys, err := l.s.prepareWith(eff, l.pre)
	if err != nil {
		return err
	}
	return l.emit(eff, keys)
}

// finishReplace deletes the old contacts fn did not add again (those with
// local edits already are).
func (l *Loader) finishReplace() error {
	if l.rep == nil {
		return nil
	}
	type gone struct {
		ext string
		oc  *oldContact
	}
	var stale []gone
	for ext, oc := range l.rep.old {
		if !oc.matched {
			if oc.ov != nil {
				if oc.ov.eff != nil {
					l.stats.Deleted++
				}
				continue
			}
			stale = append(stale, gone{ext, oc})
			continue
		}
		oc.rec = nil // read ahead and no longer needed
	}
	l.rep.old = nil // not needed any more
	// In id order: the records of one import are close in the store.
	slices.SortFunc(stale, func(a, b gone) int { return strings.Compare(a.oc.id, b.oc.id) })
	for i, g := range stale {
		if i%1024 == 0 {
			if err := l.ctx.Err(); err != nil {
				return err
			}
		}
		old, oldKeys, err := l.readOld(g.oc)
		g.oc.rec = nil
		if err != nil {
			return err
		}
		if old != nil {
			l.stats.Deleted++
		}
		if err := l.deleteOld(g.ext, g.oc.id, old, oldKeys); err != nil {
			return err
		}
	}
	return nil
}

// closeReplace ends the Replace's read of the old contacts.
func (l *Loader) closeReplace() {
	if l.rep != nil && l.rep.read != nil {
		l.rep.read.Discard()
		l.rep.read = nil
	}
}

// dropNumEntries removes from a stored number list the contacts that
// recNumDel records take out of it.
func dropNumEntries(es []numEntry, recs []sortedRec) []numEntry {
	dels := 0
	for _, r := range recs {
		if r.kind == recNumDel {
			dels++
		}
	}
	if dels == 0 || len(es) == 0 {
		return es
	}
	if dels*len(es) <= 64 { // a few of each (a replace's usual list): no map
		return slices.DeleteFunc(es, func(e numEntry) bool {
			return slices.ContainsFunc(recs, func(r sortedRec) bool { return r.kind == recNumDel && string(r.val) == e.id })
		})
	}
	drop := make(map[string]bool, dels)
	for _, r := range recs {
		if r.kind == recNumDel {
			drop[string(r.val)] = true
		}
	}
	return slices.DeleteFunc(es, func(e numEntry) bool { return drop[e.id] })
}

// numCursor reads the stored number lists for the merge of a load. The
// merge asks for keys in increasing order, so one iterator stepping
// forward (seeking past long gaps) replaces a point read per key, which
// looks the key up in every level: a Replace reads most of the lists.
type numCursor struct{ keyCursor }

func newNumCursor(read *badger.Txn) *numCursor {
	return &numCursor{*newKeyCursor(read, []byte(pfxNum))}
}

// get returns the stored list under key (an ix/num key not below the
// previous one asked for), or ErrNotFound.
func (c *numCursor) get(key []byte) ([]byte, error) {
	item, err := c.seek(key)
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// keyCursor reads keys under one prefix asked for in increasing order
// with one iterator stepping forward, seeking past long gaps.
type keyCursor struct {
	it      *badger.Iterator
	prefix  []byte
	started bool
}

// keyCursorSteps is how many keys the cursor steps over before it seeks.
const keyCursorSteps = 8

func newKeyCursor(read *badger.Txn, prefix []byte) *keyCursor {
	return &keyCursor{it: read.NewIterator(badger.IteratorOptions{Prefix: prefix}), prefix: prefix}
}

// seek returns the item of key (under the cursor's prefix, not below the
// previous key asked for), valid until the next call, or ErrNotFound.
func (c *keyCursor) seek(key []byte) (*badger.Item, error) {
	it := c.it
	if !c.started {
		c.started = true
		it.Seek(key)
	} else {
		for n := 0; it.ValidForPrefix(c.prefix) && bytes.Compare(it.Item().Key(), key) < 0; n++ {
			if n == keyCursorSteps {
				it.Seek(key)
				break
			}
			it.Next()
		}
	}
	if !it.ValidForPrefix(c.prefix) || !bytes.Equal(it.Item().Key(), key) {
		return nil, ErrNotFound
	}
	return it.Item(), nil
}

func (c *keyCursor) close() { c.it.Close() }
