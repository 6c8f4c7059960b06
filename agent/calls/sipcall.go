package calls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// Click-to-call over SIP (WithSIP, calls.backend "sip"): the engine rings
// the user's devices and dials the destination with pbxagent's own SIP
// user agent instead of originating channels through ARI. The call is a
// session like any other (the same state machine, events, list and
// history); only its legs differ: a goroutine the engine owns (spawn)
// rings every device at once, keeps the first that answers and cancels
// the others, plays ringback to it while the destination is dialled
// through the trunk template, bridges both legs' media on answer, and
// ends the call when either side hangs up. Docs: docs/calls.md "Click-to-call
// over SIP".

// SIPDialer places call legs over SIP. The daemon wraps pbxagent's SIP
// user agent (sip/ua) in one (agent/calls_sip.go).
type SIPDialer interface {
	// Dial calls req.To and blocks until the callee answers (the leg is
	// up, its media running), the call fails (a *SIPDialError says how),
	// or ctx ends (the call is cancelled; the error wraps ctx.Err()). A
	// leg once answered lives on after ctx ends: Hangup ends it.
	Dial(ctx context.Context, req SIPDialRequest) (SIPLeg, error)
}

// SIPDialRequest is one leg to dial.
type SIPDialRequest struct {
	// To is the Request-URI ("sip:+41441234567@trunk.example.com") or the
	// user part of a phone registered to pbxagent's registrar ("101").
	To string
	// From is the calling number shown to the callee; FromName its
	// display name.
	From, FromName string
	// Headers are extra SIP headers (the auto-answer ones on a user's
	// device).
	Headers map[string]string
	// Timeout bounds the ring time.
	Timeout time.Duration
	// OnRinging is called when the callee rings (180 or 183), possibly
	// more than once, from the dialog's goroutine.
	OnRinging func()
}

// SIPLeg is an answered SIP call leg with its media.
type SIPLeg interface {
	// Ringback plays a ringback tone into the leg until ctx ends.
	Ringback(ctx context.Context) error
	// HoldMusic plays the hold music into the leg, looped, until ctx
	// ends (the leg is held).
	HoldMusic(ctx context.Context) error
	// Bridge returns the media bridge between this leg (its first leg)
	// and other (of the same SIPDialer; its second), not yet relaying.
	Bridge(other SIPLeg) (SIPBridge, error)
	// Hold puts the peer on hold (re-INVITE, a=sendonly), the leg still
	// sending (HoldMusic plays into it); Resume takes it off.
	Hold(ctx context.Context) error
	Resume(ctx context.Context) error
	// SendDTMF sends digits (RFC 4733).
	SendDTMF(ctx context.Context, digits string) error
	// Hangup ends the leg with BYE carrying the Q.850 cause.
	Hangup(ctx context.Context, cause int) error
	// Done is closed when the leg has ended.
	Done() <-chan struct{}
	// End says, once Done is closed, whether the peer hung up and with
	// which Q.850 cause.
	End() (byRemote bool, cause int)
}

// SIPBridge relays the media between a SIP call's two legs (pbxagent as
// a B2BUA) and is steered while it runs; its settings hold whether it
// runs or not.
type SIPBridge interface {
	// Run relays until ctx ends or one of the legs ends.
	Run(ctx context.Context) error
	// HoldSecond leaves the second leg (the destination) to its own
	// media while on: it hears what its leg plays (HoldMusic) and nothing
	// is relayed to or from it. Off, the relay resumes.
	HoldSecond(on bool) error
	// MuteFirst stops relaying what the first leg (the user) sends while
	// on; the other direction goes on.
	MuteFirst(on bool) error
	// StartRecording records the conversation into w (8 kHz 16-bit
	// stereo WAV: the first leg left, the second right) until
	// StopRecording; PauseRecording pauses it (the paused time left out).
	StartRecording(w io.WriteSeeker) error
	PauseRecording(on bool) error
	StopRecording() error
}

