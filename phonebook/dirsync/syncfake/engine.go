package syncfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// RunEngine makes an engine on store with a fresh data directory, a manual
// clock at 2001-09-09 and opts, runs it until tb ends, and waits (at most
// 10 s) until it takes triggers. It returns the engine and a context that
// ends when tb does.
func RunEngine(tb testing.TB, store dirsync.Store, opts ...dirsync.Option) (*dirsync.Engine, context.Context) {
	tb.Helper()
	opts = append([]dirsync.Option{dirsync.WithDataDir(tb.TempDir()), dirsync.WithClock(NewClock(time.Unix(1e9, 0)))}, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	eng, stop := startEngine(ctx, tb, store, opts...)
	tb.Cleanup(func() { cancel(); stop() })
	return eng, ctx
}

// StartEngine makes an engine on store with opts (the real clock unless
// they set one), runs it, and waits (at most 10 s) until it takes
// triggers. It returns the engine and a function that stops it and
// waits for its end (benchmarks run several engines one after another).
func StartEngine(tb testing.TB, store dirsync.Store, opts ...dirsync.Option) (*dirsync.Engine, func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	eng, stop := startEngine(ctx, tb, store, opts...)
	return eng, func() { cancel(); stop() }
}

// startEngine runs an engine until ctx ends and waits until it takes
// triggers; the function it returns waits for the engine's end.
func startEngine(ctx context.Context, tb testing.TB, store dirsync.Store, opts ...dirsync.Option) (*dirsync.Engine, func()) {
	tb.Helper()
	eng, err := dirsync.NewEngine(store, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		if time.Now().After(deadline) {
			tb.Fatal("engine did not start")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	return eng, func() { <-done }
}
