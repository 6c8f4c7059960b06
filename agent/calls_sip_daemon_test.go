package agent

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/callhistory"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
	"github.com/pbxagent/pbxagent/testlab/sipua"
)

// The click-to-call over SIP through the whole daemon: calls.backend sip,
// no ari.url; the user's desk phone and the trunk's far end are SIP user
// agents (sip/ua) on loopback.

// c2cWait bounds every wait of these tests.
const c2cWait = 15 * time.Second

// c2cCall is a call a c2cPeer took: the INVITE's From display name and
// Request-URI user, and the call once answered.
type c2cCall struct {
	fromName, to string
	c            *ua.Call
}

// c2cPeer is a SIP user agent on loopback standing in for a desk phone
// or a trunk: it rings on every INVITE and answers it (answer), once gate
// is closed when there is one, or rings until the caller cancels (the
// cancelled channel then gets the call).
type c2cPeer struct {
	a         *ua.Agent
	gate      chan struct{}
	reject    int // a final status to answer instead (486)
	calls     chan c2cCall
	cancelled chan c2cCall
	errs      chan error
}

func startC2CPeer(t *testing.T, ports string, answer bool) *c2cPeer {
	t.Helper()
	p := &c2cPeer{calls: make(chan c2cCall, 8), cancelled: make(chan c2cCall, 8), errs: make(chan error, 8)}
	min, max, err := config.ParseRTPPorts(ports)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := media.NewPortRange(min, max)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := ua.New(ua.Config{ListenAddr: "127.0.0.1:0", Transports: []string{"udp"}, Ports: pr,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, RingTimeout: c2cWait,
		Logger: peerLogger(t),
		OnInvite: func(in *ua.Incoming) {
			_, name := in.From()
			pc := c2cCall{fromName: name, to: in.To()}
			go func() {
				if err := in.Ringing(); err != nil {
					p.errs <- err
					return
				}
				if p.reject != 0 {
					if err := in.Reject(p.reject, "Busy Here"); err != nil {
						p.errs <- err
					}
					return
				}
				if !answer {
					select {
					case <-in.Cancelled():
						p.cancelled <- pc
					case <-ctx.Done():
					}
					return
				}
				if p.gate != nil {
					select {
					case <-p.gate:
					case <-ctx.Done():
						return
					}
				}
				c, err := in.Answer(ctx)
				if err != nil {
					p.errs <- err
					return
				}
				pc.c = c
				p.calls <- pc
			}()
		}})
	if err != nil {
		t.Fatal(err)
	}
	p.a = a
	sipua.RunAgent(t, a, c2cWait)
	t.Cleanup(cancel) // runs first: ends the answering goroutines, then RunAgent stops a
	return p
}

