package dialer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// chanBackend is a Backend whose events the test sends.
type chanBackend struct {
	recTel
	mu       sync.Mutex
	events   chan Event
	released bool
	runErr   error
}

func newChanBackend() *chanBackend { return &chanBackend{events: make(chan Event)} }

func (b *chanBackend) Run(ctx context.Context, sink func(Event)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-b.events:
			if !ok {
				return b.runErr
			}
			sink(ev)
		}
	}
}

func (b *chanBackend) Release(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.released = true
	return nil
}

func TestRouter(t *testing.T) {
	ari, sip := newChanBackend(), newChanBackend()
	r := NewRouter(map[string]Backend{"ari": ari, "sip": sip})
	ctx := context.Background()

	if err := r.Originate(ctx, OriginateRequest{CallID: "c1", Backend: "sip", Endpoint: "sip:1@t"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Originate(ctx, OriginateRequest{CallID: "c2", Backend: "ari", Endpoint: "PJSIP/2@t"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct{ id, ep string }{{"a1", "sip:101@10.0.0.5"}, {"a2", "PJSIP/102"}, {"a3", "103"}} {
		if err := r.ConnectAgent(ctx, a.id, a.ep); err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range []error{
		r.Hold(ctx, "c1", HoldMOH), r.Hold(ctx, "c2", HoldRingback),
		r.Join(ctx, "c1", "a1", false), r.Join(ctx, "c2", "a2", true),
		r.PlayMessage(ctx, "c1", "sound:x"), r.Hangup(ctx, "c2"), r.DisconnectAgent(ctx, "a3"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	err := r.Join(ctx, "c1", "a2", false)
	if err == nil || !strings.Contains(err.Error(), "the call is on the sip backend and the agent's leg on ari") {
		t.Errorf("cross-backend join: %v", err)
	}
	wantSIP := []string{"originate c1 ", "connect a1 sip:101@10.0.0.5", "connect a3 103", "hold c1 moh", "join c1 a1", "play c1 sound:x", "disconnect a3"}
	wantARI := []string{"originate c2 ", "connect a2 PJSIP/102", "hold c2 ringback", "join c2 a2", "hangup c2"}
	if got := sip.take(); !slices.Equal(got, wantSIP) {
		t.Errorf("sip got %q, want %q", got, wantSIP)
	}
	if got := ari.take(); !slices.Equal(got, wantARI) {
		t.Errorf("ari got %q, want %q", got, wantARI)
	}

	// Events of both reach the one sink; ends forget the routes.
	got := make(chan Event, 8)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx, func(ev Event) { got <- ev }) }()
	sip.events <- Event{Kind: EventEnded, CallID: "c1", Cause: 16}
	ari.events <- Event{Kind: EventAgentDown, AgentID: "a2"}
	ari.events <- Event{Kind: EventStray, CallID: "old", Campaign: "x"}
	for _, want := range []Event{{Kind: EventEnded, CallID: "c1", Cause: 16}, {Kind: EventAgentDown, AgentID: "a2"}, {Kind: EventStray, CallID: "old", Campaign: "x"}} {
		select {
		case ev := <-got:
			if ev != want {
				t.Errorf("event %+v, want %+v", ev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}
	if calls, agents := r.Tracked(); calls != 2 || agents != 2 { // c2, old; a1, a3
		t.Errorf("tracking %d calls and %d agents, want 2 and 2", calls, agents)
	}
	if err := r.Hangup(ctx, "old"); err != nil || !slices.Equal(ari.take(), []string{"hangup old"}) {
		t.Errorf("stray's hangup not sent to ari: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	if err := r.Release(ctx); err != nil || !ari.released || !sip.released {
		t.Errorf("release: %v", err)
	}
}

func TestRouterMissingBackend(t *testing.T) {
	r := NewRouter(map[string]Backend{"ari": newChanBackend(), "sip": nil})
	if err := r.Originate(context.Background(), OriginateRequest{CallID: "c1", Backend: "sip"}); err == nil || !strings.Contains(err.Error(), `backend "sip" is not running`) {
		t.Errorf("originate on a missing backend: %v", err)
	}
	if err := r.ConnectAgent(context.Background(), "a1", "sip:1@x"); err == nil {
		t.Error("agent leg on a missing backend accepted")
	}
	if c, a := r.Tracked(); c != 0 || a != 0 {
		t.Errorf("failed commands left routes: %d %d", c, a)
	}
}

func TestRouterRunEndsWithABackend(t *testing.T) {
	ari, sip := newChanBackend(), newChanBackend()
	ari.runErr = errors.New("websocket closed")
	r := NewRouter(map[string]Backend{"ari": ari, "sip": sip})
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), func(Event) {}) }()
	close(ari.events)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "ari: websocket closed") {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run went on without ari")
	}
}
