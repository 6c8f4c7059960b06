package calls

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/ari"
)

// Attended transfer of a call over SIP, pbxagent as the B2BUA, with the
// ARI path's API, states and events (transfer.go): the destination (the
// transferee) is held with the music (as sipHold), the user hears
// ringback while pbxagent dials the recipient through the trunk, then
// talks to it (answered, talking recipient). Complete bridges the
// transferee with the recipient and ends the call for the user
// (ended_by transfer); cancel hangs the recipient up and puts the user
// back with the transferee (resumed); a recipient that fails or hangs up
// does the same (abandoned); swap alternates whom the user talks to, the
// other party held with the music. Differences from the ARI path,
// documented in calls.md: complete while the recipient
// still rings answers 409 (cancel, or wait for the answer); the user or
// the transferee hanging up during the consultation ends the call and
// cancels the transfer (call_ended).

// sipConsult is the SIP part of an attended transfer. Guarded by
// Engine.mu.
type sipConsult struct {
	// cancel ends the transfer's goroutine: the dial, or the
	// consultation (the recipient is hung up).
	cancel context.CancelFunc
	// complete is closed by CompleteTransfer: the goroutine bridges the
	// transferee with the recipient.
	complete chan struct{}
	sc       *sipCall
	// rec is the recipient's leg once it answered; recMusic stops the
	// music it hears while held after a swap (nil otherwise).
	rec      SIPLeg
	recMusic func()
}

// sipAttended starts an attended transfer of the SIP call s (checked
// live, up or held, no transfer in progress; mu held, released here).
func (e *Engine) sipAttended(ctx context.Context, s *session, to string) (Transfer, error) {
	sc := s.sip
	callID := s.call.ID
	tid := ari.NewID(idPrefix + "xfer-")[:len(idPrefix)+5+16]
	x := &xfer{t: Transfer{ID: tid, CallID: callID, UserID: s.call.UserID, Mode: Attended, Source: SourceAPI, To: to,
		State: TransferStarting, CreatedAt: e.clk.Now()},
		sip: &sipConsult{complete: make(chan struct{}), sc: sc}}
	tx := e.txs()
	tx.byID[tid] = x
	wasHeld := s.call.State == StateHeld
	s.xfer, s.call.Transfer = tid, tid
	from := s.call.From
	e.publishLocked(ctx, s, transferEvent(EventTransferCreated, x.t))
	if !wasHeld {
		if err := e.sipHold(ctx, sc, callID, true); err != nil {
			e.sipConsultEnd(ctx, s, x, TransferAbandoned, ReasonRecipientFailed, ari.CauseFailure, false)
			return e.transferNow(x), err
		}
	}
	e.mu.Lock()
	if s.call.State != StateEnded {
		s.call.State = StateHeld
	}
	if wasHeld {
		e.mu.Unlock()
	} else {
		e.publishLocked(ctx, s, callEvent(EventUpdated, snapshot(s)))
	}
	if err := sc.send(ctx, sipCtl{op: sipOpConsult, done: make(chan struct{})}); err != nil {
		e.sipConsultEnd(ctx, s, x, TransferCancelled, ReasonCallEnded, 0, false)
		return e.transferNow(x), fmt.Errorf("calls: transfer %s over SIP: %w", tid, err)
	}
	err := e.spawn(func(run context.Context) {
		xctx, cancel := context.WithCancel(run)
		defer cancel()
		e.mu.Lock()
		x.sip.cancel = cancel
		over := x.t.State.final()
		e.mu.Unlock()
		if over {
			return
		}
		e.runSIPConsult(xctx, run, s, x, from)
	})
	if err != nil {
		e.sipConsultEnd(ctx, s, x, TransferAbandoned, ReasonRecipientFailed, ari.CauseFailure, true)
		return e.transferNow(x), fmt.Errorf("calls: transfer %s over SIP: %w", tid, err)
	}
	return e.transferNow(x), nil
}

