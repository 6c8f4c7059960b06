package media

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func testPrompt(t testing.TB) *Audio {
	t.Helper()
	a, err := ReadWAV(bytes.NewReader(pcmWAV(t)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A prompt played by A arrives at B and, decoded, is the WAV after one
// G.711 round trip, sample for sample.
func TestSessionPromptArrives(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		tests := []struct {
			name  string
			codec Codec
		}{
			{name: "PCMU", codec: PCMU},
			{name: "PCMA", codec: PCMA},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				pr := testPortRange(t)
				pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
				ca, cb := pairConfig(pa, pb, tc.codec)
				a, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(cb))
				prompt := testPrompt(t)
				if err := a.s.Play(context.Background(), prompt, false); err != nil {
					t.Fatalf("play: %v", err)
				}
				silence := tc.codec.Decode(nil, []byte{tc.codec.Silence()})[0]
				waitPlayedOut(t, b)
				checkPrompt(t, b.audio(), prompt, silence, a.s.Stats().Skipped, tc.codec)
				if st := b.s.Stats(); st.Received.CumulativeLost != 0 || st.Jitter.Late != 0 || st.Received.SSRC != a.s.Stats().Sent.SSRC {
					t.Fatalf("B stats %+v", st)
				}
			})
		}
	})
}

// Loss and reordering on the way: B's statistics count the loss, the
// jitter buffer restores the order, and what B plays is the prompt with
// the lost frames concealed.
func TestSessionLossAndReordering(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		imp := &impairConn{PacketConn: pa.RTP, dropEvery: 7, swap: true}
		pa.RTP = imp
		ca, cb := pairConfig(pa, pb, PCMU)
		a, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(cb))
		prompt := testPrompt(t)
		if err := a.s.Play(context.Background(), prompt, false); err != nil {
			t.Fatalf("play: %v", err)
		}
		want := prompt.Frames()
		index := make(map[string]int) // decoded frame → prompt frame index; ambiguous ones removed
		for i, f := range want {
			k := string(PCMU.Encode(nil, f))
			if _, dup := index[k]; dup {
				index[k] = -1
				continue
			}
			index[k] = i
		}
		silentKey := string(bytes.Repeat([]byte{PCMU.Silence()}, FrameSamples))
		var matched []int
		var got [][]int16
		eventually(t, 5*time.Second, "B played past the prompt's end", func() bool {
			got = b.audio()
			matched = matched[:0]
			for _, f := range got {
				if i, ok := index[string(PCMU.Encode(nil, f))]; ok && i >= 0 {
					matched = append(matched, i)
				}
			}
			return len(matched) > 0 && matched[len(matched)-1] >= len(want)-3
		})
		if !slices.IsSorted(matched) {
			t.Fatalf("prompt frames played out of order: %v", matched)
		}
		// A lost frame is concealed by repeating the one before, so a prompt
		// frame may show twice in a row.
		missing := len(want) - len(slices.Compact(slices.Clone(matched)))
		if skipped := int(a.s.Stats().Skipped); missing < len(want)/7-2 || missing > len(want)/7+8+skipped {
			t.Fatalf("%d of %d prompt frames missing, want about one in 7 lost (sender skipped %d slots)", missing, len(want), skipped)
		}
		// Every frame that is not the prompt's is a concealment: a repeat of
		// the frame before or silence.
		first := -1
		for k, f := range got {
			key := string(PCMU.Encode(nil, f))
			if i, ok := index[key]; ok && i >= 0 {
				if first < 0 {
					first = k
				}
				continue
			}
			if first < 0 || key == silentKey {
				continue
			}
			if !slices.Equal(f, got[k-1]) {
				t.Fatalf("played frame %d is neither the prompt, a repeat nor silence", k)
			}
		}
		// Stop the stream; once A has received 25 more packets (500 ms) from B, all
		// A sent has arrived.
		a.s.SetSending(false)
		base := a.s.Stats().Received.Received
		eventually(t, 5*time.Second, "A receives", func() bool { return a.s.Stats().Received.Received >= base+25 })
		st := b.s.Stats()
		dropped := imp.droppedCount()
		if st.Received.CumulativeLost < int64(dropped)-2 || st.Received.CumulativeLost > int64(dropped) {
			t.Fatalf("B counts %d lost, %d were dropped", st.Received.CumulativeLost, dropped)
		}
		if st.Jitter.Late != 0 || st.Jitter.Concealed == 0 {
			t.Fatalf("jitter stats %+v", st.Jitter)
		}
	})
}

