package calls

import (
	"context"
	"errors"
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
