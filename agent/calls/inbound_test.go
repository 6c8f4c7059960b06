package calls

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// The dialplan of the tests: Stasis at 1, the fallback (plain Dial) at 2,
// the noanswer label (voicemail) at 3.
var testLabels = map[string]int{"fallback": 2, "noanswer": 3}

// Desk phones of the dialplan-call tests.
var dialplanPeers = []fakeari.Option{
	fakeari.WithPeer("PJSIP/501", fakeari.Desk{Manual: true}),
	fakeari.WithPeer("PJSIP/502", fakeari.Desk{Manual: true}),
	fakeari.WithPeer("PJSIP/503", fakeari.Desk{RejectCause: ari.CauseUserBusy, AnswerAfter: time.Second}),
	fakeari.WithPeer("PJSIP/504", fakeari.Desk{Offline: true}),
	fakeari.WithPeer("PJSIP/505", fakeari.Desk{Never: true, AutoAnswer: true}), // answers only when asked to auto-answer
	fakeari.WithDialplanLabels("from-trunk", testLabels),
	fakeari.WithDialplanLabels("from-internal", testLabels),
}

// fakeUsers is the users lookup of the tests.
type fakeUsers struct {
	byExt map[string]Callee
	err   error
}

func (f fakeUsers) ByExtension(_ context.Context, ext string) (Callee, bool, error) {
	c, ok := f.byExt[ext]
	return c, ok, f.err
}

func (f fakeUsers) ByEndpoint(_ context.Context, ep string) (Callee, bool, error) {
	for _, c := range f.byExt {
		if slices.Contains(c.Devices, ep) {
			return c, true, f.err
		}
	}
	return Callee{}, false, f.err
}

// fakeNames is the directory of the tests.
type fakeNames struct {
	names map[string]string
	err   error
	block bool // blocks until ctx ends
	mu    sync.Mutex
	asked []string
}

func (f *fakeNames) Name(ctx context.Context, number string) (string, error) {
	f.mu.Lock()
	f.asked = append(f.asked, number)
	f.mu.Unlock()
	if f.block {
		<-ctx.Done()
		return "", ctx.Err()
	}
	return f.names[number], f.err
}

// testUsers: u1 at 555 with two desk phones, u2 at 556 with no device.
func testUsers(devices ...string) fakeUsers {
	return fakeUsers{byExt: map[string]Callee{
		"555": {ID: "u1", Name: "Ana Anić", Extension: "555", Devices: devices},
		"556": {ID: "u2", Name: "Bob", Extension: "556"},
	}}
}

// newDialplanEnv is newEnv with the dialplan's labels, more desk phones,
// the engine on the stand-in's virtual clock and users to ring.
func newDialplanEnv(t testing.TB, users Users, opts ...Option) *env {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	fopts := append(append([]fakeari.Option{fakeari.WithClock(clk)}, testPeers...), dialplanPeers...)
	srv, url := fakeari.StartTest(t, fopts...)
	e := &env{t: t, clk: clk, srv: srv, url: url}
	e.attach(append([]Option{WithClock(clk), WithUsers(users)}, opts...)...)
	return e
}

// awaitType waits for the first event of type typ (any call).
func (r *recorder) awaitType(t testing.TB, typ string) published {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, e := range r.evs {
			if e.typ == typ {
				r.mu.Unlock()
				return e
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s", typ)
		}
	}
}

// awaitNth waits for the n-th (from 0) event of type typ (any call).
func (r *recorder) awaitNth(t testing.TB, typ string, n int) published {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		seen := 0
		for _, e := range r.evs {
			if e.typ == typ {
				if seen == n {
					r.mu.Unlock()
					return e
				}
				seen++
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s number %d", typ, n)
		}
	}
}

// count returns how many events were published.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.evs)
}

// call places a trunk (or internal) call to exten into the application.
func (e *env) call(kind, exten, caller, name string) string {
	e.t.Helper()
	ctx := "from-trunk"
	ep := "PJSIP/trunk"
	if kind != string(KindInbound) {
		ctx, ep = "from-internal", "PJSIP/"+caller
	}
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: caller, CallerName: name, Exten: exten,
		Context: ctx, Endpoint: ep, Args: []string{kind, exten}})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// handedBack waits for the caller to leave the application and checks
