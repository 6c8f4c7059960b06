package ua

import "sync"

// tracker counts the work in flight (dials, request handlers, live calls,
// transfers) so that Run can wait for all of it before it closes the
// transports. Unlike a sync.WaitGroup it may be added to while waited on,
// and it refuses new work once closed.
type tracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{} // closed when n drops to 0; nil while nobody waits
}

// add counts one piece of work; false once the tracker is closed.
func (t *tracker) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	return true
}

// done ends one piece of work.
func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

// waitAndClose waits until no work is left and then refuses more.
func (t *tracker) waitAndClose() {
	for {
		t.mu.Lock()
		if t.n == 0 {
			t.closed = true
			t.mu.Unlock()
			return
		}
		if t.idle == nil {
			t.idle = make(chan struct{})
		}
		idle := t.idle
		t.mu.Unlock()
		<-idle
	}
}
