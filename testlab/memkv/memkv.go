// Package memkv is an in-memory key-value namespace with the methods of
// the store's (phonebook.Store.Meta): Get, Put, Delete and List, a missing
// key answering phonebook.ErrNotFound as the store does. Tests and
// simulations use it where a Badger store would only slow them down.
package memkv

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/phonebook"
)

// KV is safe for concurrent use. Values are copied in and out.
type KV struct {
	mu sync.Mutex
	m  map[string][]byte
}

// New returns an empty KV.
func New() *KV { return &KV{m: map[string][]byte{}} }

// Get returns a copy of key's value, or phonebook.ErrNotFound.
func (k *KV) Get(_ context.Context, key string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	if !ok {
		return nil, phonebook.ErrNotFound
	}
	return slices.Clone(v), nil
}

// Put sets key to a copy of val.
func (k *KV) Put(_ context.Context, key string, val []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[key] = append([]byte{}, val...)
	return nil
}

// Delete removes key (a missing key is fine).
func (k *KV) Delete(_ context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
	return nil
}

// List calls fn for every key in key order with a copy of its value,
// stopping at fn's first error, which it returns. fn may call the KV.
func (k *KV) List(ctx context.Context, fn func(key string, val []byte) error) error {
	for _, key := range k.Keys("") {
		v, err := k.Get(ctx, key)
		if err != nil {
			continue // deleted meanwhile
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// Keys returns the keys starting with prefix, in order.
func (k *KV) Keys(prefix string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for key := range k.m {
		if strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// Len returns how many keys it holds.
func (k *KV) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}
