package siptel

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// fakeUA hands each Dial to the test, which answers it.
type fakeUA struct{ dials chan *fakeDial }

func newFakeUA() *fakeUA { return &fakeUA{dials: make(chan *fakeDial, 16)} }

type fakeDial struct {
	req   ua.DialRequest
	ctx   context.Context
	reply chan dialReply
}

type dialReply struct {
	progress []int
	call     *fakeCall
	err      error
}

func (u *fakeUA) Dial(ctx context.Context, req ua.DialRequest) (Call, error) {
	d := &fakeDial{req: req, ctx: ctx, reply: make(chan dialReply, 1)}
	select {
	case u.dials <- d:
	case <-ctx.Done():
		return nil, fmt.Errorf("dial: %w", ctx.Err())
	}
	select {
	case r := <-d.reply:
		for _, st := range r.progress {
			if req.OnProgress != nil {
				req.OnProgress(st)
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		return r.call, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("dial cancelled: %w", ctx.Err())
	}
}

// next returns the next Dial, failing after a deadline.
func (u *fakeUA) next(t *testing.T) *fakeDial {
	t.Helper()
	select {
	case d := <-u.dials:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no Dial")
		return nil
	}
}

// fakeCall is an answered call.
type fakeCall struct {
	m    *fakeMedia
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
	end  ua.End
	byes []int
}

func newFakeCall() *fakeCall {
	return &fakeCall{m: newFakeMedia(), done: make(chan struct{})}
}

func (c *fakeCall) Media() Media { return c.m }
func (c *fakeCall) Hangup(ctx context.Context, cause int) error {
	c.mu.Lock()
	c.byes = append(c.byes, cause)
	c.mu.Unlock()
	c.finish(ua.End{Cause: cause})
	return nil
}
func (c *fakeCall) Done() <-chan struct{} { return c.done }
func (c *fakeCall) End() ua.End {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.end
}

// remoteBye ends the call as the peer's BYE would.
func (c *fakeCall) remoteBye(cause int) { c.finish(ua.End{ByRemote: true, Cause: cause}) }

func (c *fakeCall) finish(e ua.End) {
	c.once.Do(func() {
		c.mu.Lock()
		c.end = e
		c.mu.Unlock()
		close(c.done)
	})
}

func (c *fakeCall) hungUp() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.byes...)
}

// fakeMedia records plays and bridges.
type fakeMedia struct {
	amd     media.AMDResult // returned by DetectMachine (Undecided: waits for ctx)
	plays   chan playRec
	bridges chan bridgeRec
	// active counts the bridges holding this media; overlap records that
	// two held it at once.
	active  atomic.Int32
	overlap atomic.Bool
	// linger, when set, keeps Bridge holding the media after its ctx
	// ended until linger is closed (a bridge slow to let go).
	linger chan struct{}
}

type playRec struct {
	a    *media.Audio
	loop bool
	ctx  context.Context
}

type bridgeRec struct {
	recorded bool
	other    Media
	at       time.Time
	ctx      context.Context
}

func newFakeMedia() *fakeMedia {
	return &fakeMedia{plays: make(chan playRec, 16), bridges: make(chan bridgeRec, 4)}
}

func (m *fakeMedia) Play(ctx context.Context, a *media.Audio, loop bool) error {
	m.plays <- playRec{a: a, loop: loop, ctx: ctx}
	if loop {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (m *fakeMedia) DetectMachine(ctx context.Context, cfg media.AMDConfig) media.AMDResult {
	if m.amd == media.AMDUndecided {
		<-ctx.Done()
	}
	return m.amd
}

func (m *fakeMedia) Bridge(ctx context.Context, other Media, rec io.WriteSeeker) error {
	o := other.(*fakeMedia)
	for _, x := range []*fakeMedia{m, o} {
		if x.active.Add(1) > 1 {
			x.overlap.Store(true)
		}
		defer x.active.Add(-1)
	}
	if rec != nil {
		// A recording: a stereo WAV holding one 20 ms frame of each side.
		w, err := media.NewWAVWriter(rec, 2)
		if err != nil {
			return err
		}
		if err := w.Write(make([]int16, 2*media.FrameSamples)); err != nil {
			return err
		}
		defer w.Close()
	}
	m.bridges <- bridgeRec{other: other, at: time.Now(), ctx: ctx, recorded: rec != nil}
	<-ctx.Done()
	if m.linger != nil {
		<-m.linger
	}
	return nil
}

func (m *fakeMedia) nextPlay(t *testing.T) playRec {
	t.Helper()
	select {
	case p := <-m.plays:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("nothing played")
		return playRec{}
	}
}

// harness runs a Telephony on a fakeUA and collects its events.
type harness struct {
	t      *testing.T
	ua     *fakeUA
	tel    *Telephony
	events chan dialer.Event
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, ua: newFakeUA(), events: make(chan dialer.Event, 64), done: make(chan error, 1)}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	h.tel = New(h.ua, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.tel.Run(ctx, func(ev dialer.Event) { h.events <- ev }) }()
	t.Cleanup(h.stop)
	return h
}

// stop ends Run and checks that no goroutine of the Telephony is left.
func (h *harness) stop() { h.once.Do(h.stopOnce) }

func (h *harness) stopOnce() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.t.Fatal("Run did not return")
	}
	if n := h.tel.Goroutines(); n != 0 {
		h.t.Errorf("%d goroutines left after Run", n)
	}
}

func (h *harness) next() dialer.Event {
	h.t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(5 * time.Second):
		h.t.Fatal("no event")
		return dialer.Event{}
	}
}

func (h *harness) expect(want dialer.Event) {
	h.t.Helper()
	if got := h.next(); got != want {
		h.t.Fatalf("event %+v, want %+v", got, want)
	}
}

// answered originates callID and answers it.
func (h *harness) answered(callID string, amd bool) *fakeCall {
	h.t.Helper()
	if err := h.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: callID, Campaign: "c1", Endpoint: "sip:1@trunk", AMD: amd}); err != nil {
		h.t.Fatal(err)
	}
	call := newFakeCall()
	call.m.amd = media.AMDHuman
	h.ua.next(h.t).reply <- dialReply{call: call}
	ev := h.next()
	if ev.Kind != dialer.EventAnswered || ev.CallID != callID {
		h.t.Fatalf("event %+v, want answered %s", ev, callID)
	}
	return call
}

// agentUp connects agentID and answers its leg.
func (h *harness) agentUp(agentID string) *fakeCall {
	h.t.Helper()
	if err := h.tel.ConnectAgent(context.Background(), agentID, "sip:"+agentID+"@phones"); err != nil {
		h.t.Fatal(err)
	}
	call := newFakeCall()
	h.ua.next(h.t).reply <- dialReply{call: call}
	h.expect(dialer.Event{Kind: dialer.EventAgentUp, AgentID: agentID})
	return call
}

// waitDone waits for a fake call to end.
func waitDone(t *testing.T, c *fakeCall) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("call not hung up")
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b))
	return len(b), nil
}
