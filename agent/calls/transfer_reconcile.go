package calls

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// reconcileTransfers runs on every (re)connection, before the engine's
// own reconciliation (whose sweep hangs up what no live call owns).
//
// This run's transfers: a channel they watch that vanished while the
// WebSocket was down is handled as if its end had been seen.
//
// Earlier runs' (once per process, from the TransferStore): a transfer
// whose transferee and recipient are both still there and whose recipient
// had answered is completed (the user's leg, if still there, is hung up,
// the two parties bridged in the call's bridge) and followed until one
// hangs up: the transferee reaches the recipient, as with Asterisk's own
// attended transfer when the transferer hangs up. Anything else (the
// recipient still ringing, a party gone) is cleaned up: every channel of
// it hung up, its bridges destroyed, the transfer abandoned with reason
// "restart".
func (e *Engine) reconcileTransfers(ctx context.Context, r *ari.ReconciledEvent) {
	live := make(map[string]ari.Channel, len(r.Channels))
	for _, c := range r.Channels {
		live[c.ID] = c
	}
	if r.Reconnect {
		e.mu.Lock()
		var gone []string
		for ch := range e.txs().chans {
			if _, ok := live[ch]; !ok {
				gone = append(gone, ch)
			}
		}
		e.mu.Unlock()
		slices.Sort(gone)
		for _, ch := range gone {
			if e.listedLate(ctx, ch) {
				continue
			}
			e.xferGone(ctx, ch, 0)
		}
	}
	e.mu.Lock()
	tx := e.txs()
	first, st := !tx.loaded, tx.store
	tx.loaded = true
	e.mu.Unlock()
	if !first || st == nil {
		return
	}
	var recs []xferRecord
	err := st.List(ctx, func(key string, val []byte) error {
		var rec xferRecord
		if err := json.Unmarshal(val, &rec); err != nil || rec.Transfer.ID != key {
			e.log.Warn("calls: an unreadable transfer record; dropped", "key", key, "err", err)
			e.drop(ctx, key)
			return nil
		}
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		e.log.Warn("calls: read the transfers of an earlier run", "err", err)
		return
	}
	for _, rec := range recs {
		e.mu.Lock()
		_, ours := e.tx.byID[rec.Transfer.ID]
		e.mu.Unlock()
		if !ours {
			e.resumeTransfer(ctx, rec, live)
		}
	}
}

// resumeTransfer completes or cleans up an earlier run's transfer.
func (e *Engine) resumeTransfer(ctx context.Context, rec xferRecord, live map[string]ari.Channel) {
	x := &xfer{t: rec.Transfer, userLeg: rec.UserLeg, transferee: rec.Transferee, recipient: rec.Recipient,
		callBridge: rec.CallBridge, consult: rec.Consult, userGone: true, detached: true}
	tid := x.t.ID
	_, fOK := live[x.transferee]
	r, rOK := live[x.recipient]
	answered := rOK && (r.State == ari.StateUp || x.t.AnsweredAt != nil)
	bridges := e.cli.Bridges()
	if fOK && rOK && (rec.Paired || answered) {
		e.mu.Lock()
		changed := false
		if !rec.Paired {
			if x.t.AnsweredAt == nil {
				now := e.clk.Now()
				x.t.AnsweredAt = &now
			}
			changed = e.finishLocked(x, TransferCompleted, ReasonRestart, 0)
		}
		x.paired = true
		tx := e.txs()
		tx.byID[tid] = x
		tx.chans[x.transferee], tx.chans[x.recipient] = tid, tid
		e.legs[x.transferee], e.legs[x.recipient] = tid, tid
		e.bridges[x.callBridge] = true
		t := x.t
		tk := e.ticket(e.calls[t.CallID])
		e.mu.Unlock()
		e.log.Info("calls: a transfer of an earlier run: transferee and recipient bridged", "transfer", tid)
		if x.userLeg != "" {
			if _, ok := live[x.userLeg]; ok {
				e.hangup(ctx, x.userLeg, ari.ReasonNormal)
			}
		}
		err := bridges.AddChannel(ctx, x.callBridge, ari.AddChannelRequest{Channels: []string{x.transferee, x.recipient}})
		if ari.IsNotFound(err) {
			if _, err = bridges.Create(ctx, ari.BridgeRequest{ID: x.callBridge, Type: []string{"mixing"}, Name: "transfer " + tid}); err == nil {
				err = bridges.AddChannel(ctx, x.callBridge, ari.AddChannelRequest{Channels: []string{x.transferee, x.recipient}})
			}
		}
		if err != nil {
			e.log.Warn("calls: bridge a transfer of an earlier run", "transfer", tid, "err", err)
		}
		if changed {
			e.unholdParty(ctx, x.transferee, tid)
			e.unholdParty(ctx, x.recipient, tid)
		}
		e.stopRingback(ctx, x)
		if x.consult != "" {
			e.destroyBridge(ctx, tid, x.consult)
		}
		e.save(ctx, x)
		if changed {
			tk.publish(ctx, transferEvent(EventTransferCompleted, t))
		} else {
			tk.publish(ctx)
		}
		return
	}
	// Clean up.
	e.mu.Lock()
	changed := e.finishLocked(x, TransferAbandoned, ReasonRestart, 0)
	tx := e.txs()
	tx.byID[tid] = x
	e.forgetLocked(x)
	t := x.t
	tk := e.ticket(e.calls[t.CallID])
	e.mu.Unlock()
	e.log.Info("calls: a transfer of an earlier run could not go on; cleaned up", "transfer", tid)
	e.drop(ctx, tid)
	for _, ch := range []string{x.userLeg, x.transferee, x.recipient} {
		if _, ok := live[ch]; ok && ch != "" {
			e.hangup(ctx, ch, ari.ReasonNormal)
		}
	}
	for _, b := range []string{x.callBridge, x.consult} {
		if b != "" && strings.HasPrefix(b, idPrefix) {
			e.destroyBridge(ctx, tid, b)
		}
	}
	if changed {
		tk.publish(ctx, transferEvent(EventTransferAbandoned, t))
	} else {
		tk.publish(ctx)
	}
}
