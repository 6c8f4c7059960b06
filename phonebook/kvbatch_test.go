package phonebook

import (
	"context"
	"errors"
	"testing"
)

// TestWriteBatch: a batch writes and deletes its keys together, and a
// batch with one bad key writes none of them.
func TestWriteBatch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	kv := s.MetaBatch("users")
	if err := kv.Put(ctx, "old", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := kv.WriteBatch(ctx, map[string][]byte{"a": []byte("1"), "b": []byte("2")}, []string{"old"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key, want string
		absent    bool
	}{{key: "a", want: "1"}, {key: "b", want: "2"}, {key: "old", absent: true}} {
		v, err := kv.Get(ctx, tt.key)
		switch {
		case tt.absent && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: %q %v, want absent", tt.key, v, err)
		case !tt.absent && (err != nil || string(v) != tt.want):
			t.Errorf("%s: %q %v, want %q", tt.key, v, err, tt.want)
		}
	}
	if err := kv.WriteBatch(ctx, map[string][]byte{"c": []byte("3")}, []string{"a", "bad\x00key"}); err == nil {
		t.Fatal("a bad key was accepted")
	}
	if _, err := kv.Get(ctx, "c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("c written by a refused batch: %v", err)
	}
	if _, err := kv.Get(ctx, "a"); err != nil {
		t.Errorf("a deleted by a refused batch: %v", err)
	}
}