// SIPDialError is a leg that got a final non-2xx answer, or none.
type SIPDialError struct {
	// Status is the SIP final status (486, 603, …; 408 when nothing
	// answered in time).
	Status int
	// Reason is its reason phrase.
	Reason string
	// Cause is the Q.850 cause it maps to (RFC 3398).
	Cause int
}

func (e *SIPDialError) Error() string {
	return fmt.Sprintf("sip: %d %s (cause %d)", e.Status, e.Reason, e.Cause)
}

// ErrNotOnSIP: the action is not implemented on a call placed over SIP
// (the API answers 501): answering through the desk phone's remote
// control, and recording without a recordings folder
// (docs/calls.md "Click-to-call over SIP").
var ErrNotOnSIP = errors.New("not available on a call placed over SIP (calls.backend sip)")

// TrunkNumber is the placeholder of the destination in the trunk
// template of WithSIP.
const TrunkNumber = "{number}"

// sipHangupTimeout bounds a leg's BYE when the call ends.
const sipHangupTimeout = 5 * time.Second

// sipConf is the SIP backend of click-to-call.
type sipConf struct {
	d     SIPDialer
	trunk string
	// recDir is where calls over SIP are recorded (WithSIPRecordings).
	recDir string
}

// WithSIP places click-to-calls over SIP with d: the user's devices are
// dialled as SIPDeviceTarget says, the destination at trunk with
// TrunkNumber replaced by the number ("sip:{number}@trunk.example.com").
// The engine may then be made without an ARI client (New(nil, "", …)):
// it serves click-to-call and the call list only.
func WithSIP(d SIPDialer, trunk string) Option {
	return func(e *Engine) { e.sip.d, e.sip.trunk = d, trunk }
}

// sipCall is the SIP part of a session. Guarded by Engine.mu.
type sipCall struct {
	// stop cancels the call's context: its goroutine hangs up the legs
	// and returns. ended is that context's Done.
	stop  context.CancelFunc
	ended <-chan struct{}
	// ctx is the call's context (ended is its Done).
	ctx context.Context
	// far is the destination's leg once it answered; br the bridge
	// between the user's leg and it, made before the call is up.
	far SIPLeg
	br  SIPBridge
	// music stops the hold music playing to the held destination and
	// waits for it; nil while none plays.
	music func()
	// handedOver is set when a blind transfer took the destination's leg
	// over (sipcall_transfer.go): the call's goroutine leaves it up.
	handedOver bool
	// finished is closed when the call's goroutine has returned.
	finished chan struct{}
	// ctl asks the call's goroutine to park the call or to bridge a
	// pickup's leg (sipcall_park.go).
	ctl chan sipCtl
}

// sipCtl is a request to the goroutine of an answered SIP call (op
// says which); done is closed once it is done.
type sipCtl struct {
	op   sipOp
	leg  SIPLeg
	done chan struct{}
}

// sipOp is what a sipCtl asks.
type sipOp int

const (
	// sipOpPark: the user's leg is hung up, the destination hears the
	// music.
	sipOpPark sipOp = iota
	// sipOpPickup: leg (a pickup's) replaces the user's, bridged with the
	// destination.
	sipOpPickup
	// sipOpConsult: the user's leg leaves the destination's bridge and
	// hears ringback (an attended transfer's recipient rings).
	sipOpConsult
	// sipOpJoin: the user's leg is bridged with leg (the recipient).
	sipOpJoin
	// sipOpBack: the user's leg is bridged with the destination again.
	sipOpBack
)

// SIPDeviceTarget is where a user's device is dialled over SIP: a device
// "TECH/user" (PJSIP/101, SIP/101) is the phone registered to pbxagent's
// registrar as user; "TECH/user@host[:port][;params]" is that SIP URI
// (sip:user@host…), for a phone that does not register; a SIP URI is
// taken as it is.
func SIPDeviceTarget(device string) string {
	if strings.HasPrefix(device, "sip:") || strings.HasPrefix(device, "sips:") {
		return device
	}
	_, res, ok := strings.Cut(device, "/")
	if !ok {
		res = device
	}
	if strings.Contains(res, "@") {
		return "sip:" + res
	}
	return res
}

