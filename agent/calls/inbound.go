package calls

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// argRing is the Stasis argument of the legs ringing a user's devices for
// a call that came from the dialplan.
const argRing = "ring"

// Statuses a caller handed back to the dialplan carries in the channel
// variable PBXAGENT_STATUS.
const (
	// StatusNoAnswer: the user's devices rang; nobody answered in time.
	StatusNoAnswer = "NOANSWER"
	// StatusBusy: every device refused (busy, do not disturb, declined),
	// or the user declined the call through the API.
	StatusBusy = "BUSY"
	// StatusUnavailable: no device could be reached (not registered).
	StatusUnavailable = "CHANUNAVAIL"
	// StatusNoUser: no user has the called extension (or, outbound, the
	// calling device).
	StatusNoUser = "NOUSER"
	// StatusNoDevice: the user has no device (devices.endpoints).
	StatusNoDevice = "NODEVICE"
	// StatusInvalid: the Stasis arguments were not KIND,NUMBER.
	StatusInvalid = "INVALID"
	// StatusFailed: pbxagent could not go on (an ARI error, or it stops).
	StatusFailed = "FAILED"
)

// VarStatus is the channel variable telling the dialplan why pbxagent
// handed a caller back.
const VarStatus = "PBXAGENT_STATUS"

// Callee is a user a dialplan call is for (or, outbound, from).
type Callee struct {
	// ID is the user's id.
	ID string
	// Name is the user's display name.
	Name string
	// Extension is the user's first extension ("" if none).
	Extension string
	// Devices are the user's Asterisk endpoints, in order.
	Devices []string
}

// Users finds the users dialplan calls are for; the users service behind
// agent/feature_calls.go.
type Users interface {
	// ByExtension returns the user reached at extension ext; false when
	// no enabled user has it.
	ByExtension(ctx context.Context, ext string) (Callee, bool, error)
	// ByEndpoint returns the user owning the Asterisk endpoint
	// ("PJSIP/101"); false when none.
	ByEndpoint(ctx context.Context, endpoint string) (Callee, bool, error)
}

// Names looks a number up in the directory (the caller-ID service behind
// agent/feature_calls.go). Name returns "" on a miss; it must honour ctx.
type Names interface {
	Name(ctx context.Context, number string) (string, error)
}

// WithUsers makes the engine manage the calls the dialplan sends to the
// application (Stasis(app,internal|inbound|outbound,NUMBER)); without it
// they are continued at the fallback label as before.
func WithUsers(u Users) Option { return func(e *Engine) { e.dp.users = u } }

// WithNames sets the directory the names of inbound callers (and of the
// numbers users dial out to) are looked up in.
func WithNames(n Names) Option { return func(e *Engine) { e.dp.names = n } }

// WithConfig sets how dialplan calls ring (default DefaultConfig()).
func WithConfig(c Config) Option { return func(e *Engine) { e.dp.cfg = c; e.dp.set = true } }

// dialplanConf is the engine's part for dialplan calls.
type dialplanConf struct {
	users Users
	names Names
	cfg   Config
	set   bool
	// wg holds the goroutines that look names up and ring devices.
	wg sync.WaitGroup
}

// config returns the configuration, defaults filled in.
func (e *Engine) config() Config {
	if !e.dp.set {
		return DefaultConfig()
	}
	c, d := e.dp.cfg, DefaultConfig()
	if c.RingStrategy == "" {
		c.RingStrategy = d.RingStrategy
	}
	if c.RingTimeout <= 0 {
		c.RingTimeout = d.RingTimeout
	}
	if c.RingDeviceTimeout <= 0 {
		c.RingDeviceTimeout = d.RingDeviceTimeout
	}
	if c.NoAnswerLabel == "" {
		c.NoAnswerLabel = d.NoAnswerLabel
	}
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = d.LookupTimeout
	}
	return c
}

