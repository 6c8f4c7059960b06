package calls

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/memkv"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// transferTypes lists the transfer events published for transfer id.
func (r *recorder) transferTypes(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		if t, ok := e.data.(Transfer); ok && t.ID == id {
			out = append(out, e.typ)
		}
	}
	return out
}

// awaitTransfer waits (bounded) for a transfer event of type typ about
// transfer id (any transfer when id is "") and returns the transfer.
func (r *recorder) awaitTransfer(t testing.TB, typ, id string) Transfer {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, e := range r.evs {
			if tr, ok := e.data.(Transfer); ok && e.typ == typ && (id == "" || tr.ID == id) {
				r.mu.Unlock()
				return tr
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s for transfer %q; got %v", typ, id, r.transferTypes(id))
		}
	}
}

// memKV is the shared in-memory KV (testlab/memkv).
type memKV = memkv.KV

func newMemKV() *memKV { return memkv.New() }

var u1 = Viewer{UserID: "u1"}

// bridged waits until the channels share one bridge and returns it.
func (e *env) bridged(what string, ids ...string) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var b string
		same := true
		for i, id := range ids {
			s, _ := e.srv.Channel(id)
			if i == 0 {
				b = s.Bridge
			}
			if s.Bridge == "" || s.Bridge != b || s.Destroyed {
				same = false
			}
		}
		if same {
			return b
		}
		if ctx.Err() != nil {
			var got []fakeari.ChannelSnapshot
			for _, id := range ids {
				s, _ := e.srv.Channel(id)
				got = append(got, s)
			}
			e.t.Fatalf("%s: %v never in one bridge: %+v", what, ids, got)
		}
		e.clk.Advance(0)
	}
}

// noBridges waits until the stand-in holds no bridge.
func (e *env) noBridges() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(e.srv.BridgeIDs()) > 0 {
		if ctx.Err() != nil {
			e.t.Fatalf("bridges left: %v", e.srv.BridgeIDs())
		}
		runtime.Gosched() // an eventual check with a deadline
	}
}

// startTransfer starts a transfer of call c as u1.
func (e *env) startTransfer(c Call, to string, mode TransferMode) Transfer {
	e.t.Helper()
	tr, err := e.eng.StartTransfer(context.Background(), u1, c.ID, TransferRequest{To: to, Mode: mode})
	if err != nil {
		e.t.Fatalf("start a %s transfer: %v", mode, err)
	}
	if tr.CallID != c.ID || tr.UserID != "u1" || tr.Mode != mode || tr.To != to {
		e.t.Fatalf("transfer %+v", tr)
	}
	return tr
}

// consulting starts an attended transfer of an answered call to the
// manual desk PJSIP/400 and picks it up: the user talks to the recipient.
func (e *env) consulting() (Call, Transfer) {
	e.t.Helper()
	c := e.up()
	tr := e.startTransfer(c, "400", Attended)
	e.awaitChannel(c.ID+"-far", "on hold", func(s fakeari.ChannelSnapshot) bool { return s.Hold && s.MOH })
	e.ring(tr.ID + "-to")
	if err := e.srv.PickUp(tr.ID + "-to"); err != nil {
		e.t.Fatal(err)
	}
	e.pub.awaitTransfer(e.t, EventTransferAnswered, tr.ID)
	if b := e.bridged("consultation", c.ID+"-u1", tr.ID+"-to"); b != tr.ID+"-bridge" {
		e.t.Fatalf("user and recipient in %s", b)
	}
	if got, _ := e.eng.Get(u1, c.ID); got.State != StateHeld || got.Transfer != tr.ID {
		e.t.Fatalf("call during the consultation %+v", got)
	}
	return c, tr
}

// pairEnds hangs up the transferee and checks that the recipient follows
// and nothing is left.
func (e *env) pairEnds(c Call, tr Transfer) {
	e.t.Helper()
	e.srv.Hangup(c.ID+"-far", 16)
	e.awaitChannel(tr.ID+"-to", "hung up", destroyed)
	e.noBridges()
}

