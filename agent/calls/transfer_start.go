package calls

import (
	"context"
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// TransferRequest starts a transfer of a call's destination.
type TransferRequest struct {
	// To is the recipient (checked with ParseDestination), dialled
	// through the engine's dial string.
	To string
	// Mode is blind or attended.
	Mode TransferMode
}

// StartTransfer transfers the destination of a call that is up or held
// (the transferee) to req.To.
//
// Blind: the user's leg is hung up at once and the call ends for the user
// (ended_by "transfer"); the transferee stays in the call's bridge and
// hears ringback while the recipient rings; on answer both are bridged
// (completed); if the recipient does not answer, is busy or unreachable
// the transferee is hung up with the recipient's cause (abandoned).
//
// Attended: the transferee is put on hold with music on hold, the user's
// leg moves to a bridge of its own, hears ringback, and talks to the
// recipient once it answers; then Complete, Cancel or Swap.
func (e *Engine) StartTransfer(ctx context.Context, v Viewer, callID string, req TransferRequest) (Transfer, error) {
	to, err := ParseDestination(req.To)
	if err != nil {
		return Transfer{}, err
	}
	if _, err := ParseMode(string(req.Mode)); err != nil {
		return Transfer{}, err
	}
	return e.startTransfer(ctx, v, callID, to, req.Mode, "")
}

// startTransfer starts a transfer; refer is the user's leg when the phone
// asked for it (a blind REFER), "" for the API.
func (e *Engine) startTransfer(ctx context.Context, v Viewer, callID, to string, mode TransferMode, refer string) (Transfer, error) {
	e.mu.Lock()
	if s := e.calls[callID]; s != nil && s.sip != nil {
		e.mu.Unlock()
		return e.sipTransfer(ctx, v, callID, to, mode) // sipcall_transfer.go
	}
	s, err := e.live(v, callID)
	if err != nil {
		e.mu.Unlock()
		return Transfer{}, err
	}
	if s.call.State != StateUp && s.call.State != StateHeld {
		st := s.call.State
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: the call is %s; only an answered call is transferred", ErrState, st)
	}
	if s.xfer != "" {
		e.mu.Unlock()
		return Transfer{}, fmt.Errorf("%w: a transfer of this call is in progress (%s)", ErrState, s.xfer)
	}
	tid := ari.NewID(idPrefix + "xfer-")[:len(idPrefix)+5+16]
	src := SourceAPI
	if refer != "" {
		src = SourcePhone
	}
	x := &xfer{t: Transfer{ID: tid, CallID: callID, UserID: s.call.UserID, Mode: mode, Source: src, To: to,
		State: TransferStarting, CreatedAt: e.clk.Now()},
		userLeg: s.userLeg, transferee: s.farLeg, recipient: tid + "-to", callBridge: s.bridge, refer: refer}
	wasHeld := s.call.State == StateHeld
	tx := e.txs()
	tx.byID[tid] = x
	s.xfer, s.call.Transfer = tid, tid
	for _, ch := range []string{x.userLeg, x.transferee, x.recipient} {
		tx.chans[ch] = tid
	}
	e.legs[x.recipient] = callID
	if mode == Attended {
		x.consult = tid + "-bridge"
		e.bridges[x.consult] = true
		s.call.State = StateHeld
	} else {
		x.userGone = true
	}
	c, t := snapshot(s), x.t
	tk := e.ticket(s)
	e.mu.Unlock()
	e.save(ctx, x)
	evs := []publication{transferEvent(EventTransferCreated, t)}
	if mode == Attended && !wasHeld {
		evs = append(evs, callEvent(EventUpdated, c)) // held for the consultation
	}
	tk.publish(ctx, evs...)

	chans, bridges := e.cli.Channels(), e.cli.Bridges()
	switch {
	case mode == Attended:
		if !wasHeld {
			e.holdParty(ctx, x.transferee, tid)
		}
		if _, err := bridges.Create(ctx, ari.BridgeRequest{ID: x.consult, Type: []string{"mixing"}, Name: "transfer " + tid}); err != nil {
			e.abandon(ctx, x, ari.CauseFailure)
			return Transfer{}, fmt.Errorf("calls: transfer %s: create the consultation bridge: %w", tid, err)
		}
		if err := bridges.AddChannel(ctx, x.consult, ari.AddChannelRequest{Channels: []string{x.userLeg}}); err != nil {
			e.abandon(ctx, x, ari.CauseFailure)
			return Transfer{}, fmt.Errorf("calls: transfer %s: move the user's leg: %w", tid, err)
		}
		e.ringback(ctx, x.consult, tid)
	default: // blind
		if wasHeld {
			e.unholdParty(ctx, x.transferee, tid)
		}
		if refer != "" {
			// The phone waits for the outcome: its leg leaves the bridge
			// (it comes back if the recipient does not answer).
			if err := bridges.RemoveChannel(ctx, x.callBridge, x.userLeg); err != nil && !ari.IsNotFound(err) {
				e.log.Warn("calls: transfer: take the phone out of the bridge", "transfer", tid, "err", err)
			}
		} else {
			e.detach(ctx, x)
		}
		e.ringback(ctx, x.callBridge, tid)
	}
	_, err = chans.Originate(ctx, ari.OriginateRequest{
		Endpoint: strings.ReplaceAll(e.dial, "{to}", to), ChannelID: x.recipient, App: e.app,
		AppArgs: []string{argXfer, tid}, Timeout: e.farRing,
		Variables: map[string]string{"PBXAGENT_CALL": callID, "PBXAGENT_USER": t.UserID, "PBXAGENT_TRANSFER": tid},
	})
	if err != nil {
		e.abandon(ctx, x, ari.CauseFailure)
		return e.transferNow(x), fmt.Errorf("calls: transfer %s: call the recipient: %w", tid, err)
	}
	e.mu.Lock()
	over := x.t.State.final() && !x.paired
	moved := x.t.State == TransferStarting
	if moved {
		x.t.State = TransferRingback
	}
	t = x.t
	tk = e.ticket(e.calls[callID])
	e.mu.Unlock()
	if over {
		tk.publish(ctx)
		// Ended while the originate was on its way.
		e.hangup(ctx, x.recipient, ari.ReasonNormal)
		return t, nil
	}
	if moved {
		e.save(ctx, x)
		tk.publish(ctx, transferEvent(EventTransferUpdated, t))
	} else {
		tk.publish(ctx)
	}
	if refer != "" {
		e.progress(ctx, refer, ari.TransferProgressing)
	}
	return t, nil
}

// transferNow is a copy of x.
func (e *Engine) transferNow(x *xfer) Transfer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return x.t
}

