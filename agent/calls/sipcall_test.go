package calls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The SIP backend's tests drive the engine with a scripted SIPDialer: each
// Dial is handed to the test, which answers it with a fakeLeg, fails it, or
// watches it cancelled. A leg reports what was done to it on its events
// channel ("ringback", "ringback-end", "bridge", "bridge-end", "hold",
// "resume", "dtmf 12#", "hangup 16").

const sipWait = 5 * time.Second

type fakeDial struct {
	req   SIPDialRequest
	ctx   context.Context
	reply chan fakeReply
}

type fakeReply struct {
	leg SIPLeg
	err error
}

func (d *fakeDial) answer(t *testing.T, name string) *fakeLeg {
	t.Helper()
	l := newFakeLeg(name)
	d.reply <- fakeReply{leg: l}
	return l
}

func (d *fakeDial) fail(status, cause int) {
	d.reply <- fakeReply{err: &SIPDialError{Status: status, Reason: "scripted", Cause: cause}}
}

func (d *fakeDial) awaitCancelled(t *testing.T) {
	t.Helper()
	select {
	case <-d.ctx.Done():
	case <-time.After(sipWait):
		t.Fatalf("the dial of %s was not cancelled", d.req.To)
	}
}

type fakeDialer struct {
	dials chan *fakeDial
	// stubborn dials ignore their context's end (a device answering as
	// it is cancelled).
	stubborn bool
}

func newFakeDialer() *fakeDialer { return &fakeDialer{dials: make(chan *fakeDial, 8)} }

func (f *fakeDialer) Dial(ctx context.Context, req SIPDialRequest) (SIPLeg, error) {
	d := &fakeDial{req: req, ctx: ctx, reply: make(chan fakeReply, 1)}
	f.dials <- d
	if f.stubborn {
		r := <-d.reply
		return r.leg, r.err
	}
	select {
	case r := <-d.reply:
		return r.leg, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("scripted dial cancelled: %w", ctx.Err())
	}
}

// next is the next Dial the engine makes.
func (f *fakeDialer) next(t *testing.T) *fakeDial {
	t.Helper()
	select {
	case d := <-f.dials:
		return d
	case <-time.After(sipWait):
		t.Fatal("no dial")
		return nil
	}
}

// nextN returns n dials by their To.
func (f *fakeDialer) nextN(t *testing.T, n int) map[string]*fakeDial {
	t.Helper()
	out := map[string]*fakeDial{}
	for range n {
		d := f.next(t)
		out[d.req.To] = d
	}
	return out
}

type fakeLeg struct {
	name   string
	events chan string
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	remote bool
	cause  int
	// holdErr, when set, is what Hold answers.
	holdErr error
}

func newFakeLeg(name string) *fakeLeg {
	return &fakeLeg{name: name, events: make(chan string, 32), done: make(chan struct{})}
}

func (l *fakeLeg) finish(remote bool, cause int) {
	l.once.Do(func() {
		l.mu.Lock()
		l.remote, l.cause = remote, cause
		l.mu.Unlock()
		close(l.done)
	})
}

// bye is the peer hanging up.
func (l *fakeLeg) bye(cause int) { l.finish(true, cause) }

func (l *fakeLeg) Ringback(ctx context.Context) error {
	l.events <- "ringback"
	select {
	case <-ctx.Done():
	case <-l.done:
	}
	l.events <- "ringback-end"
	return nil
}

func (l *fakeLeg) HoldMusic(ctx context.Context) error {
	l.events <- "music"
	select {
	case <-ctx.Done():
	case <-l.done:
	}
	l.events <- "music-end"
	return nil
}

