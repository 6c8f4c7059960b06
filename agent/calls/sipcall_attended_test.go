package calls

import (
	"context"
	"errors"
	"testing"
)

// An attended transfer over SIP: the destination is held with the music,
// the user hears ringback while the recipient rings, then talks to it;
// complete bridges the destination with the recipient and ends the call
// for the user; cancel, or a recipient that hangs up or fails, puts the
// user back with the destination, resumed.
func TestSIPAttendedTransfer(t *testing.T) {
	tests := []struct {
		name   string
		end    string // complete, cancel, hangup, busy
		want   string // the final event and state
		reason string
		cause  int
	}{
		{name: "completed", end: "complete", want: EventTransferCompleted + ":completed", reason: ReasonAPI},
		{name: "cancelled", end: "cancel", want: EventTransferCancelled + ":cancelled", reason: ReasonAPI},
		{name: "recipient hangs up", end: "hangup", want: EventTransferAbandoned + ":abandoned", reason: ReasonRecipientHangup, cause: 16},
		{name: "recipient busy", end: "busy", want: EventTransferAbandoned + ":abandoned", reason: ReasonRecipientFailed, cause: 17},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSIPEnv(t)
			v := Viewer{UserID: "u1"}
			ctx := context.Background()
			c, user, far := e.up()

			tr, err := e.eng.StartTransfer(ctx, v, c.ID, TransferRequest{To: "300", Mode: Attended})
			if err != nil || tr.Mode != Attended {
				t.Fatalf("transfer: %+v %v", tr, err)
			}
			e.pub.expect(t, EventTransferCreated+":starting", EventUpdated+":held")
			user.await(t, "hold-far on")
			far.await(t, "hold")
			far.await(t, "music")
			user.await(t, "bridge-end")
			user.await(t, "ringback")
			dial := e.d.next(t)
			if dial.req.To != "sip:300@trunk.example.com" || dial.req.From != "101" {
				t.Errorf("the recipient dialled as %+v", dial.req)
			}
			if _, err := e.eng.Hold(ctx, v, c.ID); !errors.Is(err, ErrState) {
				t.Errorf("hold during a transfer: %v", err)
			}
			dial.req.OnRinging()
			e.pub.expect(t, EventTransferUpdated+":ringback")
			if _, err := e.eng.CompleteTransfer(ctx, v, tr.ID); !errors.Is(err, ErrState) {
				t.Errorf("complete while the recipient rings: %v", err)
			}
			if tc.end == "busy" {
				dial.fail(486, 17)
			} else {
				rec := dial.answer(t, "recipient")
				user.await(t, "ringback-end")
				user.await(t, "bridge recipient")
				e.pub.expect(t, EventTransferAnswered+":answered")
				switch tc.end {
				case "complete":
					if _, err := e.eng.CompleteTransfer(ctx, v, tr.ID); err != nil {
						t.Fatal(err)
					}
					defer func() {
						rec.bye(16)
						far.await(t, "bridge-end")
						far.await(t, "hangup 16")
					}()
				case "cancel":
					if _, err := e.eng.CancelTransfer(ctx, v, tr.ID); err != nil {
						t.Fatal(err)
					}
					rec.await(t, "hangup 16")
				case "hangup":
					rec.bye(16)
				}
			}
			got := e.pub.next(t)
			if got.xfer == nil || got.typ+":"+string(got.xfer.State) != tc.want || got.xfer.Reason != tc.reason || got.xfer.Cause != tc.cause {
				t.Fatalf("final event %s %+v, want %s reason %s cause %d", got.typ, got.xfer, tc.want, tc.reason, tc.cause)
			}
			if tc.end == "complete" {
				ended := e.pub.expect(t, EventEnded)
				if ended.EndedBy != "transfer" {
					t.Errorf("ended %+v", ended)
				}
				user.await(t, "hangup 16")
				far.await(t, "music-end")
				far.await(t, "resume")
				far.await(t, "bridge recipient")
				return
			}
			// Back with the destination, resumed.
			up := e.pub.expect(t, EventUpdated+":up")
			if up.Transfer != tr.ID {
				t.Errorf("the call's transfer %q", up.Transfer)
			}
			user.await(t, "bridge far")
			far.await(t, "resume")
			far.await(t, "music-end")
			if _, err := e.eng.Hold(ctx, v, c.ID); err != nil {
				t.Errorf("hold after the transfer: %v", err)
			}
		})
	}
}

// The user hanging up during the consultation ends the call and cancels
// the transfer; the recipient is hung up.
func TestSIPAttendedTransferUserHangsUp(t *testing.T) {
	e := newSIPEnv(t)
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	c, user, _ := e.up()
	tr, err := e.eng.StartTransfer(ctx, v, c.ID, TransferRequest{To: "300", Mode: Attended})
	if err != nil {
		t.Fatal(err)
	}
	e.pub.expect(t, EventTransferCreated, EventUpdated+":held")
	rec := e.d.next(t).answer(t, "recipient")
	e.pub.expect(t, EventTransferAnswered)
	user.bye(16)
	got := e.pub.next(t)
	if got.xfer == nil || got.typ != EventTransferCancelled || got.xfer.Reason != ReasonCallEnded || got.xfer.ID != tr.ID {
		t.Fatalf("event %s %+v", got.typ, got.xfer)
	}
	e.pub.expect(t, EventEnded)
	rec.await(t, "hangup 16")
}

// Swap alternates whom the user talks to, the other party held with the
// music; completed after a swap, the recipient is resumed and bridged
// with the transferee.
func TestSIPAttendedTransferSwap(t *testing.T) {
	e := newSIPEnv(t)
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	c, user, far := e.up()
	tr, err := e.eng.StartTransfer(ctx, v, c.ID, TransferRequest{To: "300", Mode: Attended})
	if err != nil {
		t.Fatal(err)
	}
	e.pub.expect(t, EventTransferCreated, EventUpdated+":held")
	far.await(t, "music")
	rec := e.d.next(t).answer(t, "recipient")
	user.await(t, "bridge recipient")
	e.pub.expect(t, EventTransferAnswered)

	sw, err := e.eng.SwapTransfer(ctx, v, tr.ID)
	if err != nil || sw.Talking != TalkingTransferee {
		t.Fatalf("swap: %+v %v", sw, err)
	}
	user.await(t, "bridge far")
	rec.await(t, "hold")
	rec.await(t, "music")
	far.await(t, "resume")
	far.await(t, "music-end")
	e.pub.expect(t, EventTransferUpdated+":answered", EventUpdated+":up")

	sw, err = e.eng.SwapTransfer(ctx, v, tr.ID)
	if err != nil || sw.Talking != TalkingRecipient {
		t.Fatalf("swap back: %+v %v", sw, err)
	}
	rec.await(t, "music-end")
	rec.await(t, "resume")
	far.await(t, "hold")
	far.await(t, "music")
	user.await(t, "bridge recipient")
	e.pub.expect(t, EventTransferUpdated+":answered", EventUpdated+":held")

	if _, err := e.eng.SwapTransfer(ctx, v, tr.ID); err != nil { // to the transferee again
		t.Fatal(err)
	}
	rec.await(t, "music")
	e.pub.expect(t, EventTransferUpdated, EventUpdated+":up")
	if _, err := e.eng.CompleteTransfer(ctx, v, tr.ID); err != nil {
		t.Fatal(err)
	}
	e.pub.expect(t, EventTransferCompleted+":completed", EventEnded)
	rec.await(t, "music-end")
	rec.await(t, "resume")
	far.await(t, "bridge recipient")
	rec.bye(16)
	far.await(t, "hangup 16")
}
