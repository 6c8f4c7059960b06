package calls

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// TestReconcileLostCalls: on a reconnection, a call whose legs are missing
// from what the client listed ends only if the engine took it on before the
// listing began; a call placed while the client was listing lives on (its
// legs were created after the lists were read). Without the ListedAt check
// the second case ended a live call group offer (TestGroupCallersAcrossReconnect,
// seen under -race).
func TestReconcileLostCalls(t *testing.T) {
	tests := []struct {
		name      string
		listedAt  func(placed time.Time) time.Time
		reconnect bool
		wantEnded bool
	}{
		{name: "listed after the call was placed", listedAt: func(p time.Time) time.Time { return p.Add(time.Second) }, reconnect: true, wantEnded: true},
		{name: "listed before the call was placed", listedAt: func(p time.Time) time.Time { return p.Add(-time.Second) }, reconnect: true, wantEnded: false},
		{name: "first connection", listedAt: func(p time.Time) time.Time { return p.Add(time.Second) }, reconnect: false, wantEnded: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.place("200", "PJSIP/101")
			e.ring(c.ID + "-u1")
			e.eng.mu.Lock()
			placed := e.eng.calls[c.ID].born
			e.eng.mu.Unlock()
			// Asterisk listed nothing: every leg of the call looks gone.
			e.eng.reconcile(context.Background(), &ari.ReconciledEvent{Reconnect: tt.reconnect, ListedAt: tt.listedAt(placed)})
			ended := false
			for _, p := range e.pub.all(EventEnded) {
				ended = ended || p.call.ID == c.ID
			}
			if ended != tt.wantEnded {
				t.Errorf("call_ended published: %v, want %v", ended, tt.wantEnded)
			}
		})
	}
}

// TestReconcileKeepsSIPCalls: a click-to-call placed over SIP has no ARI
// legs, so an ARI reconnection (ARI still serves the call groups and the
// hotel) must not take it for a call whose legs vanished.
func TestReconcileKeepsSIPCalls(t *testing.T) {
	e := newSIPEnv(t)
	c, _, _ := e.up()
	e.eng.reconcile(context.Background(), &ari.ReconciledEvent{Reconnect: true, ListedAt: time.Now().Add(time.Hour)})
	live := e.eng.List(Viewer{All: true})
	if len(live) != 1 || live[0].ID != c.ID || live[0].State != StateUp {
		t.Errorf("calls after an ARI reconnection: %+v, want %s up", live, c.ID)
	}
}

// TestReconcileKeepsGroupCallerListedLate: a group caller missing from a
// reconnection's lists but alive in Asterisk (it entered while the client
// was listing) keeps waiting; the sink hears no CallerGone for it.
func TestReconcileKeepsGroupCallerListedLate(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "")
	g.wait(caller)
	g.eng.reconcile(context.Background(), &ari.ReconciledEvent{Reconnect: true, ListedAt: time.Now(),
		Applications: []ari.Application{{Name: testApp}}})
	for _, ev := range g.sink.all() {
		if ev.kind == "gone" {
			t.Fatalf("CallerGone for a caller still in Asterisk: %+v", ev)
		}
	}
	g.eng.mu.Lock()
	_, tracked := g.eng.grp.callers[caller]
	g.eng.mu.Unlock()
	if !tracked {
		t.Error("the caller is no longer tracked")
	}
}
