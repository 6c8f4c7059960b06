package ari_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func serveLoopback(tb testing.TB, hs *http.Server) (string, func()) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(l)
	}()
	return "http://" + l.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}
}

// newFrozenClock is a virtual clock nobody advances.
func newFrozenClock() *clock.Virtual {
	return clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}
