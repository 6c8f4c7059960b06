package calls

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/pbxagent/pbxagent/ari"
)

// Call groups: the PBX side of the ACD (agent/callgroups). The dialplan
// sends a caller with Stasis(pbxagent-calls,group,ID); the engine hands
// it to the GroupSink (the ACD, through an adapter in agent/), which
// answers through the Group* methods (group_telephony.go): the caller
// waits in the group's holding bridge, members are offered the call, the
// member who answers gets a normal inbound call of theirs (the caller is
// its far leg), and the ACD hears of every outcome.
//
// An offer is a session like an inbound dialplan call's (dialplanCall of
// kind group) whose caller is not mapped in Engine.legs while it rings:
// ring-all offers several members the same caller at once, each with a
// session of their own. The session that answers takes the caller
// (legs[caller] = its call id); the others end with cause 26.

// GroupOutcome is how an offer ended without a bridge (the ACD's
// callgroups.Outcome).
type GroupOutcome string

// Offer outcomes.
const (
	GroupNoAnswer    GroupOutcome = "noanswer"    // rang for the offer's timeout
	GroupBusy        GroupOutcome = "busy"        // every device refused
	GroupUnavailable GroupOutcome = "unavailable" // no device could be reached (or none)
	GroupDeclined    GroupOutcome = "declined"    // the member declined through the API
	GroupCanceled    GroupOutcome = "canceled"    // GroupCancel, the caller left, or another member answered
	GroupFailed      GroupOutcome = "failed"      // an error
)

// GroupParty is who ended a bridged group call (the ACD's
// callgroups.Party).
type GroupParty string

// Parties.
const (
	GroupPartyCaller      GroupParty = "caller"      // the caller hung up
	GroupPartyAgent       GroupParty = "agent"       // the member (or the API, or pbxagent) ended it
	GroupPartyTransferred GroupParty = "transferred" // the member transferred the caller
)

// GroupCaller is a caller the dialplan sent to a group.
type GroupCaller struct {
	// ID is the caller's channel id.
	ID     string
	Number string
	Name   string
}

// GroupSink is told what happens to group callers and offers (the ACD's
// callgroups.Sink, through an adapter). Its methods are called from the
// engine's goroutines, never while the engine holds a lock, and may call
// the Group* methods.
type GroupSink interface {
	// Enter: a caller the dialplan sent with Stasis(app,group,ID).
	Enter(ctx context.Context, c GroupCaller, groupID string)
	// CallerGone: the caller hung up while waiting or while an offer
	// rang, or pbxagent handed it back to the dialplan (stop, restart).
	CallerGone(ctx context.Context, caller string)
	// OfferAnswered: the member answered and is bridged with the caller;
	// callID is the member's call.
	OfferAnswered(ctx context.Context, offerID, callID string)
	// OfferFailed: the offer ended without a bridge.
	OfferFailed(ctx context.Context, offerID string, o GroupOutcome)
	// CallEnded: a bridged group call ended.
	CallEnded(ctx context.Context, offerID string, by GroupParty)
}

// WithGroups makes the engine hand the callers of
// Stasis(app,group,ID) to s (see also SetGroupSink). Without a sink they
// are handed back at the fallback label with PBXAGENT_STATUS=FAILED.
func WithGroups(s GroupSink) Option { return func(e *Engine) { e.grp.sink = s } }

// SetGroupSink sets (or, nil, removes) the sink of group callers once
// the engine runs: the ACD is built after the engine.
func (e *Engine) SetGroupSink(s GroupSink) {
	e.mu.Lock()
	e.grp.sink = s
	e.mu.Unlock()
}

// causeAnsweredElsewhere is Q.850 cause 26, the cause of the legs that
// lost to another member's answer (as Dial() gives the phones that lost).
const causeAnsweredElsewhere = 26

// ErrNoGroupCaller: no caller of this id waits in a group.
var ErrNoGroupCaller = errors.New("no such group caller")

