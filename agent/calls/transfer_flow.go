package calls

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/ari"
)

// CompleteTransfer completes an attended transfer: the transferee and the
// recipient are bridged and the user's leg is hung up (the call ends for
// the user with ended_by "transfer"). While the recipient still rings the
// transfer turns blind: the transferee hears ringback and is bridged with
// the recipient when it answers.
func (e *Engine) CompleteTransfer(ctx context.Context, v Viewer, id string) (Transfer, error) {
	x, err := e.liveTransfer(v, id)
	if err != nil {
		return Transfer{}, err
	}
	if err := e.complete(ctx, x, ReasonAPI); err != nil {
		return Transfer{}, err
	}
	return e.transferNow(x), nil
}

// CancelTransfer cancels an attended transfer: the recipient's leg is hung
// up and the user talks to the transferee again.
func (e *Engine) CancelTransfer(ctx context.Context, v Viewer, id string) (Transfer, error) {
	x, err := e.liveTransfer(v, id)
	if err != nil {
		return Transfer{}, err
	}
	e.mu.Lock()
	if x.userGone {
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: a blind transfer cannot be cancelled", ErrState)
	}
	e.mu.Unlock()
	if x.sip != nil {
		e.sipConsultCancel(ctx, x) // sipcall_attended.go
		return e.transferNow(x), nil
	}
	e.endTransfer(ctx, x, TransferCancelled, ReasonAPI, 0)
	return e.transferNow(x), nil
}

// SwapTransfer alternates, during an answered attended transfer, whom the
// user talks to: the transferee or the recipient (the other hears music
// on hold).
func (e *Engine) SwapTransfer(ctx context.Context, v Viewer, id string) (Transfer, error) {
	x, err := e.liveTransfer(v, id)
	if err != nil {
		return Transfer{}, err
	}
	if x.sip != nil {
		return e.sipSwap(ctx, x) // sipcall_attended.go
	}
	e.mu.Lock()
	if x.t.State != TransferAnswered || x.userGone {
		st := x.t.State
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: the transfer is %s, not answered", ErrState, st)
	}
	toTransferee := x.t.Talking != TalkingTransferee
	if toTransferee {
		x.t.Talking = TalkingTransferee
	} else {
		x.t.Talking = TalkingRecipient
	}
	var c Call
	s := e.calls[x.t.CallID]
	if s != nil {
		s.call.State = StateHeld
		if toTransferee {
			s.call.State = StateUp
		}
		c = snapshot(s)
	}
	t := x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	bridge, talk, hold := x.consult, x.recipient, x.transferee
	if toTransferee {
		bridge, talk, hold = x.callBridge, x.transferee, x.recipient
	}
	e.holdParty(ctx, hold, t.ID)
	if err := e.cli.Bridges().AddChannel(ctx, bridge, ari.AddChannelRequest{Channels: []string{x.userLeg}}); err != nil {
		tk.publish(ctx)
		return Transfer{}, fmt.Errorf("calls: transfer %s: swap: %w", t.ID, err)
	}
	e.unholdParty(ctx, talk, t.ID)
	e.save(ctx, x)
	evs := []publication{transferEvent(EventTransferUpdated, t)}
	if s != nil {
		evs = append(evs, callEvent(EventUpdated, c))
	}
	tk.publish(ctx, evs...)
	return t, nil
}

// liveTransfer returns a transfer in progress the viewer may see.
func (e *Engine) liveTransfer(v Viewer, id string) (*xfer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.txs().byID[id]
	if x == nil || !v.All && (v.UserID == "" || v.UserID != x.t.UserID) {
		return nil, ErrTransferNotFound
	}
	if x.t.State.final() {
		return nil, fmt.Errorf("%w: the transfer is %s", ErrState, x.t.State)
	}
	return x, nil
}

