package dialer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Backend is a Telephony the Router can run: it delivers its events
// through Run and ends everything it holds on Release (aritel, siptel).
type Backend interface {
	Telephony
	// Run delivers events to sink until ctx ends.
	Run(ctx context.Context, sink func(Event)) error
	// Release hangs up every leg the backend holds.
	Release(ctx context.Context) error
}

// Router is the Telephony of a dialer with more than one backend: a
// customer call goes to its campaign's backend (OriginateRequest.Backend),
// an agent's leg to the backend its endpoint's form names
// (EndpointBackend: a SIP URI or a bare name is for sip, an Asterisk dial
// string for ari); later commands follow the call or the agent. A Join
// needs both legs on the same backend. Run merges the backends' events
// into one sink, one event at a time.
type Router struct {
	backends map[string]Backend
	names    []string

	mu     sync.Mutex
	calls  map[string]string // call id -> backend
	agents map[string]string // agent id -> backend
	sinkMu sync.Mutex
}

// NewRouter routes between the named backends ("ari", "sip"); nil ones
// are left out.
func NewRouter(backends map[string]Backend) *Router {
	r := &Router{backends: map[string]Backend{}, calls: map[string]string{}, agents: map[string]string{}}
	for name, b := range backends {
		if b != nil {
			r.backends[name] = b
			r.names = append(r.names, name)
		}
	}
	slices.Sort(r.names)
	return r
}

func (r *Router) backend(name string) (Backend, error) {
	b := r.backends[name]
	if b == nil {
		return nil, fmt.Errorf("dialer: backend %q is not running (have %v)", name, r.names)
	}
	return b, nil
}

// callBackend returns the backend of a call; a call the router never saw
// (a stray of an earlier run reported before this one tracked it) goes
// to ari, the only backend that reports strays.
func (r *Router) callBackend(callID string) (string, Backend, error) {
	r.mu.Lock()
	name, ok := r.calls[callID]
	r.mu.Unlock()
	if !ok {
		name = BackendARI
	}
	b, err := r.backend(name)
	if err != nil {
		return name, nil, fmt.Errorf("call %s: %w", callID, err)
	}
	return name, b, nil
}

// Originate implements Telephony.
func (r *Router) Originate(ctx context.Context, req OriginateRequest) error {
	name := req.Backend
	if name == "" {
		name = EndpointBackend(req.Endpoint)
	}
	b, err := r.backend(name)
	if err != nil {
		return fmt.Errorf("originate %s: %w", req.CallID, err)
	}
	r.mu.Lock()
	r.calls[req.CallID] = name
	r.mu.Unlock()
	if err := b.Originate(ctx, req); err != nil {
		r.mu.Lock()
		delete(r.calls, req.CallID)
		r.mu.Unlock()
		return err
	}
	return nil
}

// ConnectAgent implements Telephony.
func (r *Router) ConnectAgent(ctx context.Context, agentID, endpoint string) error {
	name := EndpointBackend(endpoint)
	b, err := r.backend(name)
	if err != nil {
		return fmt.Errorf("agent %s: %w", agentID, err)
	}
	r.mu.Lock()
	r.agents[agentID] = name
	r.mu.Unlock()
	if err := b.ConnectAgent(ctx, agentID, endpoint); err != nil {
		r.mu.Lock()
		if r.agents[agentID] == name {
			delete(r.agents, agentID)
		}
		r.mu.Unlock()
		return err
	}
	return nil
}

// DisconnectAgent implements Telephony.
func (r *Router) DisconnectAgent(ctx context.Context, agentID string) error {
	r.mu.Lock()
	name, ok := r.agents[agentID]
	r.mu.Unlock()
	if !ok {
		return nil
	}
	b, err := r.backend(name)
	if err != nil {
		return err
	}
	return b.DisconnectAgent(ctx, agentID)
}

// Join implements Telephony.
func (r *Router) Join(ctx context.Context, callID, agentID string, record bool) error {
	r.mu.Lock()
	cn, cok := r.calls[callID]
	an, aok := r.agents[agentID]
	r.mu.Unlock()
	switch {
	case !cok:
		return fmt.Errorf("join %s to agent %s: unknown call", callID, agentID)
	case !aok:
		return fmt.Errorf("join %s to agent %s: the agent has no leg", callID, agentID)
	case cn != an:
		return fmt.Errorf("join %s to agent %s: the call is on the %s backend and the agent's leg on %s; a call joins agents of its own backend only",
			callID, agentID, cn, an)
	}
	b, err := r.backend(cn)
	if err != nil {
		return err
	}
	return b.Join(ctx, callID, agentID, record)
}

// Hold implements Telephony.
func (r *Router) Hold(ctx context.Context, callID string, media HoldMedia) error {
	_, b, err := r.callBackend(callID)
	if err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	return b.Hold(ctx, callID, media)
}

// PlayMessage implements Telephony.
func (r *Router) PlayMessage(ctx context.Context, callID, media string) error {
	_, b, err := r.callBackend(callID)
	if err != nil {
		return fmt.Errorf("play: %w", err)
	}
	return b.PlayMessage(ctx, callID, media)
}

// Hangup implements Telephony.
func (r *Router) Hangup(ctx context.Context, callID string) error {
	_, b, err := r.callBackend(callID)
	if err != nil {
		return fmt.Errorf("hangup: %w", err)
	}
	return b.Hangup(ctx, callID)
}

// Run runs every backend, passing their events to sink one at a time,
// until ctx ends or one backend's Run returns (the others are then
// stopped); it returns that backend's error.
func (r *Router) Run(ctx context.Context, sink func(Event)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(r.names))
	for _, name := range r.names {
		b := r.backends[name]
		go func() {
			err := b.Run(ctx, func(ev Event) { r.deliver(name, ev, sink) })
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
			errs <- err
		}()
	}
	var first error
	for i := range r.names {
		err := <-errs
		if i == 0 {
			first = err
			cancel()
		}
	}
	return first
}

// deliver notes what an event says of the routing and passes it on.
func (r *Router) deliver(name string, ev Event, sink func(Event)) {
	r.mu.Lock()
	switch ev.Kind {
	case EventEnded:
		if r.calls[ev.CallID] == name {
			delete(r.calls, ev.CallID)
		}
	case EventStray:
		r.calls[ev.CallID] = name
	case EventAgentDown:
		if r.agents[ev.AgentID] == name {
			delete(r.agents, ev.AgentID)
		}
	}
	r.mu.Unlock()
	r.sinkMu.Lock()
	defer r.sinkMu.Unlock()
	sink(ev)
}

// Release releases every backend.
func (r *Router) Release(ctx context.Context) error {
	var errs []error
	for _, name := range r.names {
		if err := r.backends[name].Release(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Tracked returns how many calls and agents' legs the router follows.
func (r *Router) Tracked() (calls, agents int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls), len(r.agents)
}