// where it went on in the dialplan.
func (e *env) handedBack(chanID, label, status string) {
	e.t.Helper()
	s := e.awaitChannel(chanID, "handed back", func(s fakeari.ChannelSnapshot) bool { return !s.InStasis || s.Destroyed })
	if s.Destroyed || s.Label != label || s.Dialplan.Priority != int64(testLabels[label]) || s.Variables[VarStatus] != status {
		e.t.Fatalf("caller %s: want it at label %s with %s=%s, got %+v", chanID, label, VarStatus, status, s)
	}
}

func TestInboundRingAllFirstAnswerWins(t *testing.T) {
	tests := []struct {
		name      string
		hangup    func(e *env, c Call, caller string)
		wantBy    string
		wantCause int
	}{
		{name: "caller hangs up", hangup: func(e *env, c Call, caller string) { e.srv.Hangup(caller, 16) }, wantBy: "destination", wantCause: 16},
		{name: "user hangs up", hangup: func(e *env, c Call, caller string) { e.srv.Hangup(c.ID+"-u2", 16) }, wantBy: "user", wantCause: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDialplanEnv(t, testUsers("PJSIP/501", "PJSIP/502"))
			caller := e.call("inbound", "555", "+41441234567", "MUSTER AG")
			c := e.pub.awaitType(t, EventCreated).call
			if c.Direction != Inbound || c.UserID != "u1" || c.From != "+41441234567" || c.FromName != "MUSTER AG" || c.To != "555" ||
				c.ToName != "Ana Anić" || c.State != StateRinging || !slices.Equal(c.Devices, []string{"PJSIP/501", "PJSIP/502"}) {
				t.Fatalf("created %+v", c)
			}
			for _, leg := range []string{c.ID + "-u1", c.ID + "-u2"} {
				s := e.ring(leg)
				for k := range s.Variables {
					if strings.HasPrefix(strings.ToUpper(k), "PJSIP_HEADER") {
						t.Errorf("leg %s carries %s: an inbound call must ring, not auto-answer", leg, k)
					}
				}
				if s.Caller.Number != "+41441234567" || s.Caller.Name != "MUSTER AG" {
					t.Errorf("leg %s shows caller %+v", leg, s.Caller)
				}
			}
			if s, _ := e.srv.Channel(caller); s.State != ari.StateRing || !s.RingIndicated || !s.InStasis {
				t.Errorf("caller while the devices ring: %+v (want Ring, ringing indicated, not answered)", s)
			}
			if got, err := e.eng.UserRinging(Viewer{UserID: "u1"}, c.ID); err != nil || got.ID != c.ID {
				t.Errorf("UserRinging: %+v %v (the answer-on-desk-phone route needs it)", got, err)
			}
			if err := e.srv.PickUp(c.ID + "-u2"); err != nil {
				t.Fatal(err)
			}
			ans := e.pub.await(t, EventAnswered, c.ID).call
			if ans.State != StateUp || ans.Device != "PJSIP/502" || ans.AnsweredAt == nil {
				t.Errorf("answered %+v", ans)
			}
			lost := e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
			if lost.Cause != 26 {
				t.Errorf("the other device ended with cause %d, want 26 (answered elsewhere)", lost.Cause)
			}
			cs, _ := e.srv.Channel(caller)
			us, _ := e.srv.Channel(c.ID + "-u2")
			if cs.State != ari.StateUp || cs.Bridge == "" || cs.Bridge != us.Bridge {
				t.Fatalf("not bridged: caller %+v, device %+v", cs, us)
			}

			// The controls act on the caller (far leg) and the device (user leg).
			ctx, v := context.Background(), Viewer{UserID: "u1"}
			if _, err := e.eng.Hold(ctx, v, c.ID); err != nil {
				t.Fatal(err)
			}
			if s, _ := e.srv.Channel(caller); !s.Hold || !s.MOH {
				t.Errorf("held caller %+v", s)
			}
			if _, err := e.eng.Resume(ctx, v, c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.eng.Mute(ctx, v, c.ID); err != nil {
				t.Fatal(err)
			}
			if s, _ := e.srv.Channel(c.ID + "-u2"); s.Muted != "in" {
				t.Errorf("mute on the device leg: %q", s.Muted)
			}
			if err := e.eng.DTMF(ctx, v, c.ID, "12#"); err != nil {
				t.Fatal(err)
			}
			if s, _ := e.srv.Channel(caller); s.DTMFSent != "12#" {
				t.Errorf("digits to the caller: %q", s.DTMFSent)
			}

			tt.hangup(e, c, caller)
			end := e.pub.await(t, EventEnded, c.ID).call
			if end.Cause != tt.wantCause || end.EndedBy != tt.wantBy {
				t.Errorf("ended %+v, want cause %d by %s", end, tt.wantCause, tt.wantBy)
			}
			for _, ch := range []string{caller, c.ID + "-u2"} {
				e.awaitChannel(ch, "hung up", destroyed)
			}
			e.noBridges()
			want := []string{EventCreated, EventAnswered, EventUpdated, EventHeld, EventUpdated, EventResumed, EventUpdated, EventUpdated, EventEnded}
			if got := e.pub.types(c.ID); !slices.Equal(got, want) {
				t.Errorf("events %v, want %v", got, want)
			}
		})
	}
}

