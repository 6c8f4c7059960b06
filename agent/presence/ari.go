package presence

import (
	"context"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// normEndpoint is an endpoint's key: the technology upper case
// ("pjsip/101" → "PJSIP/101").
func normEndpoint(ep string) string {
	tech, res, ok := strings.Cut(ep, "/")
	if !ok {
		return ep
	}
	return strings.ToUpper(tech) + "/" + res
}

// EndpointState records the ARI state of an endpoint (online, offline,
// unknown) and publishes the change to its owner's watchers.
func (s *Service) EndpointState(ctx context.Context, endpoint, state string) {
	key := normEndpoint(endpoint)
	s.mu.Lock()
	changed := s.devices[key] != state
	s.devices[key] = state
	s.mu.Unlock()
	if !changed {
		return
	}
	for _, u := range s.dir.Users() {
		for _, ep := range u.Endpoints {
			if normEndpoint(ep) == key {
				s.mu.Lock()
				s.touchLocked(s.entryLocked(u.ID))
				s.mu.Unlock()
				s.publish(ctx, u)
				return
			}
		}
	}
}

// RunARI follows the ARI events of app on cli until ctx ends: after each
// (re)connection it reads the endpoints' states, subscribes app to the
// users' endpoints (EndpointStateChange) and reconciles the PBX; then it
// follows EndpointStateChange.
func (s *Service) RunARI(ctx context.Context, cli ARIClient, app string) error {
	sub := cli.Events().Subscribe(ari.Filter{Types: []string{"EndpointStateChange", ari.TypeReconciled}})
	defer sub.Cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.Events():
			if !ok {
				return sub.Err()
			}
			switch x := ev.(type) {
			case *ari.EndpointStateChange:
				s.EndpointState(ctx, x.Endpoint.Technology+"/"+x.Endpoint.Resource, x.Endpoint.State)
			case *ari.ReconciledEvent:
				s.Reconcile(ctx, cli, app)
			}
		}
	}
}

// Reconcile brings presence and the PBX in line after an ARI
// (re)connection: the endpoints' states are read again, app follows the
// users' endpoints, and the PBX is told every user's state again (and
// stale lamps cleared), so that nobody stays in DND by mistake.
func (s *Service) Reconcile(ctx context.Context, cli ARIClient, app string) {
	users := s.dir.Users()
	if eps, err := cli.Endpoints().List(ctx); err != nil {
		s.log.Warn("presence: list the endpoints", "err", err)
	} else {
		for _, e := range eps {
			s.EndpointState(ctx, e.Technology+"/"+e.Resource, e.State)
		}
	}
	var keys []ari.Key
	for _, u := range users {
		for _, ep := range u.Endpoints {
			if tech, res, ok := strings.Cut(ep, "/"); ok {
				keys = append(keys, ari.EndpointKey(tech, res))
			}
		}
	}
	if app != "" && len(keys) > 0 {
		if _, err := cli.Applications().Subscribe(ctx, app, keys...); err != nil {
			// One unknown endpoint fails the whole request (422): one by
			// one then.
			for _, k := range keys {
				if _, err := cli.Applications().Subscribe(ctx, app, k); err != nil {
					s.log.Debug("presence: follow an endpoint", "app", app, "endpoint", k.ID, "err", err)
				}
			}
		}
	}
	if s.pbx == nil {
		return
	}
	want := map[string]Want{}
	for _, u := range users {
		st, msg := s.stateOf(u.ID)
		for _, x := range u.Extensions {
			want[x] = Want{State: st, Message: msg}
		}
	}
	s.pbx.Reconcile(ctx, want)
}

// ARIClient is the part of the ARI client presence uses.
type ARIClient interface {
	Events() ari.Events
	Endpoints() ari.Endpoints
	Applications() ari.Applications
	DeviceStates() ari.DeviceStates
	Asterisk() ari.Asterisk
}