func TestBlindTransfer(t *testing.T) {
	tests := []struct {
		name      string
		to        string
		advance   time.Duration
		want      TransferState
		wantCause int
	}{
		{name: "recipient answers", to: "200", advance: 3 * time.Second, want: TransferCompleted},
		{name: "recipient busy", to: "300", advance: 2 * time.Second, want: TransferAbandoned, wantCause: 17},
		{name: "recipient never answers", to: "103", advance: 61 * time.Second, want: TransferAbandoned, wantCause: 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.up()
			tr := e.startTransfer(c, tt.to, Blind)
			// The user is done at once.
			end := e.pub.await(t, EventEnded, c.ID).call
			if end.EndedBy != "transfer" || end.Transfer != tr.ID {
				t.Errorf("call ended %+v, want ended_by transfer", end)
			}
			e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
			if pb := e.awaitPlayback(c.ID+"-bridge-ringback", "queued", "playing"); pb.TargetURI != "bridge:"+c.ID+"-bridge" {
				t.Errorf("ringback to %s", pb.TargetURI)
			}
			e.ring(tr.ID + "-to")
			e.clk.Advance(tt.advance)
			final := e.pub.awaitTransfer(t, finishEvent(tt.want), tr.ID)
			if final.State != tt.want || final.Cause != tt.wantCause || final.EndedAt == nil {
				t.Errorf("transfer %+v, want %s cause %d", final, tt.want, tt.wantCause)
			}
			if tt.want == TransferCompleted {
				e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
				e.pairEnds(c, tr)
				want := []string{EventTransferCreated, EventTransferUpdated, EventTransferAnswered, EventTransferCompleted}
				if got := e.pub.transferTypes(tr.ID); !slices.Equal(got, want) {
					t.Errorf("events %v, want %v", got, want)
				}
			} else {
				far := e.awaitChannel(c.ID+"-far", "hung up", destroyed)
				if far.Cause != tt.wantCause {
					t.Errorf("transferee hung up with %d, want %d", far.Cause, tt.wantCause)
				}
				e.noBridges()
			}
			if got, _ := e.eng.GetTransfer(u1, tr.ID); got.State != tt.want {
				t.Errorf("GET %+v", got)
			}
		})
	}
}