// pending returns the events queued now, without waiting.
func (l *fakeLeg) pending() []string {
	var out []string
	for {
		select {
		case ev := <-l.events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

func (l *fakeLeg) Bridge(other SIPLeg) (SIPBridge, error) {
	o, ok := other.(*fakeLeg)
	if !ok {
		return nil, errors.New("not a fake leg")
	}
	return &fakeBridge{l: l, o: o}, nil
}

// fakeBridge reports on its first leg's events what is done to it
// ("bridge far", "bridge-end", "hold-far on", "mute on", "rec start",
// "rec pause on", "rec stop"); a recording writes "RIFF" into its file.
type fakeBridge struct {
	l, o *fakeLeg
	w    io.WriteSeeker
}

func (b *fakeBridge) Run(ctx context.Context) error {
	b.l.events <- "bridge " + b.o.name
	select {
	case <-ctx.Done():
	case <-b.l.done:
	case <-b.o.done:
	}
	b.l.events <- "bridge-end"
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func (b *fakeBridge) HoldSecond(on bool) error { b.l.events <- "hold-far " + onOff(on); return nil }

func (b *fakeBridge) MuteFirst(on bool) error { b.l.events <- "mute " + onOff(on); return nil }

func (b *fakeBridge) StartRecording(w io.WriteSeeker) error {
	if _, err := io.WriteString(w, "RIFF"); err != nil {
		return err
	}
	b.w = w
	b.l.events <- "rec start"
	return nil
}

func (b *fakeBridge) PauseRecording(on bool) error {
	b.l.events <- "rec pause " + onOff(on)
	return nil
}

func (b *fakeBridge) StopRecording() error { b.l.events <- "rec stop"; return nil }

func (l *fakeLeg) Hold(context.Context) error {
	l.events <- "hold"
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holdErr
}

func (l *fakeLeg) Resume(context.Context) error { l.events <- "resume"; return nil }

func (l *fakeLeg) SendDTMF(_ context.Context, d string) error {
	l.events <- "dtmf " + d
	return nil
}

func (l *fakeLeg) Hangup(_ context.Context, cause int) error {
	l.events <- fmt.Sprintf("hangup %d", cause)
	l.finish(false, cause)
	return nil
}

func (l *fakeLeg) Done() <-chan struct{} { return l.done }

func (l *fakeLeg) End() (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remote, l.cause
}

// await reads the leg's events until want, failing on a timeout.
func (l *fakeLeg) await(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(sipWait)
	var seen []string
	for {
		select {
		case ev := <-l.events:
			if ev == want {
				return
			}
			seen = append(seen, ev)
		case <-deadline:
			t.Fatalf("%s: no %q (saw %q)", l.name, want, seen)
		}
	}
}

type pubEvent struct {
	typ  string
	call Call
	xfer *Transfer // a transfer's event
}

// chanPub records the engine's events in order.
type chanPub struct{ ch chan pubEvent }

func (p chanPub) Publish(_ context.Context, _, typ string, _ []string, data any) {
	switch d := data.(type) {
	case Call:
		p.ch <- pubEvent{typ: typ, call: d}
	case Transfer:
		p.ch <- pubEvent{typ: typ, xfer: &d}
	}
}

func (p chanPub) next(t *testing.T) pubEvent {
	t.Helper()
	select {
	case ev := <-p.ch:
		return ev
	case <-time.After(sipWait):
		t.Fatal("no event")
		return pubEvent{}
	}
}

// expect reads the next events and checks their types and states.
func (p chanPub) expect(t *testing.T, want ...string) Call {
	t.Helper()
	var last Call
	for _, w := range want {
		typ, state, _ := strings.Cut(w, ":")
		ev := p.next(t)
		got := string(ev.call.State)
		if ev.xfer != nil {
			got = string(ev.xfer.State)
		}
		if ev.typ != typ || (state != "" && got != state) {
			t.Fatalf("event %s (state %s), want %s", ev.typ, got, w)
		}
		last = ev.call
	}
	return last
}

type sipEnv struct {
	t    *testing.T
	eng  *Engine
	d    *fakeDialer
	pub  chanPub
	stop func()
}

const testTrunk = "sip:{number}@trunk.example.com"

// newSIPEnv runs an engine without ARI whose click-to-calls go over the
// scripted dialer; the test ends by stopping it and checking no goroutine
// of it is left.
func newSIPEnv(t *testing.T, opts ...Option) *sipEnv {
	t.Helper()
	before := runtime.NumGoroutine()
	d := newFakeDialer()
	pub := chanPub{ch: make(chan pubEvent, 64)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng := New(nil, "", append([]Option{WithSIP(d, testTrunk), WithPublisher(pub), WithLogger(log)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	waitRunning(t, eng)
	e := &sipEnv{t: t, eng: eng, d: d, pub: pub}
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(sipWait):
				t.Fatal("Run did not return")
			}
		})
	}
	t.Cleanup(func() {
		e.stop()
		deadline := time.Now().Add(sipWait)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			}
			runtime.Gosched()
			time.Sleep(time.Millisecond) // poll with a deadline
		}
	})
	return e
}

// waitRunning waits until Run took its context (spawn works).
func waitRunning(t *testing.T, eng *Engine) {
	t.Helper()
	deadline := time.Now().Add(sipWait)
	for {
		eng.mu.Lock()
		ok := eng.grp.ctx != nil
		eng.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the engine does not run")
		}
		runtime.Gosched()
	}
}

func (e *sipEnv) place(to string, devices ...string) Call {
	e.t.Helper()
	c, err := e.eng.Place(context.Background(), PlaceRequest{UserID: "u1", Devices: devices, To: to})
	if err != nil {
		e.t.Fatalf("place: %v", err)
	}
	if got := e.pub.expect(e.t, EventCreated+":dialing"); got.ID != c.ID {
		e.t.Fatalf("created %s, placed %s", got.ID, c.ID)
	}
	return c
}

// up places a call to 200 from PJSIP/101 and brings it up; it returns the
// call and the user's and the destination's legs.
func (e *sipEnv) up() (Call, *fakeLeg, *fakeLeg) {
	e.t.Helper()
	c := e.place("200", "PJSIP/101")
	user := e.d.next(e.t).answer(e.t, "user")
	far := e.d.next(e.t)
	user.await(e.t, "ringback")
	fl := far.answer(e.t, "far")
	e.pub.expect(e.t, EventAnswered+":up", EventUpdated+":up")
	user.await(e.t, "bridge far")
	return c, user, fl
}

func TestSIPClickToCall(t *testing.T) {
	e := newSIPEnv(t)
	c := e.place("+41441234567", "SIP/101@127.0.0.1:5062", "PJSIP/102")
	if c.State != StateDialing || c.UserID != "u1" || c.From != "101" || c.Direction != Outbound {
		t.Fatalf("placed %+v", c)
	}
	dials := e.d.nextN(t, 2)
	d1, d2 := dials["sip:101@127.0.0.1:5062"], dials["102"]
	if d1 == nil || d2 == nil {
		t.Fatalf("devices dialled as %v", dials)
	}
	if d1.req.From != "+41441234567" || d1.req.FromName != "+41441234567" {
		t.Errorf("the device's display shows %q <%s>, want the destination", d1.req.FromName, d1.req.From)
	}
	if d1.req.Headers["Call-Info"] == "" || d1.req.Headers["Alert-Info"] == "" {
		t.Errorf("no auto-answer headers on the device: %v", d1.req.Headers)
	}
	if d1.req.Timeout != 30*time.Second {
		t.Errorf("device ring timeout %s", d1.req.Timeout)
	}
	d2.req.OnRinging()
	e.pub.expect(t, EventUpdated+":ringing")
	user := d1.answer(t, "user")
	d2.awaitCancelled(t)
	far := e.d.next(t)
	if far.req.To != "sip:+41441234567@trunk.example.com" || far.req.From != "101" || far.req.Timeout != 60*time.Second {
		t.Errorf("destination dialled as %+v", far.req)
	}
	user.await(t, "ringback")
	far.req.OnRinging() // already ringing: no event
	fl := far.answer(t, "far")
	ans := e.pub.expect(t, EventAnswered+":up", EventUpdated+":up")
	if ans.Device != "SIP/101@127.0.0.1:5062" || ans.AnsweredAt == nil {
		t.Errorf("answered %+v", ans)
	}
	user.await(t, "ringback-end")
	user.await(t, "bridge far")
	if l := e.eng.List(Viewer{UserID: "u1"}); len(l) != 1 || l[0].ID != c.ID || l[0].State != StateUp {
		t.Errorf("listed %+v", l)
	}
	fl.bye(16)
	end := e.pub.expect(t, EventEnded+":ended")
	if end.EndedBy != "destination" || end.Cause != 16 || end.EndedAt == nil {
		t.Errorf("ended %+v", end)
	}
	user.await(t, "hangup 16")
	if l := e.eng.List(Viewer{UserID: "u1"}); len(l) != 0 {
		t.Errorf("listed after the end: %+v", l)
	}
	if got, err := e.eng.Get(Viewer{UserID: "u1"}, c.ID); err != nil || got.State != StateEnded {
		t.Errorf("get after the end: %+v %v", got, err)
	}
}

func TestSIPClickToCallEnds(t *testing.T) {
	tests := []struct {
		name      string
		run       func(e *sipEnv, c Call) []*fakeLeg // the legs that must be hung up
		wantBy    string
		wantCause int
	}{
		{name: "every device busy", run: func(e *sipEnv, c Call) []*fakeLeg {
			for _, d := range e.d.nextN(e.t, 2) {
				d.fail(486, 17)
			}
			return nil
		}, wantBy: "user", wantCause: 17},
		{name: "no device answers in time", run: func(e *sipEnv, c Call) []*fakeLeg {
			for _, d := range e.d.nextN(e.t, 2) {
				d.fail(408, 19)
			}
			return nil
		}, wantBy: "user", wantCause: 19},
		{name: "destination busy", run: func(e *sipEnv, c Call) []*fakeLeg {
			ds := e.d.nextN(e.t, 2)
			u := ds["101"].answer(e.t, "user")
			ds["102"].awaitCancelled(e.t)
			e.d.next(e.t).fail(486, 17)
			return []*fakeLeg{u}
		}, wantBy: "destination", wantCause: 17},
		{name: "destination fails without a SIP answer", run: func(e *sipEnv, c Call) []*fakeLeg {
			ds := e.d.nextN(e.t, 2)
			u := ds["102"].answer(e.t, "user")
			e.d.next(e.t).reply <- fakeReply{err: errors.New("no route")}
			return []*fakeLeg{u}
		}, wantBy: "destination", wantCause: 38},
		{name: "user hangs up while the destination rings", run: func(e *sipEnv, c Call) []*fakeLeg {
			ds := e.d.nextN(e.t, 2)
			u := ds["101"].answer(e.t, "user")
			far := e.d.next(e.t)
			u.await(e.t, "ringback")
			u.bye(16)
			far.awaitCancelled(e.t)
			return nil
		}, wantBy: "user", wantCause: 16},
		{name: "API hang-up while the devices ring", run: func(e *sipEnv, c Call) []*fakeLeg {
			ds := e.d.nextN(e.t, 2)
			if _, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID); err != nil {
				e.t.Fatal(err)
			}
			for _, d := range ds {
				d.awaitCancelled(e.t)
			}
			return nil
		}, wantBy: "api", wantCause: 16},
		{name: "API hang-up while the destination rings", run: func(e *sipEnv, c Call) []*fakeLeg {
			ds := e.d.nextN(e.t, 2)
			u := ds["101"].answer(e.t, "user")
			far := e.d.next(e.t)
			got, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID)
			if err != nil || got.State != StateEnded {
				e.t.Fatalf("hangup: %+v %v", got, err)
			}
			far.awaitCancelled(e.t)
			return []*fakeLeg{u}
		}, wantBy: "api", wantCause: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSIPEnv(t)
			c := e.place("200", "PJSIP/101", "PJSIP/102")
			legs := tt.run(e, c)
			var end Call
			for {
				ev := e.pub.next(t)
				if ev.typ == EventEnded {
					end = ev.call
					break
				}
				if ev.typ != EventUpdated {
					t.Fatalf("event %s before call_ended", ev.typ)
				}
			}
			if end.ID != c.ID || end.EndedBy != tt.wantBy || end.Cause != tt.wantCause || end.State != StateEnded {
				t.Errorf("ended %+v, want by %s cause %d", end, tt.wantBy, tt.wantCause)
			}
			for _, l := range legs {
				l.await(t, fmt.Sprintf("hangup %d", tt.wantCause))
			}
		})
	}
}

