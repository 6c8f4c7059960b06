package calls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Channel and bridge ids the engine makes start with idPrefix, so that a
// later run tells the legs of an earlier one from calls that entered the
// application from the dialplan.
const idPrefix = "pbxcall-"

// Stasis arguments of the legs the engine originates.
const (
	argUser = "user"
	argFar  = "far"
)

// DefaultDial is the dial string of the destination leg.
const DefaultDial = "PJSIP/{to}"

// Engine owns the users' calls in one Stasis application.
type Engine struct {
	cli       ari.Client
	app       string
	dial      string
	userRing  time.Duration
	farRing   time.Duration
	mohClass  string
	autoInfo  bool
	pub       Publisher
	log       *slog.Logger
	clk       clock.Clock
	onDial    func(time.Duration)
	fallback  string
	sub       *ari.Subscription
	keepEnded int
	// reconciled, when set, is called after each reconciliation (tests).
	reconciled func()
	// pubQueued, when set, is called when a call's events wait for
	// another goroutine to deliver them or the events before them
	// (outbox.go; tests).
	pubQueued func()
	rec       recConfig
	// dp is the part for calls the dialplan sends (inbound.go).
	dp dialplanConf
	// phoneMap knows the desk phone behind an endpoint (WithPhoneMap).
	phoneMap PhoneMap
	// lot holds the park slots (park.go; guarded by mu).
	lot parkLot
	// work runs the ARI events, each call's in order on its lane
	// (lanes.go); nLanes is how many.
	work   *lanes
	nLanes int
	// avail says whether a user may be rung (dnd.go; nil: always).
	avail Availability
	// gate decides outbound and internal dialplan calls (gate.go).
	gate Gate
	// feat performs feature codes (features.go).
	feat       Features
	featSounds FeatureSounds
	// sip places click-to-calls over SIP when set (sipcall.go).
	sip sipConf

	mu      sync.Mutex
	calls   map[string]*session // call id
	legs    map[string]string   // channel id -> call id
	ended   []string            // ids of ended calls still listed, oldest first
	bridges map[string]bool     // bridges of live calls
	tx      txState             // transfers (transfer.go)
	// hungUp holds the cause of a hang-up request on a leg the engine did
	// not originate, until its StasisEnd (stasisend.go).
	hungUp map[string]int
	// grp is the call groups' part (group.go).
	grp groupState
	// ivr are the channels the engine talks to itself (prompter.go).
	ivr map[string]bool
}

// session is one call and its legs. Guarded by Engine.mu.
type session struct {
	call     Call
	userLegs map[string]string // channel id -> endpoint, while ringing
	userLeg  string            // the user's leg that answered
	farLeg   string
	bridge   string
	// dialStatus is the last final Dial status of the far leg, for a
	// channel destroyed with cause 0 (a Local channel after Busy()).
	dialStatus string
	rec        callRec
	xfer       string // the transfer in progress (transfer.go)
	// in is set for a call that came from the dialplan (inbound.go).
	in *dialplanCall
	// park is the parking of a parked call (park.go).
	park *parking
	// grp is set on a call group's offer (group.go).
	grp *groupLeg
	// sip is set on a click-to-call placed over SIP (sipcall.go).
	sip *sipCall
	// out orders the call's publications (outbox.go).
	out outbox
	// born is when the engine took the call on (this process's clock), to
	// tell a call placed after the ARI client listed the channels on a
	// reconnection from one whose legs vanished (reconcile.go).
	born time.Time
}

// addCall tracks a new call session. Called with mu.
func (e *Engine) addCall(id string, s *session) {
	s.born = time.Now()
	e.calls[id] = s
}

// Option configures the engine.
type Option func(*Engine)

// WithDial sets the dial string of the destination leg; "{to}" is
// replaced by the destination (default DefaultDial).
func WithDial(s string) Option { return func(e *Engine) { e.dial = s } }

// WithRingTimeouts sets how long the user's devices and the destination
// ring (defaults 30 s and 60 s).
func WithRingTimeouts(user, far time.Duration) Option {
	return func(e *Engine) { e.userRing, e.farRing = user, far }
}

// WithMOHClass sets the music-on-hold class the held party hears.
func WithMOHClass(c string) Option { return func(e *Engine) { e.mohClass = c } }