// waitPlayedOut waits until what was sent to l before now has been played:
// the jitter buffer's depth and a few frames more.
func waitPlayedOut(t *testing.T, l *leg) {
	t.Helper()
	base := l.s.Stats().Jitter.Played
	eventually(t, 5*time.Second, "playout past the prompt", func() bool { return l.s.Stats().Jitter.Played >= base+15 })
}

func collectDigits(t *testing.T, l *leg, n int) string {
	t.Helper()
	var got []rune
	timeout := time.After(5 * time.Second)
	for len(got) < n {
		select {
		case d := <-l.digits:
			got = append(got, d)
		case <-timeout:
			t.Fatalf("got digits %q, want %d", string(got), n)
		}
	}
	return string(got)
}

// noMoreDigits checks that no digit arrives while 20 more packets (400 ms,
// past every repeated end packet) reach the leg.
func noMoreDigits(t *testing.T, l *leg) {
	t.Helper()
	base := l.s.Stats().Received.Received
	eventually(t, 5*time.Second, "20 more packets", func() bool { return l.s.Stats().Received.Received >= base+20 })
	select {
	case d := <-l.digits:
		t.Fatalf("extra digit %q", d)
	default:
	}
}

func TestSessionDTMFBothWays(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		ca, cb := pairConfig(pa, pb, PCMA)
		a, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(cb))
		errc := make(chan error, 2)
		go func() { errc <- a.s.SendDTMF(context.Background(), "123#*") }()
		go func() { errc <- b.s.SendDTMF(context.Background(), "*#DA90") }()
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		if got := collectDigits(t, b, 5); got != "123#*" {
			t.Fatalf("B got %q", got)
		}
		if got := collectDigits(t, a, 6); got != "*#DA90" {
			t.Fatalf("A got %q", got)
		}
		noMoreDigits(t, a)
		noMoreDigits(t, b)
		if err := a.s.SendDTMF(context.Background(), "12x"); err == nil {
			t.Fatal("digit x accepted")
		}
	})
}

// RTCP runs both ways: each side gets the other's reports about its stream
// (with a round trip, as both send SRs) and the peer's receive figures match.
func TestSessionRTCP(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		ca, cb := pairConfig(pa, pb, PCMU)
		ca.RTCPInterval, cb.RTCPInterval = 100*time.Millisecond, 100*time.Millisecond
		a, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(cb))
		for _, l := range []*leg{a, b} {
			eventually(t, 5*time.Second, "a report with a round trip", func() bool {
				r := l.s.Stats().Remote
				return !r.At.IsZero() && r.RoundTrip > 0
			})
		}
		if r := a.s.Stats().Remote; r.RoundTrip > time.Second || r.TotalLost != 0 {
			t.Fatalf("A's remote report %+v", r)
		}
	})
}

func TestSessionHold(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		ca, cb := pairConfig(pa, pb, PCMU)
		a, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(cb))
		eventually(t, 5*time.Second, "B receives", func() bool { return b.s.Stats().Received.Received > 5 })
		a.s.SetSending(false)
		// Once A has received 25 more packets, anything A sent before the hold
		// has arrived at B.
		waitFor := func(n uint64) {
			base := a.s.Stats().Received.Received
			eventually(t, 5*time.Second, "A keeps receiving", func() bool { return a.s.Stats().Received.Received >= base+n })
		}
		waitFor(25) // 500 ms: room for a loaded machine
		held := b.s.Stats().Received.Received
		sentHeld := a.s.Stats().Sent.Packets
		waitFor(10)
		if got := b.s.Stats().Received.Received; got != held {
			t.Fatalf("B received %d packets during hold", got-held)
		}
		if got := a.s.Stats().Sent.Packets; got != sentHeld {
			t.Fatalf("A sent %d packets during hold", got-sentHeld)
		}
		a.s.SetSending(true)
		eventually(t, 5*time.Second, "B receives after resume", func() bool { return b.s.Stats().Received.Received > held+5 })
		if st := b.s.Stats(); st.Received.CumulativeLost != 0 {
			t.Fatalf("hold showed as loss: %+v", st.Received)
		}
	})
}