// runSIPConsult dials the recipient and follows the consultation until
// the transfer ends; on completion it bridges the transferee with the
// recipient until either hangs up. xctx ends with the transfer (cancel,
// the call's end); run with the engine.
func (e *Engine) runSIPConsult(xctx, run context.Context, s *session, x *xfer, from string) {
	tid, callID, sc := x.t.ID, x.t.CallID, x.sip.sc
	rec, err := e.sip.d.Dial(xctx, SIPDialRequest{To: SIPTrunkURI(e.sip.trunk, x.t.To), From: from, Timeout: e.farRing,
		OnRinging: func() { e.sipConsultRinging(xctx, x) }})
	if err != nil {
		if xctx.Err() == nil {
			e.log.Info("calls: a transfer's recipient over SIP", "transfer", tid, "err", err)
			e.sipConsultEnd(run, s, x, TransferAbandoned, ReasonRecipientFailed, sipCause(err), true)
		}
		return
	}
	completed := false
	defer func() {
		if !completed {
			e.sipHangup(run, tid, rec)
		}
	}()
	now := e.clk.Now()
	e.mu.Lock()
	if x.t.State.final() {
		e.mu.Unlock()
		return
	}
	x.t.State, x.t.Talking, x.t.AnsweredAt = TransferAnswered, TalkingRecipient, &now
	x.sip.rec = rec
	t := x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	defer e.stopRecMusic(x)
	if err := sc.send(xctx, sipCtl{op: sipOpJoin, leg: rec, done: make(chan struct{})}); err != nil {
		tk.publish(run)
		return // the call ended: transferCallEnded cancelled the transfer
	}
	tk.publish(run, transferEvent(EventTransferAnswered, t))
	select {
	case <-rec.Done():
		_, cause := rec.End()
		e.sipConsultEnd(run, s, x, TransferAbandoned, ReasonRecipientHangup, cause, true)
		return
	case <-xctx.Done():
		return // cancelled, or the call ended
	case <-x.sip.complete:
	}
	// Completed: the call's goroutine lets go of both legs (the user's
	// is hung up), then the transferee is resumed and bridged with the
	// recipient.
	completed = true
	e.mu.Lock()
	far := sc.far
	recHeld := x.sip.recMusic != nil
	e.mu.Unlock()
	if recHeld { // completed after a swap: the recipient was held
		e.stopRecMusic(x)
		if err := rec.Resume(run); err != nil {
			e.log.Warn("calls: transfer over SIP: resume the recipient", "transfer", tid, "err", err)
		}
	}
	defer e.sipHangup(run, tid, far)
	defer e.sipHangup(run, tid, rec)
	select {
	case <-sc.finished:
	case <-run.Done():
		return
	}
	if err := far.Resume(run); err != nil {
		e.log.Warn("calls: transfer over SIP: resume the transferee", "transfer", tid, "call", callID, "err", err)
	}
	br, err := far.Bridge(rec)
	if err != nil {
		e.log.Warn("calls: transfer over SIP: bridge", "transfer", tid, "err", err)
		return
	}
	if err := br.Run(run); err != nil && run.Err() == nil {
		e.log.Warn("calls: transfer over SIP: media", "transfer", tid, "err", err)
	}
}

// sipConsultRinging moves a transfer to ringback when its recipient
// rings.
func (e *Engine) sipConsultRinging(ctx context.Context, x *xfer) {
	e.mu.Lock()
	if x.t.State != TransferStarting {
		e.mu.Unlock()
		return
	}
	x.t.State = TransferRingback
	e.publishLocked(ctx, e.calls[x.t.CallID], transferEvent(EventTransferUpdated, x.t))
}

// sipConsultEnd cancels or abandons an attended transfer over SIP (once):
// the user is bridged with the transferee again, which is resumed, when
// back is set and the call lives; the call is up again.
func (e *Engine) sipConsultEnd(ctx context.Context, s *session, x *xfer, st TransferState, reason string, cause int, back bool) {
	ctx = context.WithoutCancel(ctx)
	e.mu.Lock()
	if !e.finishLocked(x, st, reason, cause) {
		e.mu.Unlock()
		return
	}
	e.forgetLocked(x)
	cancel, sc := x.sip.cancel, x.sip.sc
	callLive := s.call.State != StateEnded
	t := x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	var c Call
	var tkUp *ticket // the call up again
	if callLive {
		if back {
			if err := sc.send(ctx, sipCtl{op: sipOpBack, done: make(chan struct{})}); err != nil {
				callLive = false
			}
		}
		if callLive {
			// The transferee was held for the consultation.
			if err := e.sipHold(ctx, sc, t.CallID, false); err != nil {
				e.log.Warn("calls: transfer over SIP: resume the transferee", "transfer", t.ID, "err", err)
			}
			e.mu.Lock()
			if callLive = s.call.State != StateEnded; callLive {
				s.call.State = StateUp
				c = snapshot(s)
				tkUp = e.ticket(s)
			}
			e.mu.Unlock()
		}
	}
	tk.publish(ctx, transferEvent(finishEvent(st), t))
	if tkUp != nil {
		tkUp.publish(ctx, callEvent(EventUpdated, c))
	}
}

// sipComplete completes an answered attended transfer over SIP.
func (e *Engine) sipComplete(ctx context.Context, x *xfer, reason string) error {
	e.mu.Lock()
	if x.t.State != TransferAnswered {
		st := x.t.State
		e.mu.Unlock()
		return fmt.Errorf("%w: the transfer is %s; over SIP it completes once the recipient answered", ErrState, st)
	}
	s := e.calls[x.t.CallID]
	x.userGone, x.detached = true, true
	e.finishLocked(x, TransferCompleted, reason, 0)
	e.forgetLocked(x)
	if s != nil {
		s.sip.handedOver = true
	}
	t := x.t
	close(x.sip.complete)
	e.publishLocked(ctx, s, transferEvent(EventTransferCompleted, t))
	e.end(ctx, t.CallID, ari.CauseNormalClearing, "transfer")
	return nil
}

