package callgroups

import (
	"context"
	"time"
)

// Caller is a caller the dialplan sent to a group.
type Caller struct {
	// ID is the caller's channel id.
	ID     string
	Number string
	Name   string
}

// Offer asks the telephony to ring a member for a waiting caller.
type Offer struct {
	// ID is unique per offer; outcomes name it.
	ID string
	// Caller is the waiting caller's id.
	Caller  string
	GroupID string
	// GroupName is shown on the member's phone before the caller's name.
	GroupName string
	UserID    string
	// Timeout is how long the member's devices ring (the group's
	// ring_timeout).
	Timeout      time.Duration
	CallerNumber string
	CallerName   string
}

// Telephony is what the ACD asks of the PBX. Each method returns once the
// request is made; what follows comes back through the ACD's methods
// (Sink). Production: the calls engine (agent/calls, agent/feature_callgroups.go);
// simulations: testlab/acdsim.
type Telephony interface {
	// Wait answers the caller and lets them wait in the group: music on
	// hold of class mohClass (hold moh) or ringback.
	Wait(ctx context.Context, caller string, hold Hold, mohClass string) error
	// Announce plays sound files to a waiting caller (position, wait);
	// the caller goes on waiting after them.
	Announce(ctx context.Context, caller string, media []string) error
	// Offer rings the member's devices for the caller. Sink.OfferAnswered
	// (bridged) or Sink.OfferFailed follows.
	Offer(ctx context.Context, o Offer) error
	// Cancel stops an offer still ringing (another member answered, the
	// caller left); Sink.OfferFailed with OutcomeCanceled follows, or
	// nothing when it had ended already.
	Cancel(ctx context.Context, offerID string) error
	// Leave hands a waiting caller back to the dialplan at dest (empty:
	// the next priority) with QUEUESTATUS and PBXAGENT_STATUS set to exit.
	Leave(ctx context.Context, caller string, exit Exit, dest Destination) error
}

// Outcome is how an offer ended without a bridge.
type Outcome string

// Outcomes.
const (
	OutcomeNoAnswer    Outcome = "noanswer"    // rang for ring_timeout (RINGNOANSWER)
	OutcomeBusy        Outcome = "busy"        // every device refused
	OutcomeUnavailable Outcome = "unavailable" // no device could be reached
	OutcomeDeclined    Outcome = "declined"    // the member declined through the API
	OutcomeCanceled    Outcome = "canceled"    // Cancel, or the caller left
	OutcomeFailed      Outcome = "failed"      // an error
)

// Party is who ended a bridged group call.
type Party string

// Parties.
const (
	PartyCaller      Party = "caller"      // COMPLETECALLER
	PartyAgent       Party = "agent"       // COMPLETEAGENT
	PartyTransferred Party = "transferred" // the member transferred the caller (BLINDTRANSFER / ATTENDEDTRANSFER)
)

// Sink is what the telephony tells the ACD (*ACD implements it).
type Sink interface {
	// Enter: a caller the dialplan sent with Stasis(app,group,ID).
	// The ACD answers through Telephony (Wait, or Leave when the caller
	// may not join).
	Enter(ctx context.Context, c Caller, groupID string)
	// CallerGone: the caller hung up (while waiting or ringing a member:
	// ABANDON) or went elsewhere.
	CallerGone(ctx context.Context, caller string)
	// OfferAnswered: the member answered and is bridged with the caller;
	// callID is the member's call in the calls engine.
	OfferAnswered(ctx context.Context, offerID, callID string)
	// OfferFailed: the offer ended without a bridge.
	OfferFailed(ctx context.Context, offerID string, o Outcome)
	// CallEnded: a bridged group call ended.
	CallEnded(ctx context.Context, offerID string, by Party)
}

// MemberPresence is what presence says of a user, for the skip rules and
// the wallboard's icons.
type MemberPresence struct {
	DND, Away  bool
	Registered bool
	// OnCall: the user has a call (ringing, talking or held) anywhere,
	// not only this group's.
	OnCall bool
}

// Presence tells the ACD about users (agent/presence in production).
// The ACD's PresenceChanged is called when any of it changes.
type Presence interface {
	Presence(userID string) MemberPresence
}

// User is a user as the ACD shows them.
type User struct {
	ID        string
	Name      string
	Extension string
	Enabled   bool
}

// Directory finds users (the users service in production).
type Directory interface {
	User(id string) (User, bool)
}
