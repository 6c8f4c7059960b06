package phonebook

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// migrate upgrades a store written by an older schema, as one bulk
// operation: it is published whole or rolled back on the next Open (and
// then tried again).
//
// Schema 1 → 2: ix/num held one key per (number key, contact); it now
// holds one list per number key. The old entries are deleted and the lists
// rebuilt from the number keys every contact record carries.
//
// Schema 2 → 3: contact records (c/, sv/) are written in a binary format
// instead of JSON. Nothing is rewritten: decodeRecord reads both, and each
// record turns binary on its next write. The step only sets the schema, so
// that older builds, which read JSON only, refuse the store.
//
// Schema 3 → 4: tokens of 4 bytes or more are also in the ix/pfx bucket of
// their first 4 bytes, and words with an apostrophe are also indexed
// joined ("obrien"). Every contact's search entries are rewritten from
// its record.
//
// Schema 4 → 5: a number search also finds internal extensions (ext: keys
// are in ix/sort values and number buckets), and names with Đ/đ are also
// indexed under their "d" spelling (AltTokens). The search entries of the
// contacts concerned are rewritten.
//
// Schema 5 → 6: name searches are answered by the in-memory name index,
// built from the ix/sort values; ix/tok and the name buckets of ix/pfx
// (every bucket but the number buckets, '#') are no longer written nor
// read. They are dropped (Badger's DropPrefix, all versions at once)
// before the schema is set: a crash in between drops them again at the
// next Open.
func (s *Store) migrate(ctx context.Context, from uint64) error {
	s.log.Info("upgrading the store's schema", "from", from, "to", SchemaVersion)
	if from < 6 && !s.opts.InMemory {
		if err := s.dropNameFamilies(); err != nil {
			return err
		}
	}
	_, err := s.Bulk(ctx, func(b *Batch) error {
		if from < 2 {
			if err := b.rebuildNumbers(); err != nil {
				return err
			}
		}
		// 2 → 3 needs nothing but the new schema.
		if from < 5 {
			if err := b.reindexSearch(from); err != nil {
				return err
			}
		}
		return b.w.set([]byte(keySchema), binary.AppendUvarint(nil, SchemaVersion))
	})
	return err
}

// reindexSearch writes, from every contact's record (read at the published
// timestamp while the batch writes), the search entries that the schemas
// after from add or change: from schema 3, every search entry of a
// contact whose tokens gain a joined form; from schema 3 or 4, every
// search entry of a contact with an extension or an Đ/đ.
// Entries are only added or rewritten: what the older schema wrote stays
// valid.
func (b *Batch) reindexSearch(from uint64) error {
	read := b.s.db.NewTransactionAt(b.s.pub.Load(), false)
	defer read.Discard()
	n := 0
	err := txnScan(read, []byte(pfxContact), func(k []byte, val func() ([]byte, error)) error {
		if err := b.tick(); err != nil {
			return err
		}
		v, err := val()
		if err != nil {
			return err
		}
		c, nk, err := decodeRecord(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		// Without an apostrophe, an extension or an Đ the contact's tokens
		// and number keys are unchanged (its 4-byte buckets, new in schema
		// 4, are gone since schema 6). With one, every search entry may be.
		all := (from < 4 && hasApostrophe(c)) || hasExtension(nk) || hasDj(c)
		if !all {
			n++
			return nil
		}
		e := indexEntries(c, nk)
		for i, key := range e.keys {
			if bytes.HasPrefix(key, []byte(pfxBucket)) || bytes.HasPrefix(key, []byte(pfxSort)) {
				if err := b.w.set(key, e.vals[i]); err != nil {
					return err
				}
			}
		}
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("reindex search: %w", err)
	}
	b.s.log.Info("search entries rewritten", "contacts", n)
	return nil
}

// hasApostrophe reports whether a field that contactTokens reads holds an
// apostrophe (so JoinedTokens adds to the contact's tokens).
func hasApostrophe(c *Contact) bool {
	return slices.ContainsFunc(searchFields(c), func(f string) bool { return strings.ContainsAny(f, "'’") })
}

// hasExtension reports whether a contact's number keys hold an internal
// extension (ext:), which number searches find since schema 5.
func hasExtension(numKeys []string) bool {
	for _, k := range numKeys {
		if strings.HasPrefix(k, "ext:") {
			return true
		}
	}
	return false
}

// hasDj reports whether a field that contactTokens reads holds an Đ or đ
// (so AltTokens adds to the contact's tokens).
func hasDj(c *Contact) bool {
	return slices.ContainsFunc(searchFields(c), func(f string) bool { return strings.ContainsAny(f, "đĐ") })
}

// searchFields returns the fields contactTokens reads.
func searchFields(c *Contact) []string {
	fields := []string{c.FirstName, c.MiddleName, c.LastName, c.DisplayName, c.Company}
	for _, e := range c.Emails {
		fields = append(fields, e.Address)
	}
	return fields
}

// rebuildNumbers rewrites ix/num from the contact records.
func (b *Batch) rebuildNumbers() error {
	var old [][]byte
	err := b.w.scan([]byte(pfxNum), func(k []byte, _ func() ([]byte, error)) error {
		old = append(old, append([]byte(nil), k...))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.w.del(k); err != nil {
			return err
		}
	}
	// The old keys are gone: a filter that knows no key lets the rebuild
	// read only the lists it wrote itself.
	f := newNumFilter(1 << 20)
	b.s.numf = f
	type rec struct {
		id  string
		val []byte
		nk  []string
	}
	var recs []rec
	err = b.w.scan([]byte(pfxContact), func(_ []byte, val func() ([]byte, error)) error {
		v, err := val()
		if err != nil {
			return err
		}
		c, nk, err := decodeRecord(v)
		if err != nil {
			return err
		}
		recs = append(recs, rec{c.ID, numValue(c), nk})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := b.tick(); err != nil {
			return err
		}
		if err := writeNumbers(b.w, f, r.id, r.val, nil, r.nk); err != nil {
			return fmt.Errorf("contact %s: %w", r.id, err)
		}
	}
	return nil
}

// dropNameFamilies drops ix/tok and the name buckets of ix/pfx (schema 5
// and older), keeping the number buckets.
func (s *Store) dropNameFamilies() error {
	prefixes := [][]byte{[]byte(pfxToken)}
	for b := 0; b < 256; b++ {
		if b != '#' {
			prefixes = append(prefixes, append([]byte(pfxBucket), byte(b)))
		}
	}
	if err := s.db.DropPrefix(prefixes...); err != nil {
		return fmt.Errorf("drop the name search keys: %w", err)
	}
	return nil
}
