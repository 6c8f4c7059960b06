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
// TestCallEventsThroughDaemon saw created, updated, ended).
func TestEndedAfterAnswered(t *testing.T) {
	inner := newRecorder()
	g := &gatedPublisher{next: inner, held: make(chan struct{}), release: make(chan struct{}), overtook: make(chan struct{})}
	e := newEnv(t, WithPublisher(g))
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
	// Wait until the hang-up has ended the call in the engine; call_ended
	// must then still wait for the held answer.
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.eng.mu.Lock()
		ended := e.eng.calls[c.ID].call.State == StateEnded
		e.eng.mu.Unlock()
		if ended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hang-up did not end the call")
		}
	}
	select {
	case <-g.overtook:
		t.Fatal("call_ended published while call_answered was still held")
	case <-time.After(200 * time.Millisecond): // a bounded look for the wrong order
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
