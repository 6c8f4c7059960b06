package calls

import (
	"context"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// startOutbound follows a call a user's device dials out through the
// dialplan (Stasis(app,outbound,NUMBER)): the number is dialled with
// ari.calls_dial like a click-to-call's destination, the user's phone
// hears it ring (ARI ring, nothing answered yet), and both are bridged
// when it answers. The user's channel is the call's user leg. name, when
// set, is the caller ID name the destination sees (the gate's).
func (e *Engine) startOutbound(ctx context.Context, ch ari.Channel, to string, who Callee, name string) {
	id := e.callIDFor(ch.ID)
	ep := channelEndpoint(ch.Name)
	from := ch.Caller.Number
	if from == "" {
		from = who.Extension
	}
	s := &session{call: Call{ID: id, UserID: who.ID, Direction: Outbound, From: from, FromName: who.Name, To: to,
		Devices: []string{ep}, Device: ep, State: StateDialing, CreatedAt: e.clk.Now()},
		userLegs: map[string]string{}, userLeg: ch.ID, farLeg: id + "-far",
		in: &dialplanCall{kind: KindOutbound, caller: ch.ID}}
	e.mu.Lock()
	e.addCall(id, s)
	e.legs[ch.ID] = id
	e.legs[s.farLeg] = id
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventCreated, c))
	e.dp.wg.Add(1)
	go func() {
		defer e.dp.wg.Done()
		e.dialOut(ctx, id, ch, to, name)
	}()
}

// dialOut looks the dialled number's name up (bounded, fail-open), then
// dials it.
func (e *Engine) dialOut(ctx context.Context, id string, ch ari.Channel, to, name string) {
	if name := e.lookupName(ctx, to); name != "" {
		e.mu.Lock()
		s := e.calls[id]
		if s != nil && s.call.State != StateEnded {
			s.call.ToName = name
			e.publishLocked(ctx, s, callEvent(EventUpdated, snapshot(s)))
		} else {
			e.mu.Unlock()
		}
	}
	if e.isEnded(id) {
		return
	}
	if err := e.cli.Channels().Ring(ctx, ch.ID); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
		e.log.Warn("calls: indicate ringing to the user", "call", id, "err", err)
	}
	e.mu.Lock()
	userID := ""
	if s := e.calls[id]; s != nil {
		userID = s.call.UserID
	}
	e.mu.Unlock()
	if name == "" {
		name = ch.Caller.Name
	}
	_, err := e.cli.Channels().Originate(ctx, ari.OriginateRequest{
		Endpoint: strings.ReplaceAll(e.dial, "{to}", to), ChannelID: id + "-far", App: e.app,
		AppArgs: []string{argFar, id}, Timeout: e.farRing, CallerID: callerIDString(name, ch.Caller.Number),
		Originator: ch.ID,
		Variables:  map[string]string{"PBXAGENT_CALL": id, "PBXAGENT_USER": userID},
	})
	if err != nil {
		e.log.Warn("calls: dial out for a user", "call", id, "err", err)
		// The dialplan dials it itself, as if pbxagent were down.
		e.giveUp(ctx, id, StatusFailed, ari.CauseFailure, "system")
		return
	}
	if e.isEnded(id) {
		e.hangup(ctx, id+"-far", ari.ReasonNormal)
		return
	}
}
