package ua

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/sip/media"
)

// callLoad places n calls from caller to callee over transport with
// workers at a time, each answered and hung up at once; it stops early
// (and says so) when budget runs out. It returns how many calls were up.
func callLoad(tb testing.TB, caller, callee *Agent, transport string, n, workers int, budget time.Duration) int {
	tb.Helper()
	var next, up atomic.Int64
	deadline := time.Now().Add(budget)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && time.Now().Before(deadline) {
				ctx, cancel := context.WithTimeout(context.Background(), testWait)
				c, err := caller.Dial(ctx, DialRequest{To: target(callee, "load", transport)})
				if err == nil {
					err = c.Hangup(ctx, 16)
				}
				cancel()
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				up.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Errorf("call: %v", err)
	}
	return int(up.Load())
}

// loadPair starts a caller and an auto-answering callee.
func loadPair(tb testing.TB, ports *media.PortRange) (caller, callee *Agent) {
	callee = startAgent(tb, ports, func(c *Config) {
		c.OnInvite = func(in *Incoming) {
			if _, err := in.Answer(context.Background()); err != nil {
				tb.Errorf("Answer: %v", err)
			}
		}
	})
	return startAgent(tb, ports, nil), callee
}

// TestNoLeaks places and tears down 2 000 calls (500 with -short) between
// two Agents and checks that nothing is left: no calls or dialogs, every
// media port released, goroutines back to where they were.
func TestNoLeaks(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 500
	}
	for _, tr := range testTransports {
		t.Run(tr, func(t *testing.T) {
			ports := testPorts(t)
			caller, callee := loadPair(t, ports)
			// A first call warms sipgo's connection pool (the TCP
			// connections each way stay open) before the baseline.
			if got := callLoad(t, caller, callee, tr, 1, 1, testWait); got != 1 {
				t.Fatal("first call failed")
			}
			idle(t, ports, caller, callee)
			base := runtime.NumGoroutine()
			start := time.Now()
			got := callLoad(t, caller, callee, tr, n, 8, 8*time.Second)
			elapsed := time.Since(start)
			// The figure is what is left after the calls, not their rate:
			// a starved CI machine may finish few calls in the window,
			// and a hundred still exercise every path that could leak.
			if got < n/20 {
				t.Fatalf("only %d of %d calls in %v", got, n, elapsed)
			}
			t.Logf("%d calls over %s in %v (%.0f calls/s)", got, tr, elapsed.Round(time.Millisecond), float64(got)/elapsed.Seconds())
			idle(t, ports, caller, callee)
			eventually(t, 15*time.Second, "goroutines back near the start", func() bool {
				return runtime.NumGoroutine() <= base+5
			})
			// sipgo's connection pools: the listeners and a connection or
			// two per peer, not one per call.
			for _, a := range []*Agent{caller, callee} {
				for _, network := range []string{"udp", "tcp"} {
					if n := a.ua.TransportLayer().Pool(network).Size(); n > 4 {
						t.Errorf("%s pool holds %d connections after %d calls", network, n, got)
					}
				}
			}
		})
	}
}

// BenchmarkCallSetup sets calls up and tears them down between two
// Agents over UDP loopback, 16 at a time (make bench runs it with
// -benchtime=10000x): calls/s is the figure.
func BenchmarkCallSetup(b *testing.B) {
	ports := testPorts(b)
	caller, callee := loadPair(b, ports)
	b.ResetTimer()
	got := callLoad(b, caller, callee, "udp", b.N, 16, time.Hour)
	b.StopTimer()
	if got != b.N {
		b.Fatalf("%d of %d calls up", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
