// Package syncfake holds test doubles for the sync engine and the sources:
// an in-memory store with atomic Bulk rounds, a manual clock and a sink that
// records what a source streams.
package syncfake

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// MemStore is an in-memory dirsync.Store. Bulk rounds are atomic: writes are
// staged and applied only when fn returns nil.
type MemStore struct {
	mu       sync.Mutex
	writer   sync.Mutex
	contacts map[string]*phonebook.Contact // source + "\x00" + external id
	meta     map[string][]byte             // ns + "\x00" + key
	seq      int
	// Rounds counts committed Bulk rounds.
	Rounds int
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{contacts: map[string]*phonebook.Contact{}, meta: map[string][]byte{}}
}

func ck(source, ext string) string { return source + "\x00" + ext }

// Contacts returns a copy of a source's contacts by external id.
func (m *MemStore) Contacts(source string) map[string]*phonebook.Contact {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]*phonebook.Contact{}
	for k, c := range m.contacts {
		if s, ext, _ := strings.Cut(k, "\x00"); s == source {
			out[ext] = c.Clone()
		}
	}
	return out
}

// MetaKeys lists the keys of a meta namespace.
func (m *MemStore) MetaKeys(ns string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.meta {
		if n, key, _ := strings.Cut(k, "\x00"); n == ns {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// Bulk implements dirsync.Store.
func (m *MemStore) Bulk(ctx context.Context, fn func(b dirsync.Batch) error) error {
	m.writer.Lock()
	defer m.writer.Unlock()
	b := &memBatch{m: m, contacts: map[string]*phonebook.Contact{}, meta: map[string][]byte{}}
	if err := fn(b); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, c := range b.contacts {
		if c == nil {
			delete(m.contacts, k)
		} else {
			m.contacts[k] = c
		}
	}
	for k, v := range b.meta {
		if v == nil {
			delete(m.meta, k)
		} else {
			m.meta[k] = v
		}
	}
	m.Rounds++
	return nil
}

type memBatch struct {
	m        *MemStore
	contacts map[string]*phonebook.Contact // nil = deleted
	meta     map[string][]byte             // nil = deleted
}

func (b *memBatch) get(k string) *phonebook.Contact {
	if c, ok := b.contacts[k]; ok {
		return c
	}
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	return b.m.contacts[k]
}

func (b *memBatch) UpsertFromSource(c *phonebook.Contact) (string, bool, error) {
	if c.Source == "" || c.ExternalID == "" {
		return "", false, fmt.Errorf("upsert: source and external id required")
	}
	k := ck(c.Source, c.ExternalID)
	n := c.Clone()
	old := b.get(k)
	if old != nil {
		n.ID, n.CreatedAt, n.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
		if reflect.DeepEqual(old, n) {
			return old.ID, false, nil
		}
	} else {
		b.m.mu.Lock()
		b.m.seq++
		n.ID = fmt.Sprintf("c%07d", b.m.seq)
		b.m.mu.Unlock()
		n.CreatedAt = time.Unix(0, 0).UTC()
	}
	if n.DisplayName == "" {
		n.DisplayName = n.DeriveDisplayName()
	}
	b.contacts[k] = n
	return n.ID, true, nil
}

func (b *memBatch) DeleteFromSource(source, ext string) (bool, error) {
	k := ck(source, ext)
	if b.get(k) == nil {
		return false, nil
	}
	b.contacts[k] = nil
	return true, nil
}

func (b *memBatch) SourceIDs(source string, fn func(ext, id string) error) error {
	b.m.mu.Lock()
	all := maps.Clone(b.m.contacts)
	b.m.mu.Unlock()
	for k, c := range b.contacts {
		all[k] = c
	}
	keys := slices.Sorted(maps.Keys(all))
	for _, k := range keys {
		c := all[k]
		if c == nil {
			continue
		}
		if s, ext, _ := strings.Cut(k, "\x00"); s == source {
			if err := fn(ext, c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *memBatch) SetMeta(ns, key string, val []byte) error {
	b.meta[ck(ns, key)] = slices.Clone(append([]byte{}, val...))
	return nil
}

func (b *memBatch) DeleteMeta(ns, key string) error {
	b.meta[ck(ns, key)] = nil
	return nil
}

// Meta implements dirsync.Store.
func (m *MemStore) Meta(ns string) dirsync.KV { return memKV{m: m, ns: ns} }

// EraseSource implements dirsync.Store.
func (m *MemStore) EraseSource(ctx context.Context, source string) (int, error) {
	m.writer.Lock()
	defer m.writer.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k := range m.contacts {
		if s, _, _ := strings.Cut(k, "\x00"); s == source {
			delete(m.contacts, k)
			n++
		}
	}
	return n, nil
}

// CountSource implements dirsync.Store.
func (m *MemStore) CountSource(ctx context.Context, source string) (int, error) {
	return len(m.Contacts(source)), nil
}

type memKV struct {
	m  *MemStore
	ns string
}

func (kv memKV) Get(ctx context.Context, key string) ([]byte, error) {
	kv.m.mu.Lock()
	defer kv.m.mu.Unlock()
	v, ok := kv.m.meta[ck(kv.ns, key)]
	if !ok {
		return nil, fmt.Errorf("meta %s/%s: %w", kv.ns, key, phonebook.ErrNotFound)
	}
	return slices.Clone(v), nil
}

func (kv memKV) Put(ctx context.Context, key string, val []byte) error {
	kv.m.mu.Lock()
	defer kv.m.mu.Unlock()
	kv.m.meta[ck(kv.ns, key)] = slices.Clone(append([]byte{}, val...))
	return nil
}

func (kv memKV) Delete(ctx context.Context, key string) error {
	kv.m.mu.Lock()
	defer kv.m.mu.Unlock()
	delete(kv.m.meta, ck(kv.ns, key))
	return nil
}

func (kv memKV) List(ctx context.Context, fn func(key string, val []byte) error) error {
	kv.m.mu.Lock()
	type pair struct {
		k string
		v []byte
	}
	var ps []pair
	for k, v := range kv.m.meta {
		if n, key, _ := strings.Cut(k, "\x00"); n == kv.ns {
			ps = append(ps, pair{key, v})
		}
	}
	kv.m.mu.Unlock()
	slices.SortFunc(ps, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	for _, p := range ps {
		if err := fn(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}