// WithAutoAnswer turns the auto-answer headers on the user's leg on or off
// (default on).
func WithAutoAnswer(on bool) Option { return func(e *Engine) { e.autoInfo = on } }

// WithPublisher sets where events go (default NopPublisher).
func WithPublisher(p Publisher) Option { return func(e *Engine) { e.pub = p } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithClock sets the clock of the calls' times.
func WithClock(c clock.Clock) Option { return func(e *Engine) { e.clk = c } }

// WithDialObserver is told, for every click-to-call, how long pbxagent
// took from the user's leg answering (its StasisStart in hand) to the
// destination's originate being accepted by Asterisk.
func WithDialObserver(f func(time.Duration)) Option { return func(e *Engine) { e.onDial = f } }

// WithFallbackLabel sets the dialplan label (default "fallback") a
// channel from the dialplan is continued to when the engine does not ring
// anyone for it (not internal/inbound/outbound, no user, no device, an
// error, the daemon stopping): there the dialplan dials as if pbxagent
// were down.
func WithFallbackLabel(l string) Option { return func(e *Engine) { e.fallback = l } }

// New returns the engine of application app on cli (which must register
// app). It subscribes to events at once: create it before the client
// connects so the first reconciliation is seen. cli may be nil with
// WithSIP: the engine then places click-to-calls over SIP only.
func New(cli ari.Client, app string, opts ...Option) *Engine {
	e := &Engine{cli: cli, app: app, dial: DefaultDial, userRing: 30 * time.Second, farRing: 60 * time.Second,
		autoInfo: true, pub: NopPublisher{}, log: slog.Default(), clk: clock.Real{}, fallback: "fallback", keepEnded: 100,
		lot:   parkLot{first: DefaultParkFirst, count: DefaultParkSlots, timeout: DefaultParkTimeout},
		calls: map[string]*session{}, legs: map[string]string{}, bridges: map[string]bool{}, nLanes: DefaultLanes}
	for _, o := range opts {
		o(e)
	}
	e.work = newLanes(e.nLanes)
	if cli != nil {
		e.sub = cli.Events().Subscribe(ari.Filter{})
	}
	return e
}

// Run handles the ARI events until ctx ends or the client closes. Each
// event goes to the lane of its call (laneFor): one call's events are
// handled in the order Asterisk sent them, different calls' in parallel,
// so that a call waiting on a REST request never delays another's. Events
// of transfers and the reconciliation run alone (laneBarrier). Run stops
// its workers before it returns. Without an ARI client it runs the calls
// over SIP until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	if e.sub != nil {
		defer e.sub.Cancel()
	}
	defer e.dp.wg.Wait()
	e.groupsStart(ctx)
	defer e.groupsStop()
	if e.sub == nil {
		<-ctx.Done()
		return nil
	}
	wctx, stop := context.WithCancel(ctx)
	e.work.start(wctx)
	defer e.work.wait()
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-e.sub.Events():
			if !ok {
				e.work.quiesce(ctx) // what was read is handled
				if err := e.sub.Err(); err != nil {
					return fmt.Errorf("calls: events: %w", err)
				}
				return nil
			}
			if i, ok := e.laneFor(ev); ok {
				e.work.run(ctx, i, func() { e.handle(ctx, ev) })
			}
		}
	}
}

func (e *Engine) handle(ctx context.Context, ev ari.Event) {
	ev = e.unsubscribedEnd(ev)
	if e.transferEvent(ctx, ev) {
		return
	}
	switch x := ev.(type) {
	case *ari.StasisStart:
		if x.Application != e.app {
			return
		}
		e.inStasis(ctx, x.Channel, x.Args)
	case *ari.ChannelStateChange:
		if x.Channel.State == ari.StateRinging {
			e.ringing(ctx, x.Channel.ID)
		}
	case *ari.Dial:
		if x.Dialstatus == "" || x.Peer.ID == "" {
			return
		}
		e.mu.Lock()
		if s := e.sessionOf(x.Peer.ID); s != nil && s.farLeg == x.Peer.ID {
			s.dialStatus = x.Dialstatus
		}
		e.mu.Unlock()
	case *ari.ChannelDestroyed:
		e.legGone(ctx, x.Channel.ID, x.Cause)
	case *ari.ChannelGoneEvent:
		if !x.Alive {
			e.legGone(ctx, x.ChannelID, 0)
		}
	case *ari.RecordingFinished:
		e.recordingEvent(ctx, x.Recording, false)
	case *ari.RecordingFailed:
		e.recordingEvent(ctx, x.Recording, true)
	case *ari.PlaybackFinished:
		e.groupPlaybackDone(ctx, x.Playback)
	case *ari.ReconciledEvent:
		e.reconcile(ctx, x)
		if e.reconciled != nil {
			e.reconciled()
		}
	}
}

