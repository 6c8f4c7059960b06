package events

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

	"github.com/pbxagent/pbxagent/agent/platform"
)

// BenchmarkDelivery200Clients: 200 clients on loopback subscribed to
// calls, each a different user; every event is a user's call event
// (UserAndSupervisors), handed by the hub to its user's connection and
// the 10 supervisors' among them. Reported: publish →
// delivery latency at the clients, p50 and p99 (issue #19's target: an
// event reaches the WebSocket client within 50 ms, p99). "single"
// publishes one event at a time; "burst" one event for each of the 190
// users' calls back to back (200 calls changing state at once).
func BenchmarkDelivery200Clients(b *testing.B) {
	b.Run("single", func(b *testing.B) { benchDelivery(b, 1) })
	b.Run("burst", func(b *testing.B) { benchDelivery(b, 190) })
}

func benchDelivery(b *testing.B, burst int) {
	const clients, supervisors = 200, 10
	cfg := DefaultConfig()
	// The daemon's set-up: the principals' version (here, never
	// changing) lets the hub route each event to its connections.
	hub, err := NewHub(cfg, WithPrincipalVersion(func() uint64 { return 1 }))
	if err != nil {
		b.Fatal(err)
	}
	users := map[string]platform.Principal{}
	h := NewHandler(hub, WithPingInterval(time.Minute), WithPrincipals(func(_ context.Context, p platform.Principal) (platform.Principal, error) {
		return users[p.UserID], nil // read-only during the run
	}))
	for i := range clients {
		p := platform.Principal{Kind: platform.KindAppUser, UserID: "u" + itoa(i), Role: platform.RoleUser, Granted: []platform.Scope{platform.ScopeCalls}}
		if i < supervisors {
			p.Role, p.Abilities = platform.RoleSupervisor, []platform.Ability{platform.AbilityManageCallCenter}
		}
		users[p.UserID] = p
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), users[r.Header.Get("X-User")])))
	}))
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = h.Close(ctx)
	}()

	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	got := make(chan struct{}, 1<<16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range clients {
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"?topics=calls",
			&websocket.DialOptions{HTTPHeader: http.Header{"X-User": {"u" + itoa(i)}}})
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
					Data struct {
						Sent int64 `json:"sent"`
					} `json:"data"`
				}
				if json.Unmarshal(msg, &ev) == nil && ev.Data.Sent != 0 {
					d := time.Duration(time.Now().UnixNano() - ev.Data.Sent)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					got <- struct{}{}
				}
			}
		}()
	}
	b.ResetTimer()
	for i := range b.N {
		for j := range burst {
			user := "u" + itoa(supervisors+(i+j)%(clients-supervisors))
			if err := hub.Publish(ctx, Event{Topic: "calls", Type: "call_updated", Audience: UserAndSupervisors(user),
				Data: map[string]any{"sent": time.Now().UnixNano(), "call_id": "c" + itoa(i), "state": "ringing"}}); err != nil {
				b.Fatal(err)
			}
		}
		for range burst * (1 + supervisors) {
			<-got
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

func itoa(i int) string {
	return strconv.Itoa(i)
}
