package aritel_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// Busy and congested customers on Local channels: Asterisk destroys the
// channel with cause 0; only the Dial event's status tells what happened.
func TestLocalBusyAndCongestion(t *testing.T) {
	e := newEnv(t,
		fakeari.WithPeer("Local/2", fakeari.Fixed{Outcome: fakeari.Busy}),
		fakeari.WithPeer("Local/3", fakeari.Fixed{Outcome: fakeari.Congestion}))
	ctx := context.Background()
	tests := []struct {
		name, id, endpoint string
		want               dialer.Outcome
	}{
		{name: "busy", id: "b1", endpoint: "Local/2@customers", want: dialer.OutcomeBusy},
		{name: "congestion", id: "g1", endpoint: "Local/3@customers", want: dialer.OutcomeCongestion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: tt.id, Campaign: "camp", Endpoint: tt.endpoint, Timeout: 25 * time.Second}); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(time.Second)
			ev := e.expect(dialer.EventEnded, tt.id)
			if got := dialer.OutcomeForCause(ev.Cause); got != tt.want {
				t.Fatalf("cause %d → %s, want %s", ev.Cause, got, tt.want)
			}
			if ch, _ := e.srv.Channel(tt.id); ch.Cause != 0 {
				t.Fatalf("stand-in destroyed the Local channel with cause %d; Asterisk says 0", ch.Cause)
			}
		})
	}
}

// An AMD context that fails (app_amd not loaded): the call ends with a
// fault the dialer can report, not as an unknown outcome.
func TestAMDDialplanFailureIsAFault(t *testing.T) {
	e := newEnv(t, fakeari.WithAMDBroken())
	ctx := context.Background()
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second, AMD: true}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := e.srv.AwaitChannel(wctx, "c1", func(c fakeari.ChannelSnapshot) bool { return !c.InStasis }); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	ev := e.expect(dialer.EventEnded, "c1")
	if !strings.Contains(ev.Fault, "AMD") {
		t.Fatalf("ended %+v, want an AMD fault", ev)
	}
}

// A bridge recording refused (no recording directory): the customer is
// joined and the error says the recording failed.
func TestRecordingFailureIsReported(t *testing.T) {
	e := newEnv(t, fakeari.WithoutRecordingDir())
	ctx := context.Background()
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(1500 * time.Millisecond)
	e.expect(dialer.EventAgentUp, "a1")
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	e.expect(dialer.EventAnswered, "c1")
	err := e.tel.Join(ctx, "c1", "a1", true)
	if !errors.Is(err, dialer.ErrRecordingFailed) {
		t.Fatalf("join with recording: %v, want ErrRecordingFailed", err)
	}
	if ch, _ := e.srv.Channel("c1"); ch.Bridge == "" {
		t.Fatal("the customer was not joined to the agent")
	}
}

// ids chosen by one run are never chosen again by the next: a second
// process logging the same agent in while the first one's bridge exists
// must not get 409.
func TestIDsUniqueAcrossRuns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	first := e.srv.BridgeIDs()
	e.attach("dialer-2") // another process, another app: the first one's bridge stays
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatalf("second run's login: %v (first run's bridges %v)", err, first)
	}
}