// sessionOf returns the live session a channel belongs to. Called with mu.
func (e *Engine) sessionOf(chanID string) *session {
	id, ok := e.legs[chanID]
	if !ok {
		return nil
	}
	s := e.calls[id]
	if s == nil || s.call.State == StateEnded {
		return nil
	}
	return s
}

// publishLocked publishes events of s (taken with the change, under mu),
// unlocks mu and delivers them in the call's order (outbox.go).
func (e *Engine) publishLocked(ctx context.Context, s *session, evs ...publication) {
	t := e.ticket(s)
	e.mu.Unlock()
	t.publish(ctx, evs...)
}

// snapshot copies a call for the outside. Called with mu.
func snapshot(s *session) Call {
	c := s.call
	c.Devices = slices.Clone(c.Devices)
	if c.Recording == "" {
		c.Recording = RecordingOff
	}
	return c
}

// ringing moves a dialing call to ringing when a leg rings.
func (e *Engine) ringing(ctx context.Context, chanID string) {
	e.mu.Lock()
	s := e.sessionOf(chanID)
	if s == nil || s.call.State != StateDialing {
		e.mu.Unlock()
		return
	}
	s.call.State = StateRinging
	e.publishLocked(ctx, s, callEvent(EventUpdated, snapshot(s)))
}

// inStasis handles a channel entering the application: a user's leg that
// answered, the destination that answered, or something this run did not
// place.
func (e *Engine) inStasis(ctx context.Context, ch ari.Channel, args []string) {
	start := e.clk.Now()
	e.mu.Lock()
	s := e.sessionOf(ch.ID)
	if s == nil {
		ivr := e.ivr[ch.ID]
		e.mu.Unlock()
		if ivr {
			return // an announcement's leg: Announce follows it
		}
		if !e.fromDialplan(ctx, ch, args) {
			e.stray(ctx, ch, args)
		}
		return
	}
	if s.in != nil {
		e.dialplanInStasis(ctx, s, ch.ID) // unlocks
		return
	}
	if _, ok := s.userLegs[ch.ID]; ok {
		e.userAnswered(ctx, s, ch.ID, start) // unlocks
		return
	}
	if pickupLeg(s, ch.ID) {
		e.pickupAnswered(ctx, s, ch.ID) // unlocks
		return
	}
	if ch.ID == s.farLeg {
		e.farAnswered(ctx, s, ch.ID) // unlocks
		return
	}
	e.mu.Unlock()
}

// takeUserLeg makes chanID, which answered, the user's leg of s and
// answers the user's other legs, still ringing. Called with mu.
func takeUserLeg(s *session, chanID string) []string {
	s.userLeg = chanID
	s.call.Device = s.userLegs[chanID]
	var others []string
	for id := range s.userLegs {
		if id != chanID {
			others = append(others, id)
		}
	}
	return others
}