func TestSIPClickToCallUpEnds(t *testing.T) {
	tests := []struct {
		name      string
		end       func(e *sipEnv, c Call, user, far *fakeLeg)
		wantBy    string
		wantCause int
		hungUp    func(user, far *fakeLeg) []*fakeLeg
	}{
		{name: "user hangs up", end: func(e *sipEnv, c Call, user, far *fakeLeg) { user.bye(16) },
			wantBy: "user", wantCause: 16, hungUp: func(user, far *fakeLeg) []*fakeLeg { return []*fakeLeg{far} }},
		{name: "destination hangs up with a cause", end: func(e *sipEnv, c Call, user, far *fakeLeg) { far.bye(31) },
			wantBy: "destination", wantCause: 31, hungUp: func(user, far *fakeLeg) []*fakeLeg { return []*fakeLeg{user} }},
		{name: "API hang-up", end: func(e *sipEnv, c Call, user, far *fakeLeg) {
			if _, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID); err != nil {
				e.t.Fatal(err)
			}
		}, wantBy: "api", wantCause: 16, hungUp: func(user, far *fakeLeg) []*fakeLeg { return []*fakeLeg{user, far} }},
		{name: "daemon stops", end: func(e *sipEnv, c Call, user, far *fakeLeg) { e.eng.Release(context.Background()) },
			wantBy: "system", wantCause: 16, hungUp: func(user, far *fakeLeg) []*fakeLeg { return []*fakeLeg{user, far} }},
		{name: "engine stops", end: func(e *sipEnv, c Call, user, far *fakeLeg) { e.stop() },
			wantBy: "system", wantCause: 16, hungUp: func(user, far *fakeLeg) []*fakeLeg { return []*fakeLeg{user, far} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSIPEnv(t)
			c, user, far := e.up()
			tt.end(e, c, user, far)
			end := e.pub.expect(t, EventEnded+":ended")
			if end.EndedBy != tt.wantBy || end.Cause != tt.wantCause {
				t.Errorf("ended by %s cause %d, want %s %d", end.EndedBy, end.Cause, tt.wantBy, tt.wantCause)
			}
			user.await(t, "bridge-end") // the bridge stops before the BYEs
			for _, l := range tt.hungUp(user, far) {
				l.await(t, fmt.Sprintf("hangup %d", tt.wantCause))
			}
		})
	}
}