func TestInboundSequential(t *testing.T) {
	cfg := Config{RingStrategy: RingSequential, RingTimeout: 60 * time.Second, RingDeviceTimeout: 10 * time.Second}
	tests := []struct {
		name    string
		first   string
		advance time.Duration
		cause   int
	}{
		{name: "first device does not answer", first: "PJSIP/103", advance: 10 * time.Second, cause: ari.CauseNoAnswer},
		{name: "first device is busy", first: "PJSIP/503", advance: time.Second, cause: ari.CauseUserBusy},
		{name: "first device is offline", first: "PJSIP/504", cause: ari.CauseSubscriberAbsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDialplanEnv(t, testUsers(tt.first, "PJSIP/502"), WithConfig(cfg))
			e.call("internal", "555", "601", "Cleo")
			c := e.pub.awaitType(t, EventCreated).call
			if tt.cause == ari.CauseSubscriberAbsent {
				e.awaitChannel(c.ID+"-u1", "created", func(fakeari.ChannelSnapshot) bool { return true })
				e.clk.Advance(0)
			} else {
				e.ring(c.ID + "-u1")
				if _, ok := e.srv.Channel(c.ID + "-u2"); ok {
					t.Fatal("the second device rings with the first")
				}
				e.clk.Advance(tt.advance)
			}
			if s := e.awaitChannel(c.ID+"-u1", "gone", destroyed); s.Cause != tt.cause {
				t.Errorf("first device ended with %d, want %d", s.Cause, tt.cause)
			}
			e.ring(c.ID + "-u2")
			if err := e.srv.PickUp(c.ID + "-u2"); err != nil {
				t.Fatal(err)
			}
			if ans := e.pub.await(t, EventAnswered, c.ID).call; ans.Device != "PJSIP/502" || ans.Direction != Inbound {
				t.Errorf("answered %+v", ans)
			}
		})
	}
}

func TestInboundNobodyAnswers(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		devices   []string
		advance   []time.Duration // after each device rang
		status    string
		wantCause int
	}{
		{name: "ring all times out", cfg: Config{RingTimeout: 20 * time.Second}, devices: []string{"PJSIP/103", "PJSIP/502"},
			advance: []time.Duration{0, 20 * time.Second}, status: StatusNoAnswer, wantCause: ari.CauseNoAnswer},
		{name: "sequential times out overall", cfg: Config{RingStrategy: RingSequential, RingTimeout: 15 * time.Second, RingDeviceTimeout: 10 * time.Second},
			devices: []string{"PJSIP/103", "PJSIP/502", "PJSIP/501"}, advance: []time.Duration{10 * time.Second, 5 * time.Second},
			status: StatusNoAnswer, wantCause: ari.CauseNoAnswer},
		{name: "the only device is busy", devices: []string{"PJSIP/503"}, advance: []time.Duration{time.Second},
			status: StatusBusy, wantCause: ari.CauseUserBusy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDialplanEnv(t, testUsers(tt.devices...), WithConfig(tt.cfg))
			caller := e.call("inbound", "555", "+41441234567", "")
			c := e.pub.awaitType(t, EventCreated).call
			for i, d := range tt.advance {
				e.ring(c.ID + "-u" + string(rune('1'+i)))
				e.clk.Advance(d)
			}
			e.handedBack(caller, "noanswer", tt.status)
			end := e.pub.await(t, EventEnded, c.ID).call
			if end.Cause != tt.wantCause || end.EndedBy != "system" || end.AnsweredAt != nil {
				t.Errorf("ended %+v, want cause %d by system", end, tt.wantCause)
			}
			for _, ch := range e.srv.Channels() {
				if strings.HasPrefix(ch.ID, c.ID) {
					t.Errorf("device leg left: %+v", ch)
				}
			}
		})
	}
}