// userAnswered: the first of the user's legs to answer wins, the others
// stop ringing; the destination is originated at once, then the bridge is
// made and the user's leg put in it. Called with mu held; unlocks it.
func (e *Engine) userAnswered(ctx context.Context, s *session, chanID string, start time.Time) {
	if s.userLeg != "" {
		e.mu.Unlock()
		e.hangup(ctx, chanID, ari.ReasonNormal)
		return
	}
	others := takeUserLeg(s, chanID)
	s.farLeg = s.call.ID + "-far"
	s.bridge = s.call.ID + "-bridge"
	e.legs[s.farLeg] = s.call.ID
	e.bridges[s.bridge] = true
	id, to, userID := s.call.ID, s.call.To, s.call.UserID
	e.mu.Unlock()

	_, err := e.cli.Channels().Originate(ctx, ari.OriginateRequest{
		Endpoint: strings.ReplaceAll(e.dial, "{to}", to), ChannelID: id + "-far", App: e.app,
		AppArgs: []string{argFar, id}, Timeout: e.farRing,
		Variables: map[string]string{"PBXAGENT_CALL": id, "PBXAGENT_USER": userID},
	})
	if e.onDial != nil {
		e.onDial(e.clk.Now().Sub(start))
	}
	for _, o := range others {
		e.hangup(ctx, o, ari.ReasonNormal)
	}
	if err != nil {
		e.log.Warn("calls: originate the destination", "call", id, "err", err)
		e.end(ctx, id, ari.CauseFailure, "system")
		return
	}
	if e.isEnded(id) {
		// Hung up while the originate was on its way: end() could not
		// hang up a leg Asterisk did not have yet.
		e.hangup(ctx, id+"-far", ari.ReasonNormal)
		return
	}
	if _, err := e.cli.Bridges().Create(ctx, ari.BridgeRequest{ID: id + "-bridge", Type: []string{"mixing"}, Name: "call " + id}); err != nil {
		e.log.Warn("calls: create the bridge", "call", id, "err", err)
		e.end(ctx, id, ari.CauseFailure, "system")
		return
	}
	if e.isEnded(id) {
		e.destroyBridge(ctx, id, id+"-bridge")
		return
	}
	if err := e.cli.Bridges().AddChannel(ctx, id+"-bridge", ari.AddChannelRequest{Channels: []string{chanID}}); err != nil {
		if !ari.IsNotFound(err) {
			e.log.Warn("calls: bridge the user's leg", "call", id, "err", err)
			e.end(ctx, id, ari.CauseFailure, "system")
		}
		return
	}
	// The user hears ringback while the destination rings (the bridge
	// holds only them until it answers).
	if _, err := e.cli.Bridges().Play(ctx, id+"-bridge", ari.PlayRequest{PlaybackID: id + "-ringback", Media: []string{"tone:ring"}}); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: ringback to the user", "call", id, "err", err)
	}
}

// isEnded reports whether call id has ended (or is gone).
func (e *Engine) isEnded(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.calls[id]
	return s == nil || s.call.State == StateEnded
}

// destroyBridge destroys a call's bridge; one already gone is fine.
func (e *Engine) destroyBridge(ctx context.Context, id, bridge string) {
	if err := e.cli.Bridges().Destroy(context.WithoutCancel(ctx), bridge); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: destroy the bridge", "call", id, "bridge", bridge, "err", err)
	}
}

// Release ends every live call (legs hung up, bridges destroyed,
// call_ended published with ended_by "system"). The daemon calls it on a
// clean stop: nobody would follow the calls once it is gone.
func (e *Engine) Release(ctx context.Context) {
	e.groupRelease(ctx)
	e.mu.Lock()
	var ids []string
	for id, s := range e.calls {
		if s.call.State != StateEnded {
			ids = append(ids, id)
		}
	}
	e.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		if !e.releaseDialplan(ctx, id) {
			e.end(ctx, id, ari.CauseNormalClearing, "system")
		}
	}
}

// farAnswered bridges the destination with the user. Called with mu held;
// unlocks it.
func (e *Engine) farAnswered(ctx context.Context, s *session, chanID string) {
	id, bridge := s.call.ID, s.bridge
	e.mu.Unlock()
	if err := e.cli.Playbacks().Stop(ctx, id+"-ringback"); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: stop the ringback", "call", id, "err", err)
	}
	if err := e.cli.Bridges().AddChannel(ctx, bridge, ari.AddChannelRequest{Channels: []string{chanID}}); err != nil {
		e.log.Warn("calls: bridge the destination", "call", id, "err", err)
		e.end(ctx, id, ari.CauseFailure, "system")
		return
	}
	e.mu.Lock()
	if s.call.State == StateEnded {
		e.mu.Unlock()
		return
	}
	now := e.clk.Now()
	s.call.State, s.call.AnsweredAt = StateUp, &now
	e.publishAnswered(ctx, s)
	e.autoRecord(ctx, id)
}

// publishAnswered publishes call_answered and call_updated for s, just
// answered. Called with mu; unlocks it.
func (e *Engine) publishAnswered(ctx context.Context, s *session) {
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventAnswered, c), callEvent(EventUpdated, c))
}

