package aritel_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

type env struct {
	t   *testing.T
	clk *clock.Virtual
	srv *fakeari.Server
	url string
	tel *aritel.Telephony
	evs chan dialer.Event
	// kill ends this adapter's process as kill -9 would: its WebSocket
	// closes, nothing is cleaned up in Asterisk.
	kill func()
}

func newEnv(t *testing.T, opts ...fakeari.Option) *env {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithClock(clk), fakeari.WithAMD("dialer-amd"),
		fakeari.WithPeer("PJSIP/agent", fakeari.Agent{AnswerAfter: time.Second}),
		fakeari.WithPeer("PJSIP/h", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 2 * time.Second}),
		fakeari.WithPeer("PJSIP/m", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 2 * time.Second, Machine: true}),
		fakeari.WithPeer("PJSIP/n", fakeari.Fixed{Outcome: fakeari.NoAnswer})}, opts...)...)
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attach("dialer")
	return e
}

// attach starts an adapter (a pbxagent process) on the stand-in for app and
// makes it the env's current one.
func (e *env) attach(app string) { e.attachApps(app) }

// attachApps is attach with more applications registered on the same
// connection (the first is the dialer's).
func (e *env) attachApps(apps ...string) {
	t := e.t
	t.Helper()
	app := apps[0]
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := ari.New(e.url, ari.WithAuth("asterisk", "asterisk"), ari.WithApps(apps...), ari.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	tel := aritel.New(conn, app, aritel.WithAMDContext("dialer-amd"), aritel.WithLogger(log))
	evs := make(chan dialer.Event, 100)
	if err := conn.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var once sync.Once
	kill := func() { once.Do(func() { cancel(); <-done; conn.Close() }) }
	t.Cleanup(kill)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := conn.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	go func() { defer close(done); _ = tel.Run(ctx, func(ev dialer.Event) { evs <- ev }) }()
	e.tel, e.evs, e.kill = tel, evs, kill
}

// expect waits (bounded, real time) for the next dialer event and checks it.
func (e *env) expect(kind dialer.EventKind, id string) dialer.Event {
	e.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case ev := <-e.evs:
			if ev.Kind == dialer.EventRinging || ev.Kind == dialer.EventLinkUp || ev.Kind == dialer.EventLinkDown {
				continue
			}
			if ev.Kind != kind || (ev.CallID != id && ev.AgentID != id) {
				e.t.Fatalf("event %+v, want kind %d for %s", ev, kind, id)
			}
			return ev
		case <-deadline.C:
			e.t.Fatalf("no event kind %d for %s", kind, id)
		}
	}
}

func TestCallFlowThroughStandIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(1500 * time.Millisecond)
	e.expect(dialer.EventAgentUp, "a1")

	// A human answers, waits on MOH, then joins the agent's bridge.
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	e.expect(dialer.EventAnswered, "c1")
	if err := e.tel.Hold(ctx, "c1", dialer.HoldMOH); err != nil {
		t.Fatal(err)
	}
	if ch, _ := e.srv.Channel("c1"); !ch.MOH {
		t.Fatalf("waiting customer hears no MOH: %+v", ch)
	}
	if err := e.tel.Join(ctx, "c1", "a1", false); err != nil {
		t.Fatal(err)
	}
	ch, _ := e.srv.Channel("c1")
	var agentCh fakeari.ChannelSnapshot
	for _, c := range e.srv.Channels() {
		if c.Endpoint == "PJSIP/agent1" {
			agentCh = c
		}
	}
	if ch.MOH || ch.Bridge == "" || ch.Bridge != agentCh.Bridge {
		t.Fatalf("customer %+v not bridged with agent %+v", ch, agentCh)
	}

	// AMD through the dialplan: the verdict comes back in StasisStart args.
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c2", Endpoint: "PJSIP/m1", Timeout: 25 * time.Second, AMD: true}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	// The first StasisStart sends the call into AMD; nothing for the dialer yet.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := e.srv.AwaitChannel(wctx, "c2", func(c fakeari.ChannelSnapshot) bool { return !c.InStasis }); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(6 * time.Second)
	if ev := e.expect(dialer.EventAnswered, "c2"); ev.AMD != "MACHINE" {
		t.Fatalf("AMD %q", ev.AMD)
	}

	// The information message, then the hangup when it finishes.
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c3", Endpoint: "PJSIP/h2", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	e.expect(dialer.EventAnswered, "c3")
	if err := e.tel.PlayMessage(ctx, "c3", "sound:info"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	if ev := e.expect(dialer.EventEnded, "c3"); ev.Cause != 16 {
		t.Fatalf("cause %d", ev.Cause)
	}

	// No answer: the originate timeout ends it with cause 19.
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c4", Endpoint: "PJSIP/n1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(26 * time.Second)
	if ev := e.expect(dialer.EventEnded, "c4"); dialer.OutcomeForCause(ev.Cause) != dialer.OutcomeNoAnswer {
		t.Fatalf("cause %d", ev.Cause)
	}

	// The agent puts the phone down: the dialer hears the leg is gone.
	if !e.srv.Hangup(agentCh.ID, 16) {
		t.Fatal("no agent channel")
	}
	e.expect(dialer.EventAgentDown, "a1")
	if err := e.tel.Hangup(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	e.expect(dialer.EventEnded, "c1")
}

func TestAsteriskRestartEndsCallsAndAgentLegs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.tel.ConnectAgent(ctx, "a1", "PJSIP/agent1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(1500 * time.Millisecond)
	e.expect(dialer.EventAgentUp, "a1")
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: "PJSIP/h1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := e.tel.Originate(ctx, dialer.OriginateRequest{CallID: "c2", Endpoint: "PJSIP/n1", Timeout: 25 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	e.expect(dialer.EventAnswered, "c1")

	e.srv.Restart("02:fa:ce:00:00:02")
	got := map[string]dialer.Event{}
	sawDown := false
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for up := false; !up; {
		select {
		case ev := <-e.evs:
			switch ev.Kind {
			case dialer.EventLinkDown:
				sawDown = true
			case dialer.EventLinkUp:
				up = sawDown
			case dialer.EventEnded:
				got[ev.CallID] = ev
			case dialer.EventAgentDown:
				got["agent:"+ev.AgentID] = ev
			}
		case <-deadline.C:
			t.Fatalf("no reconnect after the restart; events %v", got)
		}
	}
	for _, id := range []string{"c1", "c2"} {
		if ev, ok := got[id]; !ok || !ev.Lost {
			t.Errorf("call %s: %+v, want ended as lost", id, ev)
		}
	}
	if _, ok := got["agent:a1"]; !ok {
		t.Errorf("agent leg gone with the restart but the agent was not logged out: %v", got)
	}
}