// detach hands the transferee (and the recipient's leg) over to the
// transfer and ends the call for the user with ended_by "transfer": the
// user's leg is hung up.
func (e *Engine) detach(ctx context.Context, x *xfer) {
	e.mu.Lock()
	if x.detached {
		e.mu.Unlock()
		return
	}
	x.detached, x.userGone = true, true
	tid := x.t.ID
	s := e.calls[x.t.CallID]
	live := s != nil && s.call.State != StateEnded
	if live {
		e.legs[x.transferee], e.legs[x.recipient] = tid, tid
		if s.bridge == x.callBridge {
			s.bridge = ""
		}
		if s.xfer == tid {
			s.xfer = ""
		}
	}
	e.bridges[x.callBridge] = true
	delete(e.tx.chans, x.userLeg)
	x.refer = ""
	e.mu.Unlock()
	e.save(ctx, x)
	if live {
		e.end(ctx, x.t.CallID, ari.CauseNormalClearing, "transfer")
	}
}

// holdParty puts a channel on hold with music on hold.
func (e *Engine) holdParty(ctx context.Context, ch, tid string) {
	chans := e.cli.Channels()
	if err := chans.Hold(ctx, ch); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: transfer: hold", "transfer", tid, "channel", ch, "err", err)
	}
	if err := chans.StartMOH(ctx, ch, e.mohClass); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: transfer: music on hold", "transfer", tid, "channel", ch, "err", err)
	}
}

// unholdParty takes a channel off hold.
func (e *Engine) unholdParty(ctx context.Context, ch, tid string) {
	ctx = context.WithoutCancel(ctx)
	chans := e.cli.Channels()
	if err := chans.StopMOH(ctx, ch); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: transfer: stop music on hold", "transfer", tid, "channel", ch, "err", err)
	}
	if err := chans.Unhold(ctx, ch); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: transfer: unhold", "transfer", tid, "channel", ch, "err", err)
	}
}

// ringback plays ringback into a bridge while the recipient rings; the
// playback's id is the bridge's ("{bridge}-ringback"), so that a blind
// ringback after an attended one never reuses an id Asterisk may still
// hold.
func (e *Engine) ringback(ctx context.Context, bridge, tid string) {
	if _, err := e.cli.Bridges().Play(ctx, bridge, ari.PlayRequest{PlaybackID: bridge + "-ringback", Media: []string{"tone:ring"}}); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: transfer: ringback", "transfer", tid, "err", err)
	}
}

// stopRingback stops the ringback of a transfer's bridges.
func (e *Engine) stopRingback(ctx context.Context, x *xfer) {
	for _, b := range []string{x.callBridge, x.consult} {
		if b == "" {
			continue
		}
		if err := e.cli.Playbacks().Stop(context.WithoutCancel(ctx), b+"-ringback"); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: transfer: stop the ringback", "transfer", x.t.ID, "err", err)
		}
	}
}

// progress reports a phone's transfer's progress (NOTIFY to the phone).
func (e *Engine) progress(ctx context.Context, ch, state string) {
	if err := e.cli.Channels().TransferProgress(context.WithoutCancel(ctx), ch, state); err != nil && !ari.IsNotFound(err) {
		e.log.Warn("calls: transfer: report progress to the phone", "channel", ch, "state", state, "err", err)
	}
}