// dialplanCall is the state of a call that came from the dialplan.
// Guarded by Engine.mu.
type dialplanCall struct {
	kind Kind
	// caller is the channel that entered from the dialplan: the far leg
	// of an internal or inbound call, the user's leg of an outbound one.
	caller string
	// callerID is what the device legs show ("Name" <number>).
	callerID string
	// pending are the devices not rung yet.
	pending []string
	// deadline ends the ringing (calls.ring_timeout).
	deadline time.Time
	// legs counts the device legs placed (their ids' suffix).
	legs int
	// placing: a goroutine is originating device legs; it looks at the
	// outcome itself when done.
	placing bool
	// busy, noAnswer, unavailable: what the devices that went away said.
	busy, noAnswer, unavailable bool
	// handedBack: the caller went back to the dialplan.
	handedBack bool
}

// note records why a device leg went away unanswered.
func (d *dialplanCall) note(cause int) {
	switch cause {
	case ari.CauseUserBusy, ari.CauseCallRejected:
		d.busy = true
	case ari.CauseSubscriberAbsent, ari.CauseNoRoute, ari.CauseUnallocated, 27, ari.CauseCongestion, ari.CauseFailure, ari.CauseSwitchCongestion:
		d.unavailable = true
	default:
		d.noAnswer = true
	}
}

// outcome is the status and the Q.850 cause of a call nobody answered.
func (d *dialplanCall) outcome() (string, int) {
	switch {
	case d.noAnswer:
		return StatusNoAnswer, ari.CauseNoAnswer
	case d.busy:
		return StatusBusy, ari.CauseUserBusy
	case d.unavailable:
		return StatusUnavailable, ari.CauseSubscriberAbsent
	}
	return StatusNoAnswer, ari.CauseNoAnswer
}

// newCallID returns a fresh call id.
func newCallID() string { return ari.NewID(idPrefix)[:len(idPrefix)+16] }

// channelEndpoint is the endpoint of a channel name:
// "PJSIP/101-0000002a" → "PJSIP/101".
func channelEndpoint(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > strings.IndexByte(name, '/') {
		return name[:i]
	}
	return name
}

// callerIDString is an originate's callerId: "Name" <number>.
func callerIDString(name, number string) string {
	clean := strings.NewReplacer("\"", "", "<", "", ">", "", "\r", "", "\n", "")
	name, number = clean.Replace(name), clean.Replace(number)
	if name == "" {
		return "<" + number + ">"
	}
	return "\"" + name + "\" <" + number + ">"
}