// SIPDeviceUser is the user part of a device's SIP target, the calling
// number the destination is shown: "SIP/101@10.0.0.5:5062" and
// "sip:101@10.0.0.5" are 101, "PJSIP/101" is 101.
func SIPDeviceUser(device string) string {
	t := SIPDeviceTarget(device)
	if _, rest, ok := strings.Cut(t, ":"); ok {
		t = rest
	}
	user, _, _ := strings.Cut(t, "@")
	return user
}

// SIPTrunkURI is the Request-URI of number through trunk (TrunkNumber
// replaced). ParseDestination's characters are all valid in a SIP URI's
// user part but '#', which is escaped (%23, RFC 3261 section 25.1).
func SIPTrunkURI(trunk, number string) string {
	return strings.ReplaceAll(trunk, TrunkNumber, strings.ReplaceAll(number, "#", "%23"))
}

// sipAutoAnswerHeaders are the auto-answer headers for a user's device,
// the same the ARI path adds (autoanswer.go), as SIP headers.
func (e *Engine) sipAutoAnswerHeaders(device string) map[string]string {
	if !e.autoInfo {
		return nil
	}
	p, _ := e.phoneOf(device)
	out := map[string]string{}
	for k, v := range autoAnswerHeaders(p.Vendor) {
		switch k {
		case varCallInfo:
			out["Call-Info"] = v
		case varAlertInfo:
			out["Alert-Info"] = v
		}
	}
	return out
}

// placeSIP starts a click-to-call over SIP; it returns the call at once,
// dialing, and a goroutine the engine owns follows it (runSIP).
func (e *Engine) placeSIP(ctx context.Context, req PlaceRequest, to string) (Call, error) {
	id := ari.NewID(idPrefix)[:len(idPrefix)+16]
	from := req.From
	if from == "" {
		from = SIPDeviceUser(req.Devices[0])
	}
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &session{call: Call{ID: id, UserID: req.UserID, Direction: Outbound, From: from, To: to, Devices: slices.Clone(req.Devices),
		State: StateDialing, CreatedAt: e.clk.Now()}, sip: &sipCall{stop: stop, ended: cctx.Done(), ctx: cctx, finished: make(chan struct{}), ctl: make(chan sipCtl)}}
	e.mu.Lock()
	e.calls[id] = s
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventCreated, c))
	err := e.spawn(func(run context.Context) {
		defer close(s.sip.finished)
		defer context.AfterFunc(run, stop)()
		defer stop()
		e.runSIP(cctx, s)
	})
	if err != nil {
		e.end(ctx, id, ari.CauseFailure, "system")
		return Call{}, fmt.Errorf("calls: ring the user's devices over SIP: %w", err)
	}
	return c, nil
}

