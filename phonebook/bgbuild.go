package phonebook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// bgBuilder runs the background builds of one in-memory index (the caller
// index and the name index each have one): one build at a time; the
// writes published while it reads the store are queued (pending) and
// applied, in commit order, before the index is installed; a write that
// needs a whole rebuild during a build (again) makes it start over. Its
// fields are under mu; the functions are set once, before the first build.
type bgBuilder[X any, D any] struct {
	mu      sync.Mutex
	running bool          // a build is under way
	done    chan struct{} // closed when the build under way ends
	pending []D           // writes published during the build, in commit order
	again   bool          // a write during the build needs a whole rebuild
	wg      sync.WaitGroup
	ctx     context.Context // cancelled (under mu) when the store closes
	cancel  context.CancelFunc
	built   func() // tests: called when a build has read the store, before it installs

	what    string // the index, for logs ("caller index")
	without string // what answers while there is no index, for logs
	log     *slog.Logger
	build   func(ctx context.Context) (X, error)
	apply   func(x X, d D) error
	install func(x X, took time.Duration) // called under mu
}

// init sets the builder's functions and its context (in Open).
func (b *bgBuilder[X, D]) init(log *slog.Logger, what, without string,
	build func(context.Context) (X, error), apply func(X, D) error, install func(X, time.Duration)) {
	b.log, b.what, b.without = log, what, without
	b.build, b.apply, b.install = build, apply, install
	b.ctx, b.cancel = context.WithCancel(context.Background())
}

// start starts a build in the background with first (nil: the builder's
// build function); a build that starts over uses the build function. The
// caller holds mu.
func (b *bgBuilder[X, D]) start(first func(context.Context) (X, error)) {
	if b.ctx.Err() != nil {
		return
	}
	if first == nil {
		first = b.build
	}
	b.running, b.again, b.pending = true, false, nil
	b.done = make(chan struct{})
	b.wg.Add(1)
	go b.run(b.done, first)
}

// queue records a write published during a build: d is applied to the
// new index before it is installed; a nil queue entry is not allowed, use
// rebuild. The caller holds mu.
func (b *bgBuilder[X, D]) queue(d D) { b.pending = append(b.pending, d) }

// rebuild makes the build under way start over once it has read the
// store. The caller holds mu.
func (b *bgBuilder[X, D]) rebuild() { b.again, b.pending = true, nil }

// run builds the index, applies the writes published since (pending), and
// installs it.
func (b *bgBuilder[X, D]) run(done chan struct{}, build func(context.Context) (X, error)) {
	defer b.wg.Done()
	defer close(done)
	for {
		t0 := time.Now()
		x, err := build(b.ctx)
		if b.built != nil {
			b.built()
		}
		b.mu.Lock()
		if err == nil && b.again {
			b.again, b.pending = false, nil
			b.mu.Unlock()
			build = b.build
			continue
		}
		if err == nil {
			for _, d := range b.pending {
				if err = b.apply(x, d); err != nil {
					break
				}
			}
		}
		b.running, b.pending = false, nil
		if err != nil {
			if b.ctx.Err() == nil && !errors.Is(err, ErrClosed) {
				b.log.Warn(b.what+" not built; "+b.without, "err", err)
			}
			b.mu.Unlock()
			return
		}
		b.install(x, time.Since(t0))
		b.mu.Unlock()
		return
	}
}

// stop stops a build under way and keeps any other from starting.
func (b *bgBuilder[X, D]) stop() {
	b.mu.Lock()
	b.cancel()
	b.mu.Unlock()
	b.wg.Wait()
}

// wait waits until no build is under way, or ctx ends.
func (b *bgBuilder[X, D]) wait(ctx context.Context) error {
	b.mu.Lock()
	done, running := b.done, b.running
	b.mu.Unlock()
	if !running {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
