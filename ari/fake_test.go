package ari_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

const waitLimit = 5 * time.Second

type env struct {
	t   *testing.T
	srv *fakeari.Server
	url string
	clk *clock.Virtual
	c   *ari.Conn
	ctx context.Context
}

func newEnv(t *testing.T, app string, opts ...fakeari.Option) *env {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithClock(clk), fakeari.WithAuth("u", "p")}, opts...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := ari.Connect(ctx, url, ari.WithAuth("u", "p"), ari.WithApps(app), ari.WithBackoff(5*time.Millisecond, 50*time.Millisecond, time.Minute))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{t: t, srv: srv, url: url, clk: clk, c: c, ctx: ctx}
}

// next returns the next event of sub, failing the test after waitLimit.
func next(t *testing.T, sub *ari.Subscription) ari.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("subscription closed: %v", sub.Err())
		}
		return ev
	case <-time.After(waitLimit):
		t.Fatalf("no event within %v", waitLimit)
	}
	return nil
}

// expect reads events and checks their types in order.
func expect(t *testing.T, sub *ari.Subscription, types ...string) []ari.Event {
	t.Helper()
	out := make([]ari.Event, 0, len(types))
	for i, want := range types {
		ev := next(t, sub)
		if ev.GetType() != want {
			t.Fatalf("event %d: got %s, want %s (sequence %v)", i, ev.GetType(), want, types)
		}
		out = append(out, ev)
	}
	return out
}

func TestOriginateAnswerBridgePlayRecordHangup(t *testing.T) {
	for _, noise := range []bool{false, true} {
		t.Run(fmt.Sprintf("noise=%v", noise), func(t *testing.T) { testOriginateFlow(t, noise) })
	}
}