// errGroupsStopped: the engine does not run (any more).
var errGroupsStopped = errors.New("calls: the engine is not running")

// VarQueueStatus is the channel variable a caller leaving a group
// carries, as app_queue's Queue() sets it (TIMEOUT, FULL, JOINEMPTY,
// LEAVEEMPTY; FAILED when pbxagent could not go on), beside
// PBXAGENT_STATUS.
const VarQueueStatus = "QUEUESTATUS"

// Ids the group part makes: the holding bridge of a group
// ("pbxgroup-sales") and the playbacks of announcements.
const (
	groupBridgePrefix   = "pbxgroup-"
	groupPlaybackPrefix = "pbxgroup-ann-"
)

// groupState is the engine's group part. Maps guarded by Engine.mu.
type groupState struct {
	sink    GroupSink
	callers map[string]*groupCaller   // caller channel id
	offers  map[string]string         // offer id -> call id
	bridges map[string]*holdingBridge // group id
	annSeq  int

	// ctx is Run's: the work the Group* methods start runs under it and
	// wg holds it; stopped once Run returns.
	ctx     context.Context
	stopped bool
	wg      sync.WaitGroup
}

// groupCaller is a caller in a group.
type groupCaller struct {
	id, group string
	number    string
	name      string
	exten     string // the extension the caller dialled (the call's To)
	// op orders the requests about the caller (wait, announce, the move
	// to a member, leave). Taken before Engine.mu, never inside it.
	op sync.Mutex

	// Guarded by Engine.mu.
	offers   map[string]string // offer id -> call id, while ringing
	answered string            // the call that took the caller
	ringback bool              // waits hearing ringback (not MOH)
	plays    map[string]bool   // announcements playing (playback ids)
	// lastPlayback is the id of the last announcement Asterisk took.
	lastPlayback string
	done         bool // gone, left or taken: nothing more to do
}

// holdingBridge is a group's holding bridge. mu orders its creation,
// music and destruction; callers is guarded by mu.
type holdingBridge struct {
	mu      sync.Mutex
	id      string
	made    bool
	moh     string // class of the music playing
	mohOn   bool
	callers map[string]bool
}

// groupLeg is the group part of an offer's session. Guarded by
// Engine.mu, except the notification flags (nmu).
type groupLeg struct {
	offer, caller, group string
	// outcome is why the offer ended unanswered; the first to set it
	// wins.
	outcome GroupOutcome
	// elsewhere: another member took the caller; legs end with cause 26.
	elsewhere bool

	// nmu orders the sink calls of the offer: OfferAnswered before
	// CallEnded, one final call.
	nmu          sync.Mutex
	sentAnswered bool
	sentFinal    bool
}

// groups initialises the maps. Called with mu.
func (e *Engine) groups() *groupState {
	if e.grp.callers == nil {
		e.grp.callers, e.grp.offers, e.grp.bridges = map[string]*groupCaller{}, map[string]string{}, map[string]*holdingBridge{}
	}
	return &e.grp
}

// groupsStart lets the Group* methods start work under ctx (Run's).
func (e *Engine) groupsStart(ctx context.Context) {
	e.mu.Lock()
	e.grp.ctx, e.grp.stopped = ctx, false
	e.mu.Unlock()
}

// groupsStop refuses new work and waits for the work started.
func (e *Engine) groupsStop() {
	e.mu.Lock()
	e.grp.stopped = true
	e.mu.Unlock()
	e.grp.wg.Wait()
}

// spawn runs f on a goroutine the engine owns (Run waits for it); an
// error when the engine does not run.
func (e *Engine) spawn(f func(ctx context.Context)) error {
	e.mu.Lock()
	if e.grp.stopped || e.grp.ctx == nil {
		e.mu.Unlock()
		return errGroupsStopped
	}
	ctx := e.grp.ctx
	e.grp.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.grp.wg.Done()
		f(ctx)
	}()
	return nil
}

