package dirsync

import (
	"context"
	"errors"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Batch is the write side of one atomic store round (phonebook.Batch).
type Batch interface {
	// UpsertFromSource writes a contact keyed by (c.Source, c.ExternalID);
	// changed is false when the stored contact was identical.
	UpsertFromSource(c *phonebook.Contact) (id string, changed bool, err error)
	// DeleteFromSource removes a source's contact; deleted is false when absent.
	DeleteFromSource(source, externalID string) (deleted bool, err error)
	// SourceIDs calls fn for every contact of a source, including the batch's own writes.
	SourceIDs(source string, fn func(externalID, id string) error) error
	// SetMeta writes a meta key in the same round.
	SetMeta(ns, key string, val []byte) error
	// DeleteMeta removes a meta key in the same round.
	DeleteMeta(ns, key string) error
}

// KV is a plain key-value namespace of the store (phonebook.KV). Get returns
// an error wrapping phonebook.ErrNotFound for an absent key.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Store is what the engine needs of *phonebook.Store (see [PhonebookStore]).
type Store interface {
	// Bulk runs fn as one atomic round: all of it becomes visible when fn
	// returns nil, none of it otherwise (also after a crash).
	Bulk(ctx context.Context, fn func(b Batch) error) error
	// Meta returns a KV namespace.
	Meta(ns string) KV
	// EraseSource deletes every contact of a source.
	EraseSource(ctx context.Context, source string) (int, error)
	// CountSource counts a source's contacts.
	CountSource(ctx context.Context, source string) (int, error)
}

// Loading is a Store that can fill a source it does not hold yet in one
// bulk load (phonebook.Store.Load). Load runs fn as one atomic round, like
// Bulk, on a Batch that only adds: it returns an error wrapping
// ErrNotLoadable, having written nothing, when the source already has
// contacts or fn asks for what a load cannot do (the same external id
// twice, deleting what it added); the caller then uses Bulk.
type Loading interface {
	Load(ctx context.Context, source string, fn func(b Batch) error) error
}

// ErrNotLoadable: a round cannot be written as a bulk load (see Loading).
var ErrNotLoadable = errors.New("round cannot be a bulk load")

// Overlay is the store's local-edit overlay of synced contacts; when the
// store implements it the engine serves the contacts' local/revert endpoints.
type Overlay interface {
	// LocalFields lists the fields of a synced contact edited locally and
	// whether it was deleted locally.
	LocalFields(ctx context.Context, id string) (fields []string, deleted bool, err error)
	// RevertToSource drops the local overlay and returns the source version.
	RevertToSource(ctx context.Context, id string) (*phonebook.Contact, error)
}
