package siptel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

func TestOriginateFailures(t *testing.T) {
	tests := []struct {
		name     string
		progress []int
		err      error
		cause    int
		outcome  dialer.Outcome
	}{
		{name: "busy", progress: []int{180}, err: &ua.DialError{Status: 486, Reason: "Busy Here"}, cause: 17, outcome: dialer.OutcomeBusy},
		{name: "busy everywhere", err: &ua.DialError{Status: 600, Reason: "Busy Everywhere"}, cause: 17, outcome: dialer.OutcomeBusy},
		{name: "not found", err: &ua.DialError{Status: 404, Reason: "Not Found"}, cause: 1, outcome: dialer.OutcomeInvalid},
		{name: "address incomplete", err: &ua.DialError{Status: 484, Reason: "Address Incomplete"}, cause: 28, outcome: dialer.OutcomeInvalid},
		{name: "temporarily unavailable", progress: []int{180}, err: &ua.DialError{Status: 480, Reason: "Temporarily Unavailable"}, cause: 18, outcome: dialer.OutcomeNoAnswer},
		{name: "declined", progress: []int{183}, err: &ua.DialError{Status: 603, Reason: "Decline"}, cause: 21, outcome: dialer.OutcomeRejected},
		{name: "rang out", progress: []int{180}, err: &ua.DialError{Status: 408, Reason: "Request Timeout"}, cause: 19, outcome: dialer.OutcomeNoAnswer},
		{name: "no answer at all", err: &ua.DialError{Status: 408, Reason: "Request Timeout"}, cause: 102, outcome: dialer.OutcomeNetwork},
		{name: "reason header wins", err: &ua.DialError{Status: 503, Reason: "Service Unavailable", Cause: 34}, cause: 34, outcome: dialer.OutcomeCongestion},
		{name: "trunk unreachable", err: errors.New("dial tcp 127.0.0.1:5060: connection refused"), cause: 38, outcome: dialer.OutcomeNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			if err := h.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: "c1", Campaign: "camp",
				Endpoint: "sip:+44123@trunk", CallerID: "+38733123456", Timeout: 25 * time.Second}); err != nil {
				t.Fatal(err)
			}
			d := h.ua.next(t)
			if d.req.To != "sip:+44123@trunk" || d.req.From != "+38733123456" || d.req.Timeout != 25*time.Second || d.req.Headers["X-Campaign"] != "camp" {
				t.Errorf("dial request %+v", d.req)
			}
			d.reply <- dialReply{progress: tt.progress, err: tt.err}
			if len(tt.progress) > 0 {
				h.expect(dialer.Event{Kind: dialer.EventRinging, CallID: "c1"})
			}
			ev := h.next()
			if ev.Kind != dialer.EventEnded || ev.CallID != "c1" || ev.Cause != tt.cause {
				t.Fatalf("event %+v, want ended with cause %d", ev, tt.cause)
			}
			if got := dialer.OutcomeForCause(ev.Cause); got != tt.outcome {
				t.Errorf("outcome %s, want %s", got, tt.outcome)
			}
			if c, _ := h.tel.Calls(); c != 0 {
				t.Errorf("%d calls left", c)
			}
		})
	}
}

func TestAnswerAndAMD(t *testing.T) {
	tests := []struct {
		name   string
		amd    bool
		result media.AMDResult
		want   string
	}{
		{name: "no AMD", amd: false, result: media.AMDMachine, want: ""},
		{name: "human", amd: true, result: media.AMDHuman, want: "HUMAN"},
		{name: "machine", amd: true, result: media.AMDMachine, want: "MACHINE"},
		{name: "silence", amd: true, result: media.AMDSilence, want: "NOTSURE"},
		{name: "undecided in time", amd: true, result: media.AMDUndecided, want: "NOTSURE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{AMDTimeout: 50 * time.Millisecond})
			if err := h.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: "c1", Endpoint: "sip:1@trunk", AMD: tt.amd}); err != nil {
				t.Fatal(err)
			}
			call := newFakeCall()
			call.m.amd = tt.result
			h.ua.next(t).reply <- dialReply{progress: []int{100, 180, 180}, call: call}
			h.expect(dialer.Event{Kind: dialer.EventRinging, CallID: "c1"}) // once, for 180 only
			h.expect(dialer.Event{Kind: dialer.EventAnswered, CallID: "c1", AMD: tt.want})
			call.remoteBye(0)
			h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
		})
	}
}