// sipConsultCancel cancels an attended transfer over SIP (the API).
func (e *Engine) sipConsultCancel(ctx context.Context, x *xfer) {
	e.mu.Lock()
	s := e.calls[x.t.CallID]
	e.mu.Unlock()
	if s == nil {
		return
	}
	e.sipConsultEnd(ctx, s, x, TransferCancelled, ReasonAPI, 0, true)
}

// sipConsultCallEnded cancels the attended transfer of a SIP call that
// ends (its goroutine hangs the recipient up). Called with mu held;
// unlocks it.
func (e *Engine) sipConsultCallEnded(ctx context.Context, x *xfer) {
	if !e.finishLocked(x, TransferCancelled, ReasonCallEnded, 0) {
		e.mu.Unlock()
		return
	}
	e.forgetLocked(x)
	cancel := x.sip.cancel
	t := x.t
	tk := e.ticket(e.calls[t.CallID])
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	tk.publish(ctx, transferEvent(EventTransferCancelled, t))
}

// sipSwap alternates, during an answered attended transfer over SIP,
// whom the user talks to; the other party is held (re-INVITE
// a=sendonly) and hears the music.
func (e *Engine) sipSwap(ctx context.Context, x *xfer) (Transfer, error) {
	e.mu.Lock()
	if x.t.State != TransferAnswered {
		st := x.t.State
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: the transfer is %s, not answered", ErrState, st)
	}
	s := e.calls[x.t.CallID]
	if s == nil || s.call.State == StateEnded {
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: the call has ended", ErrState)
	}
	toTransferee := x.t.Talking != TalkingTransferee
	sc, rec, id, tid := x.sip.sc, x.sip.rec, x.t.CallID, x.t.ID
	e.mu.Unlock()
	if toTransferee {
		if err := sc.send(ctx, sipCtl{op: sipOpBack, done: make(chan struct{})}); err != nil {
			return Transfer{}, fmt.Errorf("calls: transfer %s over SIP: swap: %w", tid, err)
		}
		if err := rec.Hold(ctx); err != nil {
			e.log.Warn("calls: transfer over SIP: hold the recipient", "transfer", tid, "err", err)
		}
		e.startRecMusic(sc.ctx, x, rec)
		if err := e.sipHold(ctx, sc, id, false); err != nil {
			e.log.Warn("calls: transfer over SIP: resume the transferee", "transfer", tid, "err", err)
		}
	} else {
		e.stopRecMusic(x)
		if err := rec.Resume(ctx); err != nil {
			e.log.Warn("calls: transfer over SIP: resume the recipient", "transfer", tid, "err", err)
		}
		if err := e.sipHold(ctx, sc, id, true); err != nil {
			e.log.Warn("calls: transfer over SIP: hold the transferee", "transfer", tid, "err", err)
		}
		if err := sc.send(ctx, sipCtl{op: sipOpJoin, leg: rec, done: make(chan struct{})}); err != nil {
			return Transfer{}, fmt.Errorf("calls: transfer %s over SIP: swap: %w", tid, err)
		}
	}
	e.mu.Lock()
	var c Call
	if !x.t.State.final() {
		x.t.Talking = TalkingRecipient
		s.call.State = StateHeld
		if toTransferee {
			x.t.Talking, s.call.State = TalkingTransferee, StateUp
		}
		c = snapshot(s)
	}
	t := x.t
	if c.ID != "" {
		e.publishLocked(ctx, s, transferEvent(EventTransferUpdated, t), callEvent(EventUpdated, c))
	} else {
		e.mu.Unlock()
	}
	return t, nil
}

// startRecMusic plays the hold music to the held recipient until
// stopRecMusic or ctx's end.
func (e *Engine) startRecMusic(ctx context.Context, x *xfer, rec SIPLeg) {
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := rec.HoldMusic(mctx); err != nil && mctx.Err() == nil {
			e.log.Warn("calls: transfer over SIP: music to the recipient", "transfer", x.t.ID, "err", err)
		}
	}()
	e.mu.Lock()
	prev := x.sip.recMusic
	x.sip.recMusic = func() { cancel(); <-done }
	e.mu.Unlock()
	if prev != nil {
		prev()
	}
}

// stopRecMusic stops the recipient's music, if it plays, and waits.
func (e *Engine) stopRecMusic(x *xfer) {
	e.mu.Lock()
	stop := x.sip.recMusic
	x.sip.recMusic = nil
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
}
