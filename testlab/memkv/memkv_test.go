package memkv

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

func TestKV(t *testing.T) {
	ctx := context.Background()
	k := New()
	if _, err := k.Get(ctx, "a"); !errors.Is(err, phonebook.ErrNotFound) {
		t.Fatalf("missing key: %v, want phonebook.ErrNotFound", err)
	}
	val := []byte("1")
	for _, key := range []string{"b/2", "a", "b/1"} {
		if err := k.Put(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}
	val[0] = 'x' // the KV kept a copy
	got, err := k.Get(ctx, "a")
	if err != nil || string(got) != "1" {
		t.Fatalf("Get a = %q, %v", got, err)
	}
	got[0] = 'y' // and hands out copies
	if again, _ := k.Get(ctx, "a"); string(again) != "1" {
		t.Fatalf("Get after changing a copy = %q", again)
	}
	var listed []string
	if err := k.List(ctx, func(key string, _ []byte) error { listed = append(listed, key); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(listed, []string{"a", "b/1", "b/2"}) || !slices.Equal(k.Keys("b/"), []string{"b/1", "b/2"}) || k.Len() != 3 {
		t.Fatalf("List %v Keys(b/) %v Len %d", listed, k.Keys("b/"), k.Len())
	}
	stop := errors.New("stop")
	if err := k.List(ctx, func(string, []byte) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("List returns fn's error: %v", err)
	}
	if err := k.Delete(ctx, "a"); err != nil || k.Len() != 2 {
		t.Fatalf("Delete: %v, Len %d", err, k.Len())
	}
}