func TestSIPLateAnswerHungUp(t *testing.T) {
	e := newSIPEnv(t)
	e.d.stubborn = true
	e.place("200", "PJSIP/101", "PJSIP/102")
	ds := e.d.nextN(t, 2)
	user := ds["101"].answer(t, "user")
	ds["102"].awaitCancelled(t)
	late := ds["102"].answer(t, "late")
	late.await(t, "hangup 26")
	e.d.next(t).answer(t, "far")
	e.pub.expect(t, EventAnswered+":up", EventUpdated+":up")
	user.bye(16)
	e.pub.expect(t, EventEnded)
}

func TestSIPControls(t *testing.T) {
	e := newSIPEnv(t)
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	c := e.place("200", "PJSIP/101")
	dial := e.d.next(t)
	if _, err := e.eng.Hold(ctx, v, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("hold while dialing: %v", err)
	}
	if err := e.eng.DTMF(ctx, v, c.ID, "1"); !errors.Is(err, ErrState) {
		t.Errorf("dtmf while dialing: %v", err)
	}
	user := dial.answer(t, "user")
	far := e.d.next(t).answer(t, "far")
	e.pub.expect(t, EventAnswered, EventUpdated)
	user.await(t, "bridge far")

	// A hold the destination refuses leaves the call up and bridged.
	far.mu.Lock()
	far.holdErr = &SIPDialError{Status: 488, Reason: "Not Acceptable Here", Cause: 127}
	far.mu.Unlock()
	if _, err := e.eng.Hold(ctx, v, c.ID); err == nil {
		t.Fatal("hold refused by the destination: no error")
	}
	user.await(t, "hold-far on")
	far.await(t, "hold")
	user.await(t, "hold-far off")
	if evs := far.pending(); slices.Contains(evs, "music") {
		t.Errorf("a refused hold played the hold music (%q)", evs)
	}
	if got, _ := e.eng.Get(v, c.ID); got.State != StateUp {
		t.Errorf("state %s after a refused hold", got.State)
	}
	far.mu.Lock()
	far.holdErr = nil
	far.mu.Unlock()

	held, err := e.eng.Hold(ctx, v, c.ID)
	if err != nil || held.State != StateHeld {
		t.Fatalf("hold: %+v %v", held, err)
	}
	// The bridge leaves the destination to its own media before the
	// re-INVITE (it does not hear the user while held), and keeps
	// running.
	user.await(t, "hold-far on")
	far.await(t, "hold")
	// Held, the destination hears the hold music, and nothing else plays.
	far.await(t, "music")
	e.pub.expect(t, EventHeld+":held", EventUpdated+":held")
	if evs := append(user.pending(), far.pending()...); len(evs) != 0 {
		t.Errorf("while held: %q", evs)
	}
	if _, err := e.eng.Hold(ctx, v, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("hold a held call: %v", err)
	}
	if up, err := e.eng.Resume(ctx, v, c.ID); err != nil || up.State != StateUp {
		t.Fatalf("resume: %+v %v", up, err)
	}
	far.await(t, "resume")
	far.await(t, "music-end") // stopped before the relay resumes
	user.await(t, "hold-far off")
	e.pub.expect(t, EventResumed+":up", EventUpdated+":up")
	if evs := user.pending(); slices.Contains(evs, "bridge-end") {
		t.Errorf("the bridge stopped for a hold (%q)", evs)
	}
	if err := e.eng.DTMF(ctx, v, c.ID, "12#a"); err != nil {
		t.Fatal(err)
	}
	far.await(t, "dtmf 12#A")

	// Mute: the bridge stops relaying the user's audio.
	for _, on := range []bool{true, false} {
		f := e.eng.Mute
		if !on {
			f = e.eng.Unmute
		}
		mc, err := f(ctx, v, c.ID)
		if err != nil || mc.Muted != on {
			t.Fatalf("mute %v: %+v %v", on, mc, err)
		}
		user.await(t, "mute "+onOff(on))
		e.pub.expect(t, EventUpdated)
	}

	notOnSIP := map[string]func() error{
		"record": func() error { _, err := e.eng.Record(ctx, v, c.ID, "start"); return err }, // no folder
		"answer": func() error { _, err := e.eng.UserRinging(v, c.ID); return err },
	}
	for name, f := range notOnSIP {
		if err := f(); !errors.Is(err, ErrNotOnSIP) {
			t.Errorf("%s on a SIP call: %v, want ErrNotOnSIP", name, err)
		}
	}
	if _, err := e.eng.Hold(ctx, Viewer{UserID: "u2"}, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another user's hold: %v", err)
	}
	if _, err := e.eng.Hangup(ctx, v, c.ID); err != nil {
		t.Fatal(err)
	}
	e.pub.expect(t, EventEnded)
	if _, err := e.eng.Hold(ctx, v, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("hold an ended call: %v", err)
	}
}

