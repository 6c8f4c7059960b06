package calls

import (
	"context"
	"errors"
	"testing"
)

// A blind transfer over SIP: the call ends for the user at once, the
// transferee hears ringback while pbxagent dials the recipient through
// the trunk, and is bridged to it on answer (completed); a recipient
// that fails has the transferee hung up with its cause (abandoned); a
// transferee that hangs up first cancels it.
func TestSIPBlindTransfer(t *testing.T) {
	tests := []struct {
		name string
		// recipient answers, fails with a status and cause, or the
		// transferee hangs up while it rings.
		fail, cause int
		byeFirst    bool
		want        string // the final event
		reason      string
	}{
		{name: "answered", want: EventTransferCompleted + ":completed", reason: ReasonAnswered},
		{name: "busy", fail: 486, cause: 17, want: EventTransferAbandoned + ":abandoned", reason: ReasonRecipientFailed},
		{name: "transferee hangs up", byeFirst: true, want: EventTransferCancelled + ":cancelled", reason: ReasonTransfereeHangup},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSIPEnv(t)
			v := Viewer{UserID: "u1"}
			ctx := context.Background()
			c, user, far := e.up()
			if _, err := e.eng.Hold(ctx, v, c.ID); err != nil {
				t.Fatal(err)
			}
			e.pub.expect(t, EventHeld, EventUpdated)
			far.await(t, "music")

			tr, err := e.eng.StartTransfer(ctx, v, c.ID, TransferRequest{To: "300", Mode: Blind})
			if err != nil || tr.CallID != c.ID || tr.Mode != Blind || tr.To != "300" {
				t.Fatalf("transfer: %+v %v", tr, err)
			}
			e.pub.expect(t, EventTransferCreated+":starting")
			ended := e.pub.expect(t, EventEnded)
			if ended.EndedBy != "transfer" || ended.Transfer != tr.ID {
				t.Errorf("the call ended %+v", ended)
			}
			user.await(t, "hangup 16")
			far.await(t, "music-end")
			far.await(t, "resume") // it was held
			far.await(t, "ringback")
			e.pub.expect(t, EventTransferUpdated+":ringback")
			dial := e.d.next(t)
			if dial.req.To != "sip:300@trunk.example.com" || dial.req.From != "200" {
				t.Errorf("the recipient dialled as %+v", dial.req)
			}
			switch {
			case tc.byeFirst:
				far.bye(16)
				dial.awaitCancelled(t)
			case tc.fail != 0:
				dial.fail(tc.fail, tc.cause)
			default:
				rec := dial.answer(t, "recipient")
				far.await(t, "ringback-end")
				far.await(t, "bridge recipient")
				defer func() {
					rec.bye(16)
					far.await(t, "bridge-end")
					far.await(t, "hangup 16")
				}()
			}
			got := e.pub.next(t)
			if got.xfer == nil || got.typ+":"+string(got.xfer.State) != tc.want || got.xfer.Reason != tc.reason || got.xfer.Cause != tc.cause {
				t.Fatalf("final event %s %+v, want %s reason %s cause %d", got.typ, got.xfer, tc.want, tc.reason, tc.cause)
			}
			if tc.fail != 0 {
				far.await(t, "hangup 17")
			}
			if x, err := e.eng.GetTransfer(v, tr.ID); err != nil || x.State.final() != true {
				t.Errorf("get: %+v %v", x, err)
			}
		})
	}
}

// A transfer of another user's call is not found; a second transfer of
// a call handed over is refused.
func TestSIPTransferRefusals(t *testing.T) {
	e := newSIPEnv(t)
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	c, _, _ := e.up()
	if _, err := e.eng.StartTransfer(ctx, Viewer{UserID: "u2"}, c.ID, TransferRequest{To: "300", Mode: Blind}); !errors.Is(err, ErrNotFound) {
		t.Errorf("another user's: %v", err)
	}
	if _, err := e.eng.StartTransfer(ctx, v, c.ID, TransferRequest{To: "300", Mode: Blind}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.StartTransfer(ctx, v, c.ID, TransferRequest{To: "301", Mode: Blind}); !errors.Is(err, ErrState) {
		t.Errorf("a second transfer: %v", err)
	}
	e.d.next(t).fail(404, 1)
}
