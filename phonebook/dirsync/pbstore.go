package dirsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/pbxagent/pbxagent/phonebook"
)

// PhonebookStore adapts *phonebook.Store to the engine's Store (and Overlay).
func PhonebookStore(s *phonebook.Store) Store { return pbStore{s: s} }

type pbStore struct{ s *phonebook.Store }

func (p pbStore) Bulk(ctx context.Context, fn func(b Batch) error) error {
	_, err := p.s.Bulk(ctx, func(b *phonebook.Batch) error { return fn(b) })
	return err
}

func (p pbStore) Meta(ns string) KV { return p.s.Meta(ns) }

// Load implements Loading with phonebook.Store.Load.
func (p pbStore) Load(ctx context.Context, source string, fn func(b Batch) error) error {
	_, err := p.s.Load(ctx, source, func(l *phonebook.Loader) error {
		return fn(&loadBatch{l: l, source: source, ids: map[string]string{}, metas: map[string]struct{}{}})
	})
	if errors.Is(err, phonebook.ErrSourceNotEmpty) {
		return fmt.Errorf("%w: %w", ErrNotLoadable, err)
	}
	return err
}

// loadBatch is the Batch of a bulk load: it adds contacts and key-value
// entries; what a load cannot do fails with ErrNotLoadable.
type loadBatch struct {
	l      *phonebook.Loader
	source string
	ids    map[string]string   // external id → id, of this load
	metas  map[string]struct{} // ns + NUL + key set by this load
}

func (b *loadBatch) UpsertFromSource(c *phonebook.Contact) (string, bool, error) {
	if c.Source != b.source {
		return "", false, fmt.Errorf("load of %q: a contact of source %q", b.source, c.Source)
	}
	if _, dup := b.ids[c.ExternalID]; dup {
		return "", false, fmt.Errorf("%w: external id %q twice", ErrNotLoadable, c.ExternalID)
	}
	id, err := b.l.Add(c)
	if err != nil {
		return "", false, err
	}
	b.ids[c.ExternalID] = id
	return id, true, nil
}

func (b *loadBatch) DeleteFromSource(source, externalID string) (bool, error) {
	if _, ok := b.ids[externalID]; ok && source == b.source {
		return false, fmt.Errorf("%w: delete of %q, added in the same round", ErrNotLoadable, externalID)
	}
	return false, nil // the source was empty: nothing else to delete
}

func (b *loadBatch) SourceIDs(source string, fn func(externalID, id string) error) error {
	if source != b.source {
		return fmt.Errorf("%w: listing source %q", ErrNotLoadable, source)
	}
	for ext, id := range b.ids {
		if err := fn(ext, id); err != nil {
			return err
		}
	}
	return nil
}

func (b *loadBatch) SetMeta(ns, key string, val []byte) error {
	k := ns + "\x00" + key
	if _, dup := b.metas[k]; dup {
		return fmt.Errorf("%w: %s/%s set twice", ErrNotLoadable, ns, key)
	}
	b.metas[k] = struct{}{}
	return b.l.SetMeta(ns, key, val)
}

func (b *loadBatch) DeleteMeta(ns, key string) error {
	if _, ok := b.metas[ns+"\x00"+key]; ok {
		return fmt.Errorf("%w: delete of %s/%s, set in the same round", ErrNotLoadable, ns, key)
	}
	return nil // the round started with no row hashes: nothing else is there
}

func (p pbStore) EraseSource(ctx context.Context, source string) (int, error) {
	return p.s.EraseSource(ctx, source)
}

func (p pbStore) CountSource(ctx context.Context, source string) (int, error) {
	return p.s.CountSource(ctx, source)
}

func (p pbStore) LocalFields(ctx context.Context, id string) ([]string, bool, error) {
	return p.s.LocalFields(ctx, id)
}

func (p pbStore) RevertToSource(ctx context.Context, id string) (*phonebook.Contact, error) {
	return p.s.RevertToSource(ctx, id)
}