func TestSIPPlaceNotRunning(t *testing.T) {
	pub := chanPub{ch: make(chan pubEvent, 8)}
	eng := New(nil, "", WithSIP(newFakeDialer(), testTrunk), WithPublisher(pub))
	_, err := eng.Place(context.Background(), PlaceRequest{UserID: "u1", Devices: []string{"PJSIP/101"}, To: "200"})
	if err == nil {
		t.Fatal("placed with the engine stopped")
	}
	pub.expect(t, EventCreated, EventEnded)
	if _, err := eng.Place(context.Background(), PlaceRequest{UserID: "u1", Devices: []string{"PJSIP/101"}, To: "2 00"}); !errors.Is(err, ErrBadDestination) {
		t.Errorf("bad destination: %v", err)
	}
	if _, err := eng.Place(context.Background(), PlaceRequest{UserID: "u1", To: "200"}); !errors.Is(err, ErrNoDevice) {
		t.Errorf("no device: %v", err)
	}
}

func TestSIPDeviceTarget(t *testing.T) {
	tests := []struct {
		device, want string
	}{
		{device: "PJSIP/101", want: "101"},
		{device: "SIP/101", want: "101"},
		{device: "SIP/101@10.0.0.5", want: "sip:101@10.0.0.5"},
		{device: "PJSIP/101@10.0.0.5:5062;transport=tcp", want: "sip:101@10.0.0.5:5062;transport=tcp"},
		{device: "sip:101@10.0.0.5", want: "sip:101@10.0.0.5"},
		{device: "sips:101@phone.example.com", want: "sips:101@phone.example.com"},
		{device: "101", want: "101"},
	}
	for _, tt := range tests {
		if got := SIPDeviceTarget(tt.device); got != tt.want {
			t.Errorf("SIPDeviceTarget(%q) = %q, want %q", tt.device, got, tt.want)
		}
		if got := SIPDeviceUser(tt.device); got != "101" {
			t.Errorf("SIPDeviceUser(%q) = %q, want 101", tt.device, got)
		}
	}
}