func TestAttendedTransfer(t *testing.T) {
	t.Run("complete", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		got, err := e.eng.CompleteTransfer(context.Background(), u1, tr.ID)
		if err != nil || got.State != TransferCompleted || got.Reason != ReasonAPI {
			t.Fatalf("complete: %+v %v", got, err)
		}
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
			t.Errorf("call ended %+v", end)
		}
		e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
		if b := e.bridged("transferred", c.ID+"-far", tr.ID+"-to"); b != c.ID+"-bridge" {
			t.Errorf("pair in %s", b)
		}
		if far, _ := e.srv.Channel(c.ID + "-far"); far.Hold || far.MOH {
			t.Errorf("transferee still on hold: %+v", far)
		}
		want := []string{EventTransferCreated, EventTransferUpdated, EventTransferAnswered, EventTransferCompleted}
		if got := e.pub.transferTypes(tr.ID); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		if _, err := e.eng.CancelTransfer(context.Background(), u1, tr.ID); err == nil {
			t.Error("cancel of a completed transfer accepted")
		}
		e.pairEnds(c, tr)
	})
	t.Run("cancel", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		got, err := e.eng.CancelTransfer(context.Background(), u1, tr.ID)
		if err != nil || got.State != TransferCancelled || got.Reason != ReasonAPI {
			t.Fatalf("cancel: %+v %v", got, err)
		}
		e.awaitChannel(tr.ID+"-to", "hung up", destroyed)
		e.bridged("back together", c.ID+"-u1", c.ID+"-far")
		if far, _ := e.srv.Channel(c.ID + "-far"); far.Hold || far.MOH {
			t.Errorf("transferee still on hold: %+v", far)
		}
		if call, _ := e.eng.Get(u1, c.ID); call.State != StateUp {
			t.Errorf("call after cancel %+v", call)
		}
		// The call goes on and can be transferred again.
		tr2 := e.startTransfer(c, "400", Attended)
		if _, err := e.eng.CancelTransfer(context.Background(), u1, tr2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.eng.Hangup(context.Background(), u1, c.ID); err != nil {
			t.Fatal(err)
		}
		e.clean(c)
	})
	t.Run("swap", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		got, err := e.eng.SwapTransfer(context.Background(), u1, tr.ID)
		if err != nil || got.Talking != TalkingTransferee {
			t.Fatalf("swap: %+v %v", got, err)
		}
		e.bridged("with the transferee", c.ID+"-u1", c.ID+"-far")
		e.awaitChannel(tr.ID+"-to", "on hold", func(s fakeari.ChannelSnapshot) bool { return s.Hold && s.MOH })
		if far, _ := e.srv.Channel(c.ID + "-far"); far.Hold || far.MOH {
			t.Errorf("transferee still on hold after the swap: %+v", far)
		}
		if call, _ := e.eng.Get(u1, c.ID); call.State != StateUp {
			t.Errorf("call talking to the transferee: %+v", call)
		}
		if got, err = e.eng.SwapTransfer(context.Background(), u1, tr.ID); err != nil || got.Talking != TalkingRecipient {
			t.Fatalf("swap back: %+v %v", got, err)
		}
		e.bridged("with the recipient", c.ID+"-u1", tr.ID+"-to")
		e.awaitChannel(c.ID+"-far", "on hold", func(s fakeari.ChannelSnapshot) bool { return s.Hold && s.MOH })
		// Swap again, then complete while the recipient is on hold.
		if _, err = e.eng.SwapTransfer(context.Background(), u1, tr.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.eng.CompleteTransfer(context.Background(), u1, tr.ID); err != nil {
			t.Fatal(err)
		}
		e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
		if r, _ := e.srv.Channel(tr.ID + "-to"); r.Hold || r.MOH {
			t.Errorf("recipient still on hold: %+v", r)
		}
		e.pairEnds(c, tr)
	})
	t.Run("recipient hangs up: abandoned", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		e.srv.Hangup(tr.ID+"-to", 16)
		got := e.pub.awaitTransfer(t, EventTransferAbandoned, tr.ID)
		if got.Reason != ReasonRecipientHangup {
			t.Errorf("abandoned %+v", got)
		}
		e.bridged("back together", c.ID+"-u1", c.ID+"-far")
		if _, err := e.eng.Hangup(context.Background(), u1, c.ID); err != nil {
			t.Fatal(err)
		}
		e.clean(c)
	})
	t.Run("recipient busy: abandoned", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		tr := e.startTransfer(c, "300", Attended)
		e.ring(tr.ID + "-to")
		e.clk.Advance(2 * time.Second)
		got := e.pub.awaitTransfer(t, EventTransferAbandoned, tr.ID)
		if got.Reason != ReasonRecipientFailed || got.Cause != 17 {
			t.Errorf("abandoned %+v", got)
		}
		e.bridged("back together", c.ID+"-u1", c.ID+"-far")
		if far, _ := e.srv.Channel(c.ID + "-far"); far.Hold || far.MOH {
			t.Errorf("transferee still on hold: %+v", far)
		}
		if len(e.srv.BridgeIDs()) != 1 {
			t.Errorf("bridges %v", e.srv.BridgeIDs())
		}
	})
	t.Run("transferee hangs up during the consultation", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		e.srv.Hangup(c.ID+"-far", 16)
		got := e.pub.awaitTransfer(t, EventTransferCancelled, tr.ID)
		if got.Reason != ReasonTransfereeHangup {
			t.Errorf("cancelled %+v", got)
		}
		// The call goes on with the recipient.
		e.bridged("user and recipient", c.ID+"-u1", tr.ID+"-to")
		call, _ := e.eng.Get(u1, c.ID)
		if call.State != StateUp || call.To != "400" {
			t.Errorf("call after the transferee left %+v", call)
		}
		e.srv.Hangup(tr.ID+"-to", 16)
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "destination" {
			t.Errorf("ended %+v", end)
		}
		e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
		e.noBridges()
	})
	t.Run("transferee hangs up while the recipient rings", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		tr := e.startTransfer(c, "400", Attended)
		e.ring(tr.ID + "-to")
		e.srv.Hangup(c.ID+"-far", 16)
		e.pub.awaitTransfer(t, EventTransferCancelled, tr.ID)
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "destination" {
			t.Errorf("ended %+v", end)
		}
		e.awaitChannel(tr.ID+"-to", "hung up", destroyed)
		e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
		e.noBridges()
	})
	t.Run("user hangs up during the consultation: completed", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		e.srv.Hangup(c.ID+"-u1", 16)
		got := e.pub.awaitTransfer(t, EventTransferCompleted, tr.ID)
		if got.Reason != ReasonUserHangup {
			t.Errorf("completed %+v", got)
		}
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
			t.Errorf("ended %+v", end)
		}
		e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
		e.pairEnds(c, tr)
	})
	t.Run("user hangs up while the recipient rings: blind", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		tr := e.startTransfer(c, "400", Attended)
		e.ring(tr.ID + "-to")
		e.srv.Hangup(c.ID+"-u1", 16)
		if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
			t.Errorf("ended %+v", end)
		}
		e.awaitChannel(c.ID+"-far", "off hold", func(s fakeari.ChannelSnapshot) bool { return !s.Hold && !s.MOH })
		if err := e.srv.PickUp(tr.ID + "-to"); err != nil {
			t.Fatal(err)
		}
		got := e.pub.awaitTransfer(t, EventTransferCompleted, tr.ID)
		if got.Reason != ReasonUserHangup {
			t.Errorf("completed %+v", got)
		}
		e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
		e.pairEnds(c, tr)
	})
	t.Run("API hang-up during the consultation", func(t *testing.T) {
		e := newEnv(t)
		c, tr := e.consulting()
		if _, err := e.eng.Hangup(context.Background(), u1, c.ID); err != nil {
			t.Fatal(err)
		}
		got := e.pub.awaitTransfer(t, EventTransferCancelled, tr.ID)
		if got.Reason != ReasonCallEnded {
			t.Errorf("cancelled %+v", got)
		}
		e.clean(c)
		e.awaitChannel(tr.ID+"-to", "hung up", destroyed)
	})
	t.Run("refused", func(t *testing.T) {
		e := newEnv(t)
		c := e.place("200", "PJSIP/101")
		if _, err := e.eng.StartTransfer(context.Background(), u1, c.ID, TransferRequest{To: "400", Mode: Attended}); err == nil {
			t.Error("transfer of a dialing call accepted")
		}
		e.ring(c.ID + "-u1")
		e.clk.Advance(time.Second)
		e.ring(c.ID + "-far")
		e.clk.Advance(3 * time.Second)
		e.pub.await(t, EventAnswered, c.ID)
		tr := e.startTransfer(c, "400", Attended)
		for name, err := range map[string]error{
			"second transfer": func() error {
				_, err := e.eng.StartTransfer(context.Background(), u1, c.ID, TransferRequest{To: "200", Mode: Blind})
				return err
			}(),
			"swap while ringing":     func() error { _, err := e.eng.SwapTransfer(context.Background(), u1, tr.ID); return err }(),
			"hold during a transfer": func() error { _, err := e.eng.Hold(context.Background(), u1, c.ID); return err }(),
			"another user's": func() error {
				_, err := e.eng.CancelTransfer(context.Background(), Viewer{UserID: "u2"}, tr.ID)
				return err
			}(),
			"bad mode": func() error {
				_, err := e.eng.StartTransfer(context.Background(), u1, c.ID, TransferRequest{To: "200", Mode: "warm"})
				return err
			}(),
		} {
			if err == nil {
				t.Errorf("%s accepted", name)
			}
		}
	})
}