// complete completes an attended transfer (API, or the user hanging up
// during the consultation, as Asterisk's own attended transfer does).
//
// Channels move between the call's and the consultation's bridges with
// bridges/{id}/addChannel alone: Asterisk departs a channel from the
// Stasis bridge it is in before adding it to another
// (control_swap_channel_in_bridge in res/stasis/control.c).
func (e *Engine) complete(ctx context.Context, x *xfer, reason string) error {
	if x.sip != nil {
		return e.sipComplete(ctx, x, reason) // sipcall_attended.go
	}
	e.mu.Lock()
	if x.t.State.final() || x.userGone {
		st := x.t.State
		e.mu.Unlock()
		return fmt.Errorf("%w: the transfer is %s", ErrState, st)
	}
	answered := x.t.State == TransferAnswered
	heldRecipient := x.t.Talking == TalkingTransferee
	x.userGone = true
	if answered {
		x.paired = true
		e.finishLocked(x, TransferCompleted, reason, 0)
	} else {
		x.reason = reason
	}
	delete(e.bridges, x.consult)
	t := x.t
	tk := e.ticket(e.calls[t.CallID])
	e.mu.Unlock()
	bridges := e.cli.Bridges()
	if answered {
		if err := bridges.AddChannel(ctx, x.callBridge, ari.AddChannelRequest{Channels: []string{x.recipient}}); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: transfer: bridge the recipient with the transferee", "transfer", t.ID, "err", err)
		}
		if heldRecipient {
			e.unholdParty(ctx, x.recipient, t.ID)
		} else {
			e.unholdParty(ctx, x.transferee, t.ID)
		}
	} else {
		e.stopRingback(ctx, x)
		e.unholdParty(ctx, x.transferee, t.ID)
		e.ringback(ctx, x.callBridge, t.ID)
	}
	e.destroyBridge(ctx, t.ID, x.consult)
	if answered {
		tk.publish(ctx, transferEvent(EventTransferCompleted, t))
	} else {
		tk.publish(ctx, transferEvent(EventTransferUpdated, e.transferNow(x)))
	}
	e.detach(ctx, x) // call_ended after the transfer's event
	e.save(ctx, x)
	return nil
}

// abandon ends a transfer whose recipient did not answer or hung up.
func (e *Engine) abandon(ctx context.Context, x *xfer, cause int) {
	e.mu.Lock()
	reason := ReasonRecipientFailed
	if x.t.State == TransferAnswered {
		reason = ReasonRecipientHangup
	}
	e.mu.Unlock()
	e.endTransfer(ctx, x, TransferAbandoned, reason, cause)
}

// endTransfer cancels or abandons a transfer: the recipient's leg is hung
// up; the user gets the transferee back, or, when the user has left (a
// blind transfer), the transferee is hung up with the recipient's cause.
func (e *Engine) endTransfer(ctx context.Context, x *xfer, st TransferState, reason string, cause int) {
	e.mu.Lock()
	if !e.finishLocked(x, st, reason, cause) {
		e.mu.Unlock()
		return
	}
	detached, refer := x.detached, x.refer
	var c Call
	s := e.calls[x.t.CallID]
	callLive := !detached && s != nil && s.call.State != StateEnded
	if callLive {
		s.call.State = StateUp
		c = snapshot(s)
	}
	if !detached {
		delete(e.legs, x.recipient)
	}
	e.forgetLocked(x)
	t := x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	e.stopRingback(ctx, x)
	e.hangup(ctx, x.recipient, ari.ReasonNormal)
	if detached {
		e.hangup(ctx, x.transferee, hangupReason(cause))
		e.destroyBridge(ctx, t.ID, x.callBridge)
	} else if callLive {
		if err := e.cli.Bridges().AddChannel(context.WithoutCancel(ctx), x.callBridge, ari.AddChannelRequest{Channels: []string{x.userLeg}}); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: transfer: back to the transferee", "transfer", t.ID, "err", err)
		}
		if x.t.Mode == Attended {
			e.unholdParty(ctx, x.transferee, t.ID)
		}
	}
	if x.consult != "" {
		e.destroyBridge(ctx, t.ID, x.consult)
	}
	if refer != "" {
		state := ari.TransferUnavailable
		if cause == ari.CauseUserBusy || cause == ari.CauseCallRejected {
			state = ari.TransferDeclined
		}
		e.progress(ctx, refer, state)
	}
	e.drop(ctx, t.ID)
	evs := []publication{transferEvent(finishEvent(st), t)}
	if callLive {
		evs = append(evs, callEvent(EventUpdated, c))
	}
	tk.publish(ctx, evs...)
}