// peerLogger discards, or writes debug lines to the test's output when
// UA_TEST_LOG is set.
func peerLogger(t *testing.T) *slog.Logger {
	if os.Getenv("UA_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// addr is the peer's SIP address (host:port, UDP).
func (p *c2cPeer) addr() string { return p.a.Addr("udp").String() }

// next is the next call the peer answered.
func (p *c2cPeer) next(t *testing.T) c2cCall {
	t.Helper()
	select {
	case pc := <-p.calls:
		return pc
	case err := <-p.errs:
		t.Fatalf("peer: %v", err)
	case <-time.After(c2cWait):
		t.Fatal("the peer got no call")
	}
	return c2cCall{}
}

// waitEnded waits for a peer's call to end and answers how.
func waitEnded(t *testing.T, c *ua.Call) ua.End {
	t.Helper()
	select {
	case <-c.Done():
		return c.End()
	case <-time.After(c2cWait):
		t.Fatalf("call %s did not end", c.ID())
	}
	return ua.End{}
}

// sipCallsDaemon is a daemon without Asterisk whose click-to-calls go
// over SIP to trunk.
func sipCallsDaemon(t *testing.T, trunk *c2cPeer, edit ...func(*config.SIPUA)) (*Daemon, string) {
	t.Helper()
	return testDaemon(t, func(c *config.Config) {
		c.ARI.URL = ""
		c.Calls.Backend = config.CallsBackendSIP
		c.SIPUA = config.SIPUA{Addr: "127.0.0.1:0", Transports: []string{"udp"}, RTPPorts: "41000-41999",
			Trunk: "sip:{number}@" + trunk.addr(), Allow: []string{"127.0.0.1"}}
		for _, f := range edit {
			f(&c.SIPUA)
		}
	})
}

// awaitCallEvent reads call id's events until one of type typ; it fails
// on call_ended first (unless typ is call_ended). It answers the types
// read, typ last, and the call of the last.
func awaitCallEvent(ctx context.Context, t *testing.T, ws *websocket.Conn, id, typ string) ([]string, map[string]any) {
	t.Helper()
	var types []string
	for {
		got, call := nextCallEvent(ctx, t, ws)
		if call["id"] != id {
			t.Fatalf("an event of another call: %s %v", got, call)
		}
		types = append(types, got)
		if got == typ {
			return types, call
		}
		if got == "call_ended" {
			t.Fatalf("call ended before %s: %v (%v)", typ, types, call)
		}
	}
}

// TestClickToCallOverSIPThroughDaemon: POST /api/v1/calls rings the
// user's desk phone (a SIP UA; its display shows the destination), then
// dials the destination through the trunk; the trunk's audio reaches the
// phone through pbxagent's bridge; the call is listed while up; the
// trunk's BYE ends it (call_ended, ended_by destination), the phone gets
// a BYE, and the call is in the user's history.
func TestClickToCallOverSIPThroughDaemon(t *testing.T) {
	phone := startC2CPeer(t, "42000-42199", true)
	trunk := startC2CPeer(t, "42200-42399", true)
	trunk.gate = make(chan struct{}) // the destination rings until the test lets it answer
	d, base := sipCallsDaemon(t, trunk)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"SIP/101@" + phone.addr()})
	ws := cleo.events(ctx, "calls")

	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	id, _ := placed["id"].(string)
	if code != http.StatusAccepted || id == "" || placed["state"] != "dialing" {
		t.Fatalf("place: %d %v", code, placed)
	}
	desk := phone.next(t)
	if desk.fromName != "200" || desk.to != "101" {
		t.Errorf("the desk phone got a call from %q to %q, want the destination 200 shown, to 101", desk.fromName, desk.to)
	}
	if types, ringing := awaitCallEvent(ctx, t, ws, id, "call_updated"); strings.Join(types, ",") != "call_created,call_updated" || ringing["state"] != "ringing" {
		t.Errorf("events %v, then %v, want ringing", types, ringing)
	}
	// While the destination rings the desk phone hears ringback: its
	// detector hears the 1 s tone as a "greeting" longer than 800 ms
	// (pbxagent sends silence when nothing plays).
	amdCfg := media.AMDConfig{InitialSilence: 3 * time.Second, MaxGreeting: 800 * time.Millisecond, AfterGreeting: 400 * time.Millisecond}
	if amd := desk.c.Media().DetectMachine(ctx, amdCfg); amd != media.AMDMachine {
		t.Errorf("the desk phone heard %v while the destination rang, want the ringback tone (machine)", amd)
	}
	close(trunk.gate)
	far := trunk.next(t)
	if far.to != "200" {
		t.Errorf("the trunk was asked for %q, want 200", far.to)
	}
	// The far end talks (a steady 1 kHz tone) as soon as it answers.
	talk, stopTalk := context.WithCancel(ctx)
	talked := make(chan struct{})
	go func() {
		defer close(talked)
		tone := media.RingbackTone{Freqs: []float64{1000}, On: 10 * time.Second, Level: -10}.Audio()
		_ = far.c.Media().Play(talk, tone, true)
	}()
	defer func() { stopTalk(); <-talked }()

	types, up := awaitCallEvent(ctx, t, ws, id, "call_answered")
	if len(types) != 1 || up["state"] != "up" || up["device"] != "SIP/101@"+phone.addr() || up["answered_at"] == nil {
		t.Errorf("events %v, answered %v", types, up)
	}
	if typ, call := nextCallEvent(ctx, t, ws); typ != "call_updated" || call["state"] != "up" {
		t.Errorf("after call_answered: %s %v", typ, call)
	}
	// The far end's audio reaches the desk phone: its detector hears a
	// long "greeting" (speech longer than MaxGreeting), where pbxagent
	// sends silence when nothing is bridged.
	if amd := desk.c.Media().DetectMachine(ctx, amdCfg); amd != media.AMDMachine {
		t.Errorf("the desk phone heard %v, want the far end's steady tone (machine)", amd)
	}
	if code, list := cleo.do("GET", "/api/v1/calls", ""); code != 200 || !strings.Contains(func() string { b, _ := json.Marshal(list); return string(b) }(), id) {
		t.Errorf("list while up: %d %v", code, list)
	}

	if err := far.c.Hangup(ctx, 16); err != nil {
		t.Fatalf("the trunk hangs up: %v", err)
	}
	_, ended := awaitCallEvent(ctx, t, ws, id, "call_ended")
	if ended["ended_by"] != "destination" || ended["cause"] != float64(16) || ended["state"] != "ended" {
		t.Errorf("ended %v", ended)
	}
	if e := waitEnded(t, desk.c); !e.ByRemote {
		t.Errorf("the desk phone's call ended %+v, want pbxagent's BYE", e)
	}
	if code, got := cleo.do("GET", "/api/v1/calls", ""); code != 200 || len(got["calls"].([]any)) != 0 {
		t.Errorf("list after the end: %d %v", code, got)
	}
	code, b := cleo.raw("GET", "/api/v1/calls/history")
	var page callhistory.Page
	if err := json.Unmarshal(b, &page); code != 200 || err != nil || len(page.Calls) != 1 {
		t.Fatalf("history: %d %s", code, b)
	}
	if r := page.Calls[0]; r.ID != id || r.Direction != "outbound" || r.From != "101" || r.To != "200" ||
		r.EndedBy != "destination" || r.AnsweredAt == nil {
		t.Errorf("history record %+v", r)
	}
	eventually(t, "the daemon's SIP calls end", func() bool { return d.sipUA.Calls() == 0 })
}

