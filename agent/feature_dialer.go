package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
	"github.com/pbxagent/pbxagent/agent/dialer/siptel"
	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// dialerFeature is the predictive dialer on the ARI connection, on
// pbxagent's own SIP user agent, or on both (a campaign's backend picks).
type dialerFeature struct {
	d   *dialer.Dialer
	tel dialer.Backend
	h   *dialer.Handler
	hub *events.Hub // nil: no events feature
	log interface {
		Warn(msg string, args ...any)
	}
}

func newDialer(b *build) (platform.Component, error) {
	backends := map[string]dialer.Backend{}
	var names []string // the default first
	if b.d.ari != nil {
		var telOpts []aritel.Option
		if b.cfg.ARI.AMDContext != "" {
			telOpts = append(telOpts, aritel.WithAMDContext(b.cfg.ARI.AMDContext))
		}
		backends[dialer.BackendARI] = aritel.New(b.d.ari, b.cfg.ARI.DialerApp, append(telOpts, aritel.WithLogger(b.logger("dialer-ari")))...)
		names = append(names, dialer.BackendARI)
	}
	if b.d.sipUA != nil {
		backends[dialer.BackendSIP] = siptel.New(siptel.FromAgent(b.d.sipUA), siptel.Config{
			SoundsDir: b.cfg.SIPUA.SoundsDir, HoldMusic: b.cfg.SIPUA.HoldMusic,
			RecordingsDir: b.cfg.SIPUA.RecordingsDir, Logger: b.logger("dialer-sip")})
		names = append(names, dialer.BackendSIP)
	}
	if len(names) == 0 {
		return nil, nil
	}
	tel := backends[names[0]]
	if len(names) > 1 {
		tel = dialer.NewRouter(backends)
	}
	// Campaigns, leads, DNC, 72-hour records and meters persist in the
	// store's "dialer" namespace; the dialer closes (flushes) it on Close.
	dlog := b.logger("dialer")
	d := dialer.New(tel, dialer.WithStore(dialer.NewKVStore(b.store.Meta("dialer"), dlog)), dialer.WithLogger(dlog),
		dialer.WithDefaultRegion(b.cfg.Numbers.DefaultRegion), dialer.WithBackends(names...), dialer.WithSIPTrunk(b.cfg.SIPUA.Trunk))
	if err := d.Restore(b.ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("dialer: %w", err)
	}
	b.d.dialer = d
	return &dialerFeature{d: d, tel: tel, h: dialer.NewHandler(d, dialer.WithDirectory(leadDirectory{b.store})), hub: b.d.events, log: dlog}, nil
}

// Name implements platform.Component.
func (*dialerFeature) Name() string { return "dialer" }

// Routes implements platform.Router.
func (f *dialerFeature) Routes() []platform.Route { return f.h.Routes() }

// Run paces the campaigns and handles the telephony's events until ctx ends.
// It also publishes the live state on the events socket's "dialer" topic.
func (f *dialerFeature) Run(ctx context.Context) error {
	f.d.Start(ctx)
	if f.hub != nil {
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); publishDialer(ctx, f.d, f.hub, f.log) }()
		defer func() { cancel(); <-done }()
	}
	return f.tel.Run(ctx, f.d.HandleEvent)
}

// publishDialer publishes the dialer's snapshot (the SSE stream's
// "snapshot", GET /api/v1/dialer/stream) as a "snapshot" event on the
// "dialer" topic after every change, at most every publishEvery, to
// everyone holding the dialer scope, until ctx ends.
func publishDialer(ctx context.Context, d *dialer.Dialer, hub *events.Hub, log interface{ Warn(string, ...any) }) {
	changed, unsubscribe := d.Subscribe()
	defer unsubscribe()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		if wait := publishEvery - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		last = time.Now()
		if err := hub.Publish(ctx, events.Event{Topic: "dialer", Type: "snapshot", Data: d.Snapshot(), Audience: events.Anyone()}); err != nil {
			log.Warn("dialer: publishing the snapshot", "err", err)
		}
	}
}

// Drain ends the live streams: they would hold the HTTP shutdown for its
// whole timeout.
func (f *dialerFeature) Drain(context.Context) error {
	f.h.EndStreams()
	return nil
}

// Shutdown closes the dialer (flushing its store) and releases every
// dialer leg and bridge, so that none outlives the process (agents'
// phones left off-hook on dead legs, bridges orphaned).
func (f *dialerFeature) Shutdown(ctx context.Context) error {
	f.d.Close()
	if err := f.tel.Release(ctx); err != nil {
		// Logged, not returned: the PBX may be gone, and the stop goes on.
		f.log.Warn("dialer: releasing calls at stop", "err", err)
	}
	return nil
}

// leadDirectory turns a directory search into dialer leads: every number of
// every global contact the query finds.
type leadDirectory struct{ store *phonebook.Store }

// Leads implements dialer.Directory.
func (l leadDirectory) Leads(ctx context.Context, query string) ([]dialer.LeadInput, error) {
	var out []dialer.LeadInput
	err := l.store.Iterate(ctx, phonebook.Query{Q: query, Scope: phonebook.ScopeGlobal}, func(c *phonebook.Contact) error {
		for _, n := range c.Numbers {
			if n.Type == phonebook.NumberFax {
				continue
			}
			v := n.Normalized
			if v == "" {
				v = n.Value
			}
			out = append(out, dialer.LeadInput{Number: v, Name: c.DisplayName, Fields: map[string]string{"contact_id": c.ID, "number_type": string(n.Type)}})
		}
		return nil
	})
	return out, err
}
