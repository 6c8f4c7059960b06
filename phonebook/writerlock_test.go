package phonebook

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// A writer that stops waiting for the lock leaves nothing behind: before,
// each one left a goroutine that took and dropped the lock later.
func TestLockWriterCancelledLeavesNoGoroutine(t *testing.T) {
	s := openTest(t, "")
	if err := s.lockWriter(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 100 {
		if err := s.lockWriter(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("lockWriter with a cancelled context: %v", err)
		}
	}
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Fatalf("%d goroutines after 100 cancelled waits, %d before", after, before)
	}
	s.wmu.Unlock()
	if err := s.lockWriter(context.Background()); err != nil {
		t.Fatalf("lock not free after release: %v", err)
	}
	s.wmu.Unlock()
}