// TestClickToCallOverSIPControls: of two devices the answering one wins
// and the other is cancelled; hold and resume re-INVITE the trunk (the
// bridge runs on, the trunk hearing the hold music meanwhile); mute stops
// the user's audio towards the trunk; a recording is written, listed and
// downloaded like one through ARI; the API's hang-up sends BYE to both
// sides.
func TestClickToCallOverSIPControls(t *testing.T) {
	phone := startC2CPeer(t, "42400-42599", true)
	mobile := startC2CPeer(t, "42600-42799", false)
	trunk := startC2CPeer(t, "42800-42999", true)
	// The hold music: 300 ms of 600 Hz, then 1.5 s of silence — to the
	// answering-machine heuristic below a person's short "hello", where
	// the user's steady tone is a machine's long greeting. The long gap
	// stays longer than the heuristic's 400 ms after a loaded machine's
	// stall made the trunk's jitter buffer catch up (drop part of it).
	sounds := t.TempDir()
	music := media.RingbackTone{Freqs: []float64{600}, On: 300 * time.Millisecond, Off: 1500 * time.Millisecond, Level: -10}.Audio()
	f, err := os.Create(filepath.Join(sounds, "moh.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if err := media.WriteWAV(f, music.Samples); err != nil {
		t.Fatal(err)
	}
	f.Close()
	recDir := t.TempDir()
	d, base := sipCallsDaemon(t, trunk, func(c *config.SIPUA) { c.SoundsDir, c.HoldMusic, c.RecordingsDir = sounds, "moh", recDir })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"SIP/101@" + phone.addr(), "SIP/102@" + mobile.addr()})
	ws := cleo.events(ctx, "calls")

	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"+41441234567"}`)
	id, _ := placed["id"].(string)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, placed)
	}
	desk := phone.next(t)
	select {
	case pc := <-mobile.cancelled:
		if pc.fromName != "+41441234567" {
			t.Errorf("the other device showed %q", pc.fromName)
		}
	case <-time.After(c2cWait):
		t.Fatal("the other device was not cancelled")
	}
	far := trunk.next(t)
	if far.to != "+41441234567" {
		t.Errorf("the trunk was asked for %q", far.to)
	}
	awaitCallEvent(ctx, t, ws, id, "call_answered")
	// The user talks (a steady tone) all along.
	talk, stopTalk := context.WithCancel(ctx)
	talked := make(chan struct{})
	go func() {
		defer close(talked)
		tone := media.RingbackTone{Freqs: []float64{1000}, On: 10 * time.Second, Level: -10}.Audio()
		_ = desk.c.Media().Play(talk, tone, true)
	}()
	defer func() { stopTalk(); <-talked }()
	// hearsWithin runs the heuristic on what the trunk hears; silence
	// longer than initial is AMDSilence.
	hearsWithin := func(initial time.Duration) media.AMDResult {
		t.Helper()
		actx, cancel := context.WithTimeout(ctx, initial+3*time.Second)
		defer cancel()
		return far.c.Media().DetectMachine(actx, media.AMDConfig{InitialSilence: initial, MaxGreeting: 800 * time.Millisecond,
			AfterGreeting: 400 * time.Millisecond})
	}
	hears := func() media.AMDResult { t.Helper(); return hearsWithin(time.Second) }
	if got := hears(); got != media.AMDMachine {
		t.Errorf("the trunk heard %v while up, want the user's tone (machine)", got)
	}

	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/hold", ""); code != 200 || got["state"] != "held" {
		t.Fatalf("hold: %d %v", code, got)
	}
	eventually(t, "the trunk's call is held", far.c.Held)
	// The first verdict may be the tail of the user's tone (still in the
	// trunk's jitter buffer) then silence; the second is what plays now:
	// the music's short sound then its silence (human; the music's gap is
	// 1.5 s, within the 3 s of initial silence), where a silent hold would
	// be silence.
	first := hearsWithin(3 * time.Second)
	if got := hearsWithin(3 * time.Second); got != media.AMDHuman {
		t.Errorf("the trunk heard %v then %v while held, want the hold music (a short sound then silence: human)", first, got)
	}
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/resume", ""); code != 200 || got["state"] != "up" {
		t.Fatalf("resume: %d %v", code, got)
	}
	eventually(t, "the trunk's call is resumed", func() bool { return !far.c.Held() })
	if got := hears(); got != media.AMDMachine {
		t.Errorf("the trunk heard %v after resume, want the user's tone (machine)", got)
	}
	// Muted, the trunk receives nothing more of the user (pbxagent's
	// bridged leg sends only what it relays); unmuted, it does again.
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/mute", ""); code != 200 || got["muted"] != true {
		t.Fatalf("mute: %d %v", code, got)
	}
	deskSent := func() uint32 { return desk.c.Media().Stats().Sent.Packets }
	trunkGot := func() uint64 { return far.c.Media().Stats().Received.Received }
	waitDesk := func(n uint32) {
		t.Helper()
		base := deskSent()
		eventually(t, "the desk phone sends", func() bool { return deskSent() >= base+n })
	}
	waitDesk(10) // what was on its way when the mute took effect
	before := trunkGot()
	waitDesk(25)
	if got := trunkGot(); got != before {
		t.Errorf("the trunk got %d packets of the muted user", got-before)
	}
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/unmute", ""); code != 200 || got["muted"] != false {
		t.Fatalf("unmute: %d %v", code, got)
	}
	eventually(t, "the trunk hears the user again", func() bool { return trunkGot() > before+10 })

	// A recording, written by the bridge, listed and served as one
	// through ARI.
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/record", `{"action":"start"}`); code != 200 || got["recording"] != "recording" {
		t.Fatalf("record: %d %v", code, got)
	}
	waitDesk(25)
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/record", `{"action":"stop"}`); code != 200 || got["recording"] != "off" {
		t.Fatalf("stop recording: %d %v", code, got)
	}
	recName := id + "-1"
	code, list := cleo.do("GET", "/api/v1/recordings", "")
	if recs, _ := list["recordings"].([]any); code != 200 || len(recs) != 1 || recs[0].(map[string]any)["name"] != recName ||
		recs[0].(map[string]any)["state"] != "done" {
		t.Fatalf("recordings: %d %v", code, list)
	}
	code, file := cleo.raw("GET", "/api/v1/recordings/"+recName+"/file")
	if code != 200 || len(file) <= 44 || string(file[:4]) != "RIFF" || file[22] != 2 {
		t.Fatalf("download: %d, %d bytes %q", code, len(file), file[:min(len(file), 24)])
	}
	if code, got := cleo.do("DELETE", "/api/v1/calls/"+id, ""); code != 200 || got["state"] != "ended" || got["ended_by"] != "api" {
		t.Fatalf("hang up: %d %v", code, got)
	}
	for name, c := range map[string]*ua.Call{"desk": desk.c, "trunk": far.c} {
		if e := waitEnded(t, c); !e.ByRemote {
			t.Errorf("the %s's call ended %+v, want pbxagent's BYE", name, e)
		}
	}
	types, _ := awaitCallEvent(ctx, t, ws, id, "call_ended")
	want := []string{"call_held", "call_updated", "call_resumed", "call_updated", "call_updated", "call_updated",
		"recording_started", "call_updated", "recording_stopped", "call_updated", "call_ended"}
	if len(types) < len(want) || strings.Join(types[len(types)-len(want):], ",") != strings.Join(want, ",") {
		t.Errorf("events after the answer %v, want %v", types, want)
	}
	eventually(t, "the daemon's SIP calls end", func() bool { return d.sipUA.Calls() == 0 })
}

// TestClickToCallOverSIPBusy: a busy destination (486 from the trunk)
// ends the call with cause 17, ended_by destination, and the desk phone
// gets a BYE carrying that cause.
func TestClickToCallOverSIPBusy(t *testing.T) {
	phone := startC2CPeer(t, "43000-43199", true)
	trunk := startC2CPeer(t, "43200-43399", true)
	trunk.reject = 486
	_, base := sipCallsDaemon(t, trunk)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"SIP/101@" + phone.addr()})
	ws := cleo.events(ctx, "calls")
	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	id, _ := placed["id"].(string)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, placed)
	}
	desk := phone.next(t)
	_, ended := awaitCallEvent(ctx, t, ws, id, "call_ended")
	if ended["ended_by"] != "destination" || ended["cause"] != float64(17) || ended["answered_at"] != nil {
		t.Errorf("ended %v, want by the destination, cause 17, unanswered", ended)
	}
	if e := waitEnded(t, desk.c); !e.ByRemote || e.Cause != 17 {
		t.Errorf("the desk phone's call ended %+v, want pbxagent's BYE with cause 17", e)
	}
}

// TestClickToCallOverSIPBlindTransfer: POST …/transfer (blind) on a call
// over SIP ends it for the user (the desk phone gets a BYE, call_ended by
// transfer), dials the recipient through the trunk with the transferee's
// number, and bridges the transferee to it on answer: what the recipient
// sends reaches the transferee; the transferee's BYE reaches the
// recipient.
func TestClickToCallOverSIPBlindTransfer(t *testing.T) {
	phone := startC2CPeer(t, "43400-43599", true)
	trunk := startC2CPeer(t, "43600-43799", true)
	d, base := sipCallsDaemon(t, trunk)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"SIP/101@" + phone.addr()})
	ws := cleo.events(ctx, "calls")
	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	id, _ := placed["id"].(string)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, placed)
	}
	desk := phone.next(t)
	far := trunk.next(t)
	awaitCallEvent(ctx, t, ws, id, "call_answered")

	code, tr := cleo.do("POST", "/api/v1/calls/"+id+"/transfer", `{"to":"300","mode":"blind"}`)
	tid, _ := tr["id"].(string)
	if code != http.StatusAccepted || tid == "" || tr["mode"] != "blind" {
		t.Fatalf("transfer: %d %v", code, tr)
	}
	if e := waitEnded(t, desk.c); !e.ByRemote {
		t.Errorf("the desk phone's call ended %+v, want pbxagent's BYE", e)
	}
	rec := trunk.next(t)
	if rec.to != "300" || rec.fromName != "" && rec.fromName != "200" {
		t.Errorf("the recipient was called as %q from %q", rec.to, rec.fromName)
	}
	// The recipient's stream reaches the transferee through pbxagent.
	got := func() uint64 { return far.c.Media().Stats().Received.Received }
	sent := func() uint32 { return rec.c.Media().Stats().Sent.Packets }
	base0, sent0 := got(), sent()
	eventually(t, "the recipient sends", func() bool { return sent() > sent0+25 })
	eventually(t, "the transferee hears the recipient", func() bool { return got() > base0+25 })
	if code, x := cleo.do("GET", "/api/v1/transfers/"+tid, ""); code != 200 || x["state"] != "completed" || x["reason"] != "answered" {
		t.Errorf("the transfer: %d %v", code, x)
	}
	if err := far.c.Hangup(ctx, 16); err != nil {
		t.Fatal(err)
	}
	if e := waitEnded(t, rec.c); !e.ByRemote {
		t.Errorf("the recipient's call ended %+v, want pbxagent's BYE", e)
	}
	if code, ended := cleo.do("GET", "/api/v1/calls/"+id, ""); code != 200 || ended["state"] != "ended" || ended["ended_by"] != "transfer" || ended["transfer"] != tid {
		t.Errorf("the call after the transfer: %d %v", code, ended)
	}
	eventually(t, "the daemon's SIP calls end", func() bool { return d.sipUA.Calls() == 0 })
}

// TestClickToCallOverSIPParkAndPickup: POST …/park on a call over SIP
// hangs the desk phone up while the trunk's leg stays up, hearing the
// hold music; a supervisor's POST …/pickup rings their phone, which is
// then bridged with the trunk (call_picked_up); the trunk's BYE ends the
// call.
func TestClickToCallOverSIPParkAndPickup(t *testing.T) {
	phone := startC2CPeer(t, "43800-43999", true)
	other := startC2CPeer(t, "44000-44199", true)
	trunk := startC2CPeer(t, "44200-44399", true)
	d, base := sipCallsDaemon(t, trunk)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"SIP/101@" + phone.addr()})
	sam := signIn(t, base, "sam", []string{"manage_callcenter"}, []string{"SIP/102@" + other.addr()})
	ws := cleo.events(ctx, "calls")
	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	id, _ := placed["id"].(string)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, placed)
	}
	desk := phone.next(t)
	far := trunk.next(t)
	awaitCallEvent(ctx, t, ws, id, "call_answered")

	code, parked := cleo.do("POST", "/api/v1/calls/"+id+"/park", "")
	if code != 200 || parked["state"] != "parked" || parked["parked_slot"] == nil {
		t.Fatalf("park: %d %v", code, parked)
	}
	if e := waitEnded(t, desk.c); !e.ByRemote {
		t.Errorf("the desk phone's call ended %+v, want pbxagent's BYE", e)
	}
	// The trunk's leg stays up and hears the music (pbxagent sends it
	// packets of its own again).
	rx := far.c.Media().Stats().Received.Received
	eventually(t, "the parked party hears pbxagent", func() bool { return far.c.Media().Stats().Received.Received > rx+25 })
	select {
	case <-far.c.Done():
		t.Fatal("the parked party was hung up")
	default:
	}

	if code, got := sam.do("POST", "/api/v1/calls/"+id+"/pickup", ""); code != http.StatusAccepted {
		t.Fatalf("pickup: %d %v", code, got)
	}
	picker := other.next(t)
	if !strings.HasPrefix(picker.fromName, "Parked ") {
		t.Errorf("the picker's display %q", picker.fromName)
	}
	eventually(t, "picked up", func() bool {
		_, got := sam.do("GET", "/api/v1/calls/"+id, "")
		return got["state"] == "up"
	})
	// The picker talks (a steady tone): the trunk hears it through
	// pbxagent's bridge — a long "greeting" to its answering-machine
	// heuristic, where the parked music (1 s on, 4 s off) or silence
	// would not be.
	talk, stopTalk := context.WithCancel(ctx)
	talked := make(chan struct{})
	go func() {
		defer close(talked)
		tone := media.RingbackTone{Freqs: []float64{1000}, On: 10 * time.Second, Level: -10}.Audio()
		_ = picker.c.Media().Play(talk, tone, true)
	}()
	defer func() { stopTalk(); <-talked }()
	// The first verdict may be the tail of the music then the switch's
	// gap (a loaded machine); the second is what plays now.
	if first, amd := hearsSteady(ctx, far.c); amd != media.AMDMachine {
		t.Errorf("the trunk heard %v then %v after the pickup, want the picker's steady tone (machine)", first, amd)
	}
	if err := far.c.Hangup(ctx, 16); err != nil {
		t.Fatal(err)
	}
	if e := waitEnded(t, picker.c); !e.ByRemote {
		t.Errorf("the picker's call ended %+v, want pbxagent's BYE", e)
	}
	eventually(t, "the daemon's SIP calls end", func() bool { return d.sipUA.Calls() == 0 })
}

// TestClickToCallOverSIPAttendedTransfer: POST …/transfer (attended) on a
// call over SIP holds the trunk's leg, dials the recipient through the
// trunk and bridges the desk phone with it (the recipient hears the
// user); POST /api/v1/transfers/{id}/complete ends the call for the user
// and bridges the transferee with the recipient (the transferee hears
// the recipient).
func TestClickToCallOverSIPAttendedTransfer(t *testing.T) {
	phone := startC2CPeer(t, "44400-44599", true)
	trunk := startC2CPeer(t, "44600-44799", true)
	d, base := sipCallsDaemon(t, trunk)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"SIP/101@" + phone.addr()})
	ws := cleo.events(ctx, "calls")
	code, placed := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	id, _ := placed["id"].(string)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, placed)
	}
	desk := phone.next(t)
	far := trunk.next(t)
	awaitCallEvent(ctx, t, ws, id, "call_answered")

	code, tr := cleo.do("POST", "/api/v1/calls/"+id+"/transfer", `{"to":"300","mode":"attended"}`)
	tid, _ := tr["id"].(string)
	if code != http.StatusAccepted || tid == "" {
		t.Fatalf("transfer: %d %v", code, tr)
	}
	eventually(t, "the trunk's call is held", far.c.Held)
	rec := trunk.next(t)
	if rec.to != "300" {
		t.Errorf("the recipient was called as %q", rec.to)
	}
	eventually(t, "answered", func() bool {
		_, x := cleo.do("GET", "/api/v1/transfers/"+tid, "")
		return x["state"] == "answered"
	})
	// tone plays a steady tone from leg until the test ends.
	tone := func(leg *ua.Call) {
		talk, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = leg.Media().Play(talk, media.RingbackTone{Freqs: []float64{1000}, On: 10 * time.Second, Level: -10}.Audio(), true)
		}()
		t.Cleanup(func() { stop(); <-done })
	}
	tone(desk.c) // the user talks to the recipient
	if first, amd := hearsSteady(ctx, rec.c); amd != media.AMDMachine {
		t.Errorf("the recipient heard %v then %v during the consultation, want the user's tone (machine)", first, amd)
	}
	if code, x := cleo.do("POST", "/api/v1/transfers/"+tid+"/complete", ""); code != 200 || x["state"] != "completed" {
		t.Fatalf("complete: %d %v", code, x)
	}
	if e := waitEnded(t, desk.c); !e.ByRemote {
		t.Errorf("the desk phone's call ended %+v, want pbxagent's BYE", e)
	}
	eventually(t, "the transferee is resumed", func() bool { return !far.c.Held() })
	tone(rec.c) // the recipient talks to the transferee
	if first, amd := hearsSteady(ctx, far.c); amd != media.AMDMachine {
		t.Errorf("the transferee heard %v then %v after the transfer, want the recipient's tone (machine)", first, amd)
	}
	if err := rec.c.Hangup(ctx, 16); err != nil {
		t.Fatal(err)
	}
	if e := waitEnded(t, far.c); !e.ByRemote {
		t.Errorf("the transferee's call ended %+v, want pbxagent's BYE", e)
	}
	eventually(t, "the daemon's SIP calls end", func() bool { return d.sipUA.Calls() == 0 })
}

// hearsSteady runs the answering-machine heuristic on what c receives: a
// steady tone is a "greeting" longer than 1.5 s (machine), the hold music
// (1 s on) or silence is not. A first verdict that is not machine may be
// what was on its way when the media switched; the second is what plays
// now. It answers both (the first is machine when it sufficed).
func hearsSteady(ctx context.Context, c *ua.Call) (first, second media.AMDResult) {
	cfg := media.AMDConfig{InitialSilence: 3 * time.Second, MaxGreeting: 1500 * time.Millisecond, AfterGreeting: 400 * time.Millisecond}
	if first = c.Media().DetectMachine(ctx, cfg); first == media.AMDMachine {
		return first, first
	}
	return first, c.Media().DetectMachine(ctx, cfg)
}