func testOriginateFlow(t *testing.T, noise bool) {
	opts := []fakeari.Option{}
	if noise {
		opts = append(opts, fakeari.WithNoise())
	}
	e := newEnv(t, "dialer", append(opts,
		fakeari.WithPeer("PJSIP/agent", fakeari.Agent{AnswerAfter: 2 * time.Second}),
		fakeari.WithPeer("PJSIP/+44", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 5 * time.Second}),
	)...)
	ch := e.c.Channels()
	cust, agent := "cust-1", "agent-1"
	// The types this flow asserts on; a real Asterisk (and WithNoise) adds others.
	sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(cust)}, Types: []string{
		"Dial", "ChannelStateChange", "StasisStart", "StasisEnd", "ChannelEnteredBridge", "ChannelLeftBridge",
		"RecordingStarted", "RecordingFinished", "RecordingFailed", "ChannelHangupRequest", "ChannelDestroyed"}})
	defer sub.Cancel()
	asub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(agent)}, Types: []string{"StasisStart"}})
	defer asub.Cancel()

	got, err := ch.Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/+442071234567@trunk", ChannelID: cust, AppArgs: []string{"camp1", "lead42"}, CallerID: `"Acme" <+442070000000>`})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != cust || got.State != ari.StateDown {
		t.Fatalf("originate reply %+v", got)
	}
	if _, err := ch.Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/agent1", ChannelID: agent, AppArgs: []string{"agent"}}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(5 * time.Second)
	evs := expect(t, sub, "Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial", "StasisStart")
	if d := evs[0].(*ari.Dial); d.Dialstatus != "" || d.Caller != nil {
		t.Fatalf("first Dial %+v", d)
	}
	if d := evs[4].(*ari.Dial); d.Dialstatus != "ANSWER" {
		t.Fatalf("answer Dial %+v", d)
	}
	ss := evs[5].(*ari.StasisStart)
	if len(ss.Args) != 2 || ss.Args[1] != "lead42" || ss.Channel.State != ari.StateUp || ss.Channel.Caller.Number != "+442070000000" {
		t.Fatalf("StasisStart %+v", ss)
	}
	expect(t, asub, "StasisStart")

	br, err := e.c.Bridges().Create(e.ctx, ari.BridgeRequest{ID: "b1", Type: []string{"mixing"}})
	if err != nil || br.ID != "b1" || br.BridgeType != "mixing" {
		t.Fatalf("bridge %+v %v", br, err)
	}
	if err := e.c.Bridges().AddChannel(e.ctx, "b1", ari.AddChannelRequest{Channels: []string{cust, agent}}); err != nil {
		t.Fatal(err)
	}
	if ev := expect(t, sub, "ChannelEnteredBridge")[0].(*ari.ChannelEnteredBridge); ev.Bridge.ID != "b1" {
		t.Fatalf("entered %+v", ev)
	}
	if peer, err := ch.GetVariable(e.ctx, cust, "BRIDGEPEER"); noise && (err != nil || !strings.HasPrefix(peer, "PJSIP/agent1-")) {
		t.Fatalf("BRIDGEPEER %q %v", peer, err)
	}
	// Asterisk accepts recording a bridged channel, then the recording
	// fails (record_file in res/res_stasis_recording.c).
	if lr, err := ch.Record(e.ctx, cust, ari.RecordRequest{Name: "r1", Format: "wav"}); err != nil || lr.State != "queued" {
		t.Fatalf("record bridged channel: want queued, got %+v %v", lr, err)
	}
	e.clk.Advance(0)
	if f := expect(t, sub, "RecordingFailed")[0].(*ari.RecordingFailed); f.Recording.Cause != "Cannot record channel while in bridge" || f.Recording.State != "failed" {
		t.Fatalf("record bridged channel: %+v", f.Recording)
	}
	psub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.PlaybackKey("pb1")}})
	defer psub.Cancel()
	pb, err := e.c.Bridges().Play(e.ctx, "b1", ari.PlayRequest{PlaybackID: "pb1", Media: []string{"sound:hello-world", "sound:silence/3"}})
	if err != nil || pb.State != "queued" || pb.TargetURI != "bridge:b1" {
		t.Fatalf("play %+v %v", pb, err)
	}
	e.clk.Advance(2 * time.Second)
	e.clk.Advance(3 * time.Second)
	evs = expect(t, psub, "PlaybackStarted", "PlaybackContinuing", "PlaybackFinished")
	if f := evs[2].(*ari.PlaybackFinished); f.Playback.State != "done" {
		t.Fatalf("finished %+v", f.Playback)
	}

	if err := e.c.Bridges().RemoveChannel(e.ctx, "b1", cust); err != nil {
		t.Fatal(err)
	}
	expect(t, sub, "ChannelLeftBridge")
	rsub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.RecordingKey("r1")}})
	defer rsub.Cancel()
	if _, err := ch.Record(e.ctx, cust, ari.RecordRequest{Name: "r1", Format: "mp9"}); !ari.IsUnprocessable(err) {
		t.Fatalf("unknown format: want 422, got %v", err)
	}
	if _, err := ch.Record(e.ctx, cust, ari.RecordRequest{Name: "r1", Format: "wav", MaxDuration: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(4 * time.Second)
	if r := expect(t, rsub, "RecordingStarted", "RecordingFinished")[1].(*ari.RecordingFinished); r.Recording.Duration != 4 {
		t.Fatalf("recording %+v", r.Recording)
	}
	expect(t, sub, "RecordingStarted", "RecordingFinished") // routed by target_uri too
	if st, err := e.c.Recordings().ListStored(e.ctx); err != nil || len(st) != 1 || st[0].Name != "r1" {
		t.Fatalf("stored %v %v", st, err)
	}

	if err := ch.Hangup(e.ctx, cust, ari.ReasonNormal); err != nil {
		t.Fatal(err)
	}
	evs = expect(t, sub, "ChannelHangupRequest", "StasisEnd", "ChannelDestroyed")
	if d := evs[2].(*ari.ChannelDestroyed); d.Cause != 16 || d.CauseTxt != "Normal Clearing" {
		t.Fatalf("destroyed %+v", d)
	}
	if _, err := ch.Get(e.ctx, cust); !ari.IsNotFound(err) {
		t.Fatalf("get after hangup: %v", err)
	}
	if err := e.c.Bridges().Destroy(e.ctx, "b1"); err != nil {
		t.Fatal(err)
	}
}

func TestHangupCauseMapping(t *testing.T) {
	tests := []struct {
		name       string
		plan       fakeari.Plan
		timeout    time.Duration
		wantCause  int
		wantStatus string // last Dial status; "" = no Dial events at all
	}{
		{"busy", fakeari.Plan{Outcome: fakeari.Busy, Ring: 3 * time.Second}, 0, ari.CauseUserBusy, "BUSY"},
		{"congestion", fakeari.Plan{Outcome: fakeari.Congestion}, 0, ari.CauseCongestion, "CONGESTION"},
		// The originate's timeout publishes no final Dial status
		// (main/dial.c handle_timeout_trip): the last one is RINGING.
		{"no answer at originate timeout", fakeari.Plan{Outcome: fakeari.NoAnswer}, 20 * time.Second, ari.CauseNoAnswer, "RINGING"},
		{"answer too late", fakeari.Plan{Outcome: fakeari.Answer, Ring: 40 * time.Second}, 0, ari.CauseNoAnswer, "RINGING"},
		{"rejected", fakeari.Plan{Outcome: fakeari.Rejected, Ring: time.Second}, 0, ari.CauseCallRejected, "NOANSWER"},
		{"unallocated", fakeari.Plan{Outcome: fakeari.Unallocated}, 0, ari.CauseUnallocated, "NOANSWER"},
		{"subscriber absent", fakeari.Plan{Outcome: fakeari.Cause, Cause: 20}, 0, 20, "CHANUNAVAIL"},
		{"unreachable", fakeari.Plan{Outcome: fakeari.Unreachable}, 0, 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "dialer", fakeari.WithPeer("PJSIP/", fakeari.Fixed(tt.plan)))
			sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey("x")}})
			defer sub.Cancel()
			if _, err := e.c.Channels().Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/100", ChannelID: "x", Timeout: tt.timeout}); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(time.Minute)
			last := ""
			for {
				ev := next(t, sub)
				switch v := ev.(type) {
				case *ari.Dial:
					last = v.Dialstatus
				case *ari.StasisStart, *ari.StasisEnd:
					t.Fatalf("unexpected %s for a call that was not answered", ev.GetType())
				case *ari.ChannelDestroyed:
					if v.Cause != tt.wantCause || last != tt.wantStatus {
						t.Fatalf("cause %d dialstatus %q, want %d %q", v.Cause, last, tt.wantCause, tt.wantStatus)
					}
					return
				}
			}
		})
	}
}

