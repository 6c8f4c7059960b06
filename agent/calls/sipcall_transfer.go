package calls

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/ari"
)

// Blind transfer of a call over SIP, pbxagent as the B2BUA: the call ends
// for the user at once (ended_by "transfer", the user's leg gets a BYE)
// while pbxagent keeps the destination's leg (the transferee), plays it
// ringback and dials the recipient through the trunk; on answer the
// transferee and the recipient are bridged (completed, reason answered)
// until either hangs up, then the other gets a BYE; a recipient that does
// not answer, is busy or unreachable has the transferee hung up with its
// cause (abandoned, recipient_failed); a transferee that hangs up first
// cancels it (transferee_hangup). The API, states and events are the ARI
// path's blind transfer (transfer.go). Why not a REFER: docs/calls.md
// "Click-to-call over SIP".
//
// sipTransfer starts the transfer of the SIP call callID to to: blind
// here, attended in sipcall_attended.go.
func (e *Engine) sipTransfer(ctx context.Context, v Viewer, callID, to string, mode TransferMode) (Transfer, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, callID)
	if err != nil {
		e.mu.Unlock()
		return Transfer{}, err
	}
	sc := s.sip
	switch {
	case s.call.State != StateUp && s.call.State != StateHeld:
		st := s.call.State
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: the call is %s; only an answered call is transferred", ErrState, st)
	case s.xfer != "" || sc.handedOver:
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: a transfer of this call is in progress (%s)", ErrState, s.xfer)
	case sc.far == nil:
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: the destination has not answered", ErrState)
	case mode == Attended:
		return e.sipAttended(ctx, s, to) // sipcall_attended.go; unlocks mu
	}
	tid := ari.NewID(idPrefix + "xfer-")[:len(idPrefix)+5+16]
	x := &xfer{t: Transfer{ID: tid, CallID: callID, UserID: s.call.UserID, Mode: Blind, Source: SourceAPI, To: to,
		State: TransferStarting, CreatedAt: e.clk.Now()}, userGone: true, detached: true}
	tx := e.txs()
	tx.byID[tid] = x
	s.call.Transfer = tid
	// The destination's leg is the transfer's from here on: the call's
	// goroutine does not hang it up when the call ends.
	sc.handedOver = true
	far, wasHeld, from := sc.far, s.call.State == StateHeld, s.call.To
	e.publishLocked(ctx, s, transferEvent(EventTransferCreated, x.t))

	err = e.spawn(func(run context.Context) { e.runSIPTransfer(run, x, sc, far, from, wasHeld) })
	if err != nil {
		sc.stop() // nobody follows the transferee: it is hung up with the call
		e.sipFinishTransfer(ctx, x, TransferAbandoned, ReasonRecipientFailed, ari.CauseFailure)
		e.end(ctx, callID, ari.CauseNormalClearing, "transfer")
		return e.transferNow(x), fmt.Errorf("calls: transfer %s over SIP: %w", tid, err)
	}
	e.end(ctx, callID, ari.CauseNormalClearing, "transfer")
	return e.transferNow(x), nil
}

// runSIPTransfer follows a blind transfer over SIP from the end of the
// call for the user to the end of the transferee's or the recipient's
// leg; both are hung up when it returns.
func (e *Engine) runSIPTransfer(ctx context.Context, x *xfer, sc *sipCall, far SIPLeg, from string, wasHeld bool) {
	tid := x.t.ID
	defer e.sipHangup(ctx, tid, far)
	// The call's goroutine lets go of the transferee (its bridge stopped,
	// the user hung up) before the transfer plays to it.
	select {
	case <-sc.finished:
	case <-ctx.Done():
		e.sipFinishTransfer(ctx, x, TransferCancelled, ReasonCallEnded, 0)
		return
	}
	if wasHeld {
		if err := far.Resume(ctx); err != nil {
			e.log.Warn("calls: transfer over SIP: resume the transferee", "transfer", tid, "err", err)
		}
	}
	rbCtx, stopRB := context.WithCancel(ctx)
	rbDone := make(chan struct{})
	go func() {
		defer close(rbDone)
		if err := far.Ringback(rbCtx); err != nil && rbCtx.Err() == nil {
			e.log.Warn("calls: transfer over SIP: ringback to the transferee", "transfer", tid, "err", err)
		}
	}()
	e.mu.Lock()
	moved := x.t.State == TransferStarting
	if moved {
		x.t.State = TransferRingback
	}
	t := x.t
	if moved {
		e.publishLocked(ctx, e.calls[t.CallID], transferEvent(EventTransferUpdated, t))
	} else {
		e.mu.Unlock()
	}
	rec, by, cause := e.dialFar(ctx, tid, from, t.To, far)
	stopRB()
	<-rbDone
	if rec == nil {
		switch by {
		case "user": // the transferee hung up while the recipient rang
			e.sipFinishTransfer(ctx, x, TransferCancelled, ReasonTransfereeHangup, 0)
		case "system":
			e.sipFinishTransfer(ctx, x, TransferCancelled, ReasonCallEnded, 0)
		default:
			e.sipFinishTransfer(ctx, x, TransferAbandoned, ReasonRecipientFailed, cause)
			e.sipHangupCause(ctx, tid, far, cause)
		}
		return
	}
	defer e.sipHangup(ctx, tid, rec)
	now := e.clk.Now()
	e.mu.Lock()
	x.t.AnsweredAt = &now
	e.mu.Unlock()
	e.sipFinishTransfer(ctx, x, TransferCompleted, ReasonAnswered, 0)
	br, err := far.Bridge(rec)
	if err != nil {
		e.log.Warn("calls: transfer over SIP: bridge", "transfer", tid, "err", err)
		return
	}
	// Relays until either leg ends (or the engine stops); the defers
	// then hang the other up.
	if err := br.Run(ctx); err != nil && ctx.Err() == nil {
		e.log.Warn("calls: transfer over SIP: media", "transfer", tid, "err", err)
	}
}

// sipFinishTransfer moves a transfer over SIP to its final state and
// publishes it (once).
func (e *Engine) sipFinishTransfer(ctx context.Context, x *xfer, st TransferState, reason string, cause int) {
	e.mu.Lock()
	if !e.finishLocked(x, st, reason, cause) {
		e.mu.Unlock()
		return
	}
	e.forgetLocked(x)
	t := x.t
	e.publishLocked(context.WithoutCancel(ctx), e.calls[t.CallID], transferEvent(finishEvent(st), t))
}

// sipHangupCause hangs a leg up with cause (a failed recipient's, for
// the transferee).
func (e *Engine) sipHangupCause(ctx context.Context, id string, leg SIPLeg, cause int) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sipHangupTimeout)
	defer cancel()
	if err := leg.Hangup(hctx, cause); err != nil {
		e.log.Debug("calls: hang up a SIP leg", "transfer", id, "err", err)
	}
}