func TestInboundHandedBackUnrung(t *testing.T) {
	tests := []struct {
		name   string
		users  fakeUsers
		args   []string
		status string
	}{
		{name: "no user has the extension", users: testUsers("PJSIP/501"), args: []string{"inbound", "999"}, status: StatusNoUser},
		{name: "the user has no device", users: testUsers("PJSIP/501"), args: []string{"inbound", "556"}, status: StatusNoDevice},
		{name: "bad arguments", users: testUsers("PJSIP/501"), args: []string{"inbound", "5/5"}, status: StatusInvalid},
		{name: "too many arguments", users: testUsers("PJSIP/501"), args: []string{"internal", "555", "x"}, status: StatusInvalid},
		{name: "the users lookup fails", users: fakeUsers{err: errors.New("store down")}, args: []string{"inbound", "555"}, status: StatusFailed},
		{name: "a user calls their own extension from their only device", users: testUsers("PJSIP/601"), args: []string{"internal", "555"}, status: StatusNoDevice},
		{name: "outbound from a device no user has", users: testUsers("PJSIP/501"), args: []string{"outbound", "200"}, status: StatusNoUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDialplanEnv(t, tt.users)
			id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "601", Context: "from-trunk", Exten: "555", Endpoint: "PJSIP/601", Args: tt.args})
			if err != nil {
				t.Fatal(err)
			}
			e.handedBack(id, "fallback", tt.status)
			if n := e.pub.count(); n != 0 {
				t.Errorf("%d events for a call nobody rang", n)
			}
		})
	}
}

func TestInboundCallerHangsUpWhileRinging(t *testing.T) {
	e := newDialplanEnv(t, testUsers("PJSIP/501", "PJSIP/502"))
	caller := e.call("inbound", "555", "+41441234567", "")
	c := e.pub.awaitType(t, EventCreated).call
	e.ring(c.ID + "-u1")
	e.ring(c.ID + "-u2")
	e.srv.Hangup(caller, 16)
	end := e.pub.await(t, EventEnded, c.ID).call
	if end.EndedBy != "destination" || end.Cause != 16 || end.AnsweredAt != nil {
		t.Errorf("ended %+v", end)
	}
	for _, leg := range []string{c.ID + "-u1", c.ID + "-u2"} {
		e.awaitChannel(leg, "stopped ringing", destroyed)
	}
}

func TestInboundDeclinedThroughAPI(t *testing.T) {
	e := newDialplanEnv(t, testUsers("PJSIP/501"))
	caller := e.call("inbound", "555", "+41441234567", "")
	c := e.pub.awaitType(t, EventCreated).call
	e.ring(c.ID + "-u1")
	got, err := e.eng.Hangup(context.Background(), Viewer{UserID: "u1"}, c.ID)
	if err != nil || got.State != StateEnded || got.EndedBy != "api" || got.Cause != ari.CauseCallRejected {
		t.Fatalf("hang up a ringing inbound call: %+v %v", got, err)
	}
	e.handedBack(caller, "noanswer", StatusBusy)
	e.awaitChannel(c.ID+"-u1", "stopped ringing", destroyed)
}