// fromDialplan takes on a channel the dialplan sent to the application
// with a known kind; false leaves it to stray (not managed: no users
// configured, or not one of ours).
func (e *Engine) fromDialplan(ctx context.Context, ch ari.Channel, args []string) bool {
	if len(args) > 0 && args[0] == string(KindGroup) {
		e.groupEnter(ctx, ch, args) // group.go
		return true
	}
	if len(args) > 0 && args[0] == string(KindFeature) && e.feat != nil {
		kind, code, err := ParseStasisArgs(args)
		if err != nil || kind != KindFeature {
			e.log.Warn("calls: feature code with bad Stasis arguments; handing it back", "channel", ch.ID, "err", err)
			e.handBack(ctx, ch.ID, StatusInvalid)
			return true
		}
		e.featureEnter(ctx, ch, code) // features.go
		return true
	}
	if e.dp.users == nil || len(args) == 0 || !isKind(args[0]) {
		return false
	}
	kind, num, err := ParseStasisArgs(args)
	if err == nil && kind == KindFeature {
		err = errors.New("no feature codes configured")
	}
	if err != nil {
		e.log.Warn("calls: dialplan call with bad Stasis arguments; handing it back", "channel", ch.ID, "err", err)
		e.handBack(ctx, ch.ID, StatusInvalid)
		return true
	}
	gate := e.gateCheck(ctx, ch, kind, num) // gate.go
	if gate.Barred {
		e.log.Info("calls: call barred", "channel", ch.ID, "endpoint", channelEndpoint(ch.Name), "kind", kind)
		e.bar(ctx, ch, gate.Sound)
		return true
	}
	cfg := e.config()
	lctx, cancel := context.WithTimeout(ctx, cfg.LookupTimeout)
	var who Callee
	var found bool
	if kind == KindOutbound {
		who, found, err = e.dp.users.ByEndpoint(lctx, channelEndpoint(ch.Name))
	} else {
		who, found, err = e.dp.users.ByExtension(lctx, num)
	}
	cancel()
	devices := slices.Clone(who.Devices)
	if kind == KindInternal {
		// A user calling their own extension: their other devices ring,
		// not the one calling.
		self := channelEndpoint(ch.Name)
		devices = slices.DeleteFunc(devices, func(d string) bool { return strings.EqualFold(d, self) })
	}
	switch {
	case err != nil:
		e.log.Warn("calls: find the user of a dialplan call", "channel", ch.ID, "err", err)
		e.handBack(ctx, ch.ID, StatusFailed)
		return true
	case !found:
		e.handBack(ctx, ch.ID, StatusNoUser)
		return true
	case kind == KindOutbound:
		if gate.CallerName != "" {
			who.Name = gate.CallerName
		}
		e.startOutbound(ctx, ch, num, who, gate.CallerName)
		return true
	case e.inDND(ctx, kind, who):
		e.handBack(ctx, ch.ID, StatusDND)
		return true
	case len(devices) == 0:
		e.handBack(ctx, ch.ID, StatusNoDevice)
		return true
	}
	fromName := ch.Caller.Name
	if gate.CallerName != "" {
		fromName = gate.CallerName
	}
	if kind == KindInternal && fromName == "" {
		// The calling user's display name, when a user owns the calling
		// device and its endpoint sends no name.
		lctx, cancel := context.WithTimeout(ctx, cfg.LookupTimeout)
		if from, ok, err := e.dp.users.ByEndpoint(lctx, channelEndpoint(ch.Name)); err == nil && ok {
			fromName = from.Name
		}
		cancel()
	}
	id := e.callIDFor(ch.ID)
	now := e.clk.Now()
	s := &session{call: Call{ID: id, UserID: who.ID, Direction: Inbound, From: ch.Caller.Number, FromName: fromName,
		To: num, ToName: who.Name, Devices: devices, State: StateRinging, CreatedAt: now},
		userLegs: map[string]string{}, farLeg: ch.ID,
		in: &dialplanCall{kind: kind, caller: ch.ID, callerID: callerIDString(fromName, ch.Caller.Number),
			pending: slices.Clone(devices), deadline: now.Add(cfg.RingTimeout), placing: true}}
	e.mu.Lock()
	e.addCall(id, s)
	e.legs[ch.ID] = id
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventCreated, c))
	e.dp.wg.Add(1)
	go func() {
		defer e.dp.wg.Done()
		e.startRinging(ctx, id, kind, ch)
	}()
	return true
}

// startRinging tells the caller it rings (no answer yet), looks the
// caller's name up (inbound; bounded by calls.lookup_timeout, fail-open),
// then rings the user's devices.
func (e *Engine) startRinging(ctx context.Context, id string, kind Kind, ch ari.Channel) {
	if err := e.cli.Channels().Ring(ctx, ch.ID); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
		e.log.Warn("calls: indicate ringing to the caller", "call", id, "err", err)
	}
	if kind == KindInbound && ch.Caller.Number != "" {
		if name := e.lookupName(ctx, ch.Caller.Number); name != "" {
			e.mu.Lock()
			s := e.calls[id]
			changed := s != nil && s.call.State != StateEnded && s.call.FromName != name
			if changed {
				s.call.FromName = name
				s.in.callerID = callerIDString(name, ch.Caller.Number)
				e.publishLocked(ctx, s, callEvent(EventUpdated, snapshot(s)))
			} else {
				e.mu.Unlock()
			}
		}
	}
	e.mu.Lock()
	if s := e.calls[id]; s != nil {
		s.in.placing = false
	}
	e.mu.Unlock()
	e.ringNext(ctx, id)
}

