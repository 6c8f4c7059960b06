package calls

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestUnsubscribedLegHangsUp: a leg the engine did not originate (here
// the Local channel of a blind transfer Asterisk's core ran for the
// destination's phone) is in the app only through Stasis, so Asterisk
// sends no ChannelDestroyed when it hangs up: after StasisEnd the app is
// unsubscribed (res/res_stasis.c app_send_end_msg; observed on Asterisk
// 22.10.1). Its ChannelHangupRequest and StasisEnd must end the call.
func TestUnsubscribedLegHangsUp(t *testing.T) {
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
	var local string
	for {
		got, _ := e.eng.Get(u1, c.ID)
		if got.To == "500" && got.State == StateUp {
			e.eng.mu.Lock()
			local = e.eng.calls[c.ID].farLeg
			e.eng.mu.Unlock()
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("call after the destination's transfer %+v", got)
		}
		runtime.Gosched()
	}
	e.clk.Advance(time.Second) // the Local channel's far end answers
	if !e.srv.Hangup(local, 16) {
		t.Fatalf("hang up %s: not found", local)
	}
	end := e.clean(c)
	if end.EndedBy != "destination" || end.Cause != 16 {
		t.Errorf("ended %+v, want by the destination, cause 16", end)
	}
}