func TestInboundCallerName(t *testing.T) {
	tests := []struct {
		name     string
		names    *fakeNames
		kind     string
		wantName string
		asked    bool
	}{
		{name: "found in the directory", names: &fakeNames{names: map[string]string{"+41441234567": "Muster AG, Reception"}},
			kind: "inbound", wantName: "Muster AG, Reception", asked: true},
		{name: "lookup fails: the caller ID as it came", names: &fakeNames{err: errors.New("directory down")},
			kind: "inbound", wantName: "ANON", asked: true},
		{name: "lookup too slow: the caller ID as it came", names: &fakeNames{block: true},
			kind: "inbound", wantName: "ANON", asked: true},
		{name: "internal calls are not looked up", names: &fakeNames{names: map[string]string{"+41441234567": "Muster AG"}},
			kind: "internal", wantName: "ANON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDialplanEnv(t, testUsers("PJSIP/501"), WithNames(tt.names), WithConfig(Config{LookupTimeout: 20 * time.Millisecond}))
			id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "+41441234567", CallerName: "ANON",
				Context: "from-trunk", Exten: "555", Args: []string{tt.kind, "555"}})
			if err != nil {
				t.Fatal(err)
			}
			c := e.pub.awaitType(t, EventCreated).call
			leg := e.ring(c.ID + "-u1")
			if leg.Caller.Name != tt.wantName || leg.Caller.Number != "+41441234567" {
				t.Errorf("the desk phone shows %+v, want %q", leg.Caller, tt.wantName)
			}
			if got, _ := e.eng.Get(Viewer{UserID: "u1"}, c.ID); got.FromName != tt.wantName {
				t.Errorf("from_name %q, want %q", got.FromName, tt.wantName)
			}
			tt.names.mu.Lock()
			asked := len(tt.names.asked) > 0
			tt.names.mu.Unlock()
			if asked != tt.asked {
				t.Errorf("directory asked: %v, want %v", asked, tt.asked)
			}
			e.srv.Hangup(id, 16)
			e.pub.await(t, EventEnded, c.ID)
		})
	}
}

// TestInternalCallerIsAUser: the calling device's endpoint sends no
// name; the calling user's display name shows on the called phone.
func TestInternalCallerIsAUser(t *testing.T) {
	users := testUsers("PJSIP/501")
	users.byExt["601"] = Callee{ID: "u3", Name: "Cleo Caller", Extension: "601", Devices: []string{"PJSIP/601"}}
	e := newDialplanEnv(t, users)
	e.call("internal", "555", "601", "")
	c := e.pub.awaitType(t, EventCreated).call
	if c.UserID != "u1" || c.Direction != Inbound || c.From != "601" || c.FromName != "Cleo Caller" {
		t.Errorf("created %+v", c)
	}
	if leg := e.ring(c.ID + "-u1"); leg.Caller.Name != "Cleo Caller" || leg.Caller.Number != "601" {
		t.Errorf("the called phone shows %+v", leg.Caller)
	}
}

func TestOutboundThroughDialplan(t *testing.T) {
	tests := []struct {
		name      string
		to        string
		advance   time.Duration
		answered  bool
		wantCause int
		wantBy    string
	}{
		{name: "answered, destination hangs up", to: "200", advance: 3 * time.Second, answered: true, wantCause: 16, wantBy: "destination"},
		{name: "destination busy", to: "300", advance: 2 * time.Second, wantCause: ari.CauseUserBusy, wantBy: "destination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDialplanEnv(t, testUsers("PJSIP/501"), WithNames(&fakeNames{names: map[string]string{"200": "Muster AG"}}))
			id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "555", CallerName: "Ana", Context: "from-internal",
				Exten: tt.to, Endpoint: "PJSIP/501", Args: []string{"outbound", tt.to}})
			if err != nil {
				t.Fatal(err)
			}
			c := e.pub.awaitType(t, EventCreated).call
			if c.Direction != Outbound || c.UserID != "u1" || c.From != "555" || c.To != tt.to || c.Device != "PJSIP/501" || c.State != StateDialing {
				t.Fatalf("created %+v", c)
			}
			far := e.ring(c.ID + "-far")
			if far.Endpoint != "PJSIP/"+tt.to || far.Caller.Number != "555" {
				t.Errorf("dialled %+v", far)
			}
			if s, _ := e.srv.Channel(id); !s.RingIndicated || s.State != ari.StateRing {
				t.Errorf("the user's channel while the destination rings: %+v", s)
			}
			e.clk.Advance(tt.advance)
			if tt.answered {
				ans := e.pub.await(t, EventAnswered, c.ID).call
				if ans.State != StateUp || (tt.to == "200" && ans.ToName != "Muster AG") {
					t.Errorf("answered %+v", ans)
				}
				us, _ := e.srv.Channel(id)
				fs, _ := e.srv.Channel(c.ID + "-far")
				if us.State != ari.StateUp || us.Bridge == "" || us.Bridge != fs.Bridge {
					t.Fatalf("not bridged: user %+v far %+v", us, fs)
				}
				e.srv.Hangup(c.ID+"-far", 16)
			}
			end := e.pub.await(t, EventEnded, c.ID).call
			if end.Cause != tt.wantCause || end.EndedBy != tt.wantBy {
				t.Errorf("ended %+v, want %d by %s", end, tt.wantCause, tt.wantBy)
			}
			if s := e.awaitChannel(id, "hung up", destroyed); s.Cause != tt.wantCause {
				t.Errorf("the user's channel ended with %d, want %d", s.Cause, tt.wantCause)
			}
		})
	}
}

