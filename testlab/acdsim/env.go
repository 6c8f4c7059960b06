package acdsim

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/phonebook"
)

// memKV is an in-memory callgroups.KV (missing keys: phonebook.ErrNotFound,
// as the daemon's store).
type memKV struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemKV() *memKV { return &memKV{m: map[string][]byte{}} }

func (k *memKV) Get(_ context.Context, key string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	if !ok {
		return nil, phonebook.ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (k *memKV) Put(_ context.Context, key string, val []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[key] = append([]byte(nil), val...)
	return nil
}

func (k *memKV) Delete(_ context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
	return nil
}

func (k *memKV) List(ctx context.Context, fn func(string, []byte) error) error {
	k.mu.Lock()
	keys := make([]string, 0, len(k.m))
	for key := range k.m {
		keys = append(keys, key)
	}
	k.mu.Unlock()
	sort.Strings(keys)
	for _, key := range keys {
		v, err := k.Get(ctx, key)
		if err != nil {
			continue
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// directory is the simulated users: u01…uNN, "Agent NN", extension 1NN.
type directory map[string]callgroups.User

func newDirectory(n int) directory {
	d := make(directory, n)
	for i := 0; i < n; i++ {
		id := memberID(i)
		d[id] = callgroups.User{ID: id, Name: fmt.Sprintf("Agent %02d", i+1), Extension: fmt.Sprintf("%d", 101+i), Enabled: true}
	}
	return d
}

// User implements callgroups.Directory.
func (d directory) User(id string) (callgroups.User, bool) {
	u, ok := d[id]
	return u, ok
}

// memberID is the user id of the i-th member (0-based), in group order.
func memberID(i int) string { return fmt.Sprintf("u%02d", i+1) }
