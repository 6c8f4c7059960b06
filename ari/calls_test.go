package ari_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// The call-control surface the calls engine needs, against the stand-in.

func TestDeskPhoneOriginate(t *testing.T) {
	tests := []struct {
		name    string
		desk    fakeari.Desk
		vars    map[string]string
		timeout time.Duration
		// act runs after the first advance (the phone is ringing).
		act     func(e *env, id string) error
		advance time.Duration
		want    []string
		status  string // last Dial status
		cause   int    // ChannelDestroyed cause; 0: stays up
	}{
		{name: "answers after a delay", desk: fakeari.Desk{AnswerAfter: 3 * time.Second}, advance: 3 * time.Second,
			want: []string{"Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial", "StasisStart"}, status: "ANSWER"},
		{name: "answers on command", desk: fakeari.Desk{Manual: true}, advance: 29 * time.Second,
			act:  func(e *env, id string) error { return e.srv.PickUp(id) },
			want: []string{"Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial", "StasisStart"}, status: "ANSWER"},
		{name: "rejects busy", desk: fakeari.Desk{AnswerAfter: time.Second, RejectCause: ari.CauseUserBusy}, advance: time.Second,
			want: []string{"Dial", "ChannelStateChange", "Dial", "Dial", "ChannelDestroyed"}, status: "BUSY", cause: ari.CauseUserBusy},
		{name: "rejected on command", desk: fakeari.Desk{Manual: true}, advance: time.Second,
			act:  func(e *env, id string) error { return e.srv.Reject(id, 0) },
			want: []string{"Dial", "ChannelStateChange", "Dial", "Dial", "ChannelDestroyed"}, status: "NOANSWER", cause: ari.CauseCallRejected},
		{name: "auto-answer by Call-Info", desk: fakeari.Desk{Manual: true, AutoAnswer: true},
			vars: map[string]string{"PJSIP_HEADER(add,Call-Info)": "<sip:pbx>;answer-after=0"},
			want: []string{"Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial", "StasisStart"}, status: "ANSWER"},
		{name: "auto-answer by Alert-Info", desk: fakeari.Desk{Never: true, AutoAnswer: true, AutoAnswerDelay: 200 * time.Millisecond},
			vars: map[string]string{"PJSIP_HEADER(add,Alert-Info)": "<http://x>;info=alert-autoanswer;delay=0"}, advance: 200 * time.Millisecond,
			want: []string{"Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial", "StasisStart"}, status: "ANSWER"},
		{name: "auto-answer header on a phone without it", desk: fakeari.Desk{Never: true},
			vars: map[string]string{"PJSIP_HEADER(add,Call-Info)": "answer-after=0"}, timeout: 5 * time.Second, advance: 5 * time.Second,
			want: []string{"Dial", "ChannelStateChange", "Dial", "ChannelDestroyed"}, status: "RINGING", cause: ari.CauseNoAnswer},
		{name: "offline", desk: fakeari.Desk{Offline: true, AutoAnswer: true}, vars: map[string]string{"PJSIP_HEADER(add,Call-Info)": "answer-after=0"},
			want: []string{"ChannelDestroyed"}, cause: ari.CauseSubscriberAbsent},
		// The originate's timeout publishes no final Dial status
		// (main/dial.c handle_timeout_trip).
		{name: "never answers", desk: fakeari.Desk{Never: true}, timeout: 20 * time.Second, advance: 20 * time.Second,
			want: []string{"Dial", "ChannelStateChange", "Dial", "ChannelDestroyed"}, status: "RINGING", cause: ari.CauseNoAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "calls", fakeari.WithPeer("PJSIP/alice", tt.desk))
			id := "desk-1"
			sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
			defer sub.Cancel()
			if _, err := e.c.Channels().Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/alice", ChannelID: id, Timeout: tt.timeout, Variables: tt.vars}); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(tt.advance)
			if tt.act != nil {
				if err := tt.act(e, id); err != nil {
					t.Fatal(err)
				}
			}
			evs := expect(t, sub, tt.want...)
			if st, ok := evs[min(1, len(evs)-1)].(*ari.ChannelStateChange); ok && st.Channel.State != ari.StateRinging {
				t.Errorf("second event: state %s, want Ringing", st.Channel.State)
			}
			var last *ari.Dial
			for _, ev := range evs {
				if d, ok := ev.(*ari.Dial); ok {
					last = d
				}
			}
			if last == nil && tt.status != "" || last != nil && last.Dialstatus != tt.status {
				t.Errorf("last Dial status %q, want %q", last.Dialstatus, tt.status)
			}
			if d, ok := evs[len(evs)-1].(*ari.ChannelDestroyed); ok && d.Cause != tt.cause {
				t.Errorf("destroyed with cause %d, want %d", d.Cause, tt.cause)
			}
		})
	}
}