func TestSIPTrunkURI(t *testing.T) {
	tests := []struct {
		trunk, number, want string
	}{
		{trunk: testTrunk, number: "+41441234567", want: "sip:+41441234567@trunk.example.com"},
		{trunk: "sip:{number}@10.0.0.1:5080;transport=tcp", number: "*21#", want: "sip:*21%23@10.0.0.1:5080;transport=tcp"},
	}
	for _, tt := range tests {
		if got := SIPTrunkURI(tt.trunk, tt.number); got != tt.want {
			t.Errorf("SIPTrunkURI(%q, %q) = %q, want %q", tt.trunk, tt.number, got, tt.want)
		}
	}
}

func TestSIPCause(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "busy", err: &SIPDialError{Status: 486, Cause: 17}, want: 17},
		{name: "wrapped decline", err: fmt.Errorf("dial: %w", &SIPDialError{Status: 603, Cause: 21}), want: 21},
		{name: "ring timeout after 180", err: &SIPDialError{Status: 408, Cause: 19}, want: 19},
		{name: "no answer to the INVITE", err: &SIPDialError{Status: 408, Cause: 102}, want: 102},
		{name: "no cause", err: &SIPDialError{Status: 499}, want: 38},
		{name: "not a SIP answer", err: errors.New("no route"), want: 38},
	}
	for _, tt := range tests {
		if got := sipCause(tt.err); got != tt.want {
			t.Errorf("%s: cause %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestSIPBesideARI: with an ARI connection as well, a click-to-call goes
// over SIP (no channel is originated in Asterisk), and hanging it up
// through the API touches no channel either.
func TestSIPBesideARI(t *testing.T) {
	d := newFakeDialer()
	e := newEnv(t, WithSIP(d, testTrunk))
	c := e.place("200", "PJSIP/101")
	user := d.next(t).answer(t, "user")
	far := d.next(t)
	if far.req.To != "sip:200@trunk.example.com" {
		t.Errorf("destination dialled as %q", far.req.To)
	}
	far.answer(t, "far")
	e.pub.await(t, EventAnswered, c.ID)
	user.await(t, "bridge far")
	if chans := e.srv.Channels(); len(chans) != 0 {
		t.Errorf("channels in Asterisk for a SIP call: %+v", chans)
	}
	if _, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.pub.await(t, EventEnded, c.ID).call; got.EndedBy != "api" {
		t.Errorf("ended %+v", got)
	}
	user.await(t, "hangup 16")
	if b := e.srv.BridgeIDs(); len(b) != 0 {
		t.Errorf("bridges in Asterisk for a SIP call: %v", b)
	}
}

func TestSIPErrorsOverHTTP(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "refused re-INVITE", err: fmt.Errorf("calls: hold x over SIP: %w", &SIPDialError{Status: 488, Cause: 127}), want: 502},
		{name: "not on SIP", err: ErrNotOnSIP, want: 501},
		{name: "state", err: fmt.Errorf("%w: the call is dialing", ErrState), want: 409},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		writeErr(w, httptest.NewRequest("POST", "/api/v1/calls/x/hold", nil), tt.err)
		if w.Code != tt.want {
			t.Errorf("%s: %d, want %d (%s)", tt.name, w.Code, tt.want, w.Body)
		}
	}
}
