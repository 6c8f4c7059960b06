package siptel

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
	"github.com/pbxagent/pbxagent/testlab/sipua"
)

// e2eWait bounds every wait of the end-to-end tests.
const e2eWait = 10 * time.Second

// startUA runs a SIP user agent on loopback until the test ends.
func startUA(t testing.TB, ports *media.PortRange, onInvite func(*ua.Incoming)) *ua.Agent {
	t.Helper()
	a, err := ua.New(ua.Config{ListenAddr: "127.0.0.1:0", Ports: ports,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, RingTimeout: e2eWait, OnInvite: onInvite,
		Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	sipua.RunAgent(t, a, e2eWait)
	return a
}

// phone answers every call it gets and hands it over with the INVITE's
// headers of interest. With a gate it rings until the test sends on it
// (a 180 sent right before the 200 may not reach the caller's
// transaction before the 200 ends it).
type phone struct {
	calls chan answeredCall
	gate  chan struct{}
	// greet, when set, is played once to each answered call.
	greet *media.Audio
}

type answeredCall struct {
	call                *ua.Call
	alertInfo, callInfo string
	campaign            string
}

func newPhone() *phone { return &phone{calls: make(chan answeredCall, 8)} }

func (p *phone) onInvite(in *ua.Incoming) {
	go func() {
		if err := in.Ringing(); err != nil {
			return
		}
		if p.gate != nil {
			select {
			case <-p.gate:
			case <-in.Cancelled():
				return
			case <-time.After(e2eWait):
				return
			}
		}
		c, err := in.Answer(context.Background())
		if err != nil {
			return
		}
		if p.greet != nil {
			go func() { _ = c.Media().Play(context.Background(), p.greet, false) }()
		}
		p.calls <- answeredCall{call: c, alertInfo: in.Header("Alert-Info"), callInfo: in.Header("Call-Info"), campaign: in.Header("X-Campaign")}
	}()
}

func (p *phone) next(t testing.TB) answeredCall {
	t.Helper()
	select {
	case c := <-p.calls:
		return c
	case <-time.After(e2eWait):
		t.Fatal("the phone got no call")
		return answeredCall{}
	}
}

func sipTarget(a *ua.Agent, user string) string {
	return fmt.Sprintf("sip:%s@%s", user, a.Addr("udp"))
}

// tone is a 1 kHz tone of d at about -12 dBFS: the customer's voice.
func tone(d time.Duration) *media.Audio {
	n := int(d.Seconds() * media.ClockRate)
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/media.ClockRate))
	}
	return &media.Audio{Samples: s}
}

// speechOnset waits for the first speech the call's media hears (the
// heuristic's MaxGreeting of 1 ns makes the first voiced frames decide).
func speechOnset(ctx context.Context, s *media.Session) (media.AMDResult, time.Time) {
	r := s.DetectMachine(ctx, media.AMDConfig{InitialSilence: time.Hour, MaxGreeting: time.Nanosecond})
	return r, time.Now()
}