// lookupName asks the directory for number's name; "" on a miss, an error
// or past calls.lookup_timeout (the ring never waits longer).
func (e *Engine) lookupName(ctx context.Context, number string) string {
	if e.dp.names == nil {
		return ""
	}
	lctx, cancel := context.WithTimeout(ctx, e.config().LookupTimeout)
	defer cancel()
	type answer struct {
		name string
		err  error
	}
	out := make(chan answer, 1)
	e.dp.wg.Add(1)
	go func() {
		defer e.dp.wg.Done()
		n, err := e.dp.names.Name(lctx, number)
		out <- answer{n, err}
	}()
	select {
	case a := <-out:
		if a.err != nil {
			e.log.Debug("calls: directory lookup failed; ringing with the caller ID as it came", "err", a.err)
			return ""
		}
		return a.name
	case <-lctx.Done():
		e.log.Debug("calls: directory lookup too slow; ringing with the caller ID as it came")
		return ""
	}
}

// ringNext rings what is next for a dialplan call whose devices are not
// (or no longer) ringing: every pending device (all), the next one
// (sequential), or, when none is left or the time is up, hands the caller
// back to the dialplan.
func (e *Engine) ringNext(ctx context.Context, id string) {
	cfg := e.config()
	for {
		e.mu.Lock()
		s := e.calls[id]
		if s == nil || s.call.State == StateEnded || s.userLeg != "" || s.in.handedBack || s.in.placing || len(s.userLegs) > 0 {
			e.mu.Unlock()
			return
		}
		in := s.in
		left := in.deadline.Sub(e.clk.Now())
		if len(in.pending) == 0 || left <= 0 {
			e.mu.Unlock()
			status, cause := in.outcome()
			e.giveUp(ctx, id, status, cause, "system")
			return
		}
		var devs []string
		timeout := left
		if cfg.RingStrategy == RingSequential && in.kind != KindGroup {
			devs, in.pending = in.pending[:1], in.pending[1:]
			timeout = min(cfg.RingDeviceTimeout, left)
		} else {
			devs, in.pending = in.pending, nil
		}
		legs := make([]string, len(devs))
		for i, d := range devs {
			in.legs++
			legs[i] = id + "-u" + strconv.Itoa(in.legs)
			s.userLegs[legs[i]] = d
			e.legs[legs[i]] = id
		}
		in.placing = true
		callerID, userID, caller := in.callerID, s.call.UserID, in.caller
		e.mu.Unlock()

		for i, d := range devs {
			// No auto-answer headers: an inbound call must ring.
			_, err := e.cli.Channels().Originate(ctx, ari.OriginateRequest{
				Endpoint: d, ChannelID: legs[i], App: e.app, AppArgs: []string{argRing, id},
				CallerID: callerID, Timeout: timeout,
				// The caller originates it: same linkedid (CDR, CEL) and
				// codecs as the caller's channel.
				Originator: caller,
				Variables:  map[string]string{"PBXAGENT_CALL": id, "PBXAGENT_USER": userID},
			})
			if err != nil {
				e.log.Warn("calls: ring the user's device", "call", id, "device", d, "err", err)
				e.mu.Lock()
				delete(s.userLegs, legs[i])
				delete(e.legs, legs[i])
				in.unavailable = true
				e.mu.Unlock()
			}
		}

		e.mu.Lock()
		in.placing = false
		var stale []string
		if s.call.State == StateEnded || in.handedBack || s.userLeg != "" {
			// Ended, handed back or answered while the originates were on
			// their way: what Asterisk did not have yet when the others
			// were hung up is hung up now.
			for _, l := range legs {
				if l != s.userLeg {
					stale = append(stale, l)
				}
			}
		}
		again := len(stale) == 0 && len(s.userLegs) == 0
		reason := ari.ReasonNormal
		if s.userLeg != "" || (s.grp != nil && s.grp.elsewhere) {
			reason = ari.ReasonAnsweredElsewhere
		}
		e.mu.Unlock()
		for _, l := range stale {
			e.hangup(ctx, l, reason)
		}
		if !again {
			return
		}
	}
}

