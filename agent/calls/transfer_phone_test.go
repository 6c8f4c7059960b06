package calls

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// awaitNotify waits until the phone's leg got the REFER NOTIFYs want.
func (e *env) awaitNotify(id string, want ...int) {
	e.t.Helper()
	e.awaitChannel(id, "notified", func(s fakeari.ChannelSnapshot) bool { return slices.Equal(s.ReferNotify, want) })
}

func TestPhoneBlindTransfer(t *testing.T) {
	t.Run("recipient answers", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		if u, _ := e.srv.Channel(c.ID + "-u1"); u.Variables["PJSIP_TRANSFER_HANDLING()"] != "ari-only" {
			t.Fatalf("the user's leg has no ari-only transfer handling: %v", u.Variables)
		}
		if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: c.ID + "-u1", Destination: "400"}); err != nil {
			t.Fatal(err)
		}
		tr := e.pub.awaitTransfer(t, EventTransferCreated, "")
		if tr.Source != SourcePhone || tr.Mode != Blind || tr.To != "400" || tr.CallID != c.ID {
			t.Fatalf("transfer %+v", tr)
		}
		e.awaitNotify(c.ID+"-u1", 100)
		if u, _ := e.srv.Channel(c.ID + "-u1"); u.Bridge != "" {
			t.Errorf("the phone's leg is still bridged while the recipient rings: %+v", u)
		}
		e.ring(tr.ID + "-to")
		if err := e.srv.PickUp(tr.ID + "-to"); err != nil {
			t.Fatal(err)
		}
		e.pub.awaitTransfer(t, EventTransferCompleted, tr.ID)
		e.awaitNotify(c.ID+"-u1", 100, 200)
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
			t.Errorf("ended %+v", end)
		}
		e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
		e.pairEnds(c, tr)
	})
	t.Run("recipient busy: back to the transferee", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: c.ID + "-u1", Destination: "300"}); err != nil {
			t.Fatal(err)
		}
		tr := e.pub.awaitTransfer(t, EventTransferCreated, "")
		e.ring(tr.ID + "-to")
		e.clk.Advance(2 * time.Second)
		if got := e.pub.awaitTransfer(t, EventTransferAbandoned, tr.ID); got.Cause != 17 {
			t.Errorf("abandoned %+v", got)
		}
		e.awaitNotify(c.ID+"-u1", 100, 603)
		e.bridged("back together", c.ID+"-u1", c.ID+"-far")
		if call, _ := e.eng.Get(u1, c.ID); call.State != StateUp {
			t.Errorf("call %+v", call)
		}
	})
	t.Run("invalid destination: declined", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: c.ID + "-u1", Destination: "2&3"}); err != nil {
			t.Fatal(err)
		}
		e.awaitNotify(c.ID+"-u1", 603)
		if call, _ := e.eng.Get(u1, c.ID); call.State != StateUp || call.Transfer != "" {
			t.Errorf("call %+v", call)
		}
	})
}

func TestPhoneAttendedTransfer(t *testing.T) {
	e := newEnv(t)
	c1 := e.up()
	c2 := e.place("400", "PJSIP/101")
	e.ring(c2.ID + "-u1")
	e.clk.Advance(time.Second)
	e.ring(c2.ID + "-far")
	if err := e.srv.PickUp(c2.ID + "-far"); err != nil {
		t.Fatal(err)
	}
	e.pub.await(t, EventAnswered, c2.ID)
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: c1.ID + "-u1", Replaces: c2.ID + "-u1"}); err != nil {
		t.Fatal(err)
	}
	tr := e.pub.awaitTransfer(t, EventTransferCompleted, "")
	if tr.Mode != Attended || tr.Source != SourcePhone || tr.To != "400" {
		t.Errorf("transfer %+v", tr)
	}
	e.awaitNotify(c1.ID+"-u1", 200)
	for _, c := range []Call{c1, c2} {
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" || end.Transfer != tr.ID {
			t.Errorf("call %s ended %+v", c.ID, end)
		}
		e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
	}
	e.bridged("the two far parties", c1.ID+"-far", c2.ID+"-far")
	e.srv.Hangup(c2.ID+"-far", 16)
	e.awaitChannel(c1.ID+"-far", "hung up", destroyed)
	e.noBridges()
}

