package media

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// bridgedPair is two phones, a (PCMU) and b (PCMA), each talking to one
// session of pbxagent's, s1 and s2, which a SessionBridge joins; all four
// run in this process on loopback.
type bridgedPair struct {
	a, s1, s2, b *leg
	sb           *SessionBridge
	ran          chan error
}

func startBridgedPair(t *testing.T) *bridgedPair {
	t.Helper()
	pr := testPortRange(t)
	pa, p1 := listenLoopback(t, pr), listenLoopback(t, pr)
	p2, pb := listenLoopback(t, pr), listenLoopback(t, pr)
	ca, c1 := pairConfig(pa, p1, PCMU)
	c2, cb := pairConfig(p2, pb, PCMA)
	bp := &bridgedPair{a: startLeg(t, ca), s1: startLeg(t, c1), s2: startLeg(t, c2), b: startLeg(t, cb), ran: make(chan error, 1)}
	sb, err := NewSessionBridge(bp.s1.s, bp.s2.s)
	if err != nil {
		t.Fatal(err)
	}
	bp.sb = sb
	ctx, cancel := context.WithCancel(context.Background())
	go func() { bp.ran <- sb.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-bp.ran; err != nil {
			t.Errorf("bridge: %v", err)
		}
	})
	eventually(t, 5*time.Second, "bridge attached", func() bool { return bridged(bp.s1.s) && bridged(bp.s2.s) })
	return bp
}

func bridged(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bridge != nil
}

// flows says whether what one phone sends reaches the other through the
// bridge: the phones send continuously (silence), and a bridged session
// sends only what is relayed to it, so its sent count moves iff the relay
// towards it flows. It waits until the phone sent n more packets.
func flows(t *testing.T, from, to *leg, n uint32) bool {
	t.Helper()
	base := to.s.Stats().Sent.Packets
	tx := from.s.Stats().Sent.Packets
	eventually(t, 5*time.Second, "packets from the phone", func() bool { return from.s.Stats().Sent.Packets >= tx+n })
	return to.s.Stats().Sent.Packets > base
}

// The relay honours a mute and the direction negotiated on each leg (RFC
// 3264 section 6.1: nothing is sent to a leg that made itself recvonly
// or inactive towards us; what it sends still goes through).
func TestSessionBridgeDirections(t *testing.T) {
	tests := []struct {
		name       string
		set, unset func(bp *bridgedPair)
		aToB, bToA bool
	}{
		{name: "bridged", set: func(*bridgedPair) {}, unset: func(*bridgedPair) {}, aToB: true, bToA: true},
		{name: "a muted",
			set:   func(bp *bridgedPair) { _ = bp.sb.Mute(LegA, true) },
			unset: func(bp *bridgedPair) { _ = bp.sb.Mute(LegA, false) },
			bToA:  true},
		{name: "b muted",
			set:   func(bp *bridgedPair) { _ = bp.sb.Mute(LegB, true) },
			unset: func(bp *bridgedPair) { _ = bp.sb.Mute(LegB, false) },
			aToB:  true},
		{name: "b holds us (sendonly: we answer recvonly and send it nothing)",
			set:   func(bp *bridgedPair) { bp.s2.s.SetSending(false) },
			unset: func(bp *bridgedPair) { bp.s2.s.SetSending(true) },
			bToA:  true},
		{name: "a inactive",
			set:   func(bp *bridgedPair) { bp.s1.s.SetSending(false); bp.a.s.SetSending(false) },
			unset: func(bp *bridgedPair) { bp.s1.s.SetSending(true); bp.a.s.SetSending(true) },
			aToB:  false, bToA: false},
	}
	bp := startBridgedPair(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.set(bp)
			paused := bp.sb.Stats().Paused
			if tc.name == "a inactive" {
				// a sends nothing: a→b cannot be measured by a's packets.
				if got := flows(t, bp.b, bp.s1, 10); got {
					t.Errorf("b→a flows to an inactive leg")
				}
			} else {
				if got := flows(t, bp.a, bp.s2, 10); got != tc.aToB {
					t.Errorf("a→b flows %v, want %v", got, tc.aToB)
				}
				if got := flows(t, bp.b, bp.s1, 10); got != tc.bToA {
					t.Errorf("b→a flows %v, want %v", got, tc.bToA)
				}
			}
			if held := bp.sb.Stats().Paused > paused; held == (tc.aToB && tc.bToA) {
				t.Errorf("paused counter moved %v", held)
			}
			tc.unset(bp)
			if !flows(t, bp.a, bp.s2, 10) || !flows(t, bp.b, bp.s1, 10) {
				t.Error("the relay did not come back both ways")
			}
		})
	}
}

