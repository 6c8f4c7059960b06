package phonebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"
)

// badgerBitDelete is the meta bit Badger marks a deleted key's version with
// (bitDelete in badger/v4's value.go, not exported). A key handed to the
// stream writer with it is a tombstone at the load's timestamp.
const badgerBitDelete byte = 1 << 0

// Replace makes the contacts fn adds through l the whole of source, in one
// bulk load: the source's contacts before it are deleted in the same
// published step, and what fn adds is written once, sorted, through
// Badger's stream writer (see Load), instead of contact by contact.
//
// It keeps what UpsertFromSource and DeleteFromSource keep: a contact
// added with an external id the source had keeps that contact's id and
// creation time (and its update time when nothing differs), so references
// to it survive; a contact edited locally keeps its local edits on top of
// the new source version, and one deleted locally stays deleted; the
// source's contacts fn does not add are deleted with their local edits.
// Contacts are added to the global scope. The stats count what changed as
// Bulk would; when nothing did, nothing is written. A Replace that fails
// or dies leaves the source as it was (see Bulk).
//
// Every index entry of the old contacts is deleted and the new set's
// written, also for contacts that did not change: a Replace costs about a
// Load of the new set plus a read of the old one, whatever the share of
// rows changed. A few changes in a large source are cheaper through Bulk.
func (s *Store) Replace(ctx context.Context, source string, fn func(l *Loader) error) (BulkStats, error) {
	return s.load(ctx, source, true, fn)
}

// replacement is what a Replace knows of the source's contacts before it.
type replacement struct {
	old  map[string]*oldContact // by external id (sourceExtID)
	seed maphash.Seed
}

// oldContact is one contact of the source before a Replace. Its keys are
// deleted when the Replace starts; a contact added with its external id
// takes its id.
type oldContact struct {
	id               string
	created, updated time.Time
	sum              uint64 // the record less its update time, hashed (see sameContent)
	hasRecord        bool   // c/<id> exists (not deleted locally)
	matched          bool   // added again by this Replace
	ov               *oldEdits
}

// oldEdits is a contact of the source with local edits (ov/<id>): kept
// whole, they are few.
type oldEdits struct {
	ov      *overlay
	ovRaw   []byte
	svRaw   []byte   // sv/<id>, nil when absent
	prevSrc *Contact // the source's version (sv/<id>, else the record)
	eff     *Contact // the effective contact, nil when deleted locally
	effKeys []string
}

// sum hashes a contact's record without its update time: two contacts with
// one sum have the same content (sameContent), but for odds of 2⁻⁶⁴.
func (r *replacement) sum(c *Contact) (uint64, error) {
	x := *c
	x.UpdatedAt = time.Time{}
	b, err := encodeRecord(&x, nil)
	if err != nil {
		return 0, err
	}
	return maphash.Bytes(r.seed, b), nil
}

// startReplace reads the source's contacts as published at pub and adds
// the deletion of every key they have to the load; their ids, times and
// content sums stay in memory (about 200 bytes a contact), their local
// edits too.
func (l *Loader) startReplace(pub uint64) error {
	rep := &replacement{old: map[string]*oldContact{}, seed: maphash.MakeSeed()}
	l.rep = rep
	txn := l.s.db.NewTransactionAt(pub, false)
	defer txn.Discard()
	type pair struct{ ext, id string }
	var pairs []pair
	prefix := kSource(l.src, "")
	err := txnScan(txn, prefix, func(k []byte, val func() ([]byte, error)) error {
		v, err := val()
		if err != nil {
			return err
		}
		pairs = append(pairs, pair{string(k[len(prefix):]), string(v)})
		return nil
	})
	if err != nil || len(pairs) == 0 {
		return err
	}
	byID := make(map[string]*oldContact, len(pairs))
	for _, p := range pairs {
		oc := &oldContact{id: p.id}
		rep.old[p.ext] = oc
		byID[p.id] = oc
	}
	// Local edits are few: read them all.
	edits := map[string][]byte{}
	err = txnScan(txn, []byte(pfxOverlay), func(k []byte, val func() ([]byte, error)) error {
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
	// Records in id order: ids of one import are close in the store.
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.id, b.id) })
	for i, p := range pairs {
		if i%1024 == 0 {
			if err := l.ctx.Err(); err != nil {
				return err
			}
		}
		oc := byID[p.id]
		if err := l.sort.add(recDel, kSource(l.src, p.ext), nil); err != nil {
			return err
		}
		var old *Contact
		var oldKeys []string
		rec, err := txnGet(txn, kContact(p.id))
		switch {
		case errors.Is(err, ErrNotFound): // deleted locally
		case err != nil:
			return err
		default:
			if old, oldKeys, err = decodeRecord(rec); err != nil {
				return fmt.Errorf("contact %s: %w", p.id, err)
			}
			oc.hasRecord = true
			if err := l.deleteOld(old, oldKeys); err != nil {
				return err
			}
		}
		raw, edited := edits[p.id]
		if !edited {
			if old != nil {
				oc.created, oc.updated = old.CreatedAt, old.UpdatedAt
				if oc.sum, err = rep.sum(old); err != nil {
					return err
				}
			}
			continue
		}
		o := &oldEdits{ov: &overlay{}, ovRaw: raw, prevSrc: old, eff: old, effKeys: oldKeys}
		if err := json.Unmarshal(raw, o.ov); err != nil {
			return fmt.Errorf("decode overlay %s: %w", p.id, err)
		}
		sv, err := txnGet(txn, kSrcVer(p.id))
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			o.svRaw = sv
			if o.prevSrc, _, err = decodeRecord(sv); err != nil {
				return fmt.Errorf("source version %s: %w", p.id, err)
			}
		}
		oc.ov = o
		if err := l.sort.add(recDel, kOverlay(p.id), nil); err != nil {
			return err
		}
		if err := l.sort.add(recDel, kSrcVer(p.id), nil); err != nil {
			return err
		}
	}
	return nil
}

