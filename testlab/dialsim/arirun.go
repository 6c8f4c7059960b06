package dialsim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// ARIApp is the Stasis application the simulated dialer registers.
const ARIApp = "pbxagent-dialer"

// quietTimeout bounds a wait for the ARI path to settle (real time); only
// a broken system reaches it.
const quietTimeout = 30 * time.Second

// RunARI runs one simulation through the whole stack: the dialer talks to
// the Asterisk stand-in (testlab/ari/fakeari, scripted customers of the
// model in FIGURES.md) over HTTP and WebSocket through the ari client and
// the aritel adapter. The stand-in and the dialer share one virtual clock, advanced
// in lockstep: before each step the run waits until every event the
// stand-in sent has been handled, so a run is repeatable by seed.
func RunARI(cfg Config) (res Result, err error) {
	cfg.defaults()
	vclk := clock.NewVirtual(start)
	ls := &lockstep{clk: vclk, dropAt: start.Add(cfg.DropAt), dropFor: cfg.DropFor, drop: cfg.DropAt > 0}
	clk := stepClock{vclk, ls}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	end := start.Add(cfg.Duration)
	pop := makeLeads(cfg, rng)
	dr := newDraws(cfg.Seed, answerProb(cfg), cfg.Talk)
	dr.keep = cfg.record != nil
	customers := fakeari.PeerFunc(func(ep string, _ *rand.Rand) fakeari.Plan {
		return ariPlan(dr.draw(endpointNumber(ep), clk.Now()))
	})
	srv := fakeari.New(fakeari.WithClock(clk), fakeari.WithSeed(cfg.Seed), fakeari.WithLogger(discard()),
		fakeari.WithMediaDuration(ariMedia),
		fakeari.WithPeer("PJSIP/+", customers), fakeari.WithPeer("PJSIP/agent", fakeari.Agent{AnswerAfter: time.Second}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return res, fmt.Errorf("sim ari: %w", err)
	}
	defer srv.Close()
	conn, err := ari.New(url, ari.WithAuth("asterisk", "asterisk"), ari.WithApps(ARIApp), ari.WithLogger(discard()))
	if err != nil {
		return res, fmt.Errorf("sim ari: %w", err)
	}
	tel := aritel.New(conn, ARIApp, aritel.WithLogger(discard()))
	if err := conn.Start(); err != nil {
		return res, fmt.Errorf("sim ari: %w", err)
	}
	defer conn.Close()
	wctx, wcancel := context.WithTimeout(ctx, quietTimeout)
	err = conn.WaitReady(wctx)
	wcancel()
	if err != nil {
		return res, fmt.Errorf("sim ari: %w", err)
	}
	chk := NewChecker(tel, clk, pop.zones, pop.dnc, end)
	chk.Trace = cfg.Trace
	d := dialer.New(chk, dialer.WithClock(clk), dialer.WithCallIDPrefix("sim-"), dialer.WithLogger(discard()))
	runDone := make(chan error, 1)
	go func() { runDone <- tel.Run(ctx, chk.Sink(d.HandleEvent)) }()
	d.Start(ctx)
	defer d.Close()

	ls.srv, ls.tel = srv, tel
	if err := setup(d, cfg, pop); err != nil {
		return res, err
	}
	if cfg.Mode == dialer.ModePreview {
		previewAgents(clk, d, cfg)
	}
	if err := ls.advanceTo(start.Add(2 * time.Second)); err != nil { // agents answer after 1 s
		return res, err
	}
	if err := d.StartCampaign("sim"); err != nil {
		return res, fmt.Errorf("sim ari: %w", err)
	}
	res, err = drive(cfg, d, ls.advanceTo, end)
	if err != nil {
		return res, err
	}
	if err := ls.quiet(); err != nil {
		return res, err
	}
	if ls.err != nil {
		return res, ls.err
	}
	finish(&res, cfg, &chk.Checks, d, chk.Active()+len(srv.Channels()), end)
	cfg.record.setDraws(dr.drawn())
	res.AsteriskOriginates = srv.Stats().Originates - cfg.Agents
	res.Reconnects = int(tel.Reconnects())
	if p := srv.Problems(); len(p) > 0 {
		return res, fmt.Errorf("sim ari: %d departures from the ARI spec, first: %v", len(p), p[0])
	}
	select {
	case err := <-runDone:
		if err != nil && !errors.Is(err, context.Canceled) {
			return res, err
		}
	default:
	}
	return res, nil
}

// stepClock is the shared clock: before any timer callback (the stand-in's
// or the dialer's) runs, it waits until the adapter has handled every event
// the stand-in sent, so timer callbacks and event handling never overlap
// and their order is fixed by the clock alone.
type stepClock struct {
	*clock.Virtual
	ls *lockstep
}

// AfterFunc implements clock.Clock.
func (c stepClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.Virtual.AfterFunc(d, func() {
		c.ls.settle()
		f()
	})
}

// lockstep advances the shared virtual clock one timer at a time, waiting
// before each step until the adapter has handled every event the stand-in
// sent (events lost in a WebSocket drop are accounted for).
type lockstep struct {
	err      error // first failure to settle inside a timer callback
	outageOn bool  // events are being lost: do not wait for them
	clk      *clock.Virtual
	srv      *fakeari.Server
	tel      *aritel.Telephony
	lost     int64
	drop     bool
	dropAt   time.Time
	dropFor  time.Duration
}

// settle waits for quiet before a timer callback; failures are kept.
func (l *lockstep) settle() {
	if l.srv == nil || l.tel == nil || l.outageOn || l.err != nil {
		return
	}
	if err := l.quiet(); err != nil {
		l.err = err
	}
}

func (l *lockstep) quiet() error {
	deadline := time.NewTimer(quietTimeout)
	defer deadline.Stop()
	for {
		_, wire := l.tel.Processed()
		if wire+l.lost >= int64(l.srv.Stats().EventsSent) {
			return nil
		}
		select {
		case <-l.tel.Notify():
		case <-deadline.C:
			return fmt.Errorf("sim ari: events not handled after %s (handled %d + lost %d, sent %d)", quietTimeout, wire, l.lost, l.srv.Stats().EventsSent)
		}
	}
}

func (l *lockstep) await(cond func() bool, what string) error {
	deadline := time.NewTimer(quietTimeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-l.tel.Notify():
		case <-deadline.C:
			return fmt.Errorf("sim ari: %s not seen after %s", what, quietTimeout)
		}
	}
	return nil
}