// A held leg hears its own session's media (the hold music) and nothing
// of the other side; the other side hears nothing of it; resumed, the
// relay comes back both ways; held inactive, it gets nothing at all.
func TestSessionBridgeHold(t *testing.T) {
	bp := startBridgedPair(t)
	prompt := testPrompt(t)
	if err := bp.sb.Hold(LegB, true); err != nil {
		t.Fatal(err)
	}
	if bridged(bp.s2.s) {
		t.Fatal("the held leg is still attached to the bridge")
	}
	bp.b.mu.Lock()
	bp.b.frames = nil
	bp.b.mu.Unlock()
	// a speaks while the music plays to b: b must hear the music only.
	errc := make(chan error, 1)
	go func() { errc <- bp.a.s.Play(context.Background(), prompt, false) }()
	if err := bp.s2.s.Play(context.Background(), prompt, false); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	waitPlayedOut(t, bp.b)
	silence := PCMA.Decode(nil, []byte{PCMA.Silence()})[0]
	checkPrompt(t, bp.b.audio(), prompt, silence, bp.s2.s.Stats().Skipped, PCMA)
	if bp.sb.Stats().Paused == 0 {
		t.Error("nothing was held back while b was held")
	}
	if flows(t, bp.b, bp.s1, 10) {
		t.Error("b is heard by a while held")
	}

	if err := bp.sb.Hold(LegB, false); err != nil {
		t.Fatal(err)
	}
	if !bridged(bp.s2.s) {
		t.Fatal("the resumed leg is not attached")
	}
	if !flows(t, bp.a, bp.s2, 10) || !flows(t, bp.b, bp.s1, 10) {
		t.Fatal("the relay did not come back both ways")
	}
	bp.b.mu.Lock()
	bp.b.frames = nil
	bp.b.mu.Unlock()
	if err := bp.a.s.Play(context.Background(), prompt, false); err != nil {
		t.Fatal(err)
	}
	waitPlayedOut(t, bp.b)
	checkPrompt(t, bp.b.audio(), prompt, silence, bp.a.s.Stats().Skipped, PCMU, PCMA)
	// Held inactive (SetSending(false), as a hold with a=inactive leaves
	// it): the held leg gets nothing. (Last: the phone's jitter buffer,
	// by sequence number, takes a second to recover from the gap.)
	if err := bp.sb.Hold(LegB, true); err != nil {
		t.Fatal(err)
	}
	bp.s2.s.SetSending(false)
	sent := bp.s2.s.Stats().Sent.Packets
	rx := bp.a.s.Stats().Sent.Packets
	eventually(t, 5*time.Second, "a keeps sending", func() bool { return bp.a.s.Stats().Sent.Packets >= rx+10 })
	if got := bp.s2.s.Stats().Sent.Packets; got != sent {
		t.Errorf("an inactive held leg got %d packets", got-sent)
	}

	if err := bp.sb.Hold(2, true); err == nil {
		t.Error("hold of leg 2: no error")
	}
}

