package sipua

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
	"github.com/pbxagent/pbxagent/testlab/rtppcap"
	"github.com/pbxagent/pbxagent/testlab/rtpstat"
	"github.com/pbxagent/pbxagent/testlab/sipp"
)

// testPorts is a media port range for one test's Agent.
func testPorts(t testing.TB) *media.PortRange {
	t.Helper()
	pr, err := media.NewPortRange(30000, 39999)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// requireTshark skips without tshark, but fails under CI=true (.ci/run installs it).
func requireTshark(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: tshark not found (apt-get install tshark)")
		}
		t.Skip("skipping: tshark not found (apt-get install tshark)")
	}
}

// maxMismatch is the share of frames allowed to differ from the prompt sent: on a loaded
// machine a packet can miss its playout slot and be concealed; anything beyond a few is a
// fault.
const maxMismatch = 0.02

// checkPrompt fails t unless got holds sent after one µ-law round trip, whole, in order.
func checkPrompt(t *testing.T, sent, got []int16) {
	t.Helper()
	c := Compare(sent, got, media.PCMU)
	t.Logf("prompt received: %s", c)
	if c.Offset < 0 || c.Missing > 0 || c.Frames < len(sent)/160-10 || float64(c.Mismatched) > maxMismatch*float64(c.Frames) {
		t.Fatalf("prompt not received intact: %s (sent %d samples, received %d)", c, len(sent), len(got))
	}
}

// TestDialSIPpTrunk: an Agent dials SIPp acting as a trunk that answers and plays a prompt from
// a pcap (play_pcap_audio). The audio the call hears (OnAudio) is the WAV the pcap was made
// from, after one G.711 round trip, and the call ends cleanly on both sides: hung up by SIPp
// after the prompt, or by us once the prompt is in.
func TestDialSIPpTrunk(t *testing.T) {
	sipp.Require(t)
	tests := []struct {
		name       string
		scenario   string
		sippHangs  bool
		promptSecs int
	}{
		{name: "SIPp hangs up after the prompt", scenario: "uas_pcap_bye.xml", sippHangs: true, promptSecs: 3},
		{name: "we hang up once the prompt is in", scenario: "uas_pcap.xml", promptSecs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			dir := t.TempDir()
			sent, dur, err := WritePromptFiles(dir, Prompt(200*time.Millisecond, time.Duration(tt.promptSecs)*time.Second), "")
			if err != nil {
				t.Fatal(err)
			}
			srv, err := sipp.StartServer(ctx, sipp.Server{Scenario: sipp.Scenario(tt.scenario), Dir: dir, Calls: 1,
				Pause: dur + 1500*time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			rec := NewRecorder()
			a := StartAgent(t, testPorts(t), func(c *ua.Config) { c.OnMedia = rec.Hook })
			call, err := a.Dial(ctx, ua.DialRequest{To: "sip:033222111@" + srv.Addr, From: "100"})
			if err != nil {
				t.Fatalf("Dial: %v\nSIPp: %s", err, srv.Output())
			}
			if tt.sippHangs {
				select {
				case <-call.Done():
				case <-ctx.Done():
					t.Fatalf("SIPp did not hang up: %s", srv.Output())
				}
				if e := call.End(); !e.ByRemote || e.Cause != 16 {
					t.Errorf("End = %+v, want by remote, cause 16", e)
				}
			} else {
				deadline := time.Now().Add(dur + 10*time.Second)
				for c := Compare(sent, rec.Audio(call.ID()), media.PCMU); c.Offset < 0 || c.Missing > 0; c = Compare(sent, rec.Audio(call.ID()), media.PCMU) {
					if time.Now().After(deadline) {
						t.Fatalf("prompt not in after %v: %s", dur+10*time.Second, c)
					}
					select {
					case <-call.Done():
						t.Fatalf("call ended early: %+v", call.End())
					case <-time.After(50 * time.Millisecond): // poll with a deadline
					}
				}
				if err := call.Hangup(ctx, 0); err != nil {
					t.Fatalf("Hangup: %v", err)
				}
				if e := call.End(); e.ByRemote {
					t.Errorf("End = %+v, want by us", e)
				}
			}
			checkPrompt(t, sent, rec.Audio(call.ID()))
			st := call.Media().Stats()
			t.Logf("media: received %d packets, lost %d, jitter buffer %+v", st.Received.Received, st.Received.CumulativeLost, st.Jitter)
			res, err := srv.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 0 || res.Successful != 1 || res.Failed != 0 {
				t.Fatalf("SIPp: %s\nerrors: %s\noutput: %.2000s", res, res.Errors, res.Output)
			}
			if a.Calls() != 0 {
				t.Errorf("Agent still has %d calls", a.Calls())
			}
		})
	}
}

// TestSIPpCallsAgent: SIPp calls an Agent (uac_call.xml), plays a prompt and the digits 1 and 2
// (RFC 4733, in the prompt's stream) and hangs up; uac_call_sippdtmf.xml then also plays SIPp's
// own pcap of the digit 5 (another SSRC and sequence numbers). The Agent answers, hears the prompt intact
// and the digits in order (OnDTMF), and sends its own digits "*90#", which SIPp cannot report:
// they are checked in a tshark capture of what reaches SIPp's media port, decoded by
// media.DTMFDecoder.
func TestSIPpCallsAgent(t *testing.T) {
	sipp.Require(t)
	requireTshark(t)
	tests := []struct {
		name     string
		scenario string
		// heard are the digits the Agent must hear: the pcap's "12", then the digits of SIPp's
		// own DTMF pcap when the scenario plays it.
		heard string
		file  string
	}{
		{name: "prompt and digits in one stream", scenario: "uac_call.xml", heard: "12"},
		{name: "then SIPp's own DTMF pcap", scenario: "uac_call_sippdtmf.xml", heard: "125", file: "/usr/share/sip-tester/dtmf_2833_5.pcap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file != "" {
				if _, err := os.Stat(tt.file); err != nil {
					t.Skipf("skipping: %v", err) // sipp is there (Require), so is its package's pcaps
				}
			}
			sippCallsAgent(t, tt.scenario, tt.heard)
		})
	}
}

