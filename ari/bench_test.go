package ari_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// BenchmarkStasisStartToContinue places inbound calls into a Stasis app at
// 200 calls/s; the app sets CALLERID(name) and continues each call. The
// latency is measured on the stand-in from placing the call (StasisStart
// queued to the WebSocket) to the continue request completing. Reports
// p50/p99 in ms.
func BenchmarkStasisStartToContinue(b *testing.B) {
	for _, check := range []bool{false, true} {
		b.Run(fmt.Sprintf("contractCheck=%v", check), func(b *testing.B) { benchStasisStart(b, check) })
	}
}

func benchStasisStart(b *testing.B, check bool) {
	const rate = 200
	srv := fakeari.New(fakeari.WithAuth("u", "p"), fakeari.WithContractCheck(check))
	var mu sync.Mutex
	done := map[string]time.Time{}
	allDone := make(chan struct{})
	h := srv.Handler()
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/ari/channels/"), "/continue"); ok {
			mu.Lock()
			done[id] = time.Now()
			if len(done) == b.N {
				close(allDone)
			}
			mu.Unlock()
		}
	})
	hs := &http.Server{Handler: wrapped}
	url, stop := serveLoopback(b, hs)
	defer stop()
	defer srv.Close()
	ctx := context.Background()
	c, err := ari.Connect(ctx, url, ari.WithAuth("u", "p"), ari.WithApps("cid"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	starts := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	var wg sync.WaitGroup
	appDone := make(chan struct{})
	go func() {
		defer close(appDone)
		for ev := range starts.Events() {
			id := ev.(*ari.StasisStart).Channel.ID
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.Channels().SetVariable(ctx, id, "CALLERID(name)", "Bench Caller")
				if err := c.Channels().Continue(ctx, id, ari.DialplanTarget{}); err != nil {
					b.Error(err)
				}
			}()
		}
	}()
	placed := make(map[string]time.Time, b.N)
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		t0 := time.Now()
		id, err := srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
		placed[id] = t0
	}
	select {
	case <-allDone:
	case <-time.After(10 * time.Second):
		b.Fatal("calls not continued within 10 s")
	}
	b.StopTimer()
	starts.Cancel()
	<-appDone
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	lat := make([]float64, 0, len(placed))
	for id, t0 := range placed {
		t1, ok := done[id]
		if !ok {
			b.Fatalf("call %s never continued", id)
		}
		lat = append(lat, float64(t1.Sub(t0).Microseconds())/1000)
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
}

// BenchmarkOriginate measures originate throughput through the client
// against the stand-in (16 concurrent callers, virtual clock not advanced,
// so it is the REST path only).
func BenchmarkOriginate(b *testing.B) {
	for _, check := range []bool{false, true} {
		b.Run(fmt.Sprintf("contractCheck=%v", check), func(b *testing.B) {
			srv := fakeari.New(fakeari.WithAuth("u", "p"), fakeari.WithContractCheck(check), fakeari.WithClock(newFrozenClock()))
			hs := &http.Server{Handler: srv.Handler()}
			url, stop := serveLoopback(b, hs)
			defer stop()
			defer srv.Close()
			c, err := ari.New(url, ari.WithAuth("u", "p"), ari.WithApps("dialer"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			b.SetParallelism(8) // 8 x GOMAXPROCS callers
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/+4420@trunk", App: "dialer"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "originates/s")
		})
	}
}