// recipientAnswered bridges the recipient's leg when it enters the
// application: with the user (attended), or with the transferee (blind,
// or the user has left).
func (e *Engine) recipientAnswered(ctx context.Context, tid, ch string) bool {
	e.mu.Lock()
	x := e.txs().byID[tid]
	if x == nil || ch != x.recipient || x.t.State.final() {
		e.mu.Unlock()
		return false // a leg of a transfer over: hung up as a stray
	}
	now := e.clk.Now()
	x.t.AnsweredAt = &now
	paired := x.userGone
	target := x.consult
	if paired {
		x.paired, target = true, x.callBridge
		reason := x.reason
		if reason == "" {
			reason = ReasonAnswered
		}
		e.finishLocked(x, TransferCompleted, reason, 0)
	} else {
		x.t.State, x.t.Talking = TransferAnswered, TalkingRecipient
	}
	refer, t := x.refer, x.t
	// Two tickets: call_answered goes out before the REFER's progress,
	// transfer_completed after it.
	s := e.calls[t.CallID]
	tkAnswered, tkCompleted := e.ticket(s), e.ticket(s)
	e.mu.Unlock()
	e.stopRingback(ctx, x)
	if err := e.cli.Bridges().AddChannel(ctx, target, ari.AddChannelRequest{Channels: []string{ch}}); err != nil {
		tkAnswered.publish(ctx)
		tkCompleted.publish(ctx)
		e.log.Warn("calls: transfer: bridge the recipient", "transfer", tid, "err", err)
		e.mu.Lock()
		x.paired = false
		x.t.State = TransferAnswered // let endTransfer move it
		e.mu.Unlock()
		e.abandon(ctx, x, ari.CauseFailure)
		return true
	}
	tkAnswered.publish(ctx, transferEvent(EventTransferAnswered, t))
	if paired {
		if refer != "" {
			e.progress(ctx, refer, ari.TransferAnswered)
		}
		tkCompleted.publish(ctx, transferEvent(EventTransferCompleted, t))
		e.detach(ctx, x)
		e.save(ctx, x)
		return true
	}
	tkCompleted.publish(ctx)
	e.save(ctx, x)
	return true
}

// xferGone follows the end of a channel a transfer watches; false when
// no transfer watches it.
func (e *Engine) xferGone(ctx context.Context, ch string, cause int) bool {
	e.mu.Lock()
	tid, ok := e.txs().chans[ch]
	if !ok {
		e.mu.Unlock()
		return false
	}
	delete(e.tx.chans, ch)
	delete(e.legs, ch)
	x := e.tx.byID[tid]
	if x == nil {
		e.mu.Unlock()
		return true
	}
	if x.paired {
		// The transferred call ends: its other party is hung up.
		other := x.recipient
		if ch == x.recipient {
			other = x.transferee
		}
		changed := false
		if !x.t.State.final() {
			// Asterisk's blind transfer whose recipient never answered.
			if ch == x.recipient {
				if cause == 0 {
					cause = causeForDialStatus(x.dialStatus)
				}
				changed = e.finishLocked(x, TransferAbandoned, ReasonRecipientFailed, cause)
			} else {
				changed = e.finishLocked(x, TransferCancelled, ReasonTransfereeHangup, 0)
			}
		}
		x.paired = false
		e.forgetLocked(x)
		t := x.t
		tk := e.ticket(e.calls[t.CallID])
		e.mu.Unlock()
		e.drop(ctx, tid)
		e.hangup(ctx, other, hangupReason(cause))
		e.destroyBridge(ctx, tid, x.callBridge)
		if changed {
			tk.publish(ctx, transferEvent(finishEvent(t.State), t))
		} else {
			tk.publish(ctx)
		}
		return true
	}
	e.mu.Unlock()
	switch ch {
	case x.recipient:
		if cause == 0 {
			e.mu.Lock()
			cause = causeForDialStatus(x.dialStatus)
			e.mu.Unlock()
		}
		if cause == 0 {
			cause = ari.CauseNormalClearing
		}
		e.abandon(ctx, x, cause)
	case x.transferee:
		e.transfereeGone(ctx, x, cause)
	case x.userLeg:
		e.mu.Lock()
		refer := x.refer != ""
		e.mu.Unlock()
		if refer {
			// The phone hung up before the outcome: the transfer goes on
			// without it.
			e.detach(ctx, x)
			return true
		}
		if err := e.complete(ctx, x, ReasonUserHangup); err != nil {
			e.log.Debug("calls: transfer: user hung up", "transfer", tid, "err", err)
		}
	}
	return true
}