// groupEnter takes on a caller the dialplan sent to a group: it is handed
// to the sink, or back to the dialplan (INVALID arguments, FAILED without
// a sink).
func (e *Engine) groupEnter(ctx context.Context, ch ari.Channel, args []string) {
	_, id, err := ParseStasisArgs(args)
	if err != nil {
		e.log.Warn("calls: group caller with bad Stasis arguments; handing it back", "channel", ch.ID, "err", err)
		e.groupHandBack(ctx, ch.ID, StatusInvalid)
		return
	}
	e.mu.Lock()
	sink := e.grp.sink
	if sink == nil {
		e.mu.Unlock()
		e.log.Warn("calls: a caller for a call group, but call groups are off; handing it back", "channel", ch.ID, "group", id)
		e.groupHandBack(ctx, ch.ID, StatusFailed)
		return
	}
	e.groups().callers[ch.ID] = &groupCaller{id: ch.ID, group: id, number: ch.Caller.Number, name: ch.Caller.Name,
		exten: ch.Dialplan.Exten, offers: map[string]string{}, plays: map[string]bool{}}
	e.mu.Unlock()
	sink.Enter(ctx, GroupCaller{ID: ch.ID, Number: ch.Caller.Number, Name: ch.Caller.Name}, id)
}

// groupHandBack hands a group caller pbxagent does not keep back to the
// dialplan at the fallback label: QUEUESTATUS=FAILED and PBXAGENT_STATUS
// status (FAILED, INVALID).
func (e *Engine) groupHandBack(ctx context.Context, chanID, status string) {
	ctx = context.WithoutCancel(ctx)
	if err := e.cli.Channels().SetVariable(ctx, chanID, VarQueueStatus, StatusFailed); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
		e.log.Warn("calls: set QUEUESTATUS", "channel", chanID, "err", err)
	}
	e.handBack(ctx, chanID, status)
}

// groupGone follows the end of a channel no session owns: a group caller
// that hangs up while it waits (or while offers ring) is gone — the sink
// hears it first, then the offers end (the members' calls end as missed,
// by the destination).
func (e *Engine) groupGone(ctx context.Context, chanID string, cause int) {
	e.mu.Lock()
	gc := e.grp.callers[chanID]
	if gc == nil || gc.answered != "" {
		e.mu.Unlock()
		return
	}
	delete(e.grp.callers, chanID)
	gc.done = true
	offers := e.takeOffersLocked(gc, GroupCanceled, false)
	sink := e.grp.sink
	e.mu.Unlock()
	if sink != nil {
		sink.CallerGone(ctx, chanID)
	}
	if cause == 0 {
		cause = ari.CauseNormalClearing
	}
	for _, o := range offers {
		e.endOffer(ctx, o, cause, "destination")
	}
	e.unhold(ctx, gc)
}

// endingOffer is an offer being ended: its session and the legs to hang
// up.
type endingOffer struct {
	id        string
	legs      []string
	elsewhere bool
}

// takeOffersLocked readies every offer of gc still ringing for its end.
// Called with mu.
func (e *Engine) takeOffersLocked(gc *groupCaller, o GroupOutcome, elsewhere bool) []endingOffer {
	ids := make([]string, 0, len(gc.offers))
	for _, cid := range gc.offers {
		ids = append(ids, cid)
	}
	slices.Sort(ids)
	var out []endingOffer
	for _, cid := range ids {
		if s := e.calls[cid]; s != nil {
			if eo, ok := e.prepEndOfferLocked(s, o, elsewhere); ok {
				out = append(out, eo)
			}
		}
	}
	return out
}