// B announces an address it cannot be reached on (a decoy socket); once A's
// packets arrive, B sends to A's real source and stays latched when a third
// party sends to it too.
func TestSessionSymmetricLatch(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		decoy, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer decoy.Close()
		ca, cb := pairConfig(pa, pb, PCMU)
		cb.Remote = decoy.LocalAddr().(*net.UDPAddr).AddrPort()
		cb.Symmetric = true
		// A starts after B so that B sends to the decoy first.
		b := startLeg(t, io.apply(cb))
		buf := make([]byte, 1500)
		_ = decoy.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := decoy.ReadFrom(buf); err != nil {
			t.Fatalf("B sent nothing to its announced remote: %v", err)
		}
		a := startLeg(t, io.apply(ca))
		eventually(t, 5*time.Second, "B latched and A receives B", func() bool {
			return b.s.Stats().Latched && a.s.Stats().Received.Received > 10
		})
		st := b.s.Stats()
		if st.RemoteRTP != loopback(pa.Port) {
			t.Fatalf("B sends RTP to %v, want %v", st.RemoteRTP, loopback(pa.Port))
		}
		if got, want := b.s.rtcpW.Addr().String(), loopback(pa.Port+1).String(); got != want {
			t.Fatalf("B sends RTCP to %s, want %s", got, want)
		}
		// A stranger sends valid RTP of the codec to B: no flip-flop.
		for i := range 5 {
			p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), SSRC: 99}, Payload: make([]byte, 160)}
			raw, _ := p.Marshal()
			if _, err := decoy.WriteTo(raw, net.UDPAddrFromAddrPort(loopback(pb.Port))); err != nil {
				t.Fatal(err)
			}
		}
		base := a.s.Stats().Received.Received
		eventually(t, 5*time.Second, "A keeps receiving B", func() bool { return a.s.Stats().Received.Received > base+10 })
		if st := b.s.Stats(); st.RemoteRTP != loopback(pa.Port) {
			t.Fatalf("B re-latched to %v", st.RemoteRTP)
		}
	})
}

// A ↔ (S1 bridge S2) ↔ B with S1 PCMU and S2 PCMA: A's prompt reaches B
// transcoded, DTMF passes both ways, the bridged legs send nothing of
// their own, and both go back to their own stream afterwards.
func TestSessionBridge(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, p1 := listenLoopback(t, pr), listenLoopback(t, pr)
		p2, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		ca, c1 := pairConfig(pa, p1, PCMU)
		c2, cb := pairConfig(p2, pb, PCMA)
		cb.EventPayloadType = 96
		c2.EventPayloadType = 96
		a, s1, s2, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(c1)), startLeg(t, io.apply(c2)), startLeg(t, io.apply(cb))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		bridged := make(chan error, 1)
		go func() { bridged <- BridgeSessions(ctx, s1.s, s2.s) }()
		eventually(t, 5*time.Second, "bridge attached", func() bool {
			s1.s.mu.Lock()
			defer s1.s.mu.Unlock()
			return s1.s.bridge != nil
		})
		if err := BridgeSessions(ctx, s1.s, b.s); err == nil {
			t.Fatal("a session bridged twice")
		}
		prompt := testPrompt(t)
		if err := a.s.Play(context.Background(), prompt, false); err != nil {
			t.Fatal(err)
		}
		silence := PCMA.Decode(nil, []byte{PCMA.Silence()})[0]
		waitPlayedOut(t, b)
		checkPrompt(t, b.audio(), prompt, silence, a.s.Stats().Skipped, PCMU, PCMA)
		errc := make(chan error, 2)
		go func() { errc <- a.s.SendDTMF(context.Background(), "159") }()
		go func() { errc <- b.s.SendDTMF(context.Background(), "#0") }()
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		if got := collectDigits(t, b, 3); got != "159" {
			t.Fatalf("B got %q", got)
		}
		if got := collectDigits(t, a, 2); got != "#0" {
			t.Fatalf("A got %q", got)
		}
		// A holds: S1 receives nothing, so S2 sends nothing (no own silence).
		a.s.SetSending(false)
		waitB := func(n uint32) {
			base := b.s.Stats().Sent.Packets
			eventually(t, 5*time.Second, "B keeps sending", func() bool { return b.s.Stats().Sent.Packets >= base+n })
		}
		waitB(25) // 500 ms: room for a loaded machine
		quiet := s2.s.Stats().Sent.Packets
		waitB(10)
		if got := s2.s.Stats().Sent.Packets; got != quiet {
			t.Fatalf("bridged S2 sent %d packets of its own", got-quiet)
		}
		cancel()
		if err := <-bridged; err != nil {
			t.Fatalf("bridge: %v", err)
		}
		eventually(t, 5*time.Second, "S2 sends its own stream again", func() bool { return s2.s.Stats().Sent.Packets > quiet+5 })
	})
}

