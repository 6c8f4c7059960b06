package calls

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

func TestClickToCallHappyPath(t *testing.T) {
	tests := []struct {
		name      string
		hangup    func(e *env, c Call)
		wantCause int
		wantBy    string
	}{
		{name: "destination hangs up", hangup: func(e *env, c Call) { e.srv.Hangup(c.ID+"-far", 16) }, wantCause: 16, wantBy: "destination"},
		{name: "user hangs up", hangup: func(e *env, c Call) { e.srv.Hangup(c.ID+"-u1", 16) }, wantCause: 16, wantBy: "user"},
		{name: "API hang-up", hangup: func(e *env, c Call) {
			got, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID)
			if err != nil || got.State != StateEnded {
				e.t.Fatalf("hangup: %+v %v", got, err)
			}
		}, wantCause: 16, wantBy: "api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.place("200", "PJSIP/101")
			if c.State != StateDialing || c.UserID != "u1" || c.To != "200" {
				t.Fatalf("placed %+v", c)
			}
			u := e.ring(c.ID + "-u1")
			if u.Variables["PJSIP_HEADER(add,Call-Info)"] == "" {
				t.Errorf("no auto-answer header on the user's leg: %v", u.Variables)
			}
			e.pub.await(t, EventUpdated, c.ID) // ringing
			if got, _ := e.eng.Get(Viewer{UserID: "u1"}, c.ID); got.State != StateRinging {
				t.Errorf("state %s while the desk rings", got.State)
			}
			e.clk.Advance(time.Second) // the desk (scripted never to answer by hand) auto-answers
			far := e.ring(c.ID + "-far")
			if far.Endpoint != "PJSIP/200" {
				t.Errorf("destination dialled as %s", far.Endpoint)
			}
			if pb := e.awaitPlayback(c.ID+"-ringback", "queued", "playing"); pb.MediaURI != "tone:ring" {
				t.Errorf("ringback plays %q", pb.MediaURI)
			}
			e.clk.Advance(3 * time.Second)
			ans := e.pub.await(t, EventAnswered, c.ID).call
			if pb, err := e.eng.cli.Playbacks().Get(context.Background(), c.ID+"-ringback"); err == nil && (pb.State == "playing" || pb.State == "queued") {
				t.Errorf("ringback still playing after the answer: %+v", pb)
			}
			if ans.State != StateUp || ans.Device != "PJSIP/101" || ans.AnsweredAt == nil {
				t.Errorf("answered %+v", ans)
			}
			b := e.srv.BridgeIDs()
			uu, _ := e.srv.Channel(c.ID + "-u1")
			ff, _ := e.srv.Channel(c.ID + "-far")
			if len(b) != 1 || uu.Bridge != b[0] || ff.Bridge != b[0] {
				t.Fatalf("not bridged: bridges %v, user in %q, destination in %q", b, uu.Bridge, ff.Bridge)
			}
			if l := e.eng.List(Viewer{UserID: "u1"}); len(l) != 1 || l[0].ID != c.ID {
				t.Errorf("list %+v", l)
			}
			tt.hangup(e, c)
			end := e.clean(c)
			if end.Cause != tt.wantCause || end.EndedBy != tt.wantBy || end.State != StateEnded || end.EndedAt == nil {
				t.Errorf("ended %+v, want cause %d by %s", end, tt.wantCause, tt.wantBy)
			}
			want := []string{EventCreated, EventUpdated, EventAnswered, EventUpdated, EventEnded}
			if got := e.pub.types(c.ID); !slices.Equal(got, want) {
				t.Errorf("events %v, want %v", got, want)
			}
			for _, p := range e.pub.evs {
				if p.topic != TopicCalls || !slices.Equal(p.audience, []string{"u1"}) {
					t.Errorf("event %s to %s %v, want calls to [u1]", p.typ, p.topic, p.audience)
				}
			}
			if l := e.eng.List(Viewer{UserID: "u1"}); len(l) != 0 {
				t.Errorf("ended call still listed: %+v", l)
			}
		})
	}
}