func TestFarEndCommandsNeedARingingLeg(t *testing.T) {
	e := newEnv(t, "calls", fakeari.WithPeer("PJSIP/bob", fakeari.Desk{AnswerAfter: time.Second}))
	if err := e.srv.PickUp("nope"); err == nil {
		t.Fatal("PickUp of an unknown channel succeeded")
	}
	if _, err := e.c.Channels().Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/bob", ChannelID: "b1"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second) // answered
	if err := e.srv.PickUp("b1"); err == nil {
		t.Fatal("PickUp of an answered channel succeeded")
	}
	if err := e.srv.Reject("b1", 21); err == nil {
		t.Fatal("Reject of an answered channel succeeded")
	}
}

// inbound places an answered inbound call in app and returns its id and a
// subscription to it.
func inbound(t *testing.T, e *env, app, caller string) (string, *ari.Subscription) {
	t.Helper()
	starts := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: app, Caller: caller, Answered: true})
	if err != nil {
		t.Fatal(err)
	}
	next(t, starts)
	return id, e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
}

func TestDTMFBothWays(t *testing.T) {
	e := newEnv(t, "calls")
	id, sub := inbound(t, e, "calls", "300")
	defer sub.Cancel()
	if err := e.c.Channels().SendDTMF(e.ctx, id, "12#", ari.DTMFOptions{}); err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.srv.Channel(id); snap.DTMFSent != "12#" {
		t.Fatalf("the phone heard %q, want 12#", snap.DTMFSent)
	}
	if err := e.srv.PressDTMF(id, "4*b", 80*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(240 * time.Millisecond)
	var got string
	for _, ev := range expect(t, sub, "ChannelDtmfReceived", "ChannelDtmfReceived", "ChannelDtmfReceived") {
		d := ev.(*ari.ChannelDtmfReceived)
		if d.DurationMs != 80 {
			t.Errorf("digit %s lasted %d ms, want 80", d.Digit, d.DurationMs)
		}
		got += d.Digit
	}
	if got != "4*B" {
		t.Fatalf("digits %q, want 4*B", got)
	}
	if err := e.srv.PressDTMF(id, "1x", 0); err == nil {
		t.Fatal("PressDTMF accepted x")
	}
	if err := e.c.Channels().SendDTMF(e.ctx, id, "", ari.DTMFOptions{}); !ari.IsBadRequest(err) {
		t.Fatalf("empty DTMF: want 400, got %v", err)
	}
}

func TestHoldMuteMOHVariables(t *testing.T) {
	e := newEnv(t, "calls")
	id, sub := inbound(t, e, "calls", "301")
	defer sub.Cancel()
	ch := e.c.Channels()
	steps := []struct {
		name  string
		do    func() error
		check func(fakeari.ChannelSnapshot) bool
	}{
		{name: "hold", do: func() error { return ch.Hold(e.ctx, id) }, check: func(s fakeari.ChannelSnapshot) bool { return s.Hold }},
		{name: "moh", do: func() error { return ch.StartMOH(e.ctx, id, "jazz") }, check: func(s fakeari.ChannelSnapshot) bool { return s.MOH && s.MOHClass == "jazz" }},
		{name: "stop moh", do: func() error { return ch.StopMOH(e.ctx, id) }, check: func(s fakeari.ChannelSnapshot) bool { return !s.MOH }},
		{name: "unhold", do: func() error { return ch.Unhold(e.ctx, id) }, check: func(s fakeari.ChannelSnapshot) bool { return !s.Hold }},
		{name: "mute", do: func() error { return ch.Mute(e.ctx, id, "in") }, check: func(s fakeari.ChannelSnapshot) bool { return s.Muted == "in" }},
		{name: "unmute", do: func() error { return ch.Unmute(e.ctx, id, "") }, check: func(s fakeari.ChannelSnapshot) bool { return s.Muted == "" }},
		{name: "set var", do: func() error { return ch.SetVariable(e.ctx, id, "PBX_CALL", "c-1") }, check: func(s fakeari.ChannelSnapshot) bool { return s.Variables["PBX_CALL"] == "c-1" }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if snap, _ := e.srv.Channel(id); !st.check(snap) {
			t.Fatalf("%s: snapshot %+v", st.name, snap)
		}
	}
	// ARI hold sends no event (app_control_hold is ast_indicate): only the
	// variable set shows.
	expect(t, sub, "ChannelVarset")
	if v, err := ch.GetVariable(e.ctx, id, "PBX_CALL"); err != nil || v != "c-1" {
		t.Fatalf("get var %q %v", v, err)
	}
}

func TestRedirect(t *testing.T) {
	e := newEnv(t, "calls")
	id, sub := inbound(t, e, "calls", "302")
	defer sub.Cancel()
	ch := e.c.Channels()
	for _, tt := range []struct {
		endpoint, msg string
		status        int
	}{
		{endpoint: "", status: 400, msg: "Required parameter 'endpoint' not provided."},
		{endpoint: "PJSIP", status: 422, msg: "Endpoint parameter 'PJSIP' does not contain tech/resource"},
		{endpoint: "PJSIP/", status: 422, msg: "No resource provided in endpoint parameter 'PJSIP/'"},
		{endpoint: "IAX2/x", status: 422, msg: "Endpoint technology 'IAX2' does not match channel technology 'PJSIP'"},
	} {
		err := ch.Redirect(e.ctx, id, tt.endpoint)
		if ae, ok := err.(*ari.Error); !ok || ae.Status != tt.status || ae.Message != tt.msg {
			t.Errorf("redirect to %q: got %v, want %d %q", tt.endpoint, err, tt.status, tt.msg)
		}
	}
	if err := ch.Redirect(e.ctx, id, "PJSIP/voicemail"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(0)
	// A channel that entered the app from the dialplan: after StasisEnd the
	// app is unsubscribed (res/res_stasis.c app_send_end_msg), so no
	// ChannelDestroyed reaches it.
	expect(t, sub, "ChannelHangupRequest", "StasisEnd")
	if snap, _ := e.srv.Channel(id); snap.Redirect != "PJSIP/voicemail" || snap.Cause != ari.CauseNormalClearing {
		t.Fatalf("after redirect %+v", snap)
	}
}

func TestBridgeOfThreeWithRecording(t *testing.T) {
	e := newEnv(t, "calls")
	a, sa := inbound(t, e, "calls", "401")
	defer sa.Cancel()
	b, sb := inbound(t, e, "calls", "402")
	defer sb.Cancel()
	c, sc := inbound(t, e, "calls", "403")
	defer sc.Cancel()
	br := e.c.Bridges()
	rec := e.c.Recordings()
	if _, err := br.Create(e.ctx, ari.BridgeRequest{ID: "conf", Type: []string{"mixing"}}); err != nil {
		t.Fatal(err)
	}
	if err := br.AddChannel(e.ctx, "conf", ari.AddChannelRequest{Channels: []string{a, b, c}}); err != nil {
		t.Fatal(err)
	}
	if got, err := br.Get(e.ctx, "conf"); err != nil || len(got.Channels) != 3 || got.Technology != "softmix" {
		t.Fatalf("bridge %+v %v", got, err)
	}
	if err := br.StopMOH(e.ctx, "conf"); !ari.IsConflict(err) {
		t.Fatalf("stop MOH not playing: want 409, got %v", err)
	}
	if err := br.StartMOH(e.ctx, "conf", ""); err != nil {
		t.Fatal(err)
	}
	if err := br.StopMOH(e.ctx, "conf"); err != nil {
		t.Fatal(err)
	}

	rsub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.RecordingKey("call-1")}})
	defer rsub.Cancel()
	lr, err := br.Record(e.ctx, "conf", ari.RecordRequest{Name: "call-1", Format: "wav"})
	if err != nil || lr.State != "queued" || lr.TargetURI != "bridge:conf" {
		t.Fatalf("record %+v %v", lr, err)
	}
	if err := rec.Pause(e.ctx, "call-1"); !ari.IsConflict(err) {
		t.Fatalf("pause while queued: want 409 Recording not in session, got %v", err)
	}
	e.clk.Advance(0)
	if st := expect(t, rsub, "RecordingStarted")[0].(*ari.RecordingStarted); st.Recording.State != "recording" {
		t.Fatalf("started %+v", st.Recording)
	}
	if err := br.AddChannel(e.ctx, "conf", ari.AddChannelRequest{Channels: []string{a}}); err != nil {
		t.Fatalf("re-adding a member: %v", err)
	}
	e.clk.Advance(2 * time.Second)
	if err := rec.Pause(e.ctx, "call-1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := rec.Live(e.ctx, "call-1"); got.State != "paused" {
		t.Fatalf("live %+v", got)
	}
	e.clk.Advance(3 * time.Second) // not recorded
	for _, op := range []func() error{
		func() error { return rec.Pause(e.ctx, "call-1") }, // already paused: no-op
		func() error { return rec.Unpause(e.ctx, "call-1") },
		func() error { return rec.Unpause(e.ctx, "call-1") }, // already recording: no-op
		func() error { return rec.Mute(e.ctx, "call-1") },
		func() error { return rec.Unmute(e.ctx, "call-1") },
	} {
		if err := op(); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Advance(3 * time.Second)
	if err := rec.Stop(e.ctx, "call-1"); err != nil {
		t.Fatal(err)
	}
	fin := expect(t, rsub, "RecordingFinished")[0].(*ari.RecordingFinished)
	if fin.Recording.State != "done" || fin.Recording.Duration != 5 {
		t.Fatalf("finished %+v, want done with 5 s (8 s less 3 s paused)", fin.Recording)
	}
	if err := rec.Pause(e.ctx, "call-1"); !ari.IsNotFound(err) {
		t.Fatalf("pause after stop: want 404, got %v", err)
	}

	var buf bytes.Buffer
	ct, n, err := rec.StoredFile(e.ctx, "call-1", &buf)
	if err != nil || ct != "audio/wav" {
		t.Fatalf("file %q %v", ct, err)
	}
	if want := int64(44 + 5*8000*2); n != want || int64(buf.Len()) != want {
		t.Fatalf("file is %d bytes (buffer %d), want %d", n, buf.Len(), want)
	}
	if b := buf.Bytes(); string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || binary.LittleEndian.Uint32(b[24:28]) != 8000 {
		t.Fatalf("not an 8 kHz WAVE header: % x", b[:44])
	}
	if _, _, err := rec.StoredFile(e.ctx, "missing", &buf); !ari.IsNotFound(err) {
		t.Fatalf("missing file: want 404, got %v", err)
	}
	if cp, err := rec.CopyStored(e.ctx, "call-1", "call-1-keep"); err != nil || cp.Name != "call-1-keep" || cp.Format != "wav" {
		t.Fatalf("copy %+v %v", cp, err)
	}
	if _, err := rec.CopyStored(e.ctx, "call-1", "call-1-keep"); !ari.IsConflict(err) {
		t.Fatalf("copy onto an existing name: want 409, got %v", err)
	}
	if err := rec.DeleteStored(e.ctx, "call-1"); err != nil {
		t.Fatal(err)
	}
	if list, err := rec.ListStored(e.ctx); err != nil || len(list) != 1 || list[0].Name != "call-1-keep" {
		t.Fatalf("stored %+v %v", list, err)
	}

	// Destroying the bridge ends its recording, which is kept.
	r2 := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.RecordingKey("call-2")}})
	defer r2.Cancel()
	if _, err := br.Record(e.ctx, "conf", ari.RecordRequest{Name: "call-2", Format: "wav"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(0)
	e.clk.Advance(4 * time.Second)
	if err := br.Destroy(e.ctx, "conf"); err != nil {
		t.Fatal(err)
	}
	if fin := expect(t, r2, "RecordingStarted", "RecordingFinished")[1].(*ari.RecordingFinished); fin.Recording.State != "done" || fin.Recording.Duration != 4 {
		t.Fatalf("recording at bridge destroy %+v", fin.Recording)
	}
	if _, err := rec.Stored(e.ctx, "call-2"); err != nil {
		t.Fatalf("recording kept: %v", err)
	}
}

func TestRecordBridgedChannelFailsSnoopWorks(t *testing.T) {
	e := newEnv(t, "calls")
	a, sa := inbound(t, e, "calls", "501")
	defer sa.Cancel()
	b, sb := inbound(t, e, "calls", "502")
	defer sb.Cancel()
	if _, err := e.c.Bridges().Create(e.ctx, ari.BridgeRequest{ID: "two"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Bridges().AddChannel(e.ctx, "two", ari.AddChannelRequest{Channels: []string{a, b}}); err != nil {
		t.Fatal(err)
	}
	expect(t, sa, "ChannelEnteredBridge")
	lr, err := e.c.Channels().Record(e.ctx, a, ari.RecordRequest{Name: "direct", Format: "wav"})
	if err != nil || lr.State != "queued" {
		t.Fatalf("record bridged channel: %+v %v (Asterisk accepts it, then fails it)", lr, err)
	}
	e.clk.Advance(0)
	f := expect(t, sa, "RecordingFailed")[0].(*ari.RecordingFailed)
	if f.Recording.State != "failed" || f.Recording.Cause != "Cannot record channel while in bridge" {
		t.Fatalf("failed %+v", f.Recording)
	}
	if _, err := e.c.Recordings().Stored(e.ctx, "direct"); !ari.IsNotFound(err) {
		t.Fatalf("a failed recording is stored: %v", err)
	}

	// The snoop channel is not in the bridge: it can be recorded.
	starts := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	sn, err := e.c.Channels().Snoop(e.ctx, a, ari.SnoopRequest{SnoopID: "snoop-a", Spy: "both", App: "calls", AppArgs: []string{"snoop"}})
	if err != nil || sn.ID != "snoop-a" {
		t.Fatalf("snoop %+v %v", sn, err)
	}
	if ss := next(t, starts).(*ari.StasisStart); ss.Channel.ID != "snoop-a" || len(ss.Args) != 1 || ss.Args[0] != "snoop" {
		t.Fatalf("snoop StasisStart %+v", ss)
	}
	ssub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey("snoop-a")}})
	defer ssub.Cancel()
	if _, err := e.c.Channels().Record(e.ctx, "snoop-a", ari.RecordRequest{Name: "via-snoop", Format: "wav", MaxDuration: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	if fin := expect(t, ssub, "RecordingStarted", "RecordingFinished")[1].(*ari.RecordingFinished); fin.Recording.Duration != 2 {
		t.Fatalf("snoop recording %+v", fin.Recording)
	}
	if _, err := e.c.Channels().Snoop(e.ctx, a, ari.SnoopRequest{Spy: "none", Whisper: "none", App: "calls"}); !ari.IsBadRequest(err) {
		t.Fatalf("snoop without direction: want 400, got %v", err)
	}
	// The snoop channel ends with the channel it spies on.
	if !e.srv.Hangup(a, 16) {
		t.Fatal("hang up the spied-on channel: not found")
	}
	// Held only through Stasis: StasisEnd, then no more events (the app is
	// unsubscribed, res/res_stasis.c app_send_end_msg).
	expect(t, ssub, "StasisEnd")
	if snap, _ := e.srv.Channel("snoop-a"); !snap.Destroyed || snap.Cause != 0 {
		t.Fatalf("snoop destroyed %+v", snap)
	}
}

func TestPhoneTransferAriOnly(t *testing.T) {
	e := newEnv(t, "calls", fakeari.WithPeer("PJSIP/carol", fakeari.Desk{AnswerAfter: time.Second}))
	caller, sc := inbound(t, e, "calls", "601")
	defer sc.Cancel()
	ch := e.c.Channels()
	sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey("desk")}, Types: []string{"StasisStart", "ChannelTransfer"}})
	defer sub.Cancel()
	if _, err := ch.Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/carol", ChannelID: "desk"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	expect(t, sub, "StasisStart")
	if _, err := e.c.Bridges().Create(e.ctx, ari.BridgeRequest{ID: "call"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Bridges().AddChannel(e.ctx, "call", ari.AddChannelRequest{Channels: []string{caller, "desk"}}); err != nil {
		t.Fatal(err)
	}
	// Without ari-only handling Asterisk's core would run an attended
	// transfer: not modelled.
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: "desk", Replaces: caller}); !errors.Is(err, fakeari.ErrCoreTransfer) {
		t.Fatalf("core attended transfer: %v", err)
	}
	if err := ch.SetVariable(e.ctx, "desk", "PJSIP_TRANSFER_HANDLING()", "ari-only"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: "desk", Destination: "200", Params: map[string]string{"Referred-By": "<sip:carol@pbx>"}}); err != nil {
		t.Fatal(err)
	}
	tr := expect(t, sub, "ChannelTransfer")[0].(*ari.ChannelTransfer)
	if tr.State != "" || tr.ReferTo.RequestedDestination.Destination != "200" || tr.ReferredBy.SourceChannel.ID != "desk" ||
		tr.ReferredBy.ConnectedChannel == nil || tr.ReferredBy.ConnectedChannel.ID != caller || tr.ReferredBy.Bridge == nil || tr.ReferredBy.Bridge.ID != "call" {
		t.Fatalf("ChannelTransfer %+v", tr)
	}
	// The caller's subscription hears it too (routed by connected_channel).
	if got := expect(t, sc, "ChannelEnteredBridge", "ChannelTransfer")[1].(*ari.ChannelTransfer); got.ReferredBy.SourceChannel.ID != "desk" {
		t.Fatalf("caller's copy %+v", got)
	}
	for _, tt := range []struct{ state, shown string }{
		{state: ari.TransferProgressing, shown: "channel_progress"},
		{state: ari.TransferUnavailable, shown: "channel_declined"},
	} {
		if err := ch.TransferProgress(e.ctx, "desk", tt.state); err != nil {
			t.Fatal(err)
		}
		if got := expect(t, sub, "ChannelTransfer")[0].(*ari.ChannelTransfer); got.State != tt.shown {
			t.Fatalf("%s: event state %q, want %q", tt.state, got.State, tt.shown)
		}
	}
	// A final state detached the REFER's frame hook: accepted, no event.
	if err := ch.TransferProgress(e.ctx, "desk", ari.TransferAnswered); err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.srv.Channel("desk"); len(snap.ReferNotify) != 2 || snap.ReferNotify[0] != 100 || snap.ReferNotify[1] != 503 {
		t.Fatalf("NOTIFYs %v, want [100 503]", snap.ReferNotify)
	}
	if err := ch.TransferProgress(e.ctx, "desk", "maybe"); !ari.IsBadRequest(err) {
		t.Fatalf("invalid state: %v", err)
	}

	// Attended: the phone's second call replaces the first.
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: "desk", Replaces: caller}); err != nil {
		t.Fatal(err)
	}
	at := expect(t, sub, "ChannelTransfer")[0].(*ari.ChannelTransfer)
	if at.ReferTo.DestinationChannel == nil || at.ReferTo.DestinationChannel.ID != caller || at.ReferTo.RequestedDestination.ProtocolID == "" || at.ReferTo.RequestedDestination.Destination != "" {
		t.Fatalf("attended %+v", at.ReferTo)
	}
}

