package calls

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// within waits (bounded, real time) for ch to close or send.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not within 10 s", what)
	}
	var zero T
	return zero
}

func TestLanesKeepEachLaneInOrder(t *testing.T) {
	l := newLanes(4)
	ctx, cancel := context.WithCancel(context.Background())
	l.start(ctx)
	defer func() { cancel(); l.wait() }()
	const keys, perKey = 16, 200
	var mu sync.Mutex
	got := map[int][]int{}
	for n := range perKey {
		for k := range keys {
			l.run(ctx, l.laneOf(fmt.Sprint("key", k)), func() {
				mu.Lock()
				got[k] = append(got[k], n)
				mu.Unlock()
			})
		}
	}
	if !l.quiesce(ctx) {
		t.Fatal("never idle")
	}
	for k := range keys {
		if len(got[k]) != perKey || !slices.IsSorted(got[k]) {
			t.Errorf("key %d: %d jobs, in order %v", k, len(got[k]), slices.IsSorted(got[k]))
		}
	}
}

func TestLanesABlockedLaneDelaysNoOther(t *testing.T) {
	l := newLanes(2)
	ctx, cancel := context.WithCancel(context.Background())
	l.start(ctx)
	defer func() { cancel(); l.wait() }()
	release, entered, other := make(chan struct{}), make(chan struct{}), make(chan struct{})
	l.run(ctx, 0, func() { close(entered); <-release })
	within(t, entered, "the slow job starts")
	l.run(ctx, 0, func() {}) // queued behind the slow one
	l.run(ctx, 1, func() { close(other) })
	within(t, other, "the other lane's job runs while lane 0 waits")
	close(release)
	if !l.quiesce(ctx) {
		t.Fatal("never idle")
	}
}

func TestLanesBarrierRunsAlone(t *testing.T) {
	l := newLanes(4)
	ctx, cancel := context.WithCancel(context.Background())
	l.start(ctx)
	defer func() { cancel(); l.wait() }()
	var barrierRan atomic.Bool
	release, entered := make(chan struct{}), make(chan struct{})
	var sawBarrier atomic.Bool
	l.run(ctx, 2, func() {
		close(entered)
		<-release
		sawBarrier.Store(barrierRan.Load())
	})
	within(t, entered, "the slow job starts")
	done := make(chan struct{})
	go func() { // the dispatcher
		defer close(done)
		l.run(ctx, laneBarrier, func() { barrierRan.Store(true) })
		// Queued after the barrier: it runs after it.
		after := make(chan bool, 1)
		l.run(ctx, 1, func() { after <- barrierRan.Load() })
		if !<-after {
			t.Error("a job queued after the barrier ran before it")
		}
	}()
	close(release)
	within(t, done, "the barrier and the job after it")
	if sawBarrier.Load() {
		t.Error("the barrier ran while a job was still running")
	}
	if !barrierRan.Load() {
		t.Error("the barrier never ran")
	}
}

func TestLanesStopWithTheContext(t *testing.T) {
	l := newLanes(8)
	ctx, cancel := context.WithCancel(context.Background())
	l.start(ctx)
	entered := make(chan struct{})
	l.run(ctx, 3, func() { close(entered); <-ctx.Done() })
	l.run(ctx, 3, func() { t.Error("a job queued ran after the stop") })
	within(t, entered, "the job starts")
	cancel()
	stopped := make(chan struct{})
	go func() { l.wait(); close(stopped) }()
	within(t, stopped, "every worker stops")
	if l.barrier(ctx, func() {}) {
		t.Error("a barrier ran after the stop")
	}
}

func TestRunStopsItsWorkers(t *testing.T) {
	e := newEnv(t)
	c := e.up()
	done := make(chan struct{})
	go func() { e.kill(); close(done) }()
	within(t, done, "Run returns, its workers stopped")
	if _, err := e.eng.Get(Viewer{All: true}, c.ID); err != nil {
		t.Errorf("the call is gone: %v", err)
	}
}

