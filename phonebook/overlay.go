package phonebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	badger "github.com/dgraph-io/badger/v4"
)

// overlay holds the local edits of a synced contact: the fields the user
// changed (as JSON values) and whether the user deleted it.
type overlay struct {
	Fields  map[string]json.RawMessage `json:"fields,omitempty"`
	Deleted bool                       `json:"deleted,omitempty"`
}

// fieldsNotOverlaid are never local edits: identity and bookkeeping.
var fieldsNotOverlaid = map[string]bool{
	"id": true, "source": true, "external_id": true, "created_at": true, "updated_at": true,
}

func contactFields(c *Contact) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	return m, json.Unmarshal(b, &m)
}

// diffFields returns the fields of edited that differ from src.
func diffFields(src, edited *Contact) (map[string]json.RawMessage, error) {
	a, err := contactFields(src)
	if err != nil {
		return nil, err
	}
	b, err := contactFields(edited)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for k, v := range b {
		if fieldsNotOverlaid[k] {
			continue
		}
		if !bytes.Equal(a[k], v) {
			out[k] = v
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok && !fieldsNotOverlaid[k] {
			out[k] = json.RawMessage("null")
		}
	}
	// A derived display name follows the name parts; it is not an edit.
	if _, ok := out["display_name"]; ok && edited.DisplayName == edited.DeriveDisplayName() {
		delete(out, "display_name")
	}
	return out, nil
}

// applyOverlay returns src with the overlay's fields on top.
func applyOverlay(src *Contact, ov *overlay) (*Contact, error) {
	m, err := contactFields(src)
	if err != nil {
		return nil, err
	}
	if _, ok := ov.Fields["display_name"]; !ok && src.DisplayName == src.DeriveDisplayName() {
		delete(m, "display_name") // re-derived from the effective name parts
	}
	for k, v := range ov.Fields {
		if string(v) == "null" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := &Contact{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	for i := range out.Numbers {
		out.Numbers[i].Normalized = ""
	}
	return out, nil
}

func loadOverlay(w rw, id string) (*overlay, error) {
	b, err := w.get(kOverlay(id))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ov := &overlay{}
	if err := json.Unmarshal(b, ov); err != nil {
		return nil, fmt.Errorf("decode overlay %s: %w", id, err)
	}
	return ov, nil
}

// sourceVersion returns the source's version of a synced contact: sv/<id>
// when an overlay exists, else the effective contact itself.
func sourceVersion(w rw, effective *Contact) (*Contact, error) {
	b, err := w.get(kSrcVer(effective.ID))
	if errors.Is(err, ErrNotFound) {
		return effective, nil
	}
	if err != nil {
		return nil, err
	}
	c, _, err := decodeRecord(b)
	return c, err
}

func (s *Store) saveOverlay(w rw, id string, src *Contact, ov *overlay) error {
	if ov == nil || (!ov.Deleted && len(ov.Fields) == 0) {
		if err := w.del(kOverlay(id)); err != nil {
			return err
		}
		return w.del(kSrcVer(id))
	}
	ob, err := json.Marshal(ov)
	if err != nil {
		return err
	}
	sb, err := encodeRecord(src, nil)
	if err != nil {
		return err
	}
	if err := w.set(kOverlay(id), ob); err != nil {
		return err
	}
	return w.set(kSrcVer(id), sb)
}

// recordOverlay stores the difference between a synced contact's source
// version and its edited form as the local overlay.
func (s *Store) recordOverlay(w rw, old, edited *Contact) error {
	src, err := sourceVersion(w, old)
	if err != nil {
		return err
	}
	fields, err := diffFields(src, edited)
	if err != nil {
		return err
	}
	return s.saveOverlay(w, old.ID, src, &overlay{Fields: fields})
}

// recordLocalDelete marks a synced contact as deleted locally.
func (s *Store) recordLocalDelete(w rw, old *Contact) error {
	src, err := sourceVersion(w, old)
	if err != nil {
		return err
	}
	ov, err := loadOverlay(w, old.ID)
	if err != nil {
		return err
	}
	if ov == nil {
		ov = &overlay{}
	}
	ov.Deleted = true
	return s.saveOverlay(w, old.ID, src, ov)
}

// LocalFields returns the fields of a synced contact that were edited
// locally (sorted), and whether it was deleted locally.
func (s *Store) LocalFields(ctx context.Context, id string) (fields []string, deleted bool, err error) {
	err = s.view(func(txn *badger.Txn) error {
		ov, err := loadOverlay(txnRW{txn}, id)
		if err != nil || ov == nil {
			return err
		}
		for f := range ov.Fields {
			fields = append(fields, f)
		}
		deleted = ov.Deleted
		return nil
	})
	sort.Strings(fields)
	return fields, deleted, err
}

// RevertToSource drops the local overlay of a synced contact (edits and a
// local delete) and returns the contact as the source has it.
func (s *Store) RevertToSource(ctx context.Context, id string) (*Contact, error) {
	return s.RevertToSourceIf(ctx, id, nil)
}

// RevertToSourceIf is RevertToSource when check returns nil (nil check:
// always), in the write's transaction. check is given the contact as
// stored, or the source's version when it was deleted locally.
func (s *Store) RevertToSourceIf(ctx context.Context, id string, check Check) (*Contact, error) {
	var out *Contact
	err := s.update(ctx, func(w updateRW) error {
		ov, err := loadOverlay(w, id)
		if err != nil {
			return err
		}
		if ov == nil {
			c, _, err := loadRecord(w, id)
			if err != nil {
				return err
			}
			if err := check.run(c); err != nil {
				return err
			}
			out = c
			return nil
		}
		sb, err := w.get(kSrcVer(id))
		if err != nil {
			return fmt.Errorf("source version: %w", err)
		}
		src, _, err := decodeRecord(sb)
		if err != nil {
			return err
		}
		old, oldKeys, err := loadRecord(w, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		cur := old
		if cur == nil {
			cur = src
		}
		if err := check.run(cur); err != nil {
			return err
		}
		c := src.Clone()
		c.UpdatedAt = s.now().UTC()
		keys, err := s.prepare(c)
		if err != nil {
			return err
		}
		if err := s.saveOverlay(w, id, nil, nil); err != nil {
			return err
		}
		out = c
		return writeContact(w, s.numf, c, keys, old, oldKeys)
	})
	if err != nil {
		return nil, fmt.Errorf("revert contact %s: %w", id, err)
	}
	return out, nil
}