func TestRemoteByeCause(t *testing.T) {
	h := newHarness(t, Config{})
	call := h.answered("c1", false)
	call.remoteBye(17) // a Reason: Q.850;cause=17 header
	h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 17})
	if got := call.hungUp(); len(got) != 0 {
		t.Errorf("BYE sent on a call the peer ended: %v", got)
	}
}

func TestHangup(t *testing.T) {
	t.Run("ringing is cancelled", func(t *testing.T) {
		h := newHarness(t, Config{})
		if err := h.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: "c1", Endpoint: "sip:1@trunk"}); err != nil {
			t.Fatal(err)
		}
		d := h.ua.next(t)
		if err := h.tel.Hangup(context.Background(), "c1"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-d.ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("dial not cancelled")
		}
		h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
	})
	t.Run("answered gets BYE", func(t *testing.T) {
		h := newHarness(t, Config{})
		call := h.answered("c1", false)
		if err := h.tel.Hangup(context.Background(), "c1"); err != nil {
			t.Fatal(err)
		}
		h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
		if got := call.hungUp(); !slices.Equal(got, []int{16}) {
			t.Errorf("BYE causes %v, want [16]", got)
		}
		if err := h.tel.Hangup(context.Background(), "c1"); err != nil {
			t.Errorf("second hangup: %v", err)
		}
	})
}

func writeWAV(t *testing.T, dir, name string, samples []int16) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := media.WriteWAV(f, samples); err != nil {
		t.Fatal(err)
	}
}

func TestPlayMessageHangsUp(t *testing.T) {
	dir := t.TempDir()
	msg := []int16{100, -100, 200, -200, 300}
	writeWAV(t, dir, "custom/abandon-info.wav", msg)
	h := newHarness(t, Config{SoundsDir: dir})
	call := h.answered("c1", false)
	if err := h.tel.Hold(context.Background(), "c1", dialer.HoldRingback); err != nil {
		t.Fatal(err)
	}
	hold := call.m.nextPlay(t)
	if err := h.tel.PlayMessage(context.Background(), "c1", "sound:custom/abandon-info"); err != nil {
		t.Fatal(err)
	}
	p := call.m.nextPlay(t)
	if p.loop || !slices.Equal(p.a.Samples, msg) {
		t.Errorf("played loop=%v %v, want the message once", p.loop, p.a.Samples)
	}
	if hold.ctx.Err() == nil {
		t.Error("hold media still playing under the message")
	}
	h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
	if got := call.hungUp(); !slices.Equal(got, []int{16}) {
		t.Errorf("BYE causes %v, want [16]", got)
	}
}

func TestPlayMessageMissing(t *testing.T) {
	for _, m := range []string{"sound:nope", "sound:../etc/passwd", "tone:ring", "sound:"} {
		t.Run(m, func(t *testing.T) {
			h := newHarness(t, Config{SoundsDir: t.TempDir()})
			call := h.answered("c1", false)
			if err := h.tel.PlayMessage(context.Background(), "c1", m); err == nil {
				t.Fatal("no error")
			}
			h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
			if got := call.hungUp(); !slices.Equal(got, []int{16}) {
				t.Errorf("BYE causes %v, want [16]", got)
			}
		})
	}
}