// runSIP follows a click-to-call over SIP until it ends; every leg it
// dialled is hung up when it returns.
func (e *Engine) runSIP(ctx context.Context, s *session) {
	e.mu.Lock()
	id, to, from, devices := s.call.ID, s.call.To, s.call.From, slices.Clone(s.call.Devices)
	e.mu.Unlock()
	var reap sync.WaitGroup // the losers of the devices' race
	defer reap.Wait()
	user, dev, cause := e.ringUser(ctx, &reap, id, to, to, devices)
	if user == nil {
		e.sipEnd(ctx, id, cause, "user")
		return
	}
	// user is the user's leg: nil while the call is parked, the picker's
	// after a pickup (sipcall_park.go).
	defer func() {
		if user != nil {
			e.sipHangup(ctx, id, user)
		}
	}()
	e.mu.Lock()
	if s.call.State == StateEnded {
		e.mu.Unlock()
		return
	}
	s.call.Device = dev
	e.mu.Unlock()

	// The user hears ringback while the destination rings.
	rbCtx, stopRB := context.WithCancel(ctx)
	rbDone := make(chan struct{})
	go func() {
		defer close(rbDone)
		if err := user.Ringback(rbCtx); err != nil && rbCtx.Err() == nil {
			e.log.Warn("calls: ringback to the user over SIP", "call", id, "err", err)
		}
	}()
	far, by, cause := e.dialFar(ctx, id, from, to, user)
	stopRB()
	<-rbDone
	if far == nil {
		e.sipEnd(ctx, id, cause, by)
		return
	}
	defer func() {
		e.mu.Lock()
		kept := s.sip.handedOver
		e.mu.Unlock()
		if !kept {
			e.sipHangup(ctx, id, far)
		}
	}()
	br, err := user.Bridge(far)
	if err != nil {
		e.log.Warn("calls: bridge over SIP", "call", id, "err", err)
		e.sipEnd(ctx, id, ari.CauseFailure, "system")
		return
	}
	// The bridge runs while the call lives; a hold leaves the
	// destination to its hold music meanwhile (sipHold). A park stops it
	// and a pickup starts another.
	stopBridge := e.runBridge(ctx, id, br)
	defer func() { stopBridge() }()
	defer e.stopMusic(s.sip)
	e.mu.Lock()
	if s.call.State == StateEnded {
		e.mu.Unlock()
		return
	}
	now := e.clk.Now()
	s.sip.far, s.sip.br = far, br
	s.call.State, s.call.AnsweredAt = StateUp, &now
	e.publishAnswered(ctx, s)
	e.autoRecord(ctx, id)

	var stopRing func() // the ringback of a transfer's consultation
	defer func() {
		if stopRing != nil {
			stopRing()
		}
	}()
	for {
		var userDone <-chan struct{} // nil while parked
		if user != nil {
			userDone = user.Done()
		}
		select {
		case <-userDone:
			_, cause := user.End()
			e.sipEnd(ctx, id, cause, "user")
			return
		case <-far.Done():
			_, cause := far.End()
			e.sipEnd(ctx, id, cause, "destination")
			return
		case <-ctx.Done():
			e.sipEnd(ctx, id, ari.CauseNormalClearing, "system") // a no-op after an API hang-up
			return
		case r := <-s.sip.ctl:
			if stopRing != nil {
				stopRing()
				stopRing = nil
			}
			switch r.op {
			case sipOpPark: // the user's leg leaves, the destination hears the music
				stopBridge()
				stopBridge = func() {}
				e.sipHangup(ctx, id, user)
				user = nil
				e.startMusic(ctx, s.sip, id, far)
			case sipOpConsult: // the user hears ringback while a transfer's recipient rings
				stopBridge()
				stopBridge = func() {}
				stopRing = e.playRingback(ctx, id, user)
			case sipOpJoin: // the user talks to the transfer's recipient
				stopBridge()
				stopBridge = func() {}
				if nb, err := user.Bridge(r.leg); err != nil {
					e.log.Warn("calls: bridge a transfer's recipient over SIP", "call", id, "err", err)
				} else {
					stopBridge = e.runBridge(ctx, id, nb)
				}
			case sipOpPickup, sipOpBack: // a pickup's leg, or the user back, bridged with the destination
				stopBridge()
				stopBridge = func() {}
				if r.op == sipOpPickup {
					e.stopMusic(s.sip)
					if user != nil {
						e.sipHangup(ctx, id, user)
					}
					user = r.leg
				}
				nb, err := user.Bridge(far)
				if err != nil {
					e.log.Warn("calls: bridge over SIP", "call", id, "err", err)
					e.sipEnd(ctx, id, ari.CauseFailure, "system")
					close(r.done)
					return
				}
				stopBridge = e.runBridge(ctx, id, nb)
				e.mu.Lock()
				s.sip.br = nb
				e.mu.Unlock()
			}
			close(r.done)
		}
	}
}