func TestLaneFor(t *testing.T) {
	e := newEnv(t)
	eng := e.eng
	const call = idPrefix + "0123456789abcdef"
	eng.mu.Lock()
	eng.calls[call] = &session{call: Call{ID: call}}
	eng.legs[call+"-u1"], eng.legs[call+"-far"] = call, call
	eng.legs["1733.7"] = call // a Local channel that took a transfer's place: not in the call's lane
	eng.txs().chans[call+"-u2"] = "t"
	eng.mu.Unlock()
	in := eng.callIDFor("1733.42")
	lane := eng.work.laneOf(call)
	ch := func(id string) ari.Channel { return ari.Channel{ID: id} }
	tests := []struct {
		name string
		ev   ari.Event
		want int
		ok   bool
	}{
		{name: "user's leg rings", ev: &ari.ChannelStateChange{Channel: ari.Channel{ID: call + "-u1", State: ari.StateRinging}}, want: lane, ok: true},
		{name: "destination answers", ev: &ari.StasisStart{Header: ari.Header{Application: testApp}, Channel: ch(call + "-far")}, want: lane, ok: true},
		{name: "pickup leg gone", ev: &ari.ChannelDestroyed{Channel: ch(call + "-p2-1")}, want: lane, ok: true},
		{name: "dial status", ev: &ari.Dial{Dialstatus: "BUSY", Peer: ch(call + "-far")}, want: lane, ok: true},
		{name: "recording", ev: &ari.RecordingFinished{Recording: ari.LiveRecording{Name: call + "-1"}}, want: lane, ok: true},
		{name: "caller from the dialplan", ev: &ari.StasisStart{Header: ari.Header{Application: testApp}, Channel: ch("1733.42")}, want: eng.work.laneOf(in), ok: true},
		{name: "the caller's call's leg", ev: &ari.ChannelDestroyed{Channel: ch(in + "-u1")}, want: eng.work.laneOf("1733.42"), ok: true},
		{name: "caller's hang-up request", ev: &ari.ChannelHangupRequest{Channel: ch("1733.42")}, want: eng.work.laneOf(in), ok: true},
		{name: "caller leaves the app", ev: &ari.StasisEnd{Header: ari.Header{Application: testApp}, Channel: ch("1733.42")}, want: eng.work.laneOf(in), ok: true},
		{name: "hang-up request of a leg the engine made", ev: &ari.ChannelHangupRequest{Channel: ch(call + "-u1")}, ok: false},
		{name: "a channel a transfer follows", ev: &ari.ChannelDestroyed{Channel: ch(call + "-u2")}, want: laneBarrier, ok: true},
		{name: "a channel out of its call's lane", ev: &ari.ChannelDestroyed{Channel: ch("1733.7")}, want: laneBarrier, ok: true},
		{name: "a recipient's leg", ev: &ari.ChannelDestroyed{Channel: ch(idPrefix + "xfer-0123456789abcdef-to")}, want: laneBarrier, ok: true},
		{name: "Local channel replacing the user", ev: &ari.StasisStart{Header: ari.Header{Application: testApp}, Channel: ch("1733.9"), ReplaceChannel: &ari.Channel{ID: call + "-u1"}}, want: laneBarrier, ok: true},
		{name: "phone's REFER", ev: &ari.ChannelTransfer{}, want: laneBarrier, ok: true},
		{name: "Asterisk's blind transfer", ev: &ari.BridgeBlindTransfer{}, want: laneBarrier, ok: true},
		{name: "reconciliation", ev: &ari.ReconciledEvent{}, want: laneBarrier, ok: true},
		{name: "another application", ev: &ari.StasisStart{Header: ari.Header{Application: "other"}, Channel: ch(call + "-u1")}, ok: false},
		{name: "Dial without a status", ev: &ari.Dial{Peer: ch(call + "-far")}, ok: false},
		{name: "an event the engine ignores", ev: &ari.ChannelVarset{}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := eng.laneFor(tt.ev)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("laneFor = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if got, want := eng.work.laneOf(in), eng.work.laneOf("1733.42"); got != want || !strings.HasPrefix(in, idPrefix) || callKey(in+"-u1") != in {
		t.Errorf("call id %s of caller 1733.42: lane %d, want %d", in, got, want)
	}
}

// gate holds the originates of the channels it matches until released.
type gate struct {
	match   func(chanID string) bool
	entered chan string
	release chan struct{}
}

type gatedClient struct {
	ari.Client
	g *gate
}

func (c gatedClient) Channels() ari.Channels { return gatedChannels{c.Client.Channels(), c.g} }

type gatedChannels struct {
	ari.Channels
	g *gate
}

func (c gatedChannels) Originate(ctx context.Context, req ari.OriginateRequest) (*ari.Channel, error) {
	if c.g.match(req.ChannelID) {
		c.g.entered <- req.ChannelID
		select {
		case <-c.g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.Channels.Originate(ctx, req)
}

// TestSlowRequestOfOneCallDelaysNoOther: while the engine waits on a
// request for one call (the destination's originate, made in the handling
// of the user's leg's StasisStart), another call's events are handled.
func TestSlowRequestOfOneCallDelaysNoOther(t *testing.T) {
	g := &gate{match: func(id string) bool { return strings.HasSuffix(id, "-far") }, entered: make(chan string, 8), release: make(chan struct{})}
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithClock(clk)}, testPeers...)...)
	e := &env{t: t, clk: clk, srv: srv, url: url, wrap: func(c ari.Client) ari.Client { return gatedClient{c, g} }}
	e.attach()
	var once sync.Once
	open := func() { once.Do(func() { close(g.release) }) }
	defer open()

	a := e.place("200", "PJSIP/101")
	e.ring(a.ID + "-u1")
	e.clk.Advance(time.Second) // the desk auto-answers: the engine originates a's destination, held
	if got := within(t, g.entered, "a's destination originated"); got != a.ID+"-far" {
		t.Fatalf("originate of %s held, want %s", got, a.ID+"-far")
	}
	// Another call in another lane (drawn again on the rare clash).
	var b Call
	for range 5 {
		if b = e.place("200", "PJSIP/103"); e.eng.work.laneOf(b.ID) != e.eng.work.laneOf(a.ID) {
			break
		}
	}
	if e.eng.work.laneOf(b.ID) == e.eng.work.laneOf(a.ID) {
		t.Fatal("no call in another lane")
	}
	e.ring(b.ID + "-u1")
	if got := e.pub.await(t, EventUpdated, b.ID).call; got.State != StateRinging {
		t.Errorf("b's update while a's request waits: %+v", got)
	}
	if got, _ := e.eng.Get(Viewer{All: true}, a.ID); got.State != StateRinging {
		t.Errorf("a is %s while its originate waits", got.State)
	}
	open()
	e.ring(a.ID + "-far")
	e.clk.Advance(3 * time.Second)
	e.pub.await(t, EventAnswered, a.ID)
}

// TestEventsOfEachCallStayInOrder: calls placed, answered and hung up
// together (their events handled in parallel) each publish their events
// in their order.
func TestEventsOfEachCallStayInOrder(t *testing.T) {
	e := newEnv(t)
	const n = 24
	var cs []Call
	for range n {
		cs = append(cs, e.place("200", "PJSIP/101"))
	}
	for _, c := range cs {
		e.ring(c.ID + "-u1")
	}
	e.clk.Advance(time.Second) // every desk auto-answers
	for _, c := range cs {
		e.ring(c.ID + "-far")
	}
	e.clk.Advance(3 * time.Second) // every destination answers
	for _, c := range cs {
		e.pub.await(t, EventAnswered, c.ID)
	}
	for i, c := range cs {
		if i%2 == 0 {
			e.srv.Hangup(c.ID+"-far", 16)
		} else {
			e.srv.Hangup(c.ID+"-u1", 16)
		}
	}
	want := []string{EventCreated, EventUpdated, EventAnswered, EventUpdated, EventEnded}
	for _, c := range cs {
		e.clean(c)
		if got := e.pub.types(c.ID); !slices.Equal(got, want) {
			t.Errorf("call %s: events %v, want %v", c.ID, got, want)
		}
	}
}