func TestHold(t *testing.T) {
	dir := t.TempDir()
	music := []int16{1, 2, 3, 4}
	writeWAV(t, dir, "moh.wav", music)
	tests := []struct {
		name    string
		cfg     Config
		hold    dialer.HoldMedia
		samples []int16
	}{
		{name: "music", cfg: Config{SoundsDir: dir, HoldMusic: "moh"}, hold: dialer.HoldMOH, samples: music},
		{name: "ringback", cfg: Config{SoundsDir: dir, HoldMusic: "moh"}, hold: dialer.HoldRingback, samples: media.RingbackCEPT().Audio().Samples},
		{name: "music missing: ringback", cfg: Config{SoundsDir: dir, HoldMusic: "gone.wav"}, hold: dialer.HoldMOH, samples: media.RingbackCEPT().Audio().Samples},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.cfg)
			call := h.answered("c1", false)
			if err := h.tel.Hold(context.Background(), "c1", tt.hold); err != nil {
				t.Fatal(err)
			}
			p := call.m.nextPlay(t)
			if !p.loop || !slices.Equal(p.a.Samples, tt.samples) {
				t.Errorf("played loop=%v, %d samples; want the hold media looped", p.loop, len(p.a.Samples))
			}
			call.remoteBye(0)
			h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
			select {
			case <-p.ctx.Done():
			case <-time.After(5 * time.Second):
				t.Error("hold media outlived the call")
			}
		})
	}
	t.Run("unknown call", func(t *testing.T) {
		h := newHarness(t, Config{})
		if err := h.tel.Hold(context.Background(), "nope", dialer.HoldMOH); err == nil {
			t.Error("no error")
		}
	})
}

func TestAgentLeg(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.tel.ConnectAgent(context.Background(), "a1", "sip:101@10.0.0.5"); err != nil {
		t.Fatal(err)
	}
	if err := h.tel.ConnectAgent(context.Background(), "a1", "sip:101@10.0.0.5"); err == nil {
		t.Error("second leg for the same agent accepted")
	}
	d := h.ua.next(t)
	if d.req.To != "sip:101@10.0.0.5" || d.req.Headers["Alert-Info"] != "<http://127.0.0.1>;info=alert-autoanswer" ||
		d.req.Headers["Call-Info"] != "<sip:127.0.0.1>;answer-after=0" {
		t.Errorf("agent dial %+v", d.req)
	}
	call := newFakeCall()
	d.reply <- dialReply{call: call}
	h.expect(dialer.Event{Kind: dialer.EventAgentUp, AgentID: "a1"})
	call.remoteBye(16)
	h.expect(dialer.Event{Kind: dialer.EventAgentDown, AgentID: "a1"})

	// A phone that does not answer: down at once.
	if err := h.tel.ConnectAgent(context.Background(), "a1", "102"); err != nil {
		t.Fatal(err)
	}
	h.ua.next(t).reply <- dialReply{err: &ua.DialError{Status: 480, Cause: 18}}
	h.expect(dialer.Event{Kind: dialer.EventAgentDown, AgentID: "a1"})

	// DisconnectAgent hangs up.
	call = h.agentUp("a1")
	if err := h.tel.DisconnectAgent(context.Background(), "a1"); err != nil {
		t.Fatal(err)
	}
	h.expect(dialer.Event{Kind: dialer.EventAgentDown, AgentID: "a1"})
	if got := call.hungUp(); !slices.Equal(got, []int{16}) {
		t.Errorf("BYE causes %v, want [16]", got)
	}
}

func TestJoin(t *testing.T) {
	h := newHarness(t, Config{})
	agent := h.agentUp("a1")
	cust := h.answered("c1", false)
	if err := h.tel.Hold(context.Background(), "c1", dialer.HoldMOH); err != nil {
		t.Fatal(err)
	}
	hold := cust.m.nextPlay(t)
	start := time.Now()
	if err := h.tel.Join(context.Background(), "c1", "a1", false); err != nil {
		t.Fatal(err)
	}
	var br bridgeRec
	select {
	case br = <-cust.m.bridges:
	case <-time.After(5 * time.Second):
		t.Fatal("not bridged")
	}
	t.Logf("Join to bridge: %v", br.at.Sub(start))
	if br.other != Media(agent.m) {
		t.Error("bridged to the wrong leg")
	}
	if hold.ctx.Err() == nil {
		t.Error("hold media still playing in the bridge")
	}
	if err := h.tel.Join(context.Background(), "c2", "a1", false); err == nil {
		t.Error("joined an unknown call")
	}
	// The customer hangs up: the bridge ends, the agent's leg stays.
	cust.remoteBye(16)
	h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 16})
	select {
	case <-br.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("bridge outlived the customer")
	}
	// The next customer joins the same agent; the agent hangs up.
	cust2 := h.answered("c2", false)
	if err := h.tel.Join(context.Background(), "c2", "a1", false); err != nil {
		t.Fatal(err)
	}
	br2 := <-cust2.m.bridges
	agent.remoteBye(16)
	h.expect(dialer.Event{Kind: dialer.EventAgentDown, AgentID: "a1"})
	select {
	case <-br2.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("bridge outlived the agent's leg")
	}
	if len(cust2.hungUp()) != 0 {
		t.Error("the customer was hung up with the agent (the dialer decides)")
	}
}