func TestClickToCallFailures(t *testing.T) {
	tests := []struct {
		name      string
		device    string
		to        string
		advance   []time.Duration // virtual time, each step after the leg before rang
		wantCause int
		wantBy    string
		farDialed bool
	}{
		{name: "the user's device never answers", device: "PJSIP/103", to: "200", advance: []time.Duration{31 * time.Second},
			wantCause: ari.CauseNoAnswer, wantBy: "user"},
		{name: "destination busy", device: "PJSIP/101", to: "300", advance: []time.Duration{time.Second, 2 * time.Second},
			wantCause: ari.CauseUserBusy, wantBy: "destination", farDialed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.place(tt.to, tt.device)
			e.ring(c.ID + "-u1")
			e.clk.Advance(tt.advance[0])
			if tt.farDialed {
				e.ring(c.ID + "-far")
				e.clk.Advance(tt.advance[1])
			}
			end := e.clean(c)
			if end.Cause != tt.wantCause || end.EndedBy != tt.wantBy || end.AnsweredAt != nil {
				t.Errorf("ended %+v, want cause %d by %s", end, tt.wantCause, tt.wantBy)
			}
			if _, ok := e.srv.Channel(c.ID + "-far"); ok != tt.farDialed {
				t.Errorf("destination dialled: %v, want %v", ok, tt.farDialed)
			}
			if slices.Contains(e.pub.types(c.ID), EventAnswered) {
				t.Errorf("call_answered for a call never answered: %v", e.pub.types(c.ID))
			}
		})
	}
}

func TestRingAllDevicesFirstAnswerWins(t *testing.T) {
	e := newEnv(t, WithAutoAnswer(false))
	c := e.place("200", "PJSIP/102", "PJSIP/400")
	e.ring(c.ID + "-u1")
	e.ring(c.ID + "-u2")
	if err := e.srv.PickUp(c.ID + "-u2"); err != nil {
		t.Fatal(err)
	}
	e.awaitChannel(c.ID+"-u1", "stopped ringing", destroyed)
	e.ring(c.ID + "-far")
	e.clk.Advance(3 * time.Second)
	if got := e.pub.await(t, EventAnswered, c.ID).call; got.Device != "PJSIP/400" {
		t.Errorf("answered on %q, want PJSIP/400", got.Device)
	}
}

func TestHoldResumeAndDTMF(t *testing.T) {
	e := newEnv(t, WithMOHClass("jazz"))
	c := e.up()
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	steps := []struct {
		name      string
		do        func() (Call, error)
		wantState State
		wantHold  bool
		wantErr   error
		wantEvent string
	}{
		{name: "resume a call not held", do: func() (Call, error) { return e.eng.Resume(ctx, v, c.ID) }, wantErr: ErrState},
		{name: "hold", do: func() (Call, error) { return e.eng.Hold(ctx, v, c.ID) }, wantState: StateHeld, wantHold: true, wantEvent: EventHeld},
		{name: "hold twice", do: func() (Call, error) { return e.eng.Hold(ctx, v, c.ID) }, wantErr: ErrState},
		{name: "resume", do: func() (Call, error) { return e.eng.Resume(ctx, v, c.ID) }, wantState: StateUp, wantEvent: EventResumed},
	}
	for _, st := range steps {
		got, err := st.do()
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Errorf("%s: %v, want %v", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil || got.State != st.wantState {
			t.Fatalf("%s: %+v %v", st.name, got, err)
		}
		far, _ := e.srv.Channel(c.ID + "-far")
		if far.Hold != st.wantHold || far.MOH != st.wantHold || (st.wantHold && far.MOHClass != "jazz") {
			t.Errorf("%s: destination hold %v moh %v class %q, want %v", st.name, far.Hold, far.MOH, far.MOHClass, st.wantHold)
		}
		if ev := e.pub.await(t, st.wantEvent, c.ID); ev.call.State != st.wantState {
			t.Errorf("%s: %s says %s", st.name, st.wantEvent, ev.call.State)
		}
	}
	for _, tt := range []struct {
		digits, want string
		wantErr      error
	}{
		{digits: "12#", want: "12#"},
		{digits: "a*", want: "12#A*"},
		{digits: "1x", want: "12#A*", wantErr: ErrBadDigits},
	} {
		err := e.eng.DTMF(ctx, v, c.ID, tt.digits)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("dtmf %q: %v, want %v", tt.digits, err, tt.wantErr)
		}
		if far, _ := e.srv.Channel(c.ID + "-far"); far.DTMFSent != tt.want {
			t.Errorf("dtmf %q: the destination got %q, want %q", tt.digits, far.DTMFSent, tt.want)
		}
	}
}