// TestCallerIDFlow is the caller-ID Stasis app's path: inbound call,
// StasisStart, set CALLERID(name), continue, and the errors it branches on.
func TestCallerIDFlow(t *testing.T) {
	e := newEnv(t, "pbxagent-cid")
	all := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer all.Cancel()
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-cid", Caller: "+441234567890", Exten: "600115"})
	if err != nil {
		t.Fatal(err)
	}
	ss := next(t, all).(*ari.StasisStart)
	if ss.Channel.ID != id || ss.Channel.Caller.Number != "+441234567890" || ss.Channel.State != ari.StateRing || ss.Channel.Dialplan.AppData != "pbxagent-cid" {
		t.Fatalf("StasisStart %+v", ss.Channel)
	}
	sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
	defer sub.Cancel()
	ch := e.c.Channels()
	if v, err := ch.GetVariable(e.ctx, id, "CALLERID(num)"); err != nil || v != "+441234567890" {
		t.Fatalf("CALLERID(num) %q %v", v, err)
	}
	if _, err := ch.GetVariable(e.ctx, id, "NOPE"); !ari.IsNotFound(err) {
		t.Fatalf("unset var: %v", err)
	}
	if err := ch.SetVariable(e.ctx, id, "CALLERID(name)", "Alice Example"); err != nil {
		t.Fatal(err)
	}
	if ev := expect(t, sub, "ChannelCallerId")[0].(*ari.ChannelCallerId); ev.Channel.Caller.Name != "Alice Example" {
		t.Fatalf("ChannelCallerId %+v", ev.Channel.Caller)
	}
	if err := ch.SetVariable(e.ctx, id, "PBX_SOURCE", "m365"); err != nil {
		t.Fatal(err)
	}
	expect(t, sub, "ChannelVarset")
	if err := ch.Continue(e.ctx, id, ari.DialplanTarget{}); err != nil {
		t.Fatal(err)
	}
	expect(t, sub, "StasisEnd")
	snap, found := e.srv.Channel(id)
	if !found || snap.InStasis || snap.Variables["CALLERID(name)"] != "Alice Example" || snap.Variables["PBX_SOURCE"] != "m365" || snap.Dialplan.Priority != 2 || snap.Dialplan.Exten != "600115" {
		t.Fatalf("snapshot %+v", snap)
	}
	// Errors the app branches on, as observed on Asterisk 22.10.1 (checked by
	// TestObservedOnRealAsterisk in testlab/ari/fakeari).
	if err := ch.Continue(e.ctx, id, ari.DialplanTarget{}); !ari.IsNotInStasis(err) || !ari.IsConflict(err) {
		t.Fatalf("continue out of Stasis: %v", err)
	}
	if err := ch.SetVariable(e.ctx, id, "CALLERID(name)", "x"); !ari.IsNotInStasis(err) {
		t.Fatalf("set var out of Stasis: %v", err)
	}
	e.srv.Hangup(id, 16)
	if err := ch.Continue(e.ctx, id, ari.DialplanTarget{}); !ari.IsNotFound(err) {
		t.Fatalf("continue after hangup: %v", err)
	}
	var ae *ari.Error
	if err := ch.SetVariable(e.ctx, "missing", "", "x"); !errors.As(err, &ae) || ae.Status != 400 || ae.Message != "Variable name is required" {
		t.Fatalf("no name: %v", err)
	}
}