func TestJoinRecord(t *testing.T) {
	exists := t.TempDir()
	if err := os.WriteFile(filepath.Join(exists, "dialer-c1.wav"), []byte("earlier"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		dir      string
		wantErr  string // substring of the ErrRecordingFailed error; "" for none
		wantFile string // the recording's name in dir
	}{
		{name: "no recordings_dir", wantErr: "sip_ua.recordings_dir is not set"},
		{name: "recordings_dir missing", dir: filepath.Join(t.TempDir(), "absent"), wantErr: "no such file"},
		{name: "recorded", dir: t.TempDir(), wantFile: "dialer-c1.wav"},
		{name: "joined again", dir: exists, wantFile: "dialer-c1-2.wav"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{RecordingsDir: tc.dir})
			h.agentUp("a1")
			cust := h.answered("c1", false)
			err := h.tel.Join(context.Background(), "c1", "a1", true)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("join: %v", err)
			case tc.wantErr != "" && (!errors.Is(err, dialer.ErrRecordingFailed) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err %v, want ErrRecordingFailed with %q", err, tc.wantErr)
			}
			var br bridgeRec
			select {
			case br = <-cust.m.bridges: // joined all the same
			case <-time.After(5 * time.Second):
				t.Fatal("not bridged")
			}
			if br.recorded != (tc.wantFile != "") {
				t.Fatalf("bridge recorded %v, want %v", br.recorded, tc.wantFile != "")
			}
			if tc.wantFile == "" {
				return
			}
			// The call ends: the bridge lets go and the file is closed, complete.
			cust.remoteBye(16)
			p := filepath.Join(tc.dir, tc.wantFile)
			deadline := time.Now().Add(5 * time.Second)
			for {
				b, err := os.ReadFile(p)
				if err == nil && len(b) == 44+4*media.FrameSamples && binary.LittleEndian.Uint32(b[40:]) == 4*media.FrameSamples {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: %d bytes, err %v; want a closed WAV of one stereo frame", p, len(b), err)
				}
				time.Sleep(10 * time.Millisecond) // poll with a deadline
			}
		})
	}
}

func TestRunEndsEveryLeg(t *testing.T) {
	h := newHarness(t, Config{})
	agent := h.agentUp("a1")
	cust := h.answered("c1", false)
	if err := h.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: "c2", Endpoint: "sip:2@trunk"}); err != nil {
		t.Fatal(err)
	}
	ringing := h.ua.next(t)
	if err := h.tel.Hold(context.Background(), "c1", dialer.HoldMOH); err != nil {
		t.Fatal(err)
	}
	cust.m.nextPlay(t)
	h.stop() // checks Goroutines() == 0
	waitDone(t, agent)
	waitDone(t, cust)
	if ringing.ctx.Err() == nil {
		t.Error("ringing call not cancelled")
	}
	if err := h.tel.Originate(context.Background(), dialer.OriginateRequest{CallID: "c3", Endpoint: "sip:3@trunk"}); !errors.Is(err, ErrClosed) {
		t.Errorf("originate after Run: %v", err)
	}
	if c, a := h.tel.Calls(); c != 0 || a != 0 {
		t.Errorf("%d calls and %d agents left", c, a)
	}
}

func TestOriginateDuplicate(t *testing.T) {
	h := newHarness(t, Config{})
	req := dialer.OriginateRequest{CallID: "c1", Endpoint: "sip:1@trunk"}
	if err := h.tel.Originate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := h.tel.Originate(context.Background(), req); err == nil {
		t.Error("duplicate id accepted")
	}
}

