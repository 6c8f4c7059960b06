package calls

import (
	"context"
	"sync"
	"testing"
	"time"
)

// withPubQueued sets Engine.pubQueued: f is called when a call's events
// wait for another goroutine's delivery.
func withPubQueued(f func()) Option { return func(e *Engine) { e.pubQueued = f } }

// match tells an event of interest by its type and what it carries (a
// Call or a Transfer).
type match func(typ string, data any) bool

func isType(typ string) match { return func(t string, _ any) bool { return t == typ } }

// isUpdatedMuted matches call_updated with the call muted (or not).
func isUpdatedMuted(muted bool) match {
	return func(t string, data any) bool {
		c, ok := data.(Call)
		return ok && t == EventUpdated && c.Muted == muted
	}
}

// isTalking matches transfer_updated with the user talking to who.
func isTalking(who string) match {
	return func(t string, data any) bool {
		tr, ok := data.(Transfer)
		return ok && t == EventTransferUpdated && tr.Talking == who
	}
}

// callOf is the id of the call an event is about.
func callOf(data any) string {
	switch d := data.(type) {
	case Call:
		return d.ID
	case Transfer:
		return d.CallID
	}
	return ""
}

// holdingPublisher holds the first event that first matches inside
// Publish until release is closed, and passes every event on to next; it
// closes overtook when an event that late matches arrives while the first
// is held.
type holdingPublisher struct {
	next        *recorder
	first, late match
	once        sync.Once
	held        chan struct{} // closed when the first event is held
	release     chan struct{}
	overOnce    sync.Once
	overtook    chan struct{}
}

func newHoldingPublisher(next *recorder, first, late match) *holdingPublisher {
	return &holdingPublisher{next: next, first: first, late: late,
		held: make(chan struct{}), release: make(chan struct{}), overtook: make(chan struct{})}
}

// Publish implements Publisher.
func (g *holdingPublisher) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	if g.first(typ, data) {
		holding := false
		g.once.Do(func() { holding = true })
		if holding {
			close(g.held)
			<-g.release
		}
	}
	if g.late(typ, data) {
		select {
		case <-g.held:
			select {
			case <-g.release:
			default:
				g.overOnce.Do(func() { close(g.overtook) })
			}
		default:
		}
	}
	g.next.Publish(ctx, topic, typ, audience, data)
}

// TestPublicationOrder: two changes of one call in quick succession from
// two goroutines (API requests) reach the Publisher in the order of the
// changes, however long the first one's Publish takes. The first change's
// event is held inside Publish; the second change is then made on another
// goroutine, and its event must wait (the engine reports it queued)
// rather than overtake. Before the per-call order each publication went
// out on its own after the unlock, and the second overtook the first.
func TestPublicationOrder(t *testing.T) {
	ctx, v := context.Background(), Viewer{UserID: "u1"}
	// A step acts on call c (and tr, its attended transfer, answered,
	// when the case has one).
	type step func(e *env, c Call, tr Transfer) error
	act := func(f func(*Engine, context.Context, Viewer, string) (Call, error)) step {
		return func(e *env, c Call, _ Transfer) error {
			_, err := f(e.eng, ctx, v, c.ID)
			return err
		}
	}
	record := func(action string) step {
		return func(e *env, c Call, _ Transfer) error {
			_, err := e.eng.Record(ctx, v, c.ID, action)
			return err
		}
	}
	swap := func(e *env, _ Call, tr Transfer) error {
		_, err := e.eng.SwapTransfer(ctx, v, tr.ID)
		return err
	}
	tests := []struct {
		name          string
		consult       bool // an answered attended transfer first
		setup         step // before the first change, nil for none
		first, second step
		firstEv       match // the first change's event, held
		secondEv      match // the second change's event
	}{
		{
			name:  "hold then resume",
			first: act((*Engine).Hold), firstEv: isType(EventHeld),
			second: act((*Engine).Resume), secondEv: isType(EventResumed),
		},
		{
			name:  "mute then unmute",
			first: act((*Engine).Mute), firstEv: isUpdatedMuted(true),
			second: act((*Engine).Unmute), secondEv: isUpdatedMuted(false),
		},
		{
			name:  "recording started then stopped",
			first: record(RecordStart), firstEv: isType(EventRecordingStarted),
			second: record(RecordStop), secondEv: isType(EventRecordingStopped),
		},
		{
			name: "recording paused then resumed",
			setup: func(e *env, c Call, tr Transfer) error {
				err := record(RecordStart)(e, c, tr)
				e.clk.Advance(time.Second) // the recording begins
				return err
			},
			first: record(RecordPause), firstEv: isType(EventRecordingPaused),
			second: record(RecordResume), secondEv: isType(EventRecordingResumed),
		},
		{
			name: "transfer swapped then swapped back", consult: true,
			first: swap, firstEv: isTalking(TalkingTransferee),
			second: swap, secondEv: isTalking(TalkingRecipient),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := newRecorder()
			g := newHoldingPublisher(inner, tt.firstEv, tt.secondEv)
			queued := make(chan struct{})
			var qOnce sync.Once
			e := newEnv(t, WithPublisher(g), withPubQueued(func() { qOnce.Do(func() { close(queued) }) }))
			e.pub = inner
			var relOnce sync.Once
			open := func() { relOnce.Do(func() { close(g.release) }) }
			t.Cleanup(open) // before the engine stops: a failed test must not leave an event held
			var c Call
			var tr Transfer
			if tt.consult {
				c, tr = e.consulting()
			} else {
				c = e.up()
			}
			if tt.setup != nil {
				if err := tt.setup(e, c, tr); err != nil {
					t.Fatal(err)
				}
			}
			firstDone, secondDone := make(chan error, 1), make(chan error, 1)
			go func() { firstDone <- tt.first(e, c, tr) }()
			select {
			case <-g.held:
			case err := <-firstDone:
				t.Fatalf("the first change returned (%v) without its event", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the first change's event never came")
			}
			go func() { secondDone <- tt.second(e, c, tr) }()
			select {
			case <-queued: // the second change's events wait for the first's
			case <-g.overtook:
				t.Fatal("the second change's event was published while the first's was still held")
			case err := <-secondDone:
				t.Fatalf("the second change returned (%v) while the first's event was held", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the second change's event neither waited nor came")
			}
			open()
			if err := <-firstDone; err != nil {
				t.Fatal(err)
			}
			if err := <-secondDone; err != nil {
				t.Fatal(err)
			}
			// Both changes have returned: their events are out.
			i, j := inner.indexOf(c.ID, tt.firstEv, false), inner.indexOf(c.ID, tt.secondEv, true)
			if i < 0 || j < 0 || i > j {
				t.Errorf("events %v: want the first change's (at %d) before the second's (at %d)", inner.allTypes(c.ID), i, j)
			}
		})
	}
}

// allTypes lists the event types published about a call (its transfers'
// included), in order.
func (r *recorder) allTypes(callID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.evs {
		if callOf(ev.data) == callID {
			out = append(out, ev.typ)
		}
	}
	return out
}

// indexOf is the position, among the events of callID, of the first
// event m matches (the last one with last); -1 when none does.
func (r *recorder) indexOf(callID string, m match, last bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, n := -1, 0
	for _, ev := range r.evs {
		if callOf(ev.data) != callID {
			continue
		}
		if m(ev.typ, ev.data) {
			at = n
			if !last {
				return at
			}
		}
		n++
	}
	return at
}