func TestInvalidStateAndErrors(t *testing.T) {
	e := newEnv(t, "dialer", fakeari.WithPeer("PJSIP/", fakeari.Fixed{Outcome: fakeari.NoAnswer}))
	ch := e.c.Channels()
	if _, err := ch.Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/1", ChannelID: "ring1", App: "dialer"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	// An outbound leg that was not answered is not in Stasis yet.
	if err := ch.Answer(e.ctx, "ring1"); !ari.IsNotInStasis(err) {
		t.Fatalf("answer ringing leg: %v", err)
	}
	if _, err := ch.Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/1", ChannelID: "ring1"}); !ari.IsConflict(err) || ari.IsNotInStasis(err) {
		t.Fatalf("duplicate id: %v", err)
	}
	// create + dial: in Stasis while ringing -> 412 (channel_state_invalid).
	if _, err := ch.Create(e.ctx, ari.CreateRequest{Endpoint: "PJSIP/2", ChannelID: "c2"}); err != nil {
		t.Fatal(err)
	}
	if err := ch.Dial(e.ctx, "c2", "", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	if err := ch.Continue(e.ctx, "c2", ari.DialplanTarget{}); !ari.IsInvalidState(err) {
		t.Fatalf("continue ringing: %v", err)
	}
	if err := ch.Hangup(e.ctx, "c2", "whatever"); err == nil {
		t.Fatal("invalid reason accepted")
	}
	tests := []struct {
		endpoint string
		status   int
		msg      string
	}{
		{"nonsense", 400, "Invalid endpoint specified"},
		{"Bogus/123", 500, "Allocation failed"},
	}
	for _, tt := range tests {
		_, err := ch.Originate(e.ctx, ari.OriginateRequest{Endpoint: tt.endpoint})
		var ae *ari.Error
		if !errors.As(err, &ae) || ae.Status != tt.status || ae.Message != tt.msg {
			t.Fatalf("%s: %v", tt.endpoint, err)
		}
	}
	if _, err := ari.Connect(e.ctx, e.url, ari.WithAuth("u", "wrong"), ari.WithApps("x")); !ari.IsUnauthorized(err) {
		t.Fatalf("connect with a wrong password: %v", err)
	}
	bad, err := ari.New(e.url, ari.WithAuth("u", "wrong"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Channels().List(e.ctx); !ari.IsUnauthorized(err) {
		t.Fatalf("wrong password: %v", err)
	}
}

// TestReconnectReconcile drops the WebSocket mid-call: events for surviving
// channels resume, a channel that ended meanwhile is reported gone, nothing
// leaks, and per-channel order holds.
func TestReconnectReconcile(t *testing.T) {
	e := newEnv(t, "cid")
	all := e.c.Events().Subscribe(ari.Filter{})
	defer all.Cancel()
	var ids []string
	for i := range 2 {
		id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: fmt.Sprint(1000 + i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	expect(t, all, "StasisStart", "StasisStart")
	var subs []*ari.Subscription
	for _, id := range ids {
		s := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
		defer s.Cancel()
		subs = append(subs, s)
	}
	if n := e.c.Stats().TrackedChannels; n != 2 {
		t.Fatalf("tracked %d", n)
	}

	e.srv.DropWebSockets()
	e.srv.Hangup(ids[1], 16) // lost: nobody is listening
	ev := expect(t, all, ari.TypeDisconnected, ari.TypeConnected, ari.TypeChannelGone, ari.TypeReconciled)
	if g := ev[2].(*ari.ChannelGoneEvent); g.ChannelID != ids[1] {
		t.Fatalf("gone %v", g.ChannelID)
	}
	rec := ev[3].(*ari.ReconciledEvent)
	if !rec.Reconnect || rec.Restarted || len(rec.Gone) != 1 || len(rec.Applications) != 1 || len(rec.Applications[0].ChannelIDs) != 1 || rec.Applications[0].ChannelIDs[0] != ids[0] {
		t.Fatalf("reconciled %+v", rec)
	}
	if err := e.c.WaitReady(e.ctx); err != nil {
		t.Fatalf("not ready after reconcile: %v", err)
	}
	expect(t, subs[1], ari.TypeChannelGone)
	// The surviving channel is still controllable and its events resume.
	if err := e.c.Channels().Continue(e.ctx, ids[0], ari.DialplanTarget{}); err != nil {
		t.Fatal(err)
	}
	expect(t, subs[0], "StasisEnd")
	if n := e.c.Stats().TrackedChannels; n != 0 {
		t.Fatalf("leaked %d tracked channels", n)
	}
	if st := e.c.Stats(); st.Connects != 2 || st.Overflows != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRestartDetected(t *testing.T) {
	e := newEnv(t, "cid")
	all := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart", ari.TypeReconciled, ari.TypeChannelGone}})
	defer all.Cancel()
	id, _ := e.srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: "1"})
	expect(t, all, "StasisStart")
	e.srv.Restart("02:fa:ce:00:00:02")
	ev := expect(t, all, ari.TypeChannelGone, ari.TypeReconciled)
	if ev[0].(*ari.ChannelGoneEvent).ChannelID != id || !ev[1].(*ari.ReconciledEvent).Restarted {
		t.Fatalf("restart not reported: %+v", ev[1])
	}
}

func TestApplicationReplacedStopsClient(t *testing.T) {
	e := newEnv(t, "dialer")
	all := e.c.Events().Subscribe(ari.Filter{})
	defer all.Cancel()
	e.srv.ReplaceApp("dialer")
	ev := expect(t, all, "ApplicationReplaced", ari.TypeDisconnected)
	if !errors.Is(ev[1].(*ari.DisconnectedEvent).Err, ari.ErrReplaced) {
		t.Fatalf("disconnect reason %v", ev[1].(*ari.DisconnectedEvent).Err)
	}
	if err := e.c.WaitReady(e.ctx); err == nil {
		t.Fatal("client still running after ApplicationReplaced")
	}
	if e.c.Ready() || e.srv.AppActive("dialer") {
		t.Fatal("client reconnected and took the app back")
	}
}

// TestOrderingUnderLoad checks per-channel order for many concurrent calls.
func TestOrderingUnderLoad(t *testing.T) {
	e := newEnv(t, "cid")
	const n = 200
	starts := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	ends := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisEnd", "ChannelCallerId"}})
	defer ends.Cancel()
	for i := range n {
		if _, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, n)
	for range n {
		ss := next(t, starts).(*ari.StasisStart)
		go func(id string) {
			if err := e.c.Channels().SetVariable(e.ctx, id, "CALLERID(name)", "N"+id); err != nil {
				errs <- err
				return
			}
			errs <- e.c.Channels().Continue(e.ctx, id, ari.DialplanTarget{})
		}(ss.Channel.ID)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]string{}
	for range 2 * n {
		ev := next(t, ends)
		id := ev.Keys()[0].ID
		switch ev.GetType() {
		case "ChannelCallerId":
			if seen[id] != "" {
				t.Fatalf("%s: ChannelCallerId after %s", id, seen[id])
			}
		case "StasisEnd":
			if seen[id] != "ChannelCallerId" {
				t.Fatalf("%s: StasisEnd after %q", id, seen[id])
			}
		}
		seen[id] = ev.GetType()
	}
	if st := e.c.Stats(); st.TrackedChannels != 0 || st.DecodeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUserEvent(t *testing.T) {
	e := newEnv(t, "cid")
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: "1"})
	if err != nil {
		t.Fatal(err)
	}
	sub := e.c.Events().Subscribe(ari.Filter{Types: []string{"ChannelUserevent"}})
	defer sub.Cancel()
	if err := e.c.UserEvent(e.ctx, "AgentReady", "cid", []ari.Key{ari.ChannelKey(id)}, map[string]string{"agent": "42"}); err != nil {
		t.Fatal(err)
	}
	ev := next(t, sub).(*ari.ChannelUserevent)
	if ev.Eventname != "AgentReady" || ev.Userevent["agent"] != "42" || ev.Channel == nil || ev.Channel.ID != id {
		t.Fatalf("user event %+v", ev)
	}
	if err := e.c.UserEvent(e.ctx, "X", "nobody", nil, nil); !ari.IsNotFound(err) {
		t.Fatalf("unknown app: %v", err)
	}
}

// TestVirtualStepBarrier: after advancing the virtual clock, waiting for
// the server's sent count makes every event of the step visible at once.
func TestVirtualStepBarrier(t *testing.T) {
	e := newEnv(t, "dialer", fakeari.WithPeer("PJSIP/", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 3 * time.Second, Talk: 10 * time.Second}))
	sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey("v1")}})
	defer sub.Cancel()
	if _, err := e.c.Channels().Originate(e.ctx, ari.OriginateRequest{Endpoint: "PJSIP/1", ChannelID: "v1"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		pending int
	}{
		{0, 3},                // Dial "", Ringing, Dial RINGING
		{3 * time.Second, 6},  // + Up, Dial ANSWER, StasisStart
		{10 * time.Second, 9}, // + HangupRequest, StasisEnd, ChannelDestroyed
	}
	for _, st := range steps {
		e.clk.Advance(st.advance)
		if err := e.c.WaitReceived(e.ctx, uint64(e.srv.Stats().EventsSent)); err != nil {
			t.Fatal(err)
		}
		if got := sub.Pending(); got < st.pending-1 || got > st.pending {
			// one event may already sit in the pump's hand-off
			t.Fatalf("after +%v: %d pending, want %d", st.advance, got, st.pending)
		}
	}
	expect(t, sub, "Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial", "StasisStart", "ChannelHangupRequest", "StasisEnd", "ChannelDestroyed")
}