// giveUp hands the caller of an unanswered dialplan call back to the
// dialplan (status in PBXAGENT_STATUS; the noanswer label, or the
// fallback label for a status pbxagent did not ring for) and ends the call
// with cause. Devices still ringing stop.
func (e *Engine) giveUp(ctx context.Context, id, status string, cause int, by string) bool {
	e.mu.Lock()
	s := e.calls[id]
	if s != nil && s.grp != nil && s.in != nil {
		return e.groupGiveUp(ctx, s, status, cause, by) // unlocks; the caller goes on waiting
	}
	if s == nil || s.call.State == StateEnded || s.in == nil || s.in.handedBack || s.call.AnsweredAt != nil ||
		(s.in.kind != KindOutbound && s.userLeg != "") {
		e.mu.Unlock()
		return false
	}
	s.in.handedBack = true
	caller := s.in.caller
	delete(e.legs, caller)
	e.mu.Unlock()
	e.handBack(ctx, caller, status)
	e.end(ctx, id, cause, by)
	return true
}

// handBack continues a caller in the dialplan: at calls.noanswer_label
// when the user's devices rang (NOANSWER, BUSY, CHANUNAVAIL), else at the
// fallback label, where the dialplan dials as if pbxagent were down. A
// missing label (404) continues at the next priority. PBXAGENT_STATUS says
// why (ARI channels/{id}/variable then channels/{id}/continue, see
// res/ari/resource_channels.c ast_ari_channels_continue_in_dialplan).
func (e *Engine) handBack(ctx context.Context, chanID, status string) {
	ctx = context.WithoutCancel(ctx)
	label := e.fallback
	switch status {
	case StatusNoAnswer, StatusBusy, StatusUnavailable, StatusDND, StatusBarred:
		label = e.config().NoAnswerLabel
	}
	chans := e.cli.Channels()
	if err := chans.SetVariable(ctx, chanID, VarStatus, status); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
		e.log.Warn("calls: set PBXAGENT_STATUS", "channel", chanID, "err", err)
	}
	err := chans.Continue(ctx, chanID, ari.DialplanTarget{Label: label})
	if ari.IsNotFound(err) && label != "" {
		err = chans.Continue(ctx, chanID, ari.DialplanTarget{})
	}
	if err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
		e.log.Warn("calls: hand a caller back to the dialplan", "channel", chanID, "label", label, "err", err)
	}
}

// dialplanInStasis handles a leg of a dialplan call entering the
// application: a device that answered (internal, inbound) or the
// destination that answered (outbound). Called with mu; unlocks it.
func (e *Engine) dialplanInStasis(ctx context.Context, s *session, chanID string) {
	id := s.call.ID
	if s.in.kind == KindOutbound {
		if chanID != s.farLeg || s.bridge != "" {
			e.mu.Unlock()
			return
		}
		s.bridge = id + "-bridge"
		e.bridges[s.bridge] = true
		caller := s.in.caller
		e.mu.Unlock()
		e.connect(ctx, id, caller, chanID)
		return
	}
	if _, ok := s.userLegs[chanID]; !ok {
		e.mu.Unlock()
		return
	}
	if s.userLeg != "" {
		e.mu.Unlock()
		e.hangup(ctx, chanID, ari.ReasonAnsweredElsewhere)
		return
	}
	if s.grp != nil {
		e.groupAnswered(ctx, s, chanID) // unlocks
		return
	}
	others := takeUserLeg(s, chanID)
	s.bridge = id + "-bridge"
	e.bridges[s.bridge] = true
	caller := s.in.caller
	e.mu.Unlock()
	slices.Sort(others)
	for _, o := range others {
		// As Dial() does for the phones that lost (apps/app_dial.c:
		// hanguptree with AST_CAUSE_ANSWERED_ELSEWHERE unless option Q
		// says otherwise): cause 26, answered elsewhere.
		e.hangup(ctx, o, ari.ReasonAnsweredElsewhere)
	}
	e.connect(ctx, id, caller, chanID)
}