func (l *lockstep) advanceTo(t time.Time) error {
	for {
		if err := l.quiet(); err != nil {
			return err
		}
		if l.drop && !l.clk.Now().Before(l.dropAt) {
			l.drop = false
			if err := l.outage(); err != nil {
				return err
			}
			continue
		}
		next, ok := l.clk.NextAt()
		if !ok || next.After(t) {
			l.clk.AdvanceTo(t)
			return l.quiet()
		}
		if l.drop && next.After(l.dropAt) {
			next = l.dropAt
		}
		l.clk.AdvanceTo(next)
	}
}

// outage drops the WebSocket, lets dropFor of simulated time pass with
// nobody listening (customers answering into a dead app, the dialer's
// timers still running), then waits for the client to reconnect and the
// adapter to reconcile.
func (l *lockstep) outage() error {
	disc, rec := l.tel.Disconnects(), l.tel.Reconnects()
	l.outageOn = true
	defer func() { l.outageOn = false }()
	l.srv.DropWebSockets()
	sentAtDrop := int64(l.srv.Stats().EventsSent)
	if err := l.await(func() bool { return l.tel.Disconnects() > disc }, "disconnect"); err != nil {
		return err
	}
	_, wire := l.tel.Processed()
	l.lost = sentAtDrop - wire
	l.clk.AdvanceTo(l.clk.Now().Add(l.dropFor))
	if err := l.await(func() bool { return l.tel.Reconnects() > rec }, "reconnect"); err != nil {
		return err
	}
	return nil
}

// ariPlan is the stand-in's script for a drawn customer: answer after the
// ring time and hang up after the talk time, or ring until the dial
// timeout.
func ariPlan(d dialDraw) fakeari.Plan {
	if !d.Answer {
		return fakeari.Plan{Outcome: fakeari.NoAnswer}
	}
	return fakeari.Plan{Outcome: fakeari.Answer, Ring: d.Ring, Talk: d.Talk}
}

// endpointNumber returns the number an ARI endpoint dials
// ("PJSIP/+442070000001@trunk" → "+442070000001").
func endpointNumber(ep string) string {
	if i := strings.IndexByte(ep, '/'); i >= 0 {
		ep = ep[i+1:]
	}
	if i := strings.IndexByte(ep, '@'); i >= 0 {
		ep = ep[:i]
	}
	return ep
}

// ariMedia is how long the stand-in plays a sound: the information
// message lasts infoLength, as the model (and the SIP path's WAV) says;
// anything else as fakeari's default.
func ariMedia(uri string) (time.Duration, bool) {
	if uri == "sound:"+infoSound {
		return infoLength, true
	}
	return fakeari.DefaultMediaDuration(uri)
}