// prepEndOfferLocked readies an offer still ringing for its end: the
// outcome set (unless set already), its ringing legs taken out of the
// call so that their ends are not followed, and ringNext told to stop
// (handedBack). False when the offer is answered or over. Called with mu.
func (e *Engine) prepEndOfferLocked(s *session, o GroupOutcome, elsewhere bool) (endingOffer, bool) {
	if s.grp == nil || s.in == nil || s.call.State == StateEnded || s.userLeg != "" || s.in.handedBack {
		return endingOffer{}, false
	}
	if s.grp.outcome == "" {
		s.grp.outcome = o
	}
	s.grp.elsewhere = s.grp.elsewhere || elsewhere
	s.in.handedBack = true
	eo := endingOffer{id: s.call.ID, elsewhere: s.grp.elsewhere}
	for l := range s.userLegs {
		eo.legs = append(eo.legs, l)
		delete(e.legs, l)
	}
	clear(s.userLegs)
	slices.Sort(eo.legs)
	return eo, true
}

// endOffer hangs up an offer's ringing legs (cause 26 when another member
// took the caller) and ends its session (the sink hears OfferFailed).
func (e *Engine) endOffer(ctx context.Context, o endingOffer, cause int, by string) {
	reason := ari.ReasonNormal
	if o.elsewhere {
		reason, cause = ari.ReasonAnsweredElsewhere, causeAnsweredElsewhere
	}
	for _, l := range o.legs {
		e.hangup(ctx, l, reason)
	}
	e.end(ctx, o.id, cause, by)
}

// unhold drops a caller that left the group's holding bridge (moved to a
// member, gone, handed back) from the bridge's count, and destroys the
// bridge once nobody waits in it: its music stops with it.
func (e *Engine) unhold(ctx context.Context, gc *groupCaller) {
	e.mu.Lock()
	hb := e.groups().bridges[gc.group]
	e.mu.Unlock()
	if hb == nil {
		return
	}
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if !hb.callers[gc.id] {
		return
	}
	delete(hb.callers, gc.id)
	if len(hb.callers) > 0 || !hb.made {
		return
	}
	hb.made, hb.mohOn, hb.moh = false, false, ""
	e.mu.Lock()
	delete(e.bridges, hb.id)
	e.mu.Unlock()
	e.destroyBridge(ctx, gc.group, hb.id)
}

// groupOutcome is the outcome of an offer given up with a dialplan
// status.
func groupOutcome(status, by string) GroupOutcome {
	if by == "api" {
		return GroupDeclined
	}
	switch status {
	case StatusNoAnswer:
		return GroupNoAnswer
	case StatusBusy:
		return GroupBusy
	case StatusUnavailable, StatusNoDevice:
		return GroupUnavailable
	}
	return GroupFailed
}

// groupGiveUp ends an offer nobody answered (ringNext ran out of time or
// devices, the member declined, the daemon stops): the caller goes on
// waiting. Called with mu held; unlocks it.
func (e *Engine) groupGiveUp(ctx context.Context, s *session, status string, cause int, by string) bool {
	ok := s.call.State != StateEnded && !s.in.handedBack && s.userLeg == "" && s.call.AnsweredAt == nil
	if ok {
		s.in.handedBack = true
		if s.grp.outcome == "" {
			s.grp.outcome = groupOutcome(status, by)
		}
	}
	id := s.call.ID
	e.mu.Unlock()
	if ok {
		e.end(ctx, id, cause, by)
	}
	return ok
}

// partyOf says who ended a bridged group call from its ended_by.
func partyOf(endedBy string) GroupParty {
	switch endedBy {
	case "destination":
		return GroupPartyCaller
	case "transfer":
		return GroupPartyTransferred
	}
	return GroupPartyAgent // user, api, system
}