func TestOtherUsersCallIsNotFound(t *testing.T) {
	e := newEnv(t)
	c := e.up()
	ctx := context.Background()
	other := Viewer{UserID: "u2"}
	actions := []struct {
		name string
		do   func(v Viewer) error
	}{
		{name: "get", do: func(v Viewer) error { _, err := e.eng.Get(v, c.ID); return err }},
		{name: "hold", do: func(v Viewer) error { _, err := e.eng.Hold(ctx, v, c.ID); return err }},
		{name: "resume", do: func(v Viewer) error { _, err := e.eng.Resume(ctx, v, c.ID); return err }},
		{name: "dtmf", do: func(v Viewer) error { return e.eng.DTMF(ctx, v, c.ID, "1") }},
		{name: "mute", do: func(v Viewer) error { _, err := e.eng.Mute(ctx, v, c.ID); return err }},
		{name: "unmute", do: func(v Viewer) error { _, err := e.eng.Unmute(ctx, v, c.ID); return err }},
		{name: "hangup", do: func(v Viewer) error { _, err := e.eng.Hangup(ctx, v, c.ID); return err }},
	}
	for _, a := range actions {
		if err := a.do(other); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s by another user: %v, want ErrNotFound", a.name, err)
		}
	}
	if l := e.eng.List(other); len(l) != 0 {
		t.Errorf("another user lists %+v", l)
	}
	if far, _ := e.srv.Channel(c.ID + "-far"); far.Destroyed || far.Hold || far.DTMFSent != "" {
		t.Errorf("another user's request reached the call: %+v", far)
	}
	// An admin acts on every call.
	admin := Viewer{All: true}
	if l := e.eng.List(admin); len(l) != 1 {
		t.Errorf("admin lists %+v", l)
	}
	if _, err := e.eng.Hangup(ctx, admin, c.ID); err != nil {
		t.Fatal(err)
	}
	e.clean(c)
}

func TestReconcileAfterRestart(t *testing.T) {
	t.Run("bridged call of a dead run", func(t *testing.T) {
		e := newEnv(t)
		c := e.up()
		e.kill() // kill -9: nothing cleaned up
		done := make(chan struct{}, 1)
		e.attach(func(en *Engine) { en.reconciled = func() { done <- struct{}{} } })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the new run never reconciled")
		}
		for _, leg := range []string{c.ID + "-u1", c.ID + "-far"} {
			if s, _ := e.srv.Channel(leg); !s.Destroyed {
				t.Errorf("leg %s of the dead run still up: %+v", leg, s)
			}
		}
		if b := e.srv.BridgeIDs(); len(b) > 0 {
			t.Errorf("stray bridges %v", b)
		}
	})
	t.Run("a leg of a dead run answers later", func(t *testing.T) {
		e := newEnv(t, WithAutoAnswer(false))
		c := e.place("200", "PJSIP/102")
		e.ring(c.ID + "-u1")
		e.kill()
		e.attach()
		// The new run's sweep may hang the ringing leg up at once; if it
		// is still ringing, the user picks up and the StasisStart of a leg
		// nobody knows is hung up.
		if s, _ := e.srv.Channel(c.ID + "-u1"); !s.Destroyed {
			_ = e.srv.PickUp(c.ID + "-u1")
		}
		e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
		if _, ok := e.srv.Channel(c.ID + "-far"); ok {
			t.Error("a dead run's call dialled its destination")
		}
	})
	t.Run("a leg of a dead run enters the app", func(t *testing.T) {
		e := newEnv(t)
		// What a StasisStart of an earlier run's user leg carries: its
		// arguments name a call this run never placed.
		id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Args: []string{argUser, "pbxcall-0123456789abcdef"}, Answered: true})
		if err != nil {
			t.Fatal(err)
		}
		e.awaitChannel(id, "hung up", destroyed)
	})
	t.Run("a dialplan call falls back", func(t *testing.T) {
		e := newEnv(t)
		id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "+41441234567", Exten: "101"})
		if err != nil {
			t.Fatal(err)
		}
		s := e.awaitChannel(id, "left the app", func(s fakeari.ChannelSnapshot) bool { return !s.InStasis })
		if s.Destroyed {
			t.Errorf("a dialplan call was hung up: %+v", s)
		}
	})
}

