package presence

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// BenchmarkPresenceTo1000Subscribers: 1 000 clients on loopback, each a
// different user subscribed to presence with ana in their roster (and 10
// more users each, who do not change). Each iteration ana changes her
// state (PUT's work: validate, keep in the store stand-in, publish) and
// waits until every client has read presence_updated. Reported: the time
// from the change to each client having read it, p50 and p99 (issue #20's
// target: p99 ≤ 100 ms), and per change the time until the last client
// has it.
func BenchmarkPresenceTo1000Subscribers(b *testing.B) {
	const clients = 1000
	hub, err := events.NewHub(events.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	us := []User{{ID: "ana", Extensions: []string{"101"}}}
	for i := range clients {
		us = append(us, User{ID: "u" + strconv.Itoa(i)})
	}
	d := newDir(us...)
	s := New(newKV(), d, WithHub(hub))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range clients {
		roster := []string{"ana"}
		for j := 1; j <= 10; j++ {
			roster = append(roster, "u"+strconv.Itoa((i+j)%clients))
		}
		if _, err := s.SetRoster(ctx, "u"+strconv.Itoa(i), roster); err != nil {
			b.Fatal(err)
		}
	}
	h := events.NewHandler(hub, events.WithPingInterval(time.Minute))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := platform.Principal{Kind: platform.KindSession, UserID: r.Header.Get("X-User"), Role: platform.RoleUser}
		h.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), p)))
	}))
	defer srv.Close()
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer ccancel()
		_ = h.Close(cctx)
	}()

	var mu sync.Mutex
	var start time.Time
	var lat []time.Duration
	var wg sync.WaitGroup
	got := make(chan struct{}, clients)
	for i := range clients {
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"?topics=presence",
			&websocket.DialOptions{HTTPHeader: http.Header{"X-User": {"u" + strconv.Itoa(i)}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := conn.Read(ctx); err != nil { // welcome
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.CloseNow()
			for {
				_, msg, err := conn.Read(ctx)
				if err != nil {
					return
				}
				var ev struct {
					Data Presence `json:"data"`
				}
				if json.Unmarshal(msg, &ev) == nil && ev.Data.UserID == "ana" {
					mu.Lock()
					lat = append(lat, time.Since(start))
					mu.Unlock()
					got <- struct{}{}
				}
			}
		}()
	}
	states := []State{DND, Available}
	var last []time.Duration
	b.ResetTimer()
	for i := range b.N {
		mu.Lock()
		start = time.Now()
		mu.Unlock()
		if _, err := s.SetState(ctx, "ana", StateRequest{State: states[i%2], Message: "iteration " + strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
		for range clients {
			<-got
		}
		mu.Lock()
		last = append(last, time.Since(start))
		mu.Unlock()
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	slices.Sort(lat)
	slices.Sort(last)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(last[len(last)/2].Microseconds())/1000, "all-p50-ms")
	}
}
