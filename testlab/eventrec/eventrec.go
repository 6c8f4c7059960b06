// Package eventrec records the events a component publishes (its hub in
// tests), for the tests to read back by type or in order.
package eventrec

import (
	"context"
	"sync"

	"github.com/pbxagent/pbxagent/agent/events"
)

// Recorder is a publisher that keeps every event. Events is what was
// published, in order; a test may read it, or set it to nil, while
// nothing publishes.
type Recorder struct {
	mu     sync.Mutex
	Events []events.Event
}

// Publish records ev.
func (r *Recorder) Publish(_ context.Context, ev events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Events = append(r.Events, ev)
	return nil
}

// Of returns the events of type typ, in order.
func (r *Recorder) Of(typ string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Event
	for _, ev := range r.Events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}