func TestCoreBlindTransfer(t *testing.T) {
	e := newEnv(t, "calls", fakeari.WithPeer("PJSIP/dave", fakeari.Desk{AnswerAfter: time.Second}),
		fakeari.WithPeer("Local/300@transfers", fakeari.Desk{AnswerAfter: 2 * time.Second}))
	caller, sc := inbound(t, e, "calls", "701")
	defer sc.Cancel()
	starts := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	if _, err := e.c.Channels().Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/dave", ChannelID: "dave"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	next(t, starts)
	if _, err := e.c.Bridges().Create(e.ctx, ari.BridgeRequest{ID: "call"}); err != nil {
		t.Fatal(err)
	}
	bsub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.BridgeKey("call")}})
	defer bsub.Cancel()
	if err := e.c.Bridges().AddChannel(e.ctx, "call", ari.AddChannelRequest{Channels: []string{caller, "dave"}}); err != nil {
		t.Fatal(err)
	}
	expect(t, bsub, "ChannelEnteredBridge", "ChannelEnteredBridge")
	if err := e.c.Channels().SetVariable(e.ctx, "dave", "TRANSFER_CONTEXT", "transfers"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: "dave", Destination: "300"}); err != nil {
		t.Fatal(err)
	}
	evs := expect(t, bsub, "BridgeBlindTransfer", "ChannelLeftBridge", "ChannelEnteredBridge")
	bt := evs[0].(*ari.BridgeBlindTransfer)
	if bt.Result != "Success" || !bt.IsExternal || bt.Exten != "300" || bt.Context != "transfers" || bt.Channel.ID != "dave" ||
		bt.Transferee == nil || bt.Transferee.ID != caller || bt.ReplaceChannel == nil {
		t.Fatalf("BridgeBlindTransfer %+v", bt)
	}
	local := bt.ReplaceChannel.ID
	if !strings.HasPrefix(bt.ReplaceChannel.Name, "Local/300@transfers-") || !strings.HasSuffix(bt.ReplaceChannel.Name, ";1") {
		t.Fatalf("replace channel %s", bt.ReplaceChannel.Name)
	}
	if left := evs[1].(*ari.ChannelLeftBridge); left.Channel.ID != "dave" {
		t.Fatalf("left %+v", left.Channel)
	}
	if in := evs[2].(*ari.ChannelEnteredBridge); in.Channel.ID != local {
		t.Fatalf("entered %+v", in.Channel)
	}
	ss := next(t, starts).(*ari.StasisStart)
	if ss.Channel.ID != local || ss.ReplaceChannel == nil || ss.ReplaceChannel.ID != "dave" {
		t.Fatalf("StasisStart %+v", ss)
	}
	if v, err := e.c.Channels().GetVariable(e.ctx, local, "BLINDTRANSFER"); err != nil || !strings.HasPrefix(v, "PJSIP/dave-") {
		t.Fatalf("BLINDTRANSFER %q %v", v, err)
	}
	if snap, _ := e.srv.Channel("dave"); !snap.Destroyed || snap.Cause != ari.CauseNormalClearing {
		t.Fatalf("transferer after the transfer %+v", snap)
	}
	lsub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(local)}, Types: []string{"ChannelStateChange"}})
	defer lsub.Cancel()
	e.clk.Advance(2 * time.Second)
	if st := expect(t, lsub, "ChannelStateChange")[0].(*ari.ChannelStateChange); st.Channel.State != ari.StateUp {
		t.Fatalf("local leg %+v", st.Channel)
	}
	if b, err := e.c.Bridges().Get(e.ctx, "call"); err != nil || len(b.Channels) != 2 {
		t.Fatalf("bridge after the transfer %+v %v", b, err)
	}
}