func TestSoundPath(t *testing.T) {
	tests := []struct {
		media, want string
		ok          bool
	}{
		{media: "sound:hello", want: "/s/hello.wav", ok: true},
		{media: "sound:custom/abandon-info", want: "/s/custom/abandon-info.wav", ok: true},
		{media: "sound:x.WAV", want: "/s/x.WAV", ok: true},
		{media: "sound:../x"},
		{media: "sound:/etc/x"},
		{media: "sound:"},
		{media: "recording:x"},
		{media: "hello"},
	}
	for _, tt := range tests {
		got, err := soundPath("/s", tt.media)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("soundPath(%q) = %q, %v", tt.media, got, err)
		}
	}
}

func FuzzSoundPath(f *testing.F) {
	for _, s := range []string{"sound:a", "sound:../a", "sound:a/b/../../c", "sound:/x", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, m string) {
		p, err := soundPath("/sounds", m)
		if err != nil {
			return
		}
		rel, rerr := filepath.Rel("/sounds", p)
		if rerr != nil || !filepath.IsLocal(rel) {
			t.Fatalf("%q escapes the sounds dir: %q", m, p)
		}
	})
}

// TestJoinBackToBack: an agent without wrap-up time is joined to the next
// customer as soon as the last one's end is reported; the two bridges
// never hold the agent's media at once.
func TestJoinBackToBack(t *testing.T) {
	h := newHarness(t, Config{})
	agent := h.agentUp("a1")
	for i := range 5 {
		id := fmt.Sprintf("c%d", i)
		cust := h.answered(id, false)
		if err := h.tel.Join(context.Background(), id, "a1", false); err != nil {
			t.Fatalf("join %s: %v", id, err)
		}
		br := <-cust.m.bridges
		if br.other != Media(agent.m) {
			t.Fatal("bridged to the wrong leg")
		}
		cust.remoteBye(16)
		h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: id, Cause: 16})
	}
	if agent.m.overlap.Load() {
		t.Error("two bridges held the agent's media at once")
	}

	// A bridge slow to let go: the next one waits for it.
	release := h.slowBridge(t, "a1")
	defer release() // before the harness stops Run
	next := h.answered("next", false)
	if err := h.tel.Join(context.Background(), "next", "a1", false); err != nil {
		t.Fatalf("join after a slow bridge: %v", err)
	}
	select {
	case <-next.m.bridges:
		t.Fatal("bridged while the last bridge still held the agent's media")
	case <-time.After(50 * time.Millisecond): // a negative check, bounded
	}
	release()
	select {
	case <-next.m.bridges:
	case <-time.After(5 * time.Second):
		t.Fatal("not bridged once the last bridge let go")
	}
	if agent.m.overlap.Load() {
		t.Error("two bridges held the agent's media at once")
	}
}

// TestJoinRecordNeverBridged: a call that ends while its Join still waits
// for the agent's previous bridge leaves no empty recording behind.
func TestJoinRecordNeverBridged(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, Config{RecordingsDir: dir})
	h.agentUp("a1")
	release := h.slowBridge(t, "a1")
	defer release() // before the harness stops Run
	next := h.answered("next", false)
	if err := h.tel.Join(context.Background(), "next", "a1", true); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "dialer-next.wav")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the recording is not created at Join: %v", err)
	}
	next.remoteBye(16)
	h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "next", Cause: 16})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the empty recording of a call never bridged is left behind")
		}
		time.Sleep(10 * time.Millisecond) // poll with a deadline
	}
}

// slowBridge joins a customer "slow" to agentID whose bridge lingers after
// the customer hangs up, until the returned release is called (safe to
// call more than once); it returns once that customer's end is reported.
func (h *harness) slowBridge(t *testing.T, agentID string) (release func()) {
	t.Helper()
	slow := h.answered("slow", false)
	slow.m.linger = make(chan struct{})
	var letGo sync.Once
	release = func() { letGo.Do(func() { close(slow.m.linger) }) }
	if err := h.tel.Join(context.Background(), "slow", agentID, false); err != nil {
		release()
		t.Fatal(err)
	}
	<-slow.m.bridges
	slow.remoteBye(16)
	h.expect(dialer.Event{Kind: dialer.EventEnded, CallID: "slow", Cause: 16})
	return release
}