// connect answers the caller (nothing is answered before a device or the
// destination does), bridges it with leg, and moves the call up.
func (e *Engine) connect(ctx context.Context, id, caller, leg string) {
	fail := func(what string, err error) {
		e.log.Warn("calls: "+what, "call", id, "err", err)
		e.end(ctx, id, ari.CauseFailure, "system")
	}
	if err := e.cli.Channels().Answer(ctx, caller); err != nil {
		if !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
			fail("answer the caller", err)
		}
		return // gone: its ChannelDestroyed ends the call
	}
	if e.isEnded(id) {
		return
	}
	bridge := id + "-bridge"
	if _, err := e.cli.Bridges().Create(ctx, ari.BridgeRequest{ID: bridge, Type: []string{"mixing"}, Name: "call " + id}); err != nil {
		fail("create the bridge", err)
		return
	}
	if e.isEnded(id) {
		e.destroyBridge(ctx, id, bridge)
		return
	}
	if err := e.cli.Bridges().AddChannel(ctx, bridge, ari.AddChannelRequest{Channels: []string{caller, leg}}); err != nil {
		if !ari.IsNotFound(err) {
			fail("bridge the call", err)
		}
		return
	}
	e.mu.Lock()
	s := e.calls[id]
	if s == nil || s.call.State == StateEnded {
		e.mu.Unlock()
		return
	}
	now := e.clk.Now()
	s.call.State, s.call.AnsweredAt = StateUp, &now
	e.publishAnswered(ctx, s)
	e.autoRecord(ctx, id)
}

// dialplanLegGone follows the end of a leg of a dialplan call. Called
// with mu held (the leg already dropped from e.legs); unlocks it. The
// user's leg is the device that answered (internal, inbound) or the
// calling phone (outbound); the far leg the caller (or whoever a transfer
// put in its place) or the destination.
func (e *Engine) dialplanLegGone(ctx context.Context, s *session, chanID string, cause int) {
	id, in := s.call.ID, s.in
	if cause == 0 {
		cause = ari.CauseNormalClearing
	}
	_, ringing := s.userLegs[chanID]
	switch {
	case chanID == s.userLeg:
		e.mu.Unlock()
		e.end(ctx, id, cause, "user")
	case chanID == s.farLeg:
		answered := s.call.AnsweredAt != nil
		if in.kind == KindOutbound && !answered && s.dialStatus != "" && cause == ari.CauseNormalClearing {
			if c := causeForDialStatus(s.dialStatus); c != 0 {
				cause = c
			}
		}
		userLeg := s.userLeg
		e.mu.Unlock()
		if in.kind == KindOutbound && !answered {
			// The user's phone hears why: busy, congestion, no answer.
			e.hangup(ctx, userLeg, hangupReason(cause))
		}
		e.end(ctx, id, cause, "destination")
	case ringing && s.userLeg == "":
		delete(s.userLegs, chanID)
		in.note(cause)
		e.mu.Unlock()
		e.ringNext(ctx, id)
	default:
		delete(s.userLegs, chanID)
		e.mu.Unlock()
	}
}

// decline hands an inbound or internal call still ringing on the user's
// devices back to the dialplan as busy (the user declined it through the
// API: DELETE /api/v1/calls/{id}); false for any other call.
func (e *Engine) decline(ctx context.Context, id string) bool {
	e.mu.Lock()
	s := e.calls[id]
	ok := s != nil && s.in != nil && s.in.kind != KindOutbound && s.userLeg == "" && s.call.State != StateEnded
	e.mu.Unlock()
	return ok && e.giveUp(ctx, id, StatusBusy, ari.CauseCallRejected, "api")
}

// releaseDialplan hands a dialplan call not answered yet back to the
// dialplan at the fallback label (status FAILED) when the daemon stops:
// the dialplan then dials as if pbxagent were down. False for any other
// call.
func (e *Engine) releaseDialplan(ctx context.Context, id string) bool {
	e.mu.Lock()
	s := e.calls[id]
	ok := s != nil && s.in != nil && s.call.AnsweredAt == nil
	e.mu.Unlock()
	return ok && e.giveUp(ctx, id, StatusFailed, ari.CauseNormalClearing, "system")
}
