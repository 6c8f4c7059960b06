package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/presence"
	"github.com/pbxagent/pbxagent/agent/users"
)

// presenceFeature is who is available (docs/presence.md): the state users
// set, their clients online, devices registered and call state, the
// presence_updated events to rosters, and DND honoured by the PBX.
type presenceFeature struct {
	s   *presence.Service
	h   *presence.Handler
	cli presence.ARIClient // nil: no PBX
	app string
}

func newPresence(b *build) (platform.Component, error) {
	if b.d.users == nil {
		return nil, nil
	}
	log := b.logger("presence")
	opts := []presence.Option{presence.WithLogger(log)}
	opts = append(opts, callGroupsPresenceOptions(b.d)...) // built later: the hooks look it up when called
	if b.d.events != nil {
		opts = append(opts, presence.WithHub(b.d.events))
	}
	kv := b.store.Meta("presence")
	f := &presenceFeature{}
	if b.d.ari != nil {
		opts = append(opts, presence.WithPBX(presence.NewPBX(b.d.ari, kv, log)))
		f.cli, f.app = b.d.ari, b.cfg.ARI.CallsApp
		if f.app == "" {
			f.app = b.cfg.ARI.CallerIDApp
		}
	}
	s := presence.New(kv, presenceDir{b.d.users}, opts...)
	if err := s.Load(b.ctx); err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	b.d.presence = s
	b.d.devs.set(s.DevicesChanged)
	b.d.conns.set(func(p platform.Principal, open bool) {
		delta := -1
		if open {
			delta = 1
		}
		s.Connected(context.Background(), p.UserID, delta)
	})
	f.s, f.h = s, presence.NewHandler(s)
	return f, nil
}

// Name implements platform.Component.
func (*presenceFeature) Name() string { return "presence" }

// Routes implements platform.Router.
func (f *presenceFeature) Routes() []platform.Route { return f.h.Routes() }

// Run returns states to available at their until and, with ARI, follows
// the devices and reconciles the PBX after each (re)connection.
func (f *presenceFeature) Run(ctx context.Context) error {
	if f.cli == nil {
		return f.s.Run(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- f.s.RunARI(ctx, f.cli, f.app) }()
	err := f.s.Run(ctx)
	cancel()
	if aerr := <-errc; err == nil {
		err = aerr
	}
	return err
}

// presenceDir is the users service as presence sees it.
type presenceDir struct{ users *users.Service }

// User implements presence.Directory.
func (d presenceDir) User(id string) (presence.User, bool) {
	u, ok := d.users.ByID(id)
	return presenceUser(u), ok
}

// Users implements presence.Directory.
func (d presenceDir) Users() []presence.User {
	all := d.users.Enabled()
	out := make([]presence.User, len(all))
	for i, u := range all {
		out[i] = presenceUser(u)
	}
	return out
}

func presenceUser(u users.User) presence.User {
	return presence.User{ID: u.ID, Role: u.Role, Extensions: u.Extensions, Endpoints: u.Devices.Endpoints}
}

// connHook forwards the events socket's openings and endings to presence
// (built after the events feature).
type connHook struct {
	mu sync.RWMutex
	f  func(platform.Principal, bool)
}

func (h *connHook) set(f func(platform.Principal, bool)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.f = f
}

// fire implements events.ConnectHook.
func (h *connHook) fire(p platform.Principal, open bool) {
	h.mu.RLock()
	f := h.f
	h.mu.RUnlock()
	if f != nil {
		f(p, open)
	}
}

// presenceTee passes the call events on and tells presence each call's
// state.
type presenceTee struct {
	next calls.Publisher
	s    *presence.Service
}

// Publish implements calls.Publisher.
func (t presenceTee) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	if c, ok := data.(calls.Call); ok && !strings.HasPrefix(c.UserID, hotelRoomPrefix) { // a room is no user
		t.s.CallChanged(ctx, c.UserID, c.ID, callPresence(c))
	}
	t.next.Publish(ctx, topic, typ, audience, data)
}

// callPresence is what a call makes its user's call state: ringing while
// one of their devices rings (an inbound call, or the user's own phone
// called for a click-to-call), talking while up or while the destination
// of their outbound call rings (they are on the phone), held, and idle
// once ended or parked (the user is no longer on it).
func callPresence(c calls.Call) presence.CallState {
	switch c.State {
	case calls.StateDialing:
		return presence.CallRinging
	case calls.StateRinging:
		if c.Direction == calls.Outbound {
			return presence.CallTalking
		}
		return presence.CallRinging
	case calls.StateUp:
		return presence.CallTalking
	case calls.StateHeld:
		return presence.CallHeld
	}
	return presence.CallIdle
}

// devicesHook forwards the users service's device changes to presence
// (built after users); nothing before presence is set.
type devicesHook struct{ f atomic.Pointer[func()] }

func (h *devicesHook) set(f func()) { h.f.Store(&f) }

// fire implements the users service's WithDevicesChanged.
func (h *devicesHook) fire() {
	if f := h.f.Load(); f != nil {
		(*f)()
	}
}
