package sync

import (
	"context"

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