// kill -9 of pbxagent: the next run cleans up the agent legs and bridges
// the first left, and a customer who answers afterwards is reported as a
// stray, never left in silence.
func TestRestartCleansUpAndReportsStrays(t *testing.T) {
	e := newEnv(t, fakeari.WithPeer("PJSIP/slow", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 10 * time.Second}))
	ctx := context.Background()
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(1500 * time.Millisecond)
	e.expect(dialer.EventAgentUp, "a1")
	// Waiting in the app when the process dies: answered, on MOH.
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "w1", Campaign: "camp", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Talking to the agent when the process dies.
	if err := e.tel.ConnectAgent(ctx, "a2", "PJSIP/agent2"); err != nil {
		t.Fatal(err)
	}
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "t1", Campaign: "camp", Endpoint: "PJSIP/h2", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Still ringing when the process dies.
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "r1", Campaign: "camp", Endpoint: "PJSIP/slow1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	got := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for !got["w1"] || !got["t1"] || !got["a2"] {
		select {
		case ev := <-e.evs:
			if ev.Kind == dialer.EventAnswered || ev.Kind == dialer.EventAgentUp {
				got[ev.CallID+ev.AgentID] = true
			}
		case <-deadline:
			t.Fatalf("events %v, want w1 and t1 answered, a2 up", got)
		}
	}
	if err := e.tel.Hold(ctx, "w1", dialer.HoldMOH); err != nil {
		t.Fatal(err)
	}
	if err := e.tel.Join(ctx, "t1", "a2", false); err != nil {
		t.Fatal(err)
	}
	if len(e.srv.BridgeIDs()) != 2 {
		t.Fatalf("bridges %v, want the agents'", e.srv.BridgeIDs())
	}

	e.kill()
	e.attach("dialer")

	// The waiting customer is reported at once; the agent leg and its
	// bridge are gone.
	var strays []dialer.Event
	if ev := e.expect(dialer.EventStray, "t1"); !ev.Talking {
		t.Errorf("stray t1 was talking to an agent: %+v", ev)
	}
	ev := e.expect(dialer.EventStray, "w1")
	if ev.Talking {
		t.Errorf("stray w1 was waiting, not talking: %+v", ev)
	}
	strays = append(strays, ev)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, c := range e.srv.Channels() {
		if c.Endpoint == "PJSIP/agent1" {
			if _, err := e.srv.AwaitChannel(wctx, c.ID, func(c fakeari.ChannelSnapshot) bool { return c.Destroyed }); err != nil {
				t.Fatalf("agent leg %s of the dead run still up", c.ID)
			}
		}
	}
	if b := e.srv.BridgeIDs(); len(b) != 0 {
		t.Fatalf("bridges of the dead run left: %v", b)
	}
	// The ringing customer answers into the new run's app.
	e.clk.Advance(8 * time.Second)
	strays = append(strays, e.expect(dialer.EventStray, "r1"))
	for _, ev := range strays {
		if ev.Campaign != "camp" {
			t.Errorf("stray %s: campaign %q, want camp", ev.CallID, ev.Campaign)
		}
	}
	// The agent logs in again at once.
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(1500 * time.Millisecond)
	e.expect(dialer.EventAgentUp, "a1")
}

// A clean stop releases every leg and bridge the adapter owns.
func TestReleaseEndsEverything(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(1500 * time.Millisecond)
	e.expect(dialer.EventAgentUp, "a1")
	for _, c := range []dialer.OriginateRequest{
		{CallID: "w1", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second},
		{CallID: "r1", Endpoint: "PJSIP/n1", Timeout: 25 * time.Second},
	} {
		if err := e.tel.Originate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Advance(3 * time.Second)
	e.expect(dialer.EventAnswered, "w1")
	if err := e.tel.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.srv.Channels() {
		t.Errorf("channel left after release: %s %s %s", c.ID, c.Endpoint, c.State)
	}
	if b := e.srv.BridgeIDs(); len(b) != 0 {
		t.Errorf("bridges left after release: %v", b)
	}
}

// Channels of another application on the same ARI connection (the caller-ID
// app) are not the dialer's: they must never be taken for strays.
func TestOtherAppsChannelsLeftAlone(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, fakeari.WithClock(clk),
		fakeari.WithPeer("PJSIP/h", fakeari.Fixed{Outcome: fakeari.Answer, Ring: time.Second}))
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attachApps("dialer", "cid")
	id, err := srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: "+38761111111"})
	if err != nil {
		t.Fatal(err)
	}
	// Events are handled in order: once the dialer's own call is answered,
	// the inbound call's StasisStart has been seen.
	if err := e.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: "c1", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	e.expect(dialer.EventAnswered, "c1")
	if ch, _ := srv.Channel(id); ch.Destroyed || !ch.InStasis {
		t.Fatalf("the caller-ID app's channel was touched by the dialer: %+v", ch)
	}
}
