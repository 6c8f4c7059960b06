package calls

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// gatedPublisher holds call_answered until released, then passes every
// event on; it tells when call_ended reaches it while the answer is held.
type gatedPublisher struct {
	next     *recorder
	held     chan struct{} // closed when call_answered arrives
	release  chan struct{}
	overtook chan struct{} // closed when call_ended arrives while held
}

func (g *gatedPublisher) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	switch typ {
	case EventAnswered:
		close(g.held)
		<-g.release
	case EventEnded:
		select {
		case <-g.release:
		default:
			close(g.overtook)
		}
	}
	g.next.Publish(ctx, topic, typ, audience, data)
}

// TestEndedAfterAnswered: a hang-up right after the answer (the user's
// API call, on its own goroutine) publishes call_ended only after the
// answer's call_answered and call_updated, however late those go out.
// Before the fix call_ended overtook them (agent's
// TestCallEventsThroughDaemon saw created, updated, ended); a WaitGroup
// for this case is now the per-call order of every publication
// (outbox.go).
func TestEndedAfterAnswered(t *testing.T) {
	inner := newRecorder()
	g := &gatedPublisher{next: inner, held: make(chan struct{}), release: make(chan struct{}), overtook: make(chan struct{})}
	queued := make(chan struct{})
	var qOnce sync.Once
	e := newEnv(t, WithPublisher(g), withPubQueued(func() { qOnce.Do(func() { close(queued) }) }))
	var once sync.Once
	open := func() { once.Do(func() { close(g.release) }) }
	t.Cleanup(open) // before the engine stops (cleanups run last first): a failed test must not leave the answer held
	c := e.place("200", "PJSIP/101")
	e.ring(c.ID + "-u1")
	e.clk.Advance(time.Second) // the desk auto-answers
	e.ring(c.ID + "-far")
	e.clk.Advance(3 * time.Second) // the destination answers
	select {
	case <-g.held:
	case <-time.After(10 * time.Second):
		t.Fatal("no call_answered")
	}
	hung := make(chan error, 1)
	go func() {
		_, err := e.eng.Hangup(context.Background(), Viewer{All: true}, c.ID)
		hung <- err
	}()
	// The hang-up ends the call in the engine; its call_ended must then
	// wait for the held answer's events (the engine reports it queued).
	select {
	case <-queued:
	case <-g.overtook:
		t.Fatal("call_ended published while call_answered was still held")
	case err := <-hung:
		t.Fatalf("the hang-up returned (%v) while call_answered was held", err)
	case <-time.After(10 * time.Second):
		t.Fatal("call_ended neither waited nor came")
	}
	if got, err := e.eng.Get(Viewer{All: true}, c.ID); err != nil || got.State != StateEnded {
		t.Fatalf("call %+v %v while its call_ended waits, want ended", got, err)
	}
	open()
	if err := <-hung; err != nil {
		t.Fatal(err)
	}
	types := inner.types(c.ID)
	a, end := slices.Index(types, EventAnswered), slices.Index(types, EventEnded)
	if a < 0 || end < 0 || a > end || !slices.Contains(types[a:end], EventUpdated) {
		t.Errorf("events %v: want call_answered and call_updated before call_ended", types)
	}
}