// legGone follows a leg's end: a user's leg still ringing beside others
// just drops out; any other leg ends the call.
func (e *Engine) legGone(ctx context.Context, chanID string, cause int) {
	e.mu.Lock()
	s := e.sessionOf(chanID)
	if s == nil {
		delete(e.legs, chanID)
		e.mu.Unlock()
		e.groupGone(ctx, chanID, cause) // a group caller waiting
		return
	}
	delete(e.legs, chanID)
	if pickupLeg(s, chanID) {
		e.pickupLegGone(ctx, s, chanID) // unlocks
		return
	}
	if s.in != nil {
		e.dialplanLegGone(ctx, s, chanID, cause) // unlocks
		return
	}
	by := "user"
	if _, ok := s.userLegs[chanID]; ok && s.userLeg == "" {
		delete(s.userLegs, chanID)
		if len(s.userLegs) > 0 {
			e.mu.Unlock()
			return // other devices still ring
		}
	} else if chanID == s.farLeg {
		by = "destination"
		if cause == 0 && s.call.AnsweredAt == nil {
			cause = causeForDialStatus(s.dialStatus)
		}
	} else if chanID != s.userLeg {
		e.mu.Unlock()
		return
	}
	if cause == 0 {
		cause = ari.CauseNormalClearing
	}
	id := s.call.ID
	e.mu.Unlock()
	e.end(ctx, id, cause, by)
}

// end ends a call once: call_ended published (after recording_stopped),
// then every leg left hung up and the bridge destroyed.
func (e *Engine) end(ctx context.Context, id string, cause int, by string) {
	e.transferCallEnded(ctx, id)
	e.mu.Lock()
	s := e.calls[id]
	if s == nil || s.call.State == StateEnded {
		e.mu.Unlock()
		return
	}
	now := e.clk.Now()
	s.call.State, s.call.Cause, s.call.CauseText, s.call.EndedBy, s.call.EndedAt = StateEnded, cause, causeText(cause), by, &now
	var legs []string
	for ch, cid := range e.legs {
		if cid == id {
			legs = append(legs, ch)
			delete(e.legs, ch)
		}
	}
	bridge := s.bridge
	delete(e.bridges, bridge)
	e.unpark(s)
	e.ended = append(e.ended, id)
	for len(e.ended) > e.keepEnded {
		delete(e.calls, e.ended[0])
		e.ended = e.ended[1:]
	}
	rec := e.endRecordingLocked(s)
	c := snapshot(s)
	g, sc := s.grp, s.sip
	t := e.ticket(s) // after every change before the end (an answer's events)
	e.mu.Unlock()
	evs := e.endRecording(ctx, rec, c)
	// call_ended goes out before the hang-ups and the bridge's
	// destruction: the call is over for its owner already.
	t.publish(ctx, append(evs, callEvent(EventEnded, c))...)
	if sc != nil {
		sc.stop() // its goroutine hangs the SIP legs up (sipcall.go)
	}
	if g != nil {
		e.groupEnded(ctx, g, c)
	}
	slices.Sort(legs)
	for _, l := range legs {
		e.hangup(ctx, l, ari.ReasonNormal)
	}
	if bridge != "" {
		e.destroyBridge(ctx, id, bridge)
	}
}

// hangup hangs a channel up; one already gone is fine.
func (e *Engine) hangup(ctx context.Context, id, reason string) {
	if err := e.cli.Channels().Hangup(context.WithoutCancel(ctx), id, reason); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: hang up", "channel", id, "err", err)
	}
}

// causeForDialStatus maps a Dial event's final status to the Q.850 cause,
// for a channel destroyed with cause 0 (Local channels after Busy() or
// Congestion(): main/dial.c sets no cause).
func causeForDialStatus(status string) int {
	switch status {
	case "BUSY":
		return ari.CauseUserBusy
	case "CONGESTION":
		return ari.CauseCongestion
	case "NOANSWER":
		return ari.CauseNoAnswer
	case "CHANUNAVAIL":
		return ari.CauseSubscriberAbsent
	}
	return 0
}

// errors of the call control.
var (
	// ErrNotFound: no call of this id that the caller may see.
	ErrNotFound = errors.New("call not found")
	// ErrState: the call is not in a state that allows the action.
	ErrState = errors.New("the call's state does not allow this")
	// ErrNoDevice: the user has no device to ring.
	ErrNoDevice = errors.New("no device")
)
