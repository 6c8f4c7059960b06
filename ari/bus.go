package ari

import (
	"errors"
	"sync"
	"sync/atomic"
)

// ErrOverflow ends a subscription whose consumer fell more than the
// configured queue limit behind (see WithMaxQueue). The events were not
// dropped silently: the subscription is closed and Err reports it, so the
// consumer must resynchronise (e.g. list channels).
var ErrOverflow = errors.New("ari: subscription queue overflow")

// ErrClosed ends subscriptions when the client is closed.
var ErrClosed = errors.New("ari: client closed")

// bus indexes subscriptions by every key they watch. publish runs in the
// client's single reader goroutine, so events reach each subscription in
// arrival order (per channel and overall).
type bus struct {
	mu       sync.Mutex
	all      map[*Subscription]struct{}
	byKey    map[Key]map[*Subscription]struct{}
	maxQueue int
	closed   bool

	routed    atomic.Uint64
	overflows atomic.Uint64
	highWater atomic.Int64
}

func newBus(maxQueue int) *bus {
	return &bus{all: map[*Subscription]struct{}{}, byKey: map[Key]map[*Subscription]struct{}{}, maxQueue: maxQueue}
}

// Subscribe implements Events.
func (b *bus) Subscribe(f Filter) *Subscription {
	s := &Subscription{
		b:      b,
		out:    make(chan Event),
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		keys:   map[Key]struct{}{},
	}
	if len(f.Types) > 0 {
		s.types = map[string]struct{}{}
		for _, t := range f.Types {
			s.types[t] = struct{}{}
		}
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		s.err = ErrClosed
		close(s.done)
		close(s.out)
		return s
	}
	if len(f.Keys) == 0 {
		b.all[s] = struct{}{}
	} else {
		for _, k := range f.Keys {
			b.indexLocked(s, k)
		}
	}
	b.mu.Unlock()
	go s.pump()
	return s
}

func (b *bus) indexLocked(s *Subscription, k Key) {
	m := b.byKey[k]
	if m == nil {
		m = map[*Subscription]struct{}{}
		b.byKey[k] = m
	}
	m[s] = struct{}{}
	s.keys[k] = struct{}{}
}

func (b *bus) removeLocked(s *Subscription) {
	delete(b.all, s)
	for k := range s.keys {
		if m := b.byKey[k]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(b.byKey, k)
			}
		}
	}
}

// publish hands ev to every matching subscription. It never blocks on a
// consumer.
func (b *bus) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.routed.Add(1)
	for s := range b.all {
		s.push(ev)
	}
	keys := ev.Keys()
	switch len(keys) {
	case 0:
	case 1:
		for s := range b.byKey[keys[0]] {
			if _, all := b.all[s]; !all {
				s.push(ev)
			}
		}
	default:
		seen := map[*Subscription]struct{}{}
		for _, k := range keys {
			for s := range b.byKey[k] {
				if _, all := b.all[s]; all {
					continue
				}
				if _, dup := seen[s]; dup {
					continue
				}
				seen[s] = struct{}{}
				s.push(ev)
			}
		}
	}
}

func (b *bus) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	subs := make([]*Subscription, 0, len(b.all))
	for s := range b.all {
		subs = append(subs, s)
	}
	for _, m := range b.byKey {
		for s := range m {
			subs = append(subs, s)
		}
	}
	b.all = map[*Subscription]struct{}{}
	b.byKey = map[Key]map[*Subscription]struct{}{}
	b.mu.Unlock()
	for _, s := range subs {
		s.stop(ErrClosed)
	}
}

// Subscription receives routed events on Events() in arrival order. Its
// queue is unbounded unless the client was built WithMaxQueue; on overflow
// it is closed with ErrOverflow rather than dropping events. Cancel it when
// done.
type Subscription struct {
	b      *bus
	types  map[string]struct{}
	keys   map[Key]struct{} // guarded by b.mu
	out    chan Event
	notify chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	queue   []Event
	head    int
	stopped bool
	err     error
}

// Events returns the channel events are delivered on. It is closed when the
// subscription ends (Cancel, overflow or client Close); Err says why.
func (s *Subscription) Events() <-chan Event { return s.out }

// Add extends a key-filtered subscription to more objects (e.g. a peer
// channel or a playback started later).
func (s *Subscription) Add(keys ...Key) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if _, all := s.b.all[s]; all {
		return
	}
	for _, k := range keys {
		s.b.indexLocked(s, k)
	}
}

// Cancel ends the subscription; undelivered events are discarded.
func (s *Subscription) Cancel() {
	s.b.mu.Lock()
	s.b.removeLocked(s)
	s.b.mu.Unlock()
	s.stop(nil)
}

// Err returns ErrOverflow or ErrClosed once the subscription ended for that
// reason, nil otherwise.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Pending returns how many events wait to be received.
func (s *Subscription) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) - s.head
}

// push is called with b.mu held.
func (s *Subscription) push(ev Event) {
	if s.types != nil {
		if _, ok := s.types[ev.GetType()]; !ok {
			return
		}
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, ev)
	n := len(s.queue) - s.head
	s.mu.Unlock()
	if int64(n) > s.b.highWater.Load() {
		s.b.highWater.Store(int64(n))
	}
	if s.b.maxQueue > 0 && n > s.b.maxQueue {
		s.b.overflows.Add(1)
		s.b.removeLocked(s)
		s.stop(ErrOverflow)
		return
	}
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *Subscription) stop(err error) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	s.err = err
	s.queue = nil
	s.head = 0
	s.mu.Unlock()
	close(s.done)
}

func (s *Subscription) pump() {
	defer close(s.out)
	for {
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return
		}
		if s.head == len(s.queue) {
			s.queue = s.queue[:0]
			s.head = 0
			s.mu.Unlock()
			select {
			case <-s.notify:
				continue
			case <-s.done:
				return
			}
		}
		ev := s.queue[s.head]
		s.queue[s.head] = nil
		s.head++
		s.mu.Unlock()
		select {
		case s.out <- ev:
		case <-s.done:
			return
		}
	}
}
