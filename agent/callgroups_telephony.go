package agent

import (
	"context"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/ari"
)

// newGroupTelephony is the call groups' telephony over the calls engine
// (the engine's Group* methods), and makes the engine hand the callers of
// Stasis(pbxagent-calls,group,ID) to sink. The engine is built before the
// ACD (feature_calls.go), so the sink is given to it here, late; until
// then such callers are handed back FAILED. Nil when there is no calls
// engine (no ARI connection or no users).
func newGroupTelephony(b *build, sink callgroups.Sink) callgroups.Telephony {
	if b.d.callsEng == nil || sink == nil {
		return nil
	}
	b.d.callsEng.SetGroupSink(groupSink{sink})
	return groupTelephony{eng: b.d.callsEng, users: b.d.users}
}

// groupTelephony implements callgroups.Telephony with the calls engine.
type groupTelephony struct {
	eng   *calls.Engine
	users *users.Service
}

// Wait implements callgroups.Telephony.
func (t groupTelephony) Wait(ctx context.Context, caller string, hold callgroups.Hold, mohClass string) error {
	return t.eng.GroupWait(ctx, caller, hold == callgroups.HoldRingback, mohClass)
}

// Announce implements callgroups.Telephony.
func (t groupTelephony) Announce(ctx context.Context, caller string, media []string) error {
	return t.eng.GroupAnnounce(ctx, caller, media)
}

// Offer implements callgroups.Telephony: the member's devices are their
// devices.endpoints (none, or no such user: OfferFailed unavailable).
func (t groupTelephony) Offer(ctx context.Context, o callgroups.Offer) error {
	req := calls.GroupOffer{ID: o.ID, Caller: o.Caller, GroupID: o.GroupID, GroupName: o.GroupName, UserID: o.UserID,
		Timeout: o.Timeout, CallerNumber: o.CallerNumber, CallerName: o.CallerName}
	if t.users != nil {
		if u, ok := t.users.ByID(o.UserID); ok { // enabled users only
			req.Devices = append([]string(nil), u.Devices.Endpoints...)
			req.UserName = u.DisplayName
			if req.UserName == "" {
				req.UserName = u.Username
			}
		}
	}
	return t.eng.GroupOffer(ctx, req)
}

// Cancel implements callgroups.Telephony.
func (t groupTelephony) Cancel(ctx context.Context, offerID string) error {
	return t.eng.GroupCancel(ctx, offerID)
}

// Leave implements callgroups.Telephony.
func (t groupTelephony) Leave(ctx context.Context, caller string, exit callgroups.Exit, dest callgroups.Destination) error {
	return t.eng.GroupLeave(ctx, caller, string(exit), ari.DialplanTarget{Context: dest.Context, Extension: dest.Extension,
		Priority: dest.Priority, Label: dest.Label})
}

// groupSink gives the engine's group events to the ACD.
type groupSink struct{ s callgroups.Sink }

// Enter implements calls.GroupSink.
func (g groupSink) Enter(ctx context.Context, c calls.GroupCaller, groupID string) {
	g.s.Enter(ctx, callgroups.Caller{ID: c.ID, Number: c.Number, Name: c.Name}, groupID)
}

// CallerGone implements calls.GroupSink.
func (g groupSink) CallerGone(ctx context.Context, caller string) { g.s.CallerGone(ctx, caller) }

// OfferAnswered implements calls.GroupSink.
func (g groupSink) OfferAnswered(ctx context.Context, offerID, callID string) {
	g.s.OfferAnswered(ctx, offerID, callID)
}

// OfferFailed implements calls.GroupSink.
func (g groupSink) OfferFailed(ctx context.Context, offerID string, o calls.GroupOutcome) {
	g.s.OfferFailed(ctx, offerID, callgroups.Outcome(o))
}

// CallEnded implements calls.GroupSink.
func (g groupSink) CallEnded(ctx context.Context, offerID string, by calls.GroupParty) {
	g.s.CallEnded(ctx, offerID, callgroups.Party(by))
}