// deleteOld adds the deletion of a stored contact's keys to the load: its
// record, its index entries, its entries of the number lists.
func (l *Loader) deleteOld(old *Contact, oldKeys []string) error {
	if err := l.sort.add(recDel, kContact(old.ID), nil); err != nil {
		return err
	}
	for _, k := range indexEntries(old, oldKeys).keys {
		if err := l.sort.add(recDel, k, nil); err != nil {
			return err
		}
	}
	for _, k := range oldKeys {
		if err := l.sort.add(recNumDel, kNum(k), []byte(old.ID)); err != nil {
			return err
		}
	}
	return nil
}

// replaceOld adds c (a clone, of the load's source) in place of the old
// contact with its external id, if there is one not added yet (ok false:
// c is a new contact).
func (l *Loader) replaceOld(c *Contact) (id string, ok bool, err error) {
	c.Scope, c.Owner = ScopeGlobal, ""
	oc := l.rep.old[c.ExternalID]
	if c.ExternalID == "" || oc == nil || oc.matched {
		return "", false, nil // a second row with one external id fails at the merge
	}
	oc.matched = true
	c.ID = oc.id
	now := l.s.now().UTC()
	if oc.ov != nil {
		return c.ID, true, l.replaceEdited(c, oc.ov, now)
	}
	c.CreatedAt = oc.created
	if !oc.hasRecord { // a source entry without a contact (should not happen): afresh
		c.CreatedAt = now
	}
	keys, err := l.s.prepareWith(c, l.pre)
	if err != nil {
		return "", true, err
	}
	sum, err := l.rep.sum(c)
	if err != nil {
		return "", true, err
	}
	switch {
	case !oc.hasRecord:
		c.UpdatedAt = now
		l.stats.Created++
	case sum == oc.sum:
		c.UpdatedAt = oc.updated // unchanged: the same record again
		l.stats.Unchanged++
	default:
		c.UpdatedAt = now
		l.stats.Updated++
	}
	return c.ID, true, l.emit(c, keys)
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

// finishReplace counts the old contacts fn did not add again: deleted (their
// keys already are).
func (l *Loader) finishReplace() {
	if l.rep == nil {
		return
	}
	for _, oc := range l.rep.old {
		if !oc.matched && oc.hasRecord {
			l.stats.Deleted++
		}
	}
	l.rep.old = nil // not needed while the tables are written
}

// dropNumEntries removes from a stored number list the contacts that
// recNumDel records take out of it.
func dropNumEntries(es []numEntry, recs []sortedRec) []numEntry {
	var drop map[string]bool
	for _, r := range recs {
		if r.kind == recNumDel {
			if drop == nil {
				drop = map[string]bool{}
			}
			drop[string(r.val)] = true
		}
	}
	if drop == nil {
		return es
	}
	return slices.DeleteFunc(es, func(e numEntry) bool { return drop[e.id] })
}