func TestReleaseHandsRingingDialplanCallsBack(t *testing.T) {
	e := newDialplanEnv(t, testUsers("PJSIP/501"))
	caller := e.call("inbound", "555", "+41441234567", "")
	c := e.pub.awaitType(t, EventCreated).call
	e.ring(c.ID + "-u1")
	e.eng.Release(context.Background())
	e.handedBack(caller, "fallback", StatusFailed)
	e.awaitChannel(c.ID+"-u1", "stopped ringing", destroyed)
	if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "system" {
		t.Errorf("ended %+v", end)
	}
}

func TestInboundLegOfDeadRunIsHungUp(t *testing.T) {
	e := newDialplanEnv(t, testUsers("PJSIP/501"))
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Args: []string{argRing, "pbxcall-0123456789abcdef"}, Answered: true})
	if err != nil {
		t.Fatal(err)
	}
	e.awaitChannel(id, "hung up", destroyed)
}

// BenchmarkInboundRingLatency measures the time from a trunk call entering
// the application to its user's phone being originated (Asterisk accepted
// the originate), with a directory lookup in between, on the in-process
// stand-in; it reports p50 and p99 in ms.
func BenchmarkInboundRingLatency(b *testing.B) {
	e := newDialplanEnv(b, testUsers("PJSIP/501"), WithNames(&fakeNames{names: map[string]string{"+41441234567": "Muster AG"}}))
	var lat []time.Duration
	for i := range b.N + 1 {
		start := time.Now()
		caller := e.call("inbound", "555", "+41441234567", "")
		c := e.pub.awaitNth(b, EventCreated, i).call
		e.awaitChannel(c.ID+"-u1", "originated", func(fakeari.ChannelSnapshot) bool { return true })
		if i > 0 { // the first call opens the HTTP connections: not counted
			lat = append(lat, time.Since(start))
		}
		e.srv.Hangup(caller, 16)
		e.pub.await(b, EventEnded, c.ID)
	}
	slices.Sort(lat)
	n := len(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[max(n*99/100-1, 0)].Microseconds())/1000, "p99-ms")
}

// TestInboundBlindTransfer: the user blind-transfers an answered inbound
// call; the caller (the call's far leg) ends up with the recipient, the
// call ends for the user with ended_by transfer, and the pair is followed
// until the caller hangs up.
func TestInboundBlindTransfer(t *testing.T) {
	e := newDialplanEnv(t, testUsers("PJSIP/501"))
	caller := e.call("inbound", "555", "+41441234567", "")
	c := e.pub.awaitType(t, EventCreated).call
	e.ring(c.ID + "-u1")
	if err := e.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	e.pub.await(t, EventAnswered, c.ID)
	tr := e.startTransfer(c, "200", Blind)
	if end := e.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "transfer" {
		t.Errorf("call ended %+v, want ended_by transfer", end)
	}
	e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
	e.ring(tr.ID + "-to")
	e.clk.Advance(3 * time.Second)
	e.pub.awaitTransfer(t, EventTransferCompleted, tr.ID)
	e.bridged("transferred", caller, tr.ID+"-to")
	e.srv.Hangup(caller, 16)
	e.awaitChannel(tr.ID+"-to", "hung up", destroyed)
	e.noBridges()
}
