package calls

import (
	"context"
	"sync"
)

// Publication order. A call's state changes under Engine.mu, but its
// events go to the Publisher after the unlock (publishing under mu would
// make every call wait for one slow subscriber). Two changes of one call
// in quick succession from two goroutines (an API request and the call's
// lane: hold then resume, a recording's start then its stop, an answer
// then a hang-up) could then reach the Publisher in the wrong order.
//
// So each call has an outbox: a change takes a ticket under mu (the
// order of the tickets is the order of the changes), and the events are
// handed to the ticket after the unlock, possibly after slow work (a
// recording stopped, the sink told). The outbox delivers the tickets'
// events in ticket order: whoever fills a ticket delivers every filled
// ticket at the head of the queue, its own included, unless another
// goroutine is delivering, which it then waits for. Nobody waits for a
// ticket still to be filled: delivery stops there, and the goroutine that
// fills it delivers what follows. So a goroutine that fills its ticket
// returns once its events are published, unless an earlier ticket of the
// call is still open (then its events go out with that one's); and the
// only wait is for a Publish under way, which must not block for long and
// must not call back into the engine (Publisher).

// publication is one publication: an event type, who it is for and the Call
// or Transfer it carries.
type publication struct {
	typ      string
	audience []string
	data     any
}

// callEvent is an event of call c to its owner.
func callEvent(typ string, c Call) publication {
	return publication{typ: typ, audience: []string{c.UserID}, data: c}
}

// transferEvent is an event of transfer t to the call's owner.
func transferEvent(typ string, t Transfer) publication {
	return publication{typ: typ, audience: []string{t.UserID}, data: t}
}

// outbox orders one call's publications (see above). The zero value is
// ready to use.
type outbox struct {
	mu   sync.Mutex
	cond *sync.Cond
	// q are the tickets taken and not yet delivered, oldest first.
	q []*ticket
	// busy is set while a goroutine delivers (outside mu).
	busy bool
}

// ticket is a place in a call's order of publications.
type ticket struct {
	o   *outbox
	pub Publisher
	// queued, when set (tests: Engine.pubQueued), is called when the
	// ticket's events wait for another goroutine's delivery.
	queued func()
	// Set by publish, under o.mu.
	ctx   context.Context
	evs   []publication
	ready bool // filled: its events may go
	done  bool // delivered
}

// take returns the next ticket of the call. Called with Engine.mu, in the
// order of the changes whose events it will carry.
func (o *outbox) take(pub Publisher, queued func()) *ticket {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cond == nil {
		o.cond = sync.NewCond(&o.mu)
	}
	t := &ticket{o: o, pub: pub, queued: queued}
	o.q = append(o.q, t)
	return t
}

// ticket takes the next ticket of s's publications. Called with mu. A nil
// s (a transfer whose call was forgotten) gets a ticket of its own, so
// its events go out at once.
func (e *Engine) ticket(s *session) *ticket {
	if s == nil {
		return new(outbox).take(e.pub, e.pubQueued)
	}
	return s.out.take(e.pub, e.pubQueued)
}

// publish fills t with evs (none is fine: the ticket then just lets the
// next go) and delivers. Called without Engine.mu, exactly once per
// ticket.
func (t *ticket) publish(ctx context.Context, evs ...publication) {
	o := t.o
	o.mu.Lock()
	t.ctx, t.evs, t.ready = context.WithoutCancel(ctx), evs, true
	if (o.busy || o.q[0] != t) && t.queued != nil {
		o.mu.Unlock()
		t.queued()
		o.mu.Lock()
	}
	for o.busy && !t.done {
		o.cond.Wait()
	}
	if t.done {
		o.mu.Unlock()
		return
	}
	o.busy = true
	o.drain()
}

// drain delivers the filled tickets at the head of the queue, then lets
// the next deliverer in. Called with o.mu and busy set; unlocks o.mu.
func (o *outbox) drain() {
	defer func() {
		// Also when a Publish panics (an HTTP handler's panic is
		// recovered): the call's later events must not wait forever.
		o.busy = false
		o.cond.Broadcast()
		o.mu.Unlock()
	}()
	for len(o.q) > 0 && o.q[0].ready {
		t := o.q[0]
		n := copy(o.q, o.q[1:]) // keeps the queue's array: a call has few tickets at once
		o.q[n] = nil
		o.q = o.q[:n]
		o.mu.Unlock()
		t.deliver()
		o.mu.Lock()
		t.done = true
		o.cond.Broadcast()
	}
}

// deliver hands t's events to the Publisher; o.mu is relocked when it
// panics, for drain's deferred clean-up.
func (t *ticket) deliver() {
	ok := false
	defer func() {
		if !ok {
			t.o.mu.Lock()
		}
	}()
	for _, ev := range t.evs {
		t.pub.Publish(t.ctx, TopicCalls, ev.typ, ev.audience, ev.data)
	}
	ok = true
}