// A held leg stays held across runs: a bridge run again does not attach
// it; one whose Run ended leaves both sessions to their own media.
func TestSessionBridgeHoldAcrossRuns(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		p1, p2 := listenLoopback(t, pr), listenLoopback(t, pr)
		c1, c2 := pairConfig(p1, p2, PCMU)
		s1, s2 := startLeg(t, io.apply(c1)), startLeg(t, io.apply(c2))
		sb, err := NewSessionBridge(s1.s, s2.s)
		if err != nil {
			t.Fatal(err)
		}
		if err := sb.Hold(LegA, true); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- sb.Run(ctx) }()
		eventually(t, 5*time.Second, "b attached", func() bool { return bridged(s2.s) })
		if bridged(s1.s) {
			t.Error("a held leg was attached by Run")
		}
		if err := sb.Run(ctx); err == nil {
			t.Error("a second Run at once: no error")
		}
		cancel()
		if err := <-ran; err != nil {
			t.Fatal(err)
		}
		if bridged(s2.s) {
			t.Error("b still attached after Run")
		}
		// Resumed while not running: nothing to attach until the next Run.
		if err := sb.Hold(LegA, false); err != nil {
			t.Fatal(err)
		}
		if bridged(s1.s) {
			t.Error("a resumed leg was attached without a Run")
		}
	})
}

// A recording paused leaves the paused time out; stopped, the WAV is
// complete; stopping again says it is not recording.
func TestRecordTapPause(t *testing.T) {
	clk := clock.NewVirtual(time.Unix(1000, 0))
	out := &memFile{}
	tap, err := newRecordTap(out, clk, PCMU, PCMU)
	if err != nil {
		t.Fatal(err)
	}
	tone := toneFrame()
	ts := uint32(0)
	send := func(frames int) {
		for range frames {
			tap.add(0, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: PCMU.PayloadType, SSRC: 1, Timestamp: ts}, Payload: PCMU.Encode(nil, tone)})
			ts += FrameSamples
			clk.Advance(FramePeriod)
		}
	}
	send(50) // 1 s recorded
	tap.pause(true)
	send(250) // 5 s paused: left out
	tap.pause(false)
	send(50) // 1 s more
	if err := tap.close(); err != nil {
		t.Fatal(err)
	}
	if err := tap.close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	left, _ := readStereoWAV(t, out.b)
	if got, want := len(left), 100*FrameSamples; got < want-FrameSamples || got > want+FrameSamples {
		t.Fatalf("recorded %d samples, want about %d (the pause left out)", got, want)
	}
	quiet := 0
	for _, loud := range loudWindows(left) {
		if !loud {
			quiet++
		}
	}
	if quiet > 1 {
		t.Errorf("%d quiet windows in a recording of a tone paused and resumed", quiet)
	}
}

// StartRecording on a running bridge records from then on; PauseRecording
// and StopRecording without a recording say so.
func TestSessionBridgeRecordingControls(t *testing.T) {
	bp := startBridgedPair(t)
	if err := bp.sb.PauseRecording(true); !errors.Is(err, ErrNotRecording) {
		t.Errorf("pause without a recording: %v", err)
	}
	if err := bp.sb.StopRecording(); !errors.Is(err, ErrNotRecording) {
		t.Errorf("stop without a recording: %v", err)
	}
	out := &memFile{}
	if err := bp.sb.StartRecording(out); err != nil {
		t.Fatal(err)
	}
	if err := bp.sb.StartRecording(&memFile{}); err == nil {
		t.Error("a second recording at once: no error")
	}
	prompt := testPrompt(t)
	if err := bp.a.s.Play(context.Background(), prompt, false); err != nil {
		t.Fatal(err)
	}
	waitPlayedOut(t, bp.b)
	if err := bp.sb.PauseRecording(true); err != nil {
		t.Fatal(err)
	}
	if err := bp.sb.StopRecording(); err != nil {
		t.Fatal(err)
	}
	left, _ := readStereoWAV(t, out.b)
	loud := 0
	for _, l := range loudWindows(left) {
		if l {
			loud++
		}
	}
	if loud == 0 {
		t.Fatal("a's prompt is not in the recording")
	}
}
