package siptel

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/testlab/sipp"
)

// startSIPp runs one call of a server scenario of testdata on loopback
// (media on mediaPort, echoing RTP) until the test ends, and returns
// its SIP address. Without sipp the test is skipped, or fails when
// CI=true.
func startSIPp(t *testing.T, scenario string, mediaPort int) string {
	t.Helper()
	bin, err := sipp.Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	port, err := sipp.FreeUDPPort()
	if err != nil {
		t.Fatal(err)
	}
	sf, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(mediaPort), "-rtp_echo", "-m", "1", "-nostdin")
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(e2eWait)
	for {
		if !udpFree(addr) {
			return addr // bound by SIPp
		}
		select {
		case <-done:
			t.Fatal("sipp exited early")
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("sipp did not bind %s", addr)
		}
	}
}

// TestSIPpTrunk runs customer legs against SIPp as the trunk: a busy
// customer (486 → cause 17), and one who answers and echoes RTP: joined
// to an agent, the agent hears its own voice back through pbxagent's
// relay and SIPp's echo; the dialer's hang-up reaches SIPp as a BYE.
func TestSIPpTrunk(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end SIP test")
	}
	ports, err := media.NewPortRange(52600, 52699)
	if err != nil {
		t.Fatal(err)
	}
	agentPhone := newPhone()
	agentUA := startUA(t, ports, agentPhone.onInvite)
	dialerUA := startUA(t, ports, nil)
	tel := New(FromAgent(dialerUA), Config{Logger: quietLogger()})
	events := make(chan dialer.Event, 16)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { defer close(runDone); _ = tel.Run(ctx, func(ev dialer.Event) { events <- ev }) }()
	defer func() { cancel(); <-runDone }()
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

	busy := startSIPp(t, "uas_busy.xml", 52700)
	if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: "c1", Endpoint: "sip:+38761111111@" + busy}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventRinging, CallID: "c1"}) {
		t.Fatalf("event %+v, want ringing", ev)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventEnded, CallID: "c1", Cause: 17}) {
		t.Fatalf("event %+v, want ended 17 (busy)", ev)
	}

	if err := tel.ConnectAgent(ctx, "a1", sipTarget(agentUA, "agent")); err != nil {
		t.Fatal(err)
	}
	ag := agentPhone.next(t)
	if ev := next(); ev.Kind != dialer.EventAgentUp {
		t.Fatalf("event %+v, want agent up", ev)
	}
	echo := startSIPp(t, "uas_answer.xml", 52710)
	if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: "c2", Endpoint: "sip:+38761111112@" + echo}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Kind != dialer.EventRinging {
		t.Fatalf("event %+v, want ringing", ev)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventAnswered, CallID: "c2"}) {
		t.Fatalf("event %+v, want answered", ev)
	}
	if err := tel.Join(ctx, "c2", "a1", false); err != nil {
		t.Fatal(err)
	}
	voice, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = ag.call.Media().Play(voice, tone(time.Second), true) }()
	dctx, dcancel := context.WithTimeout(ctx, e2eWait)
	defer dcancel()
	if r, _ := speechOnset(dctx, ag.call.Media()); r != media.AMDMachine {
		t.Fatalf("the agent did not hear the echo through the trunk (%v)", r)
	}
	if err := tel.Hangup(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev != (dialer.Event{Kind: dialer.EventEnded, CallID: "c2", Cause: 16}) {
		t.Fatalf("event %+v, want ended 16", ev)
	}
}
