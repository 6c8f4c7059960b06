package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// credentials is a stand-in for the users and oauth components'
// CheckCredential: the users whose session or token has ended.
type credentials struct {
	mu    sync.Mutex
	ended map[string]bool
	// changed is called after each change (the principals' version is
	// bumped: WithPrincipalVersion).
	changed func()
}

func (c *credentials) end(userID string) {
	c.mu.Lock()
	c.ended[userID] = true
	c.mu.Unlock()
	if c.changed != nil {
		c.changed()
	}
}

// CheckCredential implements platform.CredentialChecker.
func (c *credentials) CheckCredential(_ context.Context, p platform.Principal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended[p.UserID] {
		return errors.New("session ended")
	}
	return nil
}

// TestSessionEndedAtNextBatch: once alice's session ends, the next batch
// of events closes her socket with 4001, whoever the events are for;
// bob's socket, whose session is live, goes on getting events.
func TestSessionEndedAtNextBatch(t *testing.T) {
	for _, routed := range []bool{true, false} {
		t.Run(fmt.Sprintf("routed=%v", routed), func(t *testing.T) { testSessionEndedAtNextBatch(t, routed) })
	}
}

func testSessionEndedAtNextBatch(t *testing.T, routed bool) {
	creds := &credentials{ended: map[string]bool{}}
	r := newRigRouted(t, routed, DefaultConfig(), WithCredentials(creds))
	creds.changed = func() { r.dir.ver.Add(1) }
	ca := r.connect("alice", "?topics=calls")
	cb := r.connect("bob", "?topics=calls")
	r.publish("calls", "call_created", Users("u-alice"), nil)
	if m := ca.next(); m["type"] != "call_created" {
		t.Fatalf("alice, session live, got %v", m)
	}
	creds.end("u-alice")
	r.publish("calls", "call_created", Users("u-bob"), nil)
	if code := ca.closeStatus(); code != CloseSessionEnded {
		t.Errorf("alice's socket after her session ended closed with %d, want %d", code, CloseSessionEnded)
	}
	if got := r.upTo(cb, "calls"); len(got) != 1 || got[0]["type"] != "call_created" {
		t.Errorf("bob, session live, got %v", got)
	}
	if n := r.h.Drops("session_ended"); n != 1 {
		t.Errorf("%d session_ended counted, want 1", n)
	}
	if n := r.h.Drops("forbidden"); n != 0 {
		t.Errorf("%d forbidden counted, want 0", n)
	}
}

// TestSessionEndedAtNextPing: with no event published, the next ping
// finds that alice's session ended and closes her socket with 4001; bob,
// whose session is live, is pinged and stays.
func TestSessionEndedAtNextPing(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	creds := &credentials{ended: map[string]bool{}}
	r := newRig(t, DefaultConfig(), WithCredentials(creds), WithPingClock(clk), WithPingInterval(30*time.Second))
	creds.changed = func() { r.dir.ver.Add(1) }
	ca := r.connect("alice", "")
	r.connect("bob", "") // never reads: its ping stays unanswered on virtual time
	eventually(t, "both pingers wait", func() bool { return clk.Pending() == 2 })
	creds.end("u-alice")
	codes := make(chan int, 1)
	go func() { codes <- int(ca.closeStatus()) }()
	clk.Advance(30 * time.Second)
	select {
	case code := <-codes:
		if code != int(CloseSessionEnded) {
			t.Errorf("alice's socket closed with %d, want %d", code, CloseSessionEnded)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("alice's socket not closed 15 s after the ping")
	}
	eventually(t, "alice's connection ends", func() bool { return r.h.Conns() == 1 })
	if n := r.h.Drops("session_ended"); n != 1 {
		t.Errorf("%d session_ended counted, want 1", n)
	}
	if n := r.h.Drops("ping_timeout"); n != 0 {
		t.Errorf("%d ping timeouts counted, want 0 (bob's ping is awaited)", n)
	}
}