// transfereeGone follows the transferee hanging up during a transfer.
// Answered attended transfer: the call goes on between the user and the
// recipient. Recipient still ringing: the call ends. Blind: the
// recipient's leg is hung up.
func (e *Engine) transfereeGone(ctx context.Context, x *xfer, cause int) {
	if cause == 0 {
		cause = ari.CauseNormalClearing
	}
	e.mu.Lock()
	if !e.finishLocked(x, TransferCancelled, ReasonTransfereeHangup, 0) {
		e.mu.Unlock()
		return
	}
	s := e.calls[x.t.CallID]
	callLive := !x.detached && s != nil && s.call.State != StateEnded
	keep := callLive && x.t.AnsweredAt != nil && x.consult != ""
	var c Call
	talkingTransferee := x.t.Talking == TalkingTransferee
	if keep {
		s.farLeg, s.bridge = x.recipient, x.consult
		s.call.To, s.call.ToName, s.call.State = x.t.To, "", StateUp
		c = snapshot(s)
	}
	e.forgetLocked(x)
	if keep {
		e.bridges[x.consult] = true
	}
	delete(e.bridges, x.callBridge)
	t := x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	e.stopRingback(ctx, x)
	switch {
	case keep:
		if talkingTransferee {
			if err := e.cli.Bridges().AddChannel(ctx, x.consult, ari.AddChannelRequest{Channels: []string{x.userLeg}}); err != nil && !ari.IsNotFound(err) {
				e.log.Warn("calls: transfer: back to the recipient", "transfer", t.ID, "err", err)
			}
			e.unholdParty(ctx, x.recipient, t.ID)
		}
		e.destroyBridge(ctx, t.ID, x.callBridge)
	default:
		e.hangup(ctx, x.recipient, ari.ReasonNormal)
		if x.consult != "" {
			e.destroyBridge(ctx, t.ID, x.consult)
		}
		if x.detached {
			e.destroyBridge(ctx, t.ID, x.callBridge)
		}
	}
	if x.refer != "" {
		e.progress(ctx, x.refer, ari.TransferUnavailable)
	}
	e.drop(ctx, t.ID)
	evs := []publication{transferEvent(EventTransferCancelled, t)}
	if keep {
		evs = append(evs, callEvent(EventUpdated, c))
	}
	tk.publish(ctx, evs...)
	if callLive && !keep {
		e.end(ctx, t.CallID, cause, "destination")
	}
}

// transferCallEnded cancels the transfer in progress of a call that ends
// otherwise (API hang-up, system), before end() hangs up the call's legs
// (the recipient's included) and destroys its bridge.
func (e *Engine) transferCallEnded(ctx context.Context, callID string) {
	e.mu.Lock()
	s := e.calls[callID]
	if s == nil || s.xfer == "" {
		e.mu.Unlock()
		return
	}
	x := e.txs().byID[s.xfer]
	if x != nil && x.sip != nil {
		e.sipConsultCallEnded(ctx, x) // sipcall_attended.go; unlocks mu
		return
	}
	if x == nil || x.detached || !e.finishLocked(x, TransferCancelled, ReasonCallEnded, 0) {
		e.mu.Unlock()
		return
	}
	e.forgetLocked(x)
	t := x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	e.stopRingback(ctx, x)
	e.hangup(ctx, x.recipient, ari.ReasonNormal)
	if x.consult != "" {
		e.destroyBridge(ctx, t.ID, x.consult)
	}
	if x.refer != "" {
		e.progress(ctx, x.refer, ari.TransferUnavailable)
	}
	e.drop(ctx, t.ID)
	tk.publish(ctx, transferEvent(EventTransferCancelled, t))
}