// groupEnded tells the sink how an offer's session ended: CallEnded
// (after OfferAnswered if it was not sent yet) for a call that was
// bridged, else OfferFailed. A caller lost with a call that took it but
// never bridged is gone too.
func (e *Engine) groupEnded(ctx context.Context, g *groupLeg, c Call) {
	e.mu.Lock()
	delete(e.grp.offers, g.offer)
	callerLost := false
	if gc := e.grp.callers[g.caller]; gc != nil {
		delete(gc.offers, g.offer)
		if gc.answered == c.ID {
			delete(e.grp.callers, g.caller)
			gc.done = true
			callerLost = c.AnsweredAt == nil
		}
	}
	outcome := g.outcome
	sink := e.grp.sink
	e.mu.Unlock()
	if outcome == "" {
		outcome = GroupFailed
	}
	if sink == nil {
		return
	}
	g.nmu.Lock()
	if !g.sentFinal {
		g.sentFinal = true
		if c.AnsweredAt != nil {
			if !g.sentAnswered {
				g.sentAnswered = true
				sink.OfferAnswered(ctx, g.offer, c.ID)
			}
			sink.CallEnded(ctx, g.offer, partyOf(c.EndedBy))
		} else {
			sink.OfferFailed(ctx, g.offer, outcome)
		}
	}
	g.nmu.Unlock()
	if callerLost {
		sink.CallerGone(ctx, g.caller)
	}
}

// groupAnswered: a member's device answered an offer. The first answer
// takes the caller: the other offers of the caller stop ringing (cause
// 26), the caller moves from the holding bridge into the call's mixing
// bridge (addChannel departs it from the holding bridge), and the sink
// hears OfferAnswered, then OfferFailed(canceled) of the other offers.
// An answer after the caller was taken or left ends its offer. Called
// with mu held; unlocks it.
func (e *Engine) groupAnswered(ctx context.Context, s *session, chanID string) {
	g, id := s.grp, s.call.ID
	gc := e.grp.callers[g.caller]
	if gc == nil || gc.done || gc.answered != "" || s.in.handedBack {
		elsewhere := gc != nil && gc.answered != "" && gc.answered != id
		eo, ok := e.prepEndOfferLocked(s, GroupCanceled, elsewhere)
		e.mu.Unlock()
		e.hangup(ctx, chanID, ari.ReasonAnsweredElsewhere)
		if ok {
			e.endOffer(ctx, eo, ari.CauseNormalClearing, "system")
		}
		return
	}
	others := takeUserLeg(s, chanID)
	gc.answered = id
	delete(gc.offers, g.offer)
	s.bridge = id + "-bridge"
	e.bridges[s.bridge] = true
	e.legs[g.caller] = id
	siblings := e.takeOffersLocked(gc, GroupCanceled, true)
	sink := e.grp.sink
	e.mu.Unlock()
	slices.Sort(others)
	for _, o := range others {
		e.hangup(ctx, o, ari.ReasonAnsweredElsewhere)
	}
	for _, o := range siblings {
		for _, l := range o.legs {
			e.hangup(ctx, l, ari.ReasonAnsweredElsewhere)
		}
	}
	gc.op.Lock()
	if e.groupRingback(gc) {
		if err := e.cli.Channels().StopRing(ctx, gc.id); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
			e.log.Warn("calls: stop the ringback of a group caller", "channel", gc.id, "err", err)
		}
	}
	e.stopAnnouncements(ctx, gc)
	e.connect(ctx, id, g.caller, chanID)
	gc.op.Unlock()
	e.unhold(ctx, gc)
	e.mu.Lock()
	up := s.call.State != StateEnded && s.call.AnsweredAt != nil
	e.mu.Unlock()
	if up && sink != nil {
		g.nmu.Lock()
		if !g.sentFinal && !g.sentAnswered {
			g.sentAnswered = true
			sink.OfferAnswered(ctx, g.offer, id)
		}
		g.nmu.Unlock()
	}
	for _, o := range siblings {
		e.end(ctx, o.id, causeAnsweredElsewhere, "system")
	}
}

// groupRingback reports whether gc waits hearing ringback.
func (e *Engine) groupRingback(gc *groupCaller) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return gc.ringback
}

// groupTrackedLocked reports whether chanID is a caller waiting in a
// group (the reconciliation leaves it be). Called with mu.
func (e *Engine) groupTrackedLocked(chanID string) bool {
	_, ok := e.grp.callers[chanID]
	return ok
}