// TestTransferRelease: a clean stop (Release) cancels an attended
// transfer in progress with its call, and leaves a completed transfer's
// parties talking (stored, for the next run).
func TestTransferRelease(t *testing.T) {
	kv := newMemKV()
	e := newEnv(t, WithTransferStore(kv))
	c1, tr1 := e.consulting()
	c2 := e.up()
	tr2 := e.startTransfer(c2, "200", Blind)
	e.ring(tr2.ID + "-to")
	e.clk.Advance(3 * time.Second)
	e.pub.awaitTransfer(t, EventTransferCompleted, tr2.ID)
	e.eng.Release(context.Background())
	if got := e.pub.awaitTransfer(t, EventTransferCancelled, tr1.ID); got.Reason != ReasonCallEnded {
		t.Errorf("transfer in progress after Release: %+v", got)
	}
	for _, ch := range []string{c1.ID + "-u1", c1.ID + "-far", tr1.ID + "-to"} {
		e.awaitChannel(ch, "hung up", destroyed)
	}
	for _, ch := range []string{c2.ID + "-far", tr2.ID + "-to"} {
		if s, _ := e.srv.Channel(ch); s.Destroyed {
			t.Errorf("%s of a transferred call hung up by Release", ch)
		}
	}
	if kv.Len() != 1 {
		t.Errorf("%d records after Release, want the transferred call's", kv.Len())
	}
}
