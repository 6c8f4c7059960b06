package calls

import (
	"context"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// transferEvent handles the ARI events of transfers; true when the event
// was a transfer's and the engine's own handling must not see it.
func (e *Engine) transferEvent(ctx context.Context, ev ari.Event) bool {
	switch x := ev.(type) {
	case *ari.StasisStart:
		if x.Application != e.app {
			return false
		}
		if len(x.Args) >= 2 && x.Args[0] == argXfer {
			return e.recipientAnswered(ctx, x.Args[1], x.Channel.ID)
		}
		if x.ReplaceChannel != nil {
			// A Local channel Asterisk's blind transfer put in the
			// user's place (res/stasis/stasis_bridge.c).
			return e.coreBlind(ctx, x.ReplaceChannel.ID, x.Channel, "")
		}
	case *ari.BridgeBlindTransfer:
		if x.ReplaceChannel != nil && x.Result == "Success" {
			e.coreBlind(ctx, x.Channel.ID, *x.ReplaceChannel, x.Exten)
		}
	case *ari.ChannelTransfer:
		e.phoneTransfer(ctx, x)
		return true
	case *ari.ChannelStateChange:
		if x.Channel.State == ari.StateUp {
			e.localAnswered(ctx, x.Channel.ID)
		}
	case *ari.Dial:
		if x.Dialstatus != "" && x.Peer.ID != "" {
			e.mu.Lock()
			if tid, ok := e.txs().chans[x.Peer.ID]; ok {
				if t := e.tx.byID[tid]; t != nil && t.recipient == x.Peer.ID {
					t.dialStatus = x.Dialstatus
				}
			}
			e.mu.Unlock()
		}
	case *ari.ChannelDestroyed:
		return e.xferGone(ctx, x.Channel.ID, x.Cause)
	case *ari.ChannelGoneEvent:
		if !x.Alive {
			return e.xferGone(ctx, x.ChannelID, 0)
		}
	case *ari.ReconciledEvent:
		e.reconcileTransfers(ctx, x)
	}
	return false
}

// coreBlind follows a blind transfer Asterisk's core ran for the user's
// phone (a REFER without ari-only handling): a Local channel took the
// user's leg's place in the call's bridge (BridgeBlindTransfer, and its
// StasisStart with replace_channel; either may come first). The call ends
// for the user (ended_by "transfer"); the transferee and the Local channel
// are followed until one hangs up. When the transferer is the call's
// destination (its own phone transferred the user elsewhere), the call
// goes on with the Local channel as its destination (call_updated).
func (e *Engine) coreBlind(ctx context.Context, userLeg string, local ari.Channel, exten string) bool {
	e.mu.Lock()
	tx := e.txs()
	if _, seen := tx.chans[local.ID]; seen {
		e.mu.Unlock()
		return true
	}
	if id, seen := e.legs[local.ID]; seen && e.calls[id] != nil && e.calls[id].farLeg == local.ID {
		e.mu.Unlock()
		return true // the destination's transfer, followed already
	}
	s := e.sessionOf(userLeg)
	if exten == "" {
		exten = localExten(local.Name)
	}
	if s != nil && s.farLeg == userLeg && s.userLeg != "" && s.xfer == "" {
		// The destination's own phone transferred the user: the call
		// goes on with the Local channel as its destination.
		delete(e.legs, userLeg)
		e.legs[local.ID] = s.call.ID
		s.farLeg, s.dialStatus = local.ID, ""
		s.call.To, s.call.ToName = exten, ""
		c := snapshot(s)
		e.publishLocked(ctx, s, callEvent(EventUpdated, c))
		return true
	}
	if s == nil || s.userLeg != userLeg || s.xfer != "" || s.farLeg == "" {
		e.mu.Unlock()
		return false
	}
	tid := ari.NewID(idPrefix + "xfer-")[:len(idPrefix)+5+16]
	now := e.clk.Now()
	x := &xfer{t: Transfer{ID: tid, CallID: s.call.ID, UserID: s.call.UserID, Mode: Blind, Source: SourcePhone, To: exten,
		State: TransferRingback, CreatedAt: now},
		userLeg: userLeg, transferee: s.farLeg, recipient: local.ID, callBridge: s.bridge, userGone: true, paired: true}
	answered := local.State == ari.StateUp
	if answered {
		x.t.AnsweredAt = &now
		e.finishLocked(x, TransferCompleted, ReasonAnswered, 0)
	}
	tx.byID[tid] = x
	tx.chans[x.transferee], tx.chans[x.recipient] = tid, tid
	e.legs[x.recipient] = s.call.ID
	s.xfer, s.call.Transfer = tid, tid
	t := x.t
	evs := []publication{transferEvent(EventTransferCreated, t)}
	if answered {
		evs = append(evs, transferEvent(EventTransferAnswered, t), transferEvent(EventTransferCompleted, t))
	}
	e.publishLocked(ctx, s, evs...)
	e.detach(ctx, x)
	return true
}

// localExten is the extension of a Local channel's name
// ("Local/300@transfers-00000001;1" → "300").
func localExten(name string) string {
	name = strings.TrimPrefix(name, "Local/")
	if i := strings.IndexByte(name, '@'); i >= 0 {
		return name[:i]
	}
	return name
}

// localAnswered completes Asterisk's blind transfer when its Local
// channel answers.
func (e *Engine) localAnswered(ctx context.Context, ch string) {
	e.mu.Lock()
	tid, ok := e.txs().chans[ch]
	x := e.tx.byID[tid]
	if !ok || x == nil || x.recipient != ch || !x.paired || x.t.State.final() {
		e.mu.Unlock()
		return
	}
	now := e.clk.Now()
	x.t.AnsweredAt = &now
	e.finishLocked(x, TransferCompleted, ReasonAnswered, 0)
	t := x.t
	tk := e.ticket(e.calls[t.CallID])
	e.mu.Unlock()
	e.save(ctx, x)
	tk.publish(ctx, transferEvent(EventTransferAnswered, t), transferEvent(EventTransferCompleted, t))
}

// phoneTransfer runs a transfer the user's phone asked for with REFER
// (PJSIP_TRANSFER_HANDLING(ari-only): Asterisk only reports it, as
// ChannelTransfer, and the app reports the progress back with
// channels/{id}/transfer_progress, which the phone gets as NOTIFYs).
// Blind: run as StartTransfer's blind transfer, except that the phone's
// leg waits out of the bridge for the outcome (NOTIFY 200 then hang-up;
// or 503/603 and the user is back with the transferee). Attended
// (Replaces naming the user's other call): the two far parties are
// bridged and both calls end with ended_by "transfer".
func (e *Engine) phoneTransfer(ctx context.Context, ev *ari.ChannelTransfer) {
	if ev.State != "" {
		return // the progress we reported, echoed
	}
	src := ev.ReferredBy.SourceChannel.ID
	e.mu.Lock()
	s := e.sessionOf(src)
	ok := s != nil && s.userLeg == src
	var v Viewer
	var callID string
	if ok {
		v, callID = Viewer{UserID: s.call.UserID}, s.call.ID
	}
	e.mu.Unlock()
	if !ok {
		e.log.Info("calls: REFER on a channel that is not a user's leg; declined", "channel", src)
		e.progress(ctx, src, ari.TransferDeclined)
		return
	}
	if d := ev.ReferTo.DestinationChannel; d != nil && d.ID != "" {
		e.phoneAttended(ctx, src, d.ID)
		return
	}
	dest := ev.ReferTo.RequestedDestination.Destination
	if _, err := ParseDestination(dest); err != nil {
		e.log.Info("calls: REFER to an invalid destination; declined", "channel", src, "err", err)
		e.progress(ctx, src, ari.TransferDeclined)
		return
	}
	if _, err := e.startTransfer(ctx, v, callID, dest, Blind, src); err != nil {
		e.log.Info("calls: REFER not run", "call", callID, "err", err)
		e.progress(ctx, src, ari.TransferDeclined)
	}
}

// phoneAttended completes an attended REFER between two of one user's
// calls: the far party of the REFER's call (the transferee) is bridged
// with the far party of the replaced call (the recipient).
func (e *Engine) phoneAttended(ctx context.Context, userLeg, replaced string) {
	e.mu.Lock()
	s1, s2 := e.sessionOf(userLeg), e.sessionOf(replaced)
	usable := func(s *session) bool {
		return s != nil && s.xfer == "" && s.farLeg != "" && (s.call.State == StateUp || s.call.State == StateHeld)
	}
	if !usable(s1) || !usable(s2) || s1 == s2 || s2.userLeg != replaced || s1.call.UserID != s2.call.UserID {
		e.mu.Unlock()
		e.log.Info("calls: attended REFER whose calls are not both the user's answered calls; declined", "channel", userLeg, "replaces", replaced)
		e.progress(ctx, userLeg, ari.TransferDeclined)
		return
	}
	tid := ari.NewID(idPrefix + "xfer-")[:len(idPrefix)+5+16]
	now := e.clk.Now()
	x := &xfer{t: Transfer{ID: tid, CallID: s1.call.ID, UserID: s1.call.UserID, Mode: Attended, Source: SourcePhone, To: s2.call.To,
		State: TransferAnswered, CreatedAt: now, AnsweredAt: &now},
		userLeg: userLeg, transferee: s1.farLeg, recipient: s2.farLeg, callBridge: s1.bridge, userGone: true, paired: true}
	e.finishLocked(x, TransferCompleted, ReasonAnswered, 0)
	held1, held2 := s1.call.State == StateHeld, s2.call.State == StateHeld
	tx := e.txs()
	tx.byID[tid] = x
	tx.chans[x.transferee], tx.chans[x.recipient] = tid, tid
	e.legs[x.recipient] = tid // no longer the second call's
	s1.call.Transfer, s2.call.Transfer = tid, tid
	call2 := s2.call.ID
	t := x.t
	// Two tickets: transfer_created at once, the outcome after the
	// parties are bridged and the phone is told.
	tkCreated, tkDone := e.ticket(s1), e.ticket(s1)
	e.mu.Unlock()
	tkCreated.publish(ctx, transferEvent(EventTransferCreated, t))
	if held1 {
		e.unholdParty(ctx, x.transferee, tid)
	}
	if held2 {
		e.unholdParty(ctx, x.recipient, tid)
	}
	if err := e.cli.Bridges().AddChannel(ctx, x.callBridge, ari.AddChannelRequest{Channels: []string{x.recipient}}); err != nil {
		e.log.Warn("calls: attended REFER: bridge the parties", "transfer", tid, "err", err)
	}
	e.progress(ctx, userLeg, ari.TransferAnswered)
	tkDone.publish(ctx, transferEvent(EventTransferAnswered, t), transferEvent(EventTransferCompleted, t))
	e.detach(ctx, x)
	e.end(ctx, call2, ari.CauseNormalClearing, "transfer")
	e.save(ctx, x)
}