func TestAsteriskBlindTransferFollowed(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	peers := append([]fakeari.Option{fakeari.WithClock(clk), fakeari.WithPeer("Local/500@transfers", fakeari.Desk{AnswerAfter: time.Second})}, testPeers...)
	srv, url := fakeari.StartTest(t, peers...)
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attach(WithPhoneTransfersByAsterisk())
	c := e.up()
	if u, _ := e.srv.Channel(c.ID + "-u1"); u.Variables["PJSIP_TRANSFER_HANDLING()"] != "" {
		t.Fatalf("ari-only set: %v", u.Variables)
	}
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: c.ID + "-u1", Destination: "500", Context: "transfers"}); err != nil {
		t.Fatal(err)
	}
	tr := e.pub.awaitTransfer(t, EventTransferCreated, "")
	if tr.Source != SourcePhone || tr.Mode != Blind || tr.To != "500" {
		t.Errorf("transfer %+v", tr)
	}
	if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
		t.Errorf("ended %+v", end)
	}
	e.clk.Advance(time.Second)
	e.pub.awaitTransfer(t, EventTransferCompleted, tr.ID)
	e.srv.Hangup(c.ID+"-far", 16)
	e.noBridges()
	if got, _ := e.eng.GetTransfer(u1, tr.ID); got.State != TransferCompleted {
		t.Errorf("transfer %+v", got)
	}
}

func TestTransferAcrossRestart(t *testing.T) {
	t.Run("answered: completed by the next run", func(t *testing.T) {
		kv := newMemKV()
		e := newEnv(t, WithTransferStore(kv))
		c, tr := e.consulting()
		if kv.Len() != 1 {
			t.Fatalf("%d records during the consultation", kv.Len())
		}
		e.kill() // a crash: nothing is hung up
		e.attach(WithTransferStore(kv))
		got := e.pub.awaitTransfer(t, EventTransferCompleted, tr.ID)
		if got.Reason != ReasonRestart {
			t.Errorf("completed %+v", got)
		}
		e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
		e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
		if far, _ := e.srv.Channel(c.ID + "-far"); far.Hold || far.MOH {
			t.Errorf("transferee still on hold: %+v", far)
		}
		if kv.Len() != 1 {
			t.Errorf("%d records while the pair talks, want 1", kv.Len())
		}
		e.pairEnds(c, tr)
		if kv.Len() != 0 {
			t.Errorf("%d records left", kv.Len())
		}
	})
	t.Run("ringing: cleaned up by the next run", func(t *testing.T) {
		kv := newMemKV()
		e := newEnv(t, WithTransferStore(kv))
		c := e.up()
		tr := e.startTransfer(c, "400", Attended)
		e.ring(tr.ID + "-to")
		e.kill()
		e.attach(WithTransferStore(kv))
		got := e.pub.awaitTransfer(t, EventTransferAbandoned, tr.ID)
		if got.Reason != ReasonRestart {
			t.Errorf("abandoned %+v", got)
		}
		for _, ch := range []string{c.ID + "-u1", c.ID + "-far", tr.ID + "-to"} {
			e.awaitChannel(ch, "hung up", destroyed)
		}
		e.noBridges()
		if kv.Len() != 0 {
			t.Errorf("%d records left", kv.Len())
		}
	})
}

// TestTransferAcrossReconnect: the recipient hangs up while the events
// WebSocket is down; the reconciliation after the reconnect handles it as
// seen: the transfer is abandoned and the user is back with the
// transferee.
func TestTransferAcrossReconnect(t *testing.T) {
	e := newEnv(t)
	c, tr := e.consulting()
	e.srv.DropWebSockets()
	e.srv.Hangup(tr.ID+"-to", 16)
	got := e.pub.awaitTransfer(t, EventTransferAbandoned, tr.ID)
	if got.Reason != ReasonRecipientHangup {
		t.Errorf("abandoned %+v", got)
	}
	e.bridged("back together", c.ID+"-u1", c.ID+"-far")
	if call, _ := e.eng.Get(u1, c.ID); call.State != StateUp {
		t.Errorf("call %+v", call)
	}
}

// TestDestinationTransfersTheUser: the destination's phone runs a blind
// transfer through Asterisk's core: the call goes on with the Local
// channel as its destination.
func TestDestinationTransfersTheUser(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	peers := append([]fakeari.Option{fakeari.WithClock(clk), fakeari.WithPeer("Local/500@transfers", fakeari.Desk{AnswerAfter: time.Second})}, testPeers...)
	srv, url := fakeari.StartTest(t, peers...)
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attach()
	c := e.up()
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: c.ID + "-far", Destination: "500", Context: "transfers"}); err != nil {
		t.Fatal(err)
	}
	e.awaitChannel(c.ID+"-far", "hung up", destroyed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		got, _ := e.eng.Get(u1, c.ID)
		if got.To == "500" && got.State == StateUp {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("call after the destination's transfer %+v", got)
		}
		runtime.Gosched()
	}
	e.clk.Advance(time.Second)
	if _, err := e.eng.Hangup(context.Background(), u1, c.ID); err != nil {
		t.Fatal(err)
	}
	e.noBridges()
	if ended, _ := e.eng.Get(u1, c.ID); ended.State != StateEnded || ended.EndedBy != "api" {
		t.Errorf("ended %+v", ended)
	}
}