// TestEndToEnd runs the SIP telephony on a real user agent against a
// customer's and an agent's user agents on loopback: the agent's phone
// is called with the auto-answer hints, the customer answers and hears
// the ringback, Join relays the customer's voice to the agent, the
// customer's BYE ends the call, the agent's leg stays until disconnected.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end SIP test")
	}
	ports, err := media.NewPortRange(51000, 51999)
	if err != nil {
		t.Fatal(err)
	}
	customer, agentPhone := newPhone(), newPhone()
	customer.gate = make(chan struct{})
	custUA := startUA(t, ports, customer.onInvite)
	agentUA := startUA(t, ports, agentPhone.onInvite)
	dialerUA := startUA(t, ports, nil)

	dir := t.TempDir()
	writeWAV(t, dir, "info.wav", tone(300*time.Millisecond).Samples)
	recDir := t.TempDir()
	tel := New(FromAgent(dialerUA), Config{SoundsDir: dir, RecordingsDir: recDir, Logger: quietLogger()})
	events := make(chan dialer.Event, 32)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- tel.Run(ctx, func(ev dialer.Event) { events <- ev }) }()
	next := func() dialer.Event {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case <-time.After(e2eWait):
			t.Fatal("no event")
			return dialer.Event{}
		}
	}

	// The agent's leg.
	if err := tel.ConnectAgent(ctx, "a1", sipTarget(agentUA, "agent1")); err != nil {
		t.Fatal(err)
	}
	ag := agentPhone.next(t)
	if ag.alertInfo != alertInfoAutoAnswer || ag.callInfo != callInfoAutoAnswer {
		t.Errorf("agent leg's hints: Alert-Info %q, Call-Info %q", ag.alertInfo, ag.callInfo)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventAgentUp, AgentID: "a1"}) {
		t.Fatalf("event %+v, want agent up", ev)
	}

	// The customer answers and hears the ringback while waiting.
	if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Campaign: "camp", Endpoint: sipTarget(custUA, "+441234567890"),
		CallerID: "+38733123456", Timeout: 15 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventRinging, CallID: "c1"}) {
		t.Fatalf("event %+v, want ringing", ev)
	}
	customer.gate <- struct{}{}
	cu := customer.next(t)
	if cu.campaign != "camp" {
		t.Errorf("X-Campaign %q", cu.campaign)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventAnswered, CallID: "c1"}) {
		t.Fatalf("event %+v, want answered", ev)
	}
	if err := tel.Hold(ctx, "c1", dialer.HoldRingback); err != nil {
		t.Fatal(err)
	}
	hctx, hcancel := context.WithTimeout(ctx, e2eWait)
	if r, _ := speechOnset(hctx, cu.call.Media()); r != media.AMDMachine {
		t.Fatalf("the waiting customer hears nothing (%v)", r)
	}
	hcancel()

	// The customer speaks; nothing reaches the agent before Join.
	voice, stopVoice := context.WithCancel(ctx)
	defer stopVoice()
	go func() { _ = cu.call.Media().Play(voice, tone(time.Second), true) }()
	qctx, qcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if r, _ := speechOnset(qctx, ag.call.Media()); r != media.AMDUndecided {
		t.Fatalf("the agent heard the customer before Join (%v)", r)
	}
	qcancel()

	heard := make(chan time.Time, 1)
	go func() {
		dctx, dcancel := context.WithTimeout(ctx, e2eWait)
		defer dcancel()
		if r, at := speechOnset(dctx, ag.call.Media()); r == media.AMDMachine {
			heard <- at
		}
		close(heard)
	}()
	start := time.Now()
	if err := tel.Join(ctx, "c1", "a1", true); err != nil {
		t.Fatal(err)
	}
	at, ok := <-heard
	if !ok {
		t.Fatal("the customer's voice did not reach the agent")
	}
	t.Logf("customer bridged to the agent: %v from Join to the agent's phone detecting the customer's voice", at.Sub(start))
	// The agent answers with half a second of voice over the customer's.
	actx, acancel := context.WithTimeout(ctx, e2eWait)
	if err := ag.call.Media().Play(actx, tone(500*time.Millisecond), false); err != nil {
		t.Fatal(err)
	}
	acancel()

	// The customer hangs up: ended, cause 16; the agent's leg stays.
	hang, hangCancel := context.WithTimeout(ctx, e2eWait)
	defer hangCancel()
	if err := cu.call.Hangup(hang, 16); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16}) {
		t.Fatalf("event %+v, want ended 16", ev)
	}
	select {
	case <-ag.call.Done():
		t.Fatal("the agent's leg ended with the customer")
	default:
	}
	// The recording: the customer's voice on the left, the agent's on the right.
	left, right := readRecording(t, filepath.Join(recDir, "dialer-c1.wav"))
	l, r := loudMillis(left), loudMillis(right)
	t.Logf("recording: %d ms, customer's voice %d ms, agent's %d ms", len(left)/8, l, r)
	if l < 500 || r < 300 || r > 900 {
		t.Errorf("recording: customer's voice %d ms (want ≥ 500), agent's %d ms (want about 500)", l, r)
	}

	// A second customer gets the information message and a BYE.
	if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: "c2", Endpoint: sipTarget(custUA, "2")}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventRinging, CallID: "c2"}) {
		t.Fatalf("event %+v, want ringing", ev)
	}
	customer.gate <- struct{}{}
	cu2 := customer.next(t)
	if ev := next(); ev.Kind != dialer.EventAnswered {
		t.Fatalf("event %+v, want answered", ev)
	}
	if err := tel.PlayMessage(ctx, "c2", "sound:info"); err != nil {
		t.Fatal(err)
	}
	mctx, mcancel := context.WithTimeout(ctx, e2eWait)
	defer mcancel()
	if r, _ := speechOnset(mctx, cu2.call.Media()); r != media.AMDMachine {
		t.Errorf("the message was not heard (%v)", r)
	}
	select {
	case <-cu2.call.Done():
		if e := cu2.call.End(); !e.ByRemote || e.Cause != 16 {
			t.Errorf("message call ended %+v, want the dialer's BYE with cause 16", e)
		}
	case <-time.After(e2eWait):
		t.Fatal("no BYE after the message")
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventEnded, CallID: "c2", Cause: 16}) {
		t.Fatalf("event %+v, want ended 16", ev)
	}

	if err := tel.DisconnectAgent(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventAgentDown, AgentID: "a1"}) {
		t.Fatalf("event %+v, want agent down", ev)
	}
	cancel()
	if err := <-runDone; err == nil {
		t.Error("Run returned nil after its context ended")
	}
	if n := tel.Goroutines(); n != 0 {
		t.Errorf("%d goroutines left", n)
	}
	deadline := time.Now().Add(e2eWait)
	for dialerUA.Calls() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // poll with a deadline
	}
	if n := dialerUA.Calls(); n != 0 {
		t.Errorf("%d dialogs left in the dialer's user agent", n)
	}
}

