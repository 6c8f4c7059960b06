package agent

import (
	"context"
	"log/slog"

	"github.com/pbxagent/pbxagent/agent/callhistory"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/provisioning/cti"
)

// callsFeature is the calls engine on the ARI connection: click-to-call
// and call control for users, through the Stasis application
// ari.calls_app.
type callsFeature struct {
	eng  *calls.Engine
	h    *calls.Handler
	hist *callhistory.History
	hh   *callhistory.Handler
}

func newCalls(b *build) (platform.Component, error) {
	if b.d.ari == nil || b.d.users == nil || b.cfg.ARI.CallsApp == "" {
		return nil, nil
	}
	log := b.logger("calls")
	var pub calls.Publisher = logPublisher{log}
	if b.d.events != nil {
		pub = hubPublisher{hub: b.d.events, log: log}
	}
	hist, pub, err := newCallHistory(b, pub)
	if err != nil {
		return nil, err
	}
	eng := calls.New(b.d.ari, b.cfg.ARI.CallsApp, calls.WithDial(b.cfg.ARI.CallsDial), calls.WithLogger(log),
		calls.WithPublisher(pub), calls.WithTransferStore(b.store.Meta("transfers")))
	var opts []calls.HandlerOption
	if b.d.phones != nil {
		opts = append(opts, calls.WithDeskPhones(deskPhones{users: b.d.users, phones: b.d.phones}))
	}
	return &callsFeature{eng: eng, h: calls.NewHandler(eng, b.d.users, opts...), hist: hist, hh: callhistory.NewHandler(hist)}, nil
}

// Name implements platform.Component.
func (*callsFeature) Name() string { return "calls" }

// Routes implements platform.Router.
func (f *callsFeature) Routes() []platform.Route {
	return append(f.h.Routes(), f.hh.Routes()...)
}

// Run follows the calls until ctx ends, and prunes the call history
// (calls.history_retention) meanwhile.
func (f *callsFeature) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = f.hist.Run(ctx) }()
	defer func() { cancel(); <-done }()
	return f.eng.Run(ctx)
}

// Shutdown hangs up the calls in progress: nobody follows them once the
// daemon is gone, and the next start would hang them up anyway.
func (f *callsFeature) Shutdown(ctx context.Context) error {
	f.eng.Release(ctx)
	return nil
}

// hubPublisher delivers the call events to the events hub (topic calls,
// scope calls): each reaches the call's owner and the users holding
// manage_callcenter (admins and the admin token hold every ability).
type hubPublisher struct {
	hub *events.Hub
	log *slog.Logger
}

// Publish implements calls.Publisher.
func (p hubPublisher) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	aud := make([]events.Audience, 0, len(audience))
	for _, id := range audience {
		aud = append(aud, events.UserAndSupervisors(id))
	}
	if len(aud) == 0 {
		aud = append(aud, events.Holding(platform.AbilityManageCallCenter))
	}
	if err := p.hub.Publish(ctx, events.Event{Topic: topic, Type: typ, Data: data, Audience: events.Any(aud...)}); err != nil {
		p.log.WarnContext(ctx, "call event not published", "type", typ, "err", err)
	}
}

// logPublisher logs the call events at debug level when there is no
// events hub.
type logPublisher struct{ log *slog.Logger }

// Publish implements calls.Publisher.
func (p logPublisher) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	if c, ok := data.(calls.Call); ok {
		p.log.DebugContext(ctx, "call event", "type", typ, "call", c.ID, "user", c.UserID, "state", c.State, "cause", c.Cause)
		return
	}
	p.log.DebugContext(ctx, "call event", "topic", topic, "type", typ, "audience", len(audience))
}

// deskPhones joins the users' devices.phones and the phones registry's
// remote control.
type deskPhones struct {
	users  *users.Service
	phones *phones.Service
}

// Phones implements calls.DeskPhones.
func (d deskPhones) Phones(ctx context.Context, userID string) ([]string, error) {
	return d.users.Phones(ctx, userID)
}

// CTI implements calls.DeskPhones.
func (d deskPhones) CTI(mac string) (cti.Driver, error) { return d.phones.CTI(mac) }
