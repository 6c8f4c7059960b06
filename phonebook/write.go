package phonebook

import (
	"bytes"
	"context"
	"fmt"
	badger "github.com/dgraph-io/badger/v4"
	"slices"
	"strings"

	"github.com/oklog/ulid/v2"
)

// Limits on contact fields.
const (
	maxFieldLen   = 512
	maxNumbers    = MaxNumbers
	maxEmails     = 32
	maxCustom     = 64
	maxCustomKey  = 64
	maxCustomText = 2048
)

// MaxNumbers is how many numbers a contact may have. Every writer checks
// the count before it normalises any number, so an oversized contact costs
// no normalisation work.
const MaxNumbers = 64

// newID returns a new ULID.
func (s *Store) newID() string {
	return ulid.MustNew(ulid.Timestamp(s.now()), ulid.DefaultEntropy()).String()
}

// prepare validates c, fills derived fields and returns its number keys.
func (s *Store) prepare(c *Contact) ([]string, error) { return s.prepareWith(c, nil) }

// prepareWith is prepare with numbers indexed ahead of time (see
// IndexNumbers); numbers not in pre are indexed now.
func (s *Store) prepareWith(c *Contact, pre NumberIndex) ([]string, error) {
	if err := checkContact(c); err != nil {
		return nil, err
	}
	var keys []string
	for i := range c.Numbers {
		n := &c.Numbers[i]
		var norm string
		var ks []string
		if e, ok := pre[n.Value]; ok {
			norm, ks = e.norm, e.keys
		} else {
			norm, ks = s.num.Index(n.Value)
		}
		n.Normalized = norm
		for _, k := range ks {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}

// CheckContact applies the rules every write applies to c (see
// docs/api.md, "Contact rules") without writing or normalising anything,
// and returns nil or the *ValidationError a write would return. It fills
// what a write fills by default (scope, source, number types, display
// name), so c is changed. CSV imports check every row with it before
// applying any, to list every invalid row at once.
func CheckContact(c *Contact) error { return checkContact(c) }

// checkContact is CheckContact.
func checkContact(c *Contact) error {
	var fe []FieldError
	bad := func(f, m string) { fe = append(fe, FieldError{Field: f, Message: m}) }
	if c.Scope == "" {
		c.Scope = ScopeGlobal
	}
	if !c.Scope.Valid() {
		bad("scope", fmt.Sprintf("must be %q or %q", ScopeGlobal, ScopePersonal))
	}
	if c.Scope == ScopePersonal && c.Owner == "" {
		bad("owner", "required for a personal contact")
	}
	if c.Scope == ScopeGlobal && c.Owner != "" {
		bad("owner", "must be empty for a global contact")
	}
	if c.Source == "" {
		c.Source = SourceLocal
	}
	if err := CheckText(c.Source); err != nil {
		bad("source", err.Error())
	}
	// Counts first: an oversized contact is refused before any per-item
	// work (the number loop below normalises, which is what costs).
	tooMany := false
	if len(c.Numbers) > maxNumbers {
		bad("numbers", fmt.Sprintf("more than %d numbers", maxNumbers))
		tooMany = true
	}
	if len(c.Emails) > maxEmails {
		bad("emails", fmt.Sprintf("more than %d addresses", maxEmails))
		tooMany = true
	}
	if len(c.Custom) > maxCustom {
		bad("custom", fmt.Sprintf("more than %d fields", maxCustom))
		tooMany = true
	}
	if tooMany {
		slices.SortFunc(fe, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
		return &ValidationError{Fields: fe}
	}
	// An array, not a map literal: no allocation per contact (the map
	// was 4 % of an import's allocations); fe is sorted below.
	for _, f := range [...]struct{ name, v string }{
		{"first_name", c.FirstName}, {"middle_name", c.MiddleName}, {"last_name", c.LastName},
		{"display_name", c.DisplayName}, {"company", c.Company}, {"department", c.Department},
		{"job_title", c.JobTitle}, {"office_location", c.OfficeLocation},
		{"preferred_language", c.PreferredLanguage}, {"user_principal_name", c.UserPrincipalName},
		{"external_id", c.ExternalID}, {"owner", c.Owner},
	} {
		name, v := f.name, f.v
		if len(v) > maxFieldLen {
			bad(name, fmt.Sprintf("longer than %d bytes", maxFieldLen))
		} else if err := CheckText(v); err != nil {
			bad(name, err.Error())
		}
	}
	for k, v := range c.Custom {
		if k == "" || len(k) > maxCustomKey || len(v) > maxCustomText {
			bad("custom."+k, "key must be 1–64 bytes and value at most 2048 bytes")
		} else if err := CheckText(k); err != nil {
			bad("custom", fmt.Sprintf("key %q %s", k, err))
		} else if err := CheckText(v); err != nil {
			bad("custom."+k, err.Error())
		}
	}
	for i := range c.Numbers {
		n := &c.Numbers[i]
		n.Value = strings.TrimSpace(n.Value)
		if n.Type == "" {
			n.Type = NumberOther
		}
		if t, ok := ParseNumberType(string(n.Type)); ok {
			n.Type = t
		} else {
			bad(fmt.Sprintf("numbers[%d].type", i), fmt.Sprintf("%q is not a number type: use %s", clipText(string(n.Type)), NumberTypesText))
		}
		if err := CheckNumberValue(n.Value); err != nil {
			bad(fmt.Sprintf("numbers[%d].value", i), err.Error())
		}
	}
	for i := range c.Emails {
		c.Emails[i].Address = strings.TrimSpace(c.Emails[i].Address)
		if a := c.Emails[i].Address; a == "" || !strings.Contains(a, "@") || len(a) > 254 {
			bad(fmt.Sprintf("emails[%d].address", i), "not an e-mail address")
		} else if err := CheckText(a); err != nil {
			bad(fmt.Sprintf("emails[%d].address", i), err.Error())
		}
		if l := c.Emails[i].Label; len(l) > maxFieldLen {
			bad(fmt.Sprintf("emails[%d].label", i), fmt.Sprintf("longer than %d bytes", maxFieldLen))
		} else if err := CheckText(l); err != nil {
			bad(fmt.Sprintf("emails[%d].label", i), err.Error())
		}
	}
	if strings.TrimSpace(c.DisplayName) == "" {
		c.DisplayName = c.DeriveDisplayName()
	}
	if c.DisplayName == "" && len(fe) == 0 {
		bad("display_name", "a contact needs a name, company, e-mail or number")
	}
	if len(fe) > 0 {
		slices.SortFunc(fe, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
		return &ValidationError{Fields: fe}
	}
	return nil
}

// loadRecord reads the stored contact id through w.
func loadRecord(w rw, id string) (*Contact, []string, error) {
	b, err := w.get(kContact(id))
	if err != nil {
		return nil, nil, err
	}
	return decodeRecord(b)
}

// writeContact stores c (already prepared, with numKeys) replacing old (nil
// for a new contact), and updates every index in the same write.
func writeContact(w rw, f *numFilter, c *Contact, numKeys []string, old *Contact, oldKeys []string) error {
	b, err := encodeRecord(c, numKeys)
	if err != nil {
		return err
	}
	if err := w.set(kContact(c.ID), b); err != nil {
		return err
	}
	if err := writeNumbers(w, f, c.ID, numValue(c), oldKeys, numKeys); err != nil {
		return err
	}
	ne := indexEntries(c, numKeys)
	var oe entries
	if old != nil {
		oe = indexEntries(old, oldKeys)
	}
	// Delete stale entries, write current ones (values may have changed).
	newSet := make(map[string]struct{}, len(ne.keys))
	for _, k := range ne.keys {
		newSet[string(k)] = struct{}{}
	}
	for _, k := range oe.keys {
		if _, ok := newSet[string(k)]; !ok {
			if err := w.del(k); err != nil {
				return err
			}
		}
	}
	for i, k := range ne.keys {
		if err := w.set(k, ne.vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// removeContact deletes the contact id and its index entries. keepSource
// keeps the (source, external id) mapping, for a synced contact deleted
// locally.
func removeContact(w rw, f *numFilter, old *Contact, oldKeys []string, keepSource bool) error {
	if err := w.del(kContact(old.ID)); err != nil {
		return err
	}
	if err := writeNumbers(w, f, old.ID, nil, oldKeys, nil); err != nil {
		return err
	}
	srcKey := kSource(old.Source, sourceExtID(old))
	for _, k := range indexEntries(old, oldKeys).keys {
		if keepSource && bytes.Equal(k, srcKey) {
			continue
		}
		if err := w.del(k); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the contact with that id.
func (s *Store) Get(ctx context.Context, id string) (*Contact, error) {
	var c *Contact
	err := s.view(func(txn *badger.Txn) error {
		var err error
		c, _, err = loadRecord(txnRW{txn}, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get contact %s: %w", id, err)
	}
	return c, nil
}

// Create stores a new contact and returns it with its id, normalised
// numbers and timestamps. c.ID is ignored.
func (s *Store) Create(ctx context.Context, c *Contact) (*Contact, error) {
	c = c.Clone()
	c.ID = s.newID()
	keys, err := s.prepare(c)
	if err != nil {
		return nil, err
	}
	c.CreatedAt = s.now().UTC()
	c.UpdatedAt = c.CreatedAt
	err = s.update(ctx, func(w updateRW) error {
		if c.ExternalID != "" {
			if _, err := w.get(kSource(c.Source, c.ExternalID)); err == nil {
				return &ValidationError{Fields: []FieldError{{Field: "external_id", Message: fmt.Sprintf("source %q already has a contact with this external id", c.Source)}}}
			}
		}
		return writeContact(w, s.numf, c, keys, nil, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("create contact: %w", err)
	}
	return c, nil
}

// Update replaces the contact c.ID with c (a full replacement; the id,
// source, external id and creation time stay). For a synced contact the
// fields that differ from the source's version are kept as a local overlay
// that later syncs do not overwrite.
func (s *Store) Update(ctx context.Context, c *Contact) (*Contact, error) {
	return s.UpdateIf(ctx, c, nil)
}

// UpdateIf is Update when check, given the contact as stored, returns nil
// (nil check: always); check runs in the write's transaction, so the
// contact it vets is the one replaced. Its error is returned wrapped.
func (s *Store) UpdateIf(ctx context.Context, c *Contact, check Check) (*Contact, error) {
	c = c.Clone()
	var out *Contact
	err := s.update(ctx, func(w updateRW) error {
		old, oldKeys, err := loadRecord(w, c.ID)
		if err != nil {
			return err
		}
		if err := check.run(old); err != nil {
			return err
		}
		c.Source, c.ExternalID, c.CreatedAt = old.Source, old.ExternalID, old.CreatedAt
		if c.DisplayName == old.DisplayName && old.DisplayName == old.DeriveDisplayName() {
			c.DisplayName = "" // derived before, derived again from the new name parts
		}
		c.UpdatedAt = s.now().UTC()
		keys, err := s.prepare(c)
		if err != nil {
			return err
		}
		if isSynced(old) {
			if err := s.recordOverlay(w, old, c); err != nil {
				return err
			}
		}
		out = c
		return writeContact(w, s.numf, c, keys, old, oldKeys)
	})
	if err != nil {
		return nil, fmt.Errorf("update contact %s: %w", c.ID, err)
	}
	return out, nil
}

// Delete removes a contact. A synced contact deleted locally stays deleted
// through later syncs (until reverted or removed at the source).
func (s *Store) Delete(ctx context.Context, id string) error { return s.DeleteIf(ctx, id, nil) }

// DeleteIf is Delete when check, given the contact as stored, returns nil
// (nil check: always), in the write's transaction.
func (s *Store) DeleteIf(ctx context.Context, id string, check Check) error {
	err := s.update(ctx, func(w updateRW) error {
		old, oldKeys, err := loadRecord(w, id)
		if err != nil {
			return err
		}
		if err := check.run(old); err != nil {
			return err
		}
		if isSynced(old) {
			if err := s.recordLocalDelete(w, old); err != nil {
				return err
			}
			return removeContact(w, s.numf, old, oldKeys, true)
		}
		return removeContact(w, s.numf, old, oldKeys, false)
	})
	if err != nil {
		return fmt.Errorf("delete contact %s: %w", id, err)
	}
	return nil
}

// isSynced reports whether a contact comes from a sync source.
func isSynced(c *Contact) bool { return c.Source != SourceLocal && c.Source != SourceCSV }