// TestEndToEndRefused: a busy customer ends with cause 17.
func TestEndToEndRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end SIP test")
	}
	ports, err := media.NewPortRange(52000, 52099)
	if err != nil {
		t.Fatal(err)
	}
	busy := startUA(t, ports, func(in *ua.Incoming) { _ = in.Reject(486, "Busy Here") })
	dialerUA := startUA(t, ports, nil)
	tel := New(FromAgent(dialerUA), Config{Logger: quietLogger()})
	events := make(chan dialer.Event, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = tel.Run(ctx, func(ev dialer.Event) { events <- ev }) }()
	defer func() { cancel(); <-done }()
	if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: sipTarget(busy, "1")}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev != (dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 17}) {
			t.Errorf("event %+v, want ended 17 (busy)", ev)
		}
	case <-time.After(e2eWait):
		t.Fatal("no event")
	}
}

// quietLogger discards, or logs at debug level to stderr when
// SIPTEL_TEST_LOG is set.
func quietLogger() *slog.Logger {
	if os.Getenv("SIPTEL_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestEndToEndAMD: the heuristic runs on the dialer's side of the real
// media: a long greeting is a machine, a short one a person, silence
// NOTSURE.
func TestEndToEndAMD(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end SIP test")
	}
	ports, err := media.NewPortRange(52400, 52499)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		greet *media.Audio
		want  string
	}{
		{name: "recorded message", greet: tone(3 * time.Second), want: "MACHINE"},
		{name: "hello", greet: tone(400 * time.Millisecond), want: "HUMAN"},
		{name: "silence", greet: nil, want: "NOTSURE"},
	}
	dialerUA := startUA(t, ports, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			customer := newPhone()
			customer.greet = tt.greet
			custUA := startUA(t, ports, customer.onInvite)
			tel := New(FromAgent(dialerUA), Config{Logger: quietLogger(),
				// A greeting is a machine's past 1.2 s: the 3 s one keeps
				// that verdict even when a loaded machine's sender skips
				// slots (the default 2.5 s left half a second of margin).
				AMD: media.AMDConfig{InitialSilence: 800 * time.Millisecond, MaxGreeting: 1200 * time.Millisecond}})
			events := make(chan dialer.Event, 8)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = tel.Run(ctx, func(ev dialer.Event) { events <- ev }) }()
			defer func() {
				cancel()
				<-done
				if n := tel.Goroutines(); n != 0 {
					t.Errorf("%d goroutines left", n)
				}
			}()
			if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: sipTarget(custUA, "1"), AMD: true}); err != nil {
				t.Fatal(err)
			}
			for {
				select {
				case ev := <-events:
					if ev.Kind == dialer.EventRinging {
						continue
					}
					if ev.Kind != dialer.EventAnswered || ev.AMD != tt.want {
						t.Fatalf("event %+v, want answered with AMD %s", ev, tt.want)
					}
					return
				case <-time.After(e2eWait):
					t.Fatal("no answer")
				}
			}
		})
	}
}

// udpFree reports whether addr can be bound (nobody listens there).
func udpFree(addr string) bool {
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// readRecording waits (with a deadline) for the recording at path to be
// closed — its WAV header's sizes match the file — and returns its
// channels; it fails on anything but 8 kHz 16-bit stereo PCM.
func readRecording(t testing.TB, path string) (left, right []int16) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		b, err := os.ReadFile(path)
		le := binary.LittleEndian
		if err == nil && len(b) > 44 && int(le.Uint32(b[40:])) == len(b)-44 && int(le.Uint32(b[4:])) == len(b)-8 {
			if string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || le.Uint16(b[20:]) != 1 ||
				le.Uint16(b[22:]) != 2 || le.Uint32(b[24:]) != media.ClockRate || le.Uint16(b[34:]) != 16 {
				t.Fatalf("recording %s: not 8 kHz 16-bit stereo PCM: % x", path, b[:44])
			}
			for i := 44; i+4 <= len(b); i += 4 {
				left = append(left, int16(le.Uint16(b[i:])))
				right = append(right, int16(le.Uint16(b[i+2:])))
			}
			return left, right
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording %s not complete within %v (err %v, %d bytes)", path, e2eWait, err, len(b))
		}
		time.Sleep(20 * time.Millisecond) // poll with a deadline
	}
}

// loudMillis is how many milliseconds of pcm are in 20 ms windows louder
// than -30 dBFS RMS.
func loudMillis(pcm []int16) int {
	ms := 0
	for i := 0; i+media.FrameSamples <= len(pcm); i += media.FrameSamples {
		var e float64
		for _, v := range pcm[i : i+media.FrameSamples] {
			e += float64(v) * float64(v)
		}
		if math.Sqrt(e/media.FrameSamples) > 1036 {
			ms += 20
		}
	}
	return ms
}