func TestRecordingArgumentErrors(t *testing.T) {
	e := newEnv(t, "calls")
	id, sub := inbound(t, e, "calls", "801")
	defer sub.Cancel()
	if _, err := e.c.Bridges().Create(e.ctx, ari.BridgeRequest{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		bridge bool
		target string
		req    ari.RecordRequest
		status int
		msg    string
	}{
		{name: "unknown channel before options", target: "nope", req: ari.RecordRequest{Name: "x", Format: "wav", TerminateOn: "5"}, status: 404, msg: "Channel not found"},
		{name: "terminateOn", target: id, req: ari.RecordRequest{Name: "x", Format: "wav", TerminateOn: "5"}, status: 400, msg: "terminateOn invalid"},
		{name: "ifExists", target: id, req: ari.RecordRequest{Name: "x", Format: "wav", IfExists: "rename"}, status: 400, msg: "ifExists invalid"},
		{name: "format", target: id, req: ari.RecordRequest{Name: "x", Format: "mp3"}, status: 422, msg: "specified format is unknown on this system"},
		{name: "bridge unknown", bridge: true, target: "nope", req: ari.RecordRequest{Name: "x", Format: "mp3"}, status: 404, msg: "Bridge not found"},
		{name: "bridge format before options", bridge: true, target: "b", req: ari.RecordRequest{Name: "x", Format: "mp3", TerminateOn: "5"}, status: 422, msg: "specified format is unknown on this system"},
		{name: "bridge terminateOn", bridge: true, target: "b", req: ari.RecordRequest{Name: "x", Format: "wav", TerminateOn: "5"}, status: 400, msg: "terminateOn invalid"},
	}
	for _, tt := range tests {
		var err error
		if tt.bridge {
			_, err = e.c.Bridges().Record(e.ctx, tt.target, tt.req)
		} else {
			_, err = e.c.Channels().Record(e.ctx, tt.target, tt.req)
		}
		var ae *ari.Error
		if !errors.As(err, &ae) || ae.Status != tt.status || ae.Message != tt.msg {
			t.Errorf("%s: got %v, want %d %q", tt.name, err, tt.status, tt.msg)
		}
	}
	if err := e.c.Channels().SendDTMF(e.ctx, "nope", "", ari.DTMFOptions{}); !ari.IsNotFound(err) {
		t.Errorf("DTMF to an unknown channel checks the channel first: %v", err)
	}
}

func TestCoreBlindTransferToABusyNumber(t *testing.T) {
	e := newEnv(t, "calls", fakeari.WithPeer("PJSIP/erin", fakeari.Desk{}),
		fakeari.WithPeer("Local/400@", fakeari.Desk{AnswerAfter: time.Second, RejectCause: ari.CauseUserBusy}))
	caller, sc := inbound(t, e, "calls", "901")
	defer sc.Cancel()
	starts := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	if _, err := e.c.Channels().Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/erin", ChannelID: "erin"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(0)
	next(t, starts)
	if _, err := e.c.Bridges().Create(e.ctx, ari.BridgeRequest{ID: "call"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Bridges().AddChannel(e.ctx, "call", ari.AddChannelRequest{Channels: []string{caller, "erin"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.PhoneTransfer(fakeari.Refer{Channel: "erin", Destination: "400", Context: "internal"}); err != nil {
		t.Fatal(err)
	}
	local := next(t, starts).(*ari.StasisStart).Channel.ID
	lsub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(local)}, Types: []string{"ChannelLeftBridge", "StasisEnd", "ChannelDestroyed"}})
	defer lsub.Cancel()
	e.clk.Advance(time.Second)
	// The Local leg is in the app only through Stasis (no originate
	// subscribed it): StasisEnd and no ChannelDestroyed (res/res_stasis.c
	// app_send_end_msg unsubscribes the app).
	expect(t, lsub, "ChannelLeftBridge", "StasisEnd")
	if d, _ := e.srv.Channel(local); !d.Destroyed || d.Cause != ari.CauseUserBusy {
		t.Fatalf("local leg %+v, want destroyed with cause 17", d)
	}
	if b, err := e.c.Bridges().Get(e.ctx, "call"); err != nil || len(b.Channels) != 1 || b.Channels[0] != caller {
		t.Fatalf("bridge after a failed transfer %+v %v", b, err)
	}
}
