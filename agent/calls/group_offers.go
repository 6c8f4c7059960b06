package calls

import (
	"context"
	"slices"

	"github.com/pbxagent/pbxagent/ari"
)

// How an offer ends: the ringing legs of offers that stop, the sink told
// of each offer's outcome, and the answer that takes the caller.

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
