package events

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// BenchmarkHubFanout is the hub's delivery cost: N connections on
// loopback subscribed to calls, each a different user, 10 of them
// supervisors; one op publishes 100 users' call events
// (UserAndSupervisors) and waits until every one has reached its user
// and the 10 supervisors (1 100 deliveries). "routed" is the daemon's
// set-up (the hub hands each event to the connections it is for);
// "wake-all" wakes every connection for every event, each looking its
// principal and credential up and filtering (the hub before routing).
// The principal and credential look-ups are a map under a read lock, as
// the users component's are.
func BenchmarkHubFanout(b *testing.B) {
	for _, n := range []int{200, 1000} {
		for _, routed := range []bool{true, false} {
			name := "wake-all"
			if routed {
				name = "routed"
			}
			b.Run(fmt.Sprintf("conns=%d/%s", n, name), func(b *testing.B) { benchFanout(b, n, routed) })
		}
	}
}

// benchDirectory is a users component stand-in: principals and live
// credentials under a read lock, and a version.
type benchDirectory struct {
	mu    sync.RWMutex
	users map[string]platform.Principal
	ver   atomic.Uint64
}

func (d *benchDirectory) current(_ context.Context, p platform.Principal) (platform.Principal, error) {
	d.mu.RLock()
	cur, ok := d.users[p.UserID]
	d.mu.RUnlock()
	if !ok {
		return p, fmt.Errorf("user %s gone", p.UserID)
	}
	p.Role, p.Abilities = cur.Role, cur.Abilities
	return p, nil
}

// CheckCredential implements platform.CredentialChecker.
func (d *benchDirectory) CheckCredential(_ context.Context, p platform.Principal) error {
	d.mu.RLock()
	_, ok := d.users[p.UserID]
	d.mu.RUnlock()
	if !ok {
		return fmt.Errorf("session of %s ended", p.UserID)
	}
	return nil
}

func benchFanout(b *testing.B, conns int, routed bool) {
	const supervisors, perOp = 10, 100
	dir := &benchDirectory{users: map[string]platform.Principal{}}
	for i := range conns {
		p := platform.Principal{Kind: platform.KindAppUser, UserID: "u" + itoa(i), Role: platform.RoleUser, Granted: []platform.Scope{platform.ScopeCalls}}
		if i < supervisors {
			p.Role, p.Abilities = platform.RoleSupervisor, []platform.Ability{platform.AbilityManageCallCenter}
		}
		dir.users[p.UserID] = p
	}
	var hopts []HubOption
	if routed {
		hopts = append(hopts, WithPrincipalVersion(dir.ver.Load))
	}
	hub, err := NewHub(DefaultConfig(), hopts...)
	if err != nil {
		b.Fatal(err)
	}
	h := NewHandler(hub, WithPingInterval(time.Minute), WithPrincipals(dir.current), WithCredentials(dir))
	h.wakeAll = !routed
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dir.mu.RLock()
		p := dir.users[r.Header.Get("X-User")]
		dir.mu.RUnlock()
		h.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), p)))
	}))
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = h.Close(ctx)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got atomic.Int64
	done := make(chan struct{}, 1)
	var want atomic.Int64
	var wg sync.WaitGroup
	for i := range conns {
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
				if _, _, err := conn.Read(ctx); err != nil {
					return
				}
				if got.Add(1) == want.Load() {
					done <- struct{}{}
				}
			}
		}()
	}
	// A first round brings every connection's principal up to date.
	round := func(i int) {
		want.Add(perOp * (1 + supervisors))
		for j := range perOp {
			user := "u" + itoa(supervisors+(i*perOp+j)%(conns-supervisors))
			if err := hub.Publish(ctx, Event{Topic: "calls", Type: "call_updated", Audience: UserAndSupervisors(user),
				Data: map[string]any{"call_id": "c" + itoa(j), "state": "ringing"}}); err != nil {
				b.Fatal(err)
			}
		}
		<-done
	}
	round(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		round(i + 1)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perOp), "ns/event")
	cancel()
	wg.Wait()
}
