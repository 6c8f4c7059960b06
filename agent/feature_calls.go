package agent

import (
	"context"
	"log/slog"
	"slices"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/agent/callhistory"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/provisioning/cti"
	"github.com/pbxagent/pbxagent/sip/media"
)

// callsFeature is the calls engine on the ARI connection: click-to-call
// and call control for users, through the Stasis application
// ari.calls_app; with calls.backend sip, click-to-calls go over
// pbxagent's own SIP user agent instead (calls_sip.go), with or without
// Asterisk.
type callsFeature struct {
	eng  *calls.Engine
	h    *calls.Handler
	hist *callhistory.History
	hh   *callhistory.Handler
}

func newCalls(b *build) (platform.Component, error) {
	ariOn := b.d.ari != nil && b.cfg.ARI.CallsApp != ""
	sipOn := b.cfg.Calls.Backend == config.CallsBackendSIP && b.d.sipUA != nil
	if b.d.users == nil || !ariOn && !sipOn {
		return nil, nil
	}
	log := b.logger("calls")
	var pub calls.Publisher = logPublisher{log}
	if b.d.events != nil {
		pub = hubPublisher{hub: b.d.events, log: log}
	}
	if b.d.presence != nil {
		pub = presenceTee{next: pub, s: b.d.presence}
	}
	hist, pub, err := newCallHistory(b, pub)
	if err != nil {
		return nil, err
	}
	// A room's outbound call is costed once recorded (hotel_calls.go).
	pub = hotelCallTee{next: pub, d: b.d, trunk: dialTrunk(b.cfg.ARI.CallsDial)}
	copts := []calls.Option{calls.WithDial(b.cfg.ARI.CallsDial), calls.WithLogger(log), calls.WithPublisher(pub),
		calls.WithTransferStore(b.store.Meta("transfers")),
		calls.WithUsers(callsUsers{users: b.d.users, d: b.d}), calls.WithConfig(b.cfg.Calls.Config),
		calls.WithPark(calls.DefaultParkFirst, calls.DefaultParkSlots, b.cfg.ARI.CallsParkTimeout),
		calls.WithRecordingBeep(b.cfg.Recordings.Beep), calls.WithRecordAll(b.cfg.Recordings.RecordAll)}
	if b.d.recs != nil {
		copts = append(copts, calls.WithRecordings(b.d.recs))
	}
	if b.d.phones != nil {
		copts = append(copts, calls.WithPhoneMap(phoneMap{b.d.phones}))
	}
	var avail calls.Availability
	if s := b.d.presence; s != nil {
		avail = func(_ context.Context, id string) bool { return s.Available(id) }
	}
	copts = append(copts, calls.WithAvailability(hotelAvailable(b.d, avail))) // rooms in DND
	copts = append(copts, hotelCallsOptions(b.d)...)                          // rooms' gate and feature codes
	if b.d.cid != nil {
		copts = append(copts, calls.WithNames(callsNames{b.d.cid.svc}))
	}
	var cli ari.Client
	if ariOn {
		cli = b.d.ari
	}
	if sipOn {
		hold, err := media.HoldAudio(b.cfg.SIPUA.SoundsDir, b.cfg.SIPUA.HoldMusic)
		if err != nil {
			b.logger("calls").Warn("sip_ua.hold_music unreadable; held calls hear the ringing tone", "hold_music", b.cfg.SIPUA.HoldMusic, "err", err)
		}
		copts = append(copts, calls.WithSIP(newSIPDialer(b.d.sipUA, hold), b.cfg.SIPUA.Trunk),
			calls.WithSIPRecordings(b.cfg.SIPUA.RecordingsDir))
	}
	eng := calls.New(cli, b.cfg.ARI.CallsApp, copts...)
	if ariOn {
		// The call groups and the hotel drive Asterisk's channels
		// through the engine.
		b.d.callsEng = eng
	}
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

// callsUsers finds the users of the calls the dialplan sends to the calls
// engine (by extension, or by the calling endpoint for outbound calls);
// then the hotel's rooms ("room:<number>", hotel_calls.go).
type callsUsers struct {
	users *users.Service
	d     *Daemon
}

// ByExtension implements calls.Users.
func (u callsUsers) ByExtension(ctx context.Context, ext string) (calls.Callee, bool, error) {
	if usr, ok := u.users.ByExtension(ext); ok {
		return callee(usr), true, nil
	}
	c, ok := hotelRoomCallee(ctx, u.d.hotel, ext, false)
	return c, ok, nil
}

// ByEndpoint implements calls.Users.
func (u callsUsers) ByEndpoint(ctx context.Context, ep string) (calls.Callee, bool, error) {
	if usr, ok := u.users.ByEndpoint(ep); ok {
		return callee(usr), true, nil
	}
	c, ok := hotelRoomCallee(ctx, u.d.hotel, ep, true)
	return c, ok, nil
}

func callee(u users.User) calls.Callee {
	c := calls.Callee{ID: u.ID, Name: u.DisplayName, Devices: slices.Clone(u.Devices.Endpoints)}
	if c.Name == "" {
		c.Name = u.Username
	}
	if len(u.Extensions) > 0 {
		c.Extension = u.Extensions[0]
	}
	return c
}

// callsNames looks callers' numbers up in the directory through the
// caller-ID service (fail-open, bounded by callerid.deadline; front end
// "ari" in its metrics).
type callsNames struct{ svc *callerid.Service }

// Name implements calls.Names.
func (n callsNames) Name(ctx context.Context, number string) (string, error) {
	res, ok := n.svc.Resolve(ctx, callerid.ProtoARI, number, callerid.Presentation(0))
	if !ok {
		return "", nil
	}
	return n.svc.DisplayName(res.Name), nil
}

// phoneMap finds the desk phone registering an endpoint in the phones
// registry (each phone's endpoints).
type phoneMap struct{ phones *phones.Service }

// PhoneOf implements calls.PhoneMap.
func (m phoneMap) PhoneOf(endpoint string) (calls.DeskPhone, bool) {
	mac, vendor, ok := m.phones.PhoneOf(endpoint)
	return calls.DeskPhone{MAC: mac, Vendor: vendor}, ok
}
