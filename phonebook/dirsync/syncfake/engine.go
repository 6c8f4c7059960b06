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
	eng, err := dirsync.NewEngine(store, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		if time.Now().After(deadline) {
			tb.Fatal("engine did not start")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	return eng, ctx
}
