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
	for _, u := range s.dir.Users() {
		for _, ep := range u.Endpoints {
			if normEndpoint(ep) == key {
				s.endpointState(ctx, key, state, &u)
				return
			}
		}
	}
	s.endpointState(ctx, key, state, nil)
}

// endpointState records the state of endpoint key, owned by owner (nil:
// no user), and publishes a change.
func (s *Service) endpointState(ctx context.Context, key, state string, owner *User) {
	s.mu.Lock()
	changed := s.devices[key] != state
	s.devices[key] = state
	if changed && owner != nil {
		s.touchLocked(s.entryLocked(owner.ID))
	}
	s.mu.Unlock()
	if changed && owner != nil {
		s.publish(ctx, *owner)
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
		case <-s.devs:
			s.followUsers(ctx, cli, app)
		}
	}
}

// DevicesChanged tells presence that users' devices changed (a user
// created, or given other devices.endpoints): RunARI reads the endpoints'
// states and follows the new ones at once, not only at the next ARI
// (re)connection. It never blocks; changes that come together are
// followed once.
func (s *Service) DevicesChanged() {
	select {
	case s.devs <- struct{}{}:
	default:
	}
}

// Reconcile brings presence and the PBX in line after an ARI
// (re)connection: the endpoints' states are read again, app follows the
// users' endpoints, and the PBX is told every user's state again (and
// stale lamps cleared), so that nobody stays in DND by mistake.
func (s *Service) Reconcile(ctx context.Context, cli ARIClient, app string) {
	users := s.followUsers(ctx, cli, app)
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

// followUsers reads the endpoints' states and subscribes app to the
// users' endpoints; it returns the users.
func (s *Service) followUsers(ctx context.Context, cli ARIClient, app string) []User {
	users := s.dir.Users()
	owners := map[string]*User{}
	for i := range users {
		for _, ep := range users[i].Endpoints {
			owners[normEndpoint(ep)] = &users[i]
		}
	}
	if eps, err := cli.Endpoints().List(ctx); err != nil {
		s.log.Warn("presence: list the endpoints", "err", err)
	} else {
		for _, e := range eps {
			key := normEndpoint(e.Technology + "/" + e.Resource)
			s.endpointState(ctx, key, e.State, owners[key])
		}
	}
	var keys []ari.Key
	for _, u := range users {
		for _, ep := range u.Endpoints {
			// A Local channel is no endpoint: Asterisk refuses to
			// subscribe to it (422) and logs "Event source not found".
			if tech, res, ok := strings.Cut(ep, "/"); ok && !strings.EqualFold(tech, "Local") {
				keys = append(keys, ari.EndpointKey(tech, res))
			}
		}
	}
	if app != "" {
		s.follow(ctx, cli, app, keys)
	}
	return users
}

// ARIClient is the part of the ARI client presence uses.
type ARIClient interface {
	Events() ari.Events
	Endpoints() ari.Endpoints
	Applications() ari.Applications
	DeviceStates() ari.DeviceStates
	Asterisk() ari.Asterisk
}

// followBatch is how many endpoints one subscription request names:
// Asterisk's HTTP server reads a request line of at most 4096 bytes
// (main/http.c MAX_HTTP_LINE_LENGTH).
const followBatch = 50

// follow subscribes app to the endpoints' events, followBatch at a time;
// a batch Asterisk refuses (422: one endpoint it does not know) is
// retried one endpoint at a time.
func (s *Service) follow(ctx context.Context, cli ARIClient, app string, keys []ari.Key) {
	for len(keys) > 0 {
		n := min(len(keys), followBatch)
		batch := keys[:n]
		keys = keys[n:]
		if _, err := cli.Applications().Subscribe(ctx, app, batch...); err == nil {
			continue
		}
		for _, k := range batch {
			if _, err := cli.Applications().Subscribe(ctx, app, k); err != nil {
				s.log.Debug("presence: follow an endpoint", "app", app, "endpoint", k.ID, "err", err)
			}
		}
	}
}