func sippCallsAgent(t *testing.T, scenario, heard string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sent, dur, err := WritePromptFiles(dir, Prompt(100*time.Millisecond, 2*time.Second), "12")
	if err != nil {
		t.Fatal(err)
	}
	const ours = "*90#"
	rec := NewRecorder()
	calls := make(chan *ua.Call, 1)
	errs := make(chan error, 2)
	a := StartAgent(t, testPorts(t), func(c *ua.Config) {
		c.OnMedia = rec.Hook
		c.OnInvite = func(in *ua.Incoming) {
			go func() {
				call, err := in.Answer(ctx)
				if err != nil {
					errs <- fmt.Errorf("Answer: %w", err)
					return
				}
				calls <- call
				if err := call.Media().SendDTMF(ctx, ours); err != nil {
					errs <- fmt.Errorf("SendDTMF: %w", err)
				}
			}()
		}
	})
	mp, err := sipp.FreeMediaPort()
	if err != nil {
		t.Fatal(err)
	}
	capFile := filepath.Join(dir, "tosipp.pcap")
	capt, err := rtpstat.StartCapture(ctx, rtpstat.CaptureOptions{Filter: fmt.Sprintf("udp dst port %d", mp), File: capFile, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sipp.Run(ctx, sipp.UAC{Scenario: sipp.Scenario(scenario), Remote: a.Addr("udp").String(),
		Rate: 1, Calls: 1, Dir: dir, MediaPort: mp, Pause: dur + 1500*time.Millisecond})
	if cerr := capt.Stop(); cerr != nil {
		t.Error(cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || res.Successful != 1 {
		t.Fatalf("SIPp: %s\nerrors: %s\noutput: %.2000s", res, res.Errors, res.Output)
	}
	var call *ua.Call
	select {
	case call = <-calls:
	case err := <-errs:
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("call not ended after SIPp's BYE")
	}
	if e := call.End(); !e.ByRemote || e.Cause != 16 {
		t.Errorf("End = %+v, want by remote, cause 16", e)
	}
	select {
	case err := <-errs:
		t.Error(err)
	default:
	}
	checkPrompt(t, sent, rec.Audio(call.ID()))
	if got := rec.Digits(call.ID()); got != heard {
		t.Errorf("digits heard %q, want %q", got, heard)
	}
	// Our digits, as they reached SIPp's media port.
	f, err := os.Open(capFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := rtppcap.ReadDatagrams(f)
	if err != nil {
		t.Fatal(err)
	}
	dec := media.NewDTMFDecoder()
	var got []rune
	var audio int
	for _, d := range ds {
		if int(d.Dst.Port()) != mp {
			continue // the capture's probes
		}
		var p rtp.Packet
		if err := p.Unmarshal(d.Payload); err != nil {
			t.Fatalf("not RTP to SIPp: %v", err)
		}
		switch p.PayloadType {
		case 101:
			digits, err := dec.Push(&p)
			if err != nil {
				t.Fatal(err)
			}
			for _, dd := range digits {
				got = append(got, dd.Digit)
			}
		case 0:
			audio++
		default:
			t.Errorf("payload type %d sent to SIPp", p.PayloadType)
		}
	}
	if string(got) != ours {
		t.Errorf("digits captured towards SIPp %q, want %q", string(got), ours)
	}
	if audio < 50 {
		t.Errorf("only %d audio packets towards SIPp", audio)
	}
	t.Logf("towards SIPp: %d audio packets, digits %q", audio, string(got))
}