func TestReleaseEndsEveryCall(t *testing.T) {
	e := newEnv(t)
	up := e.up()
	ringing := e.place("200", "PJSIP/103")
	e.ring(ringing.ID + "-u1")
	e.eng.Release(context.Background())
	for _, c := range []Call{up, ringing} {
		if end := e.clean(c); end.EndedBy != "system" || end.Cause != ari.CauseNormalClearing {
			t.Errorf("released %+v", end)
		}
	}
	if l := e.eng.List(Viewer{All: true}); len(l) != 0 {
		t.Errorf("live calls after release: %+v", l)
	}
}

// TestReconnectEndsVanishedCalls feeds the engine the snapshot of a
// reconnect in which a call's legs are gone (hung up while the WebSocket
// was down): the call ends, by the system, with what is left cleaned up.
func TestReconnectEndsVanishedCalls(t *testing.T) {
	e := newEnv(t)
	gone := e.up()
	e.eng.handle(context.Background(), &ari.ReconciledEvent{Reconnect: true,
		Applications: []ari.Application{{Name: testApp}}})
	end := e.clean(gone)
	if end.EndedBy != "system" || end.Cause != 0 {
		t.Errorf("vanished call ended %+v", end)
	}
	// A call still listed by Asterisk on reconnect goes on.
	kept := e.up()
	var live []ari.Channel
	for _, id := range []string{kept.ID + "-u1", kept.ID + "-far"} {
		live = append(live, ari.Channel{ID: id, State: ari.StateUp})
	}
	e.eng.handle(context.Background(), &ari.ReconciledEvent{Reconnect: true, Channels: live,
		Applications: []ari.Application{{Name: testApp, ChannelIDs: []string{kept.ID + "-u1", kept.ID + "-far"}, BridgeIDs: []string{kept.ID + "-bridge"}}}})
	if got, _ := e.eng.Get(Viewer{UserID: "u1"}, kept.ID); got.State != StateUp {
		t.Errorf("a live call was touched by the reconciliation: %+v", got)
	}
	if b := e.srv.BridgeIDs(); len(b) != 1 || b[0] != kept.ID+"-bridge" {
		t.Errorf("bridges %v, want the live call's", b)
	}
}

// BenchmarkDialLatency measures what pbxagent adds between the user's
// leg answering and the destination's originate, on the in-process
// stand-in (issue target: p99 ≤ 20 ms); it reports p50 and p99 in ms.
func BenchmarkDialLatency(b *testing.B) {
	obs := make(chan time.Duration, 1)
	e := newEnv(b, WithDialObserver(func(d time.Duration) { obs <- d }))
	var lat []time.Duration
	for i := range b.N + 1 {
		c := e.place("200", "PJSIP/101")
		e.ring(c.ID + "-u1")
		e.clk.Advance(time.Second)
		select {
		case d := <-obs:
			if i > 0 { // the first call opens the HTTP connections: not counted
				lat = append(lat, d)
			}
		case <-time.After(10 * time.Second):
			b.Fatalf("call %d: the destination was never dialled", i)
		}
		if _, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID); err != nil {
			b.Fatal(err)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	n := len(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[max(n*99/100-1, 0)].Microseconds())/1000, "p99-ms")
}
