package phonebook

import "context"

// writerLock serialises the store's contact writers. It is a one-slot
// semaphore rather than a sync.Mutex so that a writer can stop waiting
// when its context ends without leaving a goroutine behind to take and
// drop the lock later.
type writerLock struct{ slot chan struct{} }

func newWriterLock() writerLock { return writerLock{slot: make(chan struct{}, 1)} }

// Lock waits for the lock.
func (l writerLock) Lock() { l.slot <- struct{}{} }

// TryLock takes the lock if it is free.
func (l writerLock) TryLock() bool {
	select {
	case l.slot <- struct{}{}:
		return true
	default:
		return false
	}
}

// LockContext waits for the lock until ctx ends.
func (l writerLock) LockContext(ctx context.Context) error {
	select {
	case l.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Unlock releases the lock.
func (l writerLock) Unlock() { <-l.slot }