// playRingback plays ringback to leg on a goroutine until the func it
// returns is called (it waits for the goroutine) or ctx ends.
func (e *Engine) playRingback(ctx context.Context, id string, leg SIPLeg) func() {
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := leg.Ringback(rctx); err != nil && rctx.Err() == nil {
			e.log.Warn("calls: ringback over SIP", "call", id, "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

// runBridge runs br on a goroutine until the func it returns is called
// (it waits for the goroutine) or ctx ends.
func (e *Engine) runBridge(ctx context.Context, id string, br SIPBridge) func() {
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := br.Run(bctx); err != nil && bctx.Err() == nil {
			e.log.Warn("calls: media over SIP", "call", id, "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

// startMusic plays the hold music to the held destination on a
// goroutine stopMusic (or the call's end) stops.
func (e *Engine) startMusic(ctx context.Context, sc *sipCall, id string, far SIPLeg) {
	if ctx.Err() != nil {
		return // the call has ended
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := far.HoldMusic(mctx); err != nil && mctx.Err() == nil {
			e.log.Warn("calls: hold music over SIP", "call", id, "err", err)
		}
	}()
	e.mu.Lock()
	prev := sc.music
	sc.music = func() { cancel(); <-done }
	e.mu.Unlock()
	if prev != nil {
		prev()
	}
}

// stopMusic stops the hold music, if it plays, and waits for it.
func (e *Engine) stopMusic(sc *sipCall) {
	e.mu.Lock()
	stop := sc.music
	sc.music = nil
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// sipEnd ends the call (once; a no-op when it has ended already).
func (e *Engine) sipEnd(ctx context.Context, id string, cause int, by string) {
	if cause == 0 {
		cause = ari.CauseNormalClearing
	}
	e.end(context.WithoutCancel(ctx), id, cause, by)
}

// sipHangup hangs a leg up with the call's cause unless it has ended.
func (e *Engine) sipHangup(ctx context.Context, id string, leg SIPLeg) {
	select {
	case <-leg.Done():
		return
	default:
	}
	e.mu.Lock()
	cause := ari.CauseNormalClearing
	if s := e.calls[id]; s != nil && s.call.Cause != 0 {
		cause = s.call.Cause
	}
	e.mu.Unlock()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sipHangupTimeout)
	defer cancel()
	if err := leg.Hangup(hctx, cause); err != nil {
		e.log.Debug("calls: hang up a SIP leg", "call", id, "err", err)
	}
}

// ringUser rings every device at once (showing the caller to, named
// toName) and answers the first to answer,
// with its device; the others are cancelled, and one that answered too
// late is hung up (cause 26, answered elsewhere) by a goroutine reap
// counts. With no leg it answers the cause of the last failure.
func (e *Engine) ringUser(ctx context.Context, reap *sync.WaitGroup, id, to, toName string, devices []string) (SIPLeg, string, int) {
	type result struct {
		i   int
		leg SIPLeg
		err error
	}
	res := make(chan result, len(devices))
	cancels := make([]context.CancelFunc, len(devices))
	for i, dev := range devices {
		dctx, cancel := context.WithCancel(ctx)
		cancels[i] = cancel
		req := SIPDialRequest{To: SIPDeviceTarget(dev), From: to, FromName: toName, Headers: e.sipAutoAnswerHeaders(dev),
			Timeout: e.userRing, OnRinging: func() { e.sipRinging(ctx, id) }}
		go func() {
			leg, err := e.sip.d.Dial(dctx, req)
			res <- result{i: i, leg: leg, err: err}
		}()
	}
	cause := ari.CauseFailure
	for n := len(devices); n > 0; n-- {
		r := <-res
		if r.err != nil {
			cancels[r.i]()
			if ctx.Err() == nil {
				e.log.Info("calls: a user's device over SIP", "call", id, "device", devices[r.i], "err", r.err)
			}
			cause = sipCause(r.err)
			continue
		}
		for j, c := range cancels {
			if j != r.i {
				c()
			}
		}
		if n > 1 {
			reap.Add(1)
			go func() {
				defer reap.Done()
				for range n - 1 {
					if late := <-res; late.leg != nil {
						e.hangupLate(ctx, id, late.leg)
					}
				}
			}()
		}
		// The winner's context lives as long as the call's (ctx).
		return r.leg, devices[r.i], 0
	}
	return nil, "", cause
}

// hangupLate hangs up a device that answered after another one.
func (e *Engine) hangupLate(ctx context.Context, id string, leg SIPLeg) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sipHangupTimeout)
	defer cancel()
	if err := leg.Hangup(hctx, causeAnsweredElsewhere); err != nil {
		e.log.Debug("calls: hang up a device answered elsewhere", "call", id, "err", err)
	}
}

// dialFar dials the destination through the trunk and answers its leg;
// without one, who ended the call and why: the destination (its final
// answer), the user (hung up while it rang) or the system (the call
// ended otherwise).
func (e *Engine) dialFar(ctx context.Context, id, from, to string, user SIPLeg) (SIPLeg, string, int) {
	type result struct {
		leg SIPLeg
		err error
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel() // an answered leg lives on (SIPDialer.Dial)
	ch := make(chan result, 1)
	req := SIPDialRequest{To: SIPTrunkURI(e.sip.trunk, to), From: from, Timeout: e.farRing,
		OnRinging: func() { e.sipRinging(ctx, id) }}
	go func() {
		leg, err := e.sip.d.Dial(fctx, req)
		ch <- result{leg: leg, err: err}
	}()
	var r result
	by, cause := "destination", 0
	select {
	case r = <-ch:
		if r.err == nil {
			return r.leg, "", 0
		}
		if ctx.Err() == nil {
			e.log.Info("calls: the destination over SIP", "call", id, "err", r.err)
		}
		return nil, by, sipCause(r.err)
	case <-user.Done():
		_, cause = user.End()
		by = "user"
	case <-ctx.Done():
		by, cause = "system", ari.CauseNormalClearing
	}
	cancel()
	if r = <-ch; r.leg != nil {
		e.sipHangup(ctx, id, r.leg)
	}
	return nil, by, cause
}

// sipCause is the Q.850 cause of a failed dial: the SIP answer's (the
// user agent maps a ring timeout after 180 to 19, no answer, as the ARI
// path's Dial reports NOANSWER); 38 (network out of order) for any other
// error.
func sipCause(err error) int {
	var de *SIPDialError
	if !errors.As(err, &de) || de.Cause == 0 {
		return ari.CauseFailure
	}
	return de.Cause
}

// sipRinging moves a dialing call to ringing (a device or the
// destination rings).
func (e *Engine) sipRinging(ctx context.Context, id string) {
	e.mu.Lock()
	s := e.calls[id]
	if s == nil || s.call.State != StateDialing {
		e.mu.Unlock()
		return
	}
	s.call.State = StateRinging
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventUpdated, c))
}

// sipHold puts the destination of a SIP call on hold or takes it off.
// On: the bridge leaves the destination to its own media first (it no
// longer hears the user, the user no longer hears it, as on the ARI
// path), the re-INVITE with a=sendonly goes out (RFC 3264 section 8.4:
// the holder still sends), then the destination hears the hold music.
// Off: the re-INVITE with a=sendrecv, then the music stops and the relay
// resumes. A refused re-INVITE leaves the call as it was.
func (e *Engine) sipHold(ctx context.Context, sc *sipCall, id string, on bool) error {
	e.mu.Lock()
	far, br := sc.far, sc.br
	e.mu.Unlock()
	if far == nil || br == nil {
		return fmt.Errorf("%w: the destination has not answered", ErrState)
	}
	if on {
		if err := br.HoldSecond(true); err != nil {
			return fmt.Errorf("calls: hold %s over SIP: %w", id, err)
		}
		if err := far.Hold(ctx); err != nil {
			if berr := br.HoldSecond(false); berr != nil {
				err = errors.Join(err, berr)
			}
			return fmt.Errorf("calls: hold %s over SIP: %w", id, err)
		}
		e.startMusic(sc.ctx, sc, id, far)
		return nil
	}
	if err := far.Resume(ctx); err != nil {
		return fmt.Errorf("calls: resume %s over SIP: %w", id, err)
	}
	e.stopMusic(sc)
	if err := br.HoldSecond(false); err != nil {
		return fmt.Errorf("calls: resume %s over SIP: %w", id, err)
	}
	return nil
}