func TestChannelControls(t *testing.T) {
	e := newEnv(t, "ivr")
	ch := e.c.Channels()
	all := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer all.Cancel()
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "ivr", Caller: "200", Args: []string{"menu"}})
	if err != nil {
		t.Fatal(err)
	}
	if ss := next(t, all).(*ari.StasisStart); len(ss.Args) != 1 || ss.Args[0] != "menu" {
		t.Fatalf("args %v", ss.Args)
	}
	sub := e.c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
	defer sub.Cancel()
	if err := ch.Answer(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if ev := expect(t, sub, "ChannelStateChange")[0].(*ari.ChannelStateChange); ev.Channel.State != ari.StateUp {
		t.Fatalf("state %s", ev.Channel.State)
	}
	// ARI hold is ast_indicate(HOLD) towards the channel's phone: no event.
	// ChannelHold/ChannelUnhold come from the phone holding (PhoneHold).
	if err := ch.Hold(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.srv.Channel(id); !snap.Hold {
		t.Fatalf("hold %+v", snap)
	}
	if err := ch.Unhold(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.PhoneHold(id, true, "jazz"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.PhoneHold(id, false, ""); err != nil {
		t.Fatal(err)
	}
	if h := expect(t, sub, "ChannelHold", "ChannelUnhold")[0].(*ari.ChannelHold); h.Musicclass != "jazz" {
		t.Fatalf("hold %+v", h)
	}
	if err := ch.StartMOH(e.ctx, id, "default"); err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.srv.Channel(id); !snap.MOH || snap.MOHClass != "default" {
		t.Fatalf("moh %+v", snap)
	}
	if err := ch.StopMOH(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := ch.SendDTMF(e.ctx, id, "123#", ari.DTMFOptions{Between: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := ch.Mute(e.ctx, id, "in"); err != nil {
		t.Fatal(err)
	}
	if err := ch.Redirect(e.ctx, id, "SIP/x"); !ari.IsUnprocessable(err) {
		t.Fatalf("redirect to another tech: %v", err)
	}
	// Move to an app nobody holds: ApplicationMoveFailed, channel stays.
	if err := ch.Move(e.ctx, id, "elsewhere", "a"); err != nil {
		t.Fatal(err)
	}
	if ev := expect(t, sub, "ApplicationMoveFailed")[0].(*ari.ApplicationMoveFailed); ev.Destination != "elsewhere" {
		t.Fatalf("move failed %+v", ev)
	}
	// Continue into a context: extension defaults to "s", priority 1.
	if err := ch.Continue(e.ctx, id, ari.DialplanTarget{Context: "after"}); err != nil {
		t.Fatal(err)
	}
	expect(t, sub, "StasisEnd")
	if snap, _ := e.srv.Channel(id); snap.Dialplan.Context != "after" || snap.Dialplan.Exten != "s" || snap.Dialplan.Priority != 1 {
		t.Fatalf("dialplan %+v", snap.Dialplan)
	}
	if err := ch.Hangup(e.ctx, id, ari.ReasonBusy); err != nil { // any channel, in Stasis or not
		t.Fatal(err)
	}
	if snap, _ := e.srv.Channel(id); !snap.Destroyed || snap.Cause != ari.CauseUserBusy {
		t.Fatalf("after hangup %+v", snap)
	}
}

func TestSubscribeAllAndHoldingBridge(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("u", "p"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, err := ari.Connect(ctx, url, ari.WithAuth("u", "p"), ari.WithApps("owner"))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	spy, err := ari.Connect(ctx, url, ari.WithAuth("u", "p"), ari.WithApps("monitor"), ari.WithSubscribeAll())
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	seen := spy.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer seen.Cancel()
	id, err := srv.PlaceInbound(fakeari.InboundCall{App: "owner", Caller: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, seen).(*ari.StasisStart); ev.Channel.ID != id || ev.Application != "monitor" {
		t.Fatalf("subscribeAll app saw %+v", ev)
	}
	br, err := owner.Bridges().Create(ctx, ari.BridgeRequest{ID: "park", Type: []string{"holding"}})
	if err != nil || br.BridgeType != "holding" || br.Technology != "holding_bridge" {
		t.Fatalf("holding bridge %+v %v", br, err)
	}
	if err := owner.Bridges().AddChannel(ctx, "park", ari.AddChannelRequest{Channels: []string{id}, Role: "participant"}); err != nil {
		t.Fatal(err)
	}
	if err := owner.Bridges().StartMOH(ctx, "park", ""); err != nil {
		t.Fatal(err)
	}
	if err := owner.Bridges().AddChannel(ctx, "nope", ari.AddChannelRequest{Channels: []string{id}}); !ari.IsNotFound(err) {
		t.Fatalf("missing bridge: %v", err)
	}
	if got, err := owner.Bridges().Get(ctx, "park"); err != nil || len(got.Channels) != 1 || got.Channels[0] != id {
		t.Fatalf("bridge %+v %v", got, err)
	}
}

// TestSecondInstanceReplaces: a second client registering the same app
// takes it over; the first stops instead of fighting back.
func TestSecondInstanceReplaces(t *testing.T) {
	e := newEnv(t, "dialer")
	all := e.c.Events().Subscribe(ari.Filter{Types: []string{"ApplicationReplaced", ari.TypeDisconnected}})
	defer all.Cancel()
	second, err := ari.Connect(e.ctx, e.url, ari.WithAuth("u", "p"), ari.WithApps("dialer"))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	expect(t, all, "ApplicationReplaced", ari.TypeDisconnected)
	starts := second.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	if _, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "dialer", Caller: "1"}); err != nil {
		t.Fatal(err)
	}
	next(t, starts)
	if e.c.WaitReady(e.ctx) == nil {
		t.Fatal("first instance still running")
	}
}

// TestResubscribeAfterReconnect: explicit subscriptions are renewed after a
// reconnect (here to a restarted Asterisk that forgot them); one whose
// source vanished is dropped without blocking the others.
func TestResubscribeAfterReconnect(t *testing.T) {
	e := newEnv(t, "mon")
	ctx := e.ctx
	if _, err := e.c.Bridges().Create(ctx, ari.BridgeRequest{ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Applications().Subscribe(ctx, "mon", ari.BridgeKey("b1")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Applications().Subscribe(ctx, "mon", ari.EndpointKey("PJSIP", "agent1")); err != nil {
		t.Fatal(err)
	}
	all := e.c.Events().Subscribe(ari.Filter{Types: []string{ari.TypeReconciled}})
	defer all.Cancel()
	e.srv.Restart("02:fa:ce:00:00:09") // bridges and subscriptions are gone
	if rec := next(t, all).(*ari.ReconciledEvent); !rec.Restarted {
		t.Fatal("restart not noticed")
	}
	app, err := e.c.Applications().Get(ctx, "mon")
	if err != nil {
		t.Fatal(err)
	}
	if len(app.EndpointIDs) != 1 || app.EndpointIDs[0] != "PJSIP/agent1" || len(app.BridgeIDs) != 0 {
		t.Fatalf("after reconnect: endpoints %v bridges %v", app.EndpointIDs, app.BridgeIDs)
	}
}

// TestDropDuringBurst: calls keep arriving while the WebSocket drops; the
// app serves StasisStart events and, after the reconnect, the channels the
// reconciliation lists. Every call ends up continued and nothing leaks.
func TestDropDuringBurst(t *testing.T) {
	e := newEnv(t, "cid")
	sub := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart", ari.TypeReconciled}})
	defer sub.Cancel()
	ends := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisEnd", ari.TypeChannelGone}})
	defer ends.Cancel()
	const n = 60
	var ids []string
	served := map[string]bool{}
	serve := func(id string) {
		if served[id] {
			return
		}
		served[id] = true
		if err := e.c.Channels().Continue(e.ctx, id, ari.DialplanTarget{}); err != nil && !ari.IsNotInStasis(err) {
			t.Errorf("continue %s: %v", id, err)
		}
	}
	for i := range n {
		if i == n/2 {
			e.srv.DropWebSockets()
		}
		id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: fmt.Sprint(i)})
		if err != nil && !errors.Is(err, fakeari.ErrAppNotActive) {
			t.Fatal(err)
		}
		if err == nil {
			ids = append(ids, id)
		}
	}
	// Serve until every accepted call has left Stasis.
	for len(served) < len(ids) {
		switch ev := next(t, sub).(type) {
		case *ari.StasisStart:
			serve(ev.Channel.ID)
		case *ari.ReconciledEvent:
			for _, app := range ev.Applications {
				for _, id := range app.ChannelIDs {
					serve(id)
				}
			}
		}
	}
	for _, id := range ids {
		snap, err := e.srv.AwaitChannel(e.ctx, id, func(c fakeari.ChannelSnapshot) bool { return !c.InStasis })
		if err != nil {
			t.Fatalf("%s still in Stasis: %+v", id, snap)
		}
	}
	// Each call's end reaches the client: its StasisEnd, or (lost in the
	// drop) a ChannelGone from reconciliation. Then nothing is tracked.
	ended := map[string]bool{}
	for len(ended) < len(ids) {
		ended[next(t, ends).Keys()[0].ID] = true
	}
	if st := e.c.Stats(); st.TrackedChannels != 0 || st.Overflows != 0 {
		t.Fatalf("stats %+v", st)
	}
}
