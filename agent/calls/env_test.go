package calls

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

const testApp = "pbxagent-calls"

// published is one event the recording publisher got.
type published struct {
	topic, typ string
	audience   []string
	call       Call
	data       any
}

// recorder is a Publisher that keeps every event and wakes waiters.
type recorder struct {
	mu     sync.Mutex
	evs    []published
	change chan struct{}
}

func newRecorder() *recorder { return &recorder{change: make(chan struct{})} }

// Publish implements Publisher.
func (r *recorder) Publish(_ context.Context, topic, typ string, audience []string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, _ := data.(Call)
	r.evs = append(r.evs, published{topic: topic, typ: typ, audience: audience, call: c, data: data})
	close(r.change)
	r.change = make(chan struct{})
}

// types lists the event types published for a call, in order.
func (r *recorder) types(callID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		if e.call.ID == callID {
			out = append(out, e.typ)
		}
	}
	return out
}

// await waits (bounded, real time) for an event of type typ about callID
// and returns it.
func (r *recorder) await(t testing.TB, typ, callID string) published {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, e := range r.evs {
			if e.typ == typ && e.call.ID == callID {
				r.mu.Unlock()
				return e
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s for %s; got %v", typ, callID, r.types(callID))
		}
	}
}

type env struct {
	t    testing.TB
	clk  *clock.Virtual
	srv  *fakeari.Server
	url  string
	eng  *Engine
	pub  *recorder
	kill func()
	// wrap, when set, stands between the engine and its ARI client
	// (lanes_test.go delays requests with it).
	wrap func(ari.Client) ari.Client
}

// Scripted far ends of the tests.
var testPeers = []fakeari.Option{
	fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true, AutoAnswerDelay: 300 * time.Millisecond}), // answers only when asked to auto-answer
	fakeari.WithPeer("PJSIP/102", fakeari.Desk{Manual: true}),
	fakeari.WithPeer("PJSIP/103", fakeari.Desk{Never: true}),
	fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 2 * time.Second}),
	fakeari.WithPeer("PJSIP/300", fakeari.Fixed{Outcome: fakeari.Busy, Ring: time.Second}),
	fakeari.WithPeer("PJSIP/400", fakeari.Desk{Manual: true}),
}

func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithClock(clk)}, testPeers...)...)
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attach(opts...)
	return e
}

// attach starts an engine (a pbxagent process) on the stand-in and makes
// it the env's current one.
func (e *env) attach(opts ...Option) {
	t := e.t
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := ari.New(e.url, ari.WithAuth("asterisk", "asterisk"), ari.WithApps(testApp), ari.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	pub := newRecorder()
	var cli ari.Client = conn
	if e.wrap != nil {
		cli = e.wrap(conn)
	}
	eng := New(cli, testApp, append([]Option{WithPublisher(pub), WithLogger(log), WithRingTimeouts(30*time.Second, 60*time.Second)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = eng.Run(ctx) }()
	if err := conn.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() { once.Do(func() { cancel(); <-done; conn.Close(); undelivered(t, eng) }) }
	t.Cleanup(kill)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := conn.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	e.eng, e.pub, e.kill = eng, pub, kill
}

// undelivered fails t when a call of eng has events still waiting in its
// outbox once the engine stopped: a ticket never filled holds back every
// later event of its call.
func undelivered(t testing.TB, eng *Engine) {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	for id, s := range eng.calls {
		s.out.mu.Lock()
		n := len(s.out.q)
		s.out.mu.Unlock()
		if n > 0 {
			t.Errorf("call %s: %d tickets of events never delivered", id, n)
		}
	}
}

// place places a click-to-call for user u1.
func (e *env) place(to string, devices ...string) Call {
	e.t.Helper()
	c, err := e.eng.Place(context.Background(), PlaceRequest{UserID: "u1", Devices: devices, To: to})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// awaitChannel waits for a channel of the stand-in to satisfy cond.
func (e *env) awaitChannel(id string, what string, cond func(fakeari.ChannelSnapshot) bool) fakeari.ChannelSnapshot {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := e.srv.AwaitChannel(ctx, id, cond)
	if err != nil {
		e.t.Fatalf("channel %s never %s: %v (last %+v)", id, what, err, s)
	}
	return s
}

// ring waits for a leg to exist, starts its dial (the stand-in dials on a
// zero timer of its virtual clock) and waits for it to ring.
func (e *env) ring(id string) fakeari.ChannelSnapshot {
	e.t.Helper()
	e.awaitChannel(id, "created", func(fakeari.ChannelSnapshot) bool { return true })
	e.clk.Advance(0)
	return e.awaitChannel(id, "rang", func(s fakeari.ChannelSnapshot) bool { return s.State == ari.StateRinging })
}

func destroyed(s fakeari.ChannelSnapshot) bool { return s.Destroyed }

// up drives a call on PJSIP/101 to 200 until it is bridged.
func (e *env) up() Call {
	e.t.Helper()
	c := e.place("200", "PJSIP/101")
	e.ring(c.ID + "-u1")
	e.clk.Advance(time.Second) // the desk auto-answers
	e.ring(c.ID + "-far")
	e.clk.Advance(3 * time.Second) // the destination answers
	e.pub.await(e.t, EventAnswered, c.ID)
	return c
}

// clean waits for call_ended and checks that nothing of the call is left
// in Asterisk: the engine publishes call_ended, then hangs the legs up and
// destroys the bridge (checked again and again until a deadline).
func (e *env) clean(c Call) Call {
	e.t.Helper()
	ended := e.pub.await(e.t, EventEnded, c.ID).call
	for _, leg := range []string{c.ID + "-u1", c.ID + "-far"} {
		if _, ok := e.srv.Channel(leg); ok {
			e.awaitChannel(leg, "hung up after call_ended", destroyed)
		}
	}
	e.noBridges()
	return ended
}

// awaitPlayback checks, again and again until a deadline, that playback id
// exists in one of states (the engine starts the ringback right after it
// dials the destination, in the same event's handling; the stand-in
// queues it until its clock moves).
func (e *env) awaitPlayback(id string, states ...string) *ari.Playback {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		pb, err := e.eng.cli.Playbacks().Get(ctx, id)
		if err == nil && slices.Contains(states, pb.State) {
			return pb
		}
		if ctx.Err() != nil {
			e.t.Fatalf("playback %s never %v: %+v %v", id, states, pb, err)
		}
	}
}