func TestBridgeSessionsEndsWhenALegCloses(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		p1, p2 := listenLoopback(t, pr), listenLoopback(t, pr)
		c1, c2 := pairConfig(p1, p2, PCMU)
		s1, s2 := startLeg(t, io.apply(c1)), startLeg(t, io.apply(c2))
		done := make(chan error, 1)
		go func() { done <- BridgeSessions(context.Background(), s1.s, s2.s) }()
		eventually(t, 5*time.Second, "bridge attached", func() bool {
			s2.s.mu.Lock()
			defer s2.s.mu.Unlock()
			return s2.s.bridge != nil
		})
		if err := s1.s.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !errors.Is(err, ErrSessionClosed) {
				t.Fatalf("bridge returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("bridge did not end")
		}
		s2.s.mu.Lock()
		defer s2.s.mu.Unlock()
		if s2.s.bridge != nil {
			t.Fatal("S2 still bridged")
		}
	})
}

// Many sessions started and closed leave no goroutine and no port behind.
func TestSessionNoLeaks(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		before := runtime.NumGoroutine()
		pr := testPortRange(t)
		const pairs = 20
		var sessions []*Session
		var runs []chan error
		for range pairs {
			pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
			ca, cb := pairConfig(pa, pb, PCMU)
			for _, c := range []SessionConfig{ca, cb} {
				s, err := NewSession(io.apply(c))
				if err != nil {
					t.Fatal(err)
				}
				r := make(chan error, 1)
				go func() { r <- s.Run(context.Background()) }()
				sessions, runs = append(sessions, s), append(runs, r)
			}
		}
		for _, s := range sessions {
			eventually(t, 5*time.Second, "every session receives", func() bool { return s.Stats().Received.Received > 2 })
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { _ = sessions[0].Play(ctx, testPrompt(t), true) }()
		for i, s := range sessions {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil { // idempotent
				t.Fatal(err)
			}
			if err := <-runs[i]; err != nil {
				t.Fatalf("run: %v", err)
			}
		}
		cancel()
		if n := pr.InUse(); n != 0 {
			t.Fatalf("%d port pairs still in use", n)
		}
		eventually(t, 5*time.Second, "goroutines back to the start", func() bool { return runtime.NumGoroutine() <= before })
	})
}

func TestNewSessionRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*SessionConfig)
	}{
		{name: "no ports", edit: func(c *SessionConfig) { c.Ports = nil }},
		{name: "G.729", edit: func(c *SessionConfig) { c.Codec = Codec{Name: "G729", PayloadType: 18} }},
		{name: "event PT is the codec's", edit: func(c *SessionConfig) { c.Codec, c.EventPayloadType = PCMA, 8 }},
		{name: "event PT out of range", edit: func(c *SessionConfig) { c.EventPayloadType = 200 }},
		{name: "no remote, not symmetric", edit: func(c *SessionConfig) { c.Remote = netip.AddrPort{} }},
	}
	pr := testPortRange(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pp := listenLoopback(t, pr)
			cfg := SessionConfig{Ports: pp, Remote: loopback(9), Codec: PCMU, EventPayloadType: 101}
			tc.edit(&cfg)
			if _, err := NewSession(cfg); err == nil {
				t.Fatal("accepted")
			}
			if cfg.Ports != nil && pr.InUse() != 0 {
				t.Fatal("ports of a rejected session not released")
			}
			_ = pp.Close()
		})
	}
}
