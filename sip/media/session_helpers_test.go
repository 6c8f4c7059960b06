package media

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

// testPortRange is a media port range outside Linux's ephemeral ports.
func testPortRange(t testing.TB) *PortRange {
	t.Helper()
	pr, err := NewPortRange(21000, 22999)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func listenLoopback(t testing.TB, pr *PortRange) *PortPair {
	t.Helper()
	pp, err := pr.Listen(context.Background(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return pp
}

func loopback(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
}

// leg is a running Session with what its callbacks saw.
type leg struct {
	s      *Session
	mu     sync.Mutex
	frames [][]int16
	digits chan rune
	runErr chan error
}

func (l *leg) audio() [][]int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]int16(nil), l.frames...)
}

// startLeg builds and runs a session; cleanup closes it and checks that Run
// returned nil.
func startLeg(t testing.TB, cfg SessionConfig) *leg {
	t.Helper()
	l := &leg{digits: make(chan rune, 64), runErr: make(chan error, 1)}
	if cfg.Jitter.Depth == 0 {
		// 200 ms: loopback on a loaded 2-core machine can stall a reader.
		cfg.Jitter.Depth = 10
	}
	if cfg.Jitter.CatchUp == 0 {
		// These tests compare every frame of a prompt: a stalled reader
		// must add delay, not drop the backlog (catch-up has its own tests).
		cfg.Jitter.CatchUp = -1
	}
	cfg.OnAudio = func(pcm []int16) {
		l.mu.Lock()
		l.frames = append(l.frames, pcm)
		l.mu.Unlock()
	}
	cfg.OnDTMF = func(d rune) { l.digits <- d }
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.s = s
	go func() { l.runErr <- s.Run(context.Background()) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		select {
		case err := <-l.runErr:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Run did not return after Close")
		}
	})
	return l
}

// pairConfig returns two configs whose remotes point at each other's ports.
func pairConfig(a, b *PortPair, codec Codec) (SessionConfig, SessionConfig) {
	ca := SessionConfig{Ports: a, Remote: loopback(b.Port), Codec: codec, EventPayloadType: 101, CNAME: "a@test"}
	cb := SessionConfig{Ports: b, Remote: loopback(a.Port), Codec: codec, EventPayloadType: 101, CNAME: "b@test"}
	return ca, cb
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval of a deadline check, not a wait for an event
	}
}

func flatten(frames [][]int16) []int16 {
	var out []int16
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}

// firstSound is the index of the first sample that is not the codec's
// decoded silence, -1 if none.
func firstSound(pcm []int16, silence int16) int {
	for i, v := range pcm {
		if v != silence {
			return i
		}
	}
	return -1
}

// impairConn wraps the sending side's RTP socket: it drops every dropEvery-th
// datagram and, with swap, sends each pair of datagrams in reverse order.
type impairConn struct {
	net.PacketConn
	dropEvery int
	swap      bool

	mu      sync.Mutex
	n       int
	held    []byte
	heldTo  net.Addr
	dropped int
}

func (c *impairConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.dropEvery > 0 && c.n%c.dropEvery == 0 {
		c.dropped++
		return len(b), nil
	}
	if !c.swap {
		return c.PacketConn.WriteTo(b, addr)
	}
	if c.held == nil {
		c.held, c.heldTo = bytes.Clone(b), addr
		return len(b), nil
	}
	n, err := c.PacketConn.WriteTo(b, addr)
	if err != nil {
		return n, err
	}
	_, err = c.PacketConn.WriteTo(c.held, c.heldTo)
	c.held = nil
	return n, err
}

func (c *impairConn) droppedCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// memConn is an in-memory PacketConn for the virtual-clock tests: it keeps
// what is written and blocks reads until Close.
type memConn struct {
	mu     sync.Mutex
	sent   [][]byte
	closed chan struct{}
	once   sync.Once
}

func newMemConn() *memConn { return &memConn{closed: make(chan struct{})} }

func (c *memConn) ReadFrom([]byte) (int, net.Addr, error) {
	<-c.closed
	return 0, nil, net.ErrClosed
}

func (c *memConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	c.mu.Lock()
	c.sent = append(c.sent, bytes.Clone(b))
	c.mu.Unlock()
	return len(b), nil
}

func (c *memConn) packets() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.sent...)
}

func (c *memConn) Close() error                     { c.once.Do(func() { close(c.closed) }); return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// checkPrompt checks that the frames a leg played contain the prompt after
// the codec path's round trip. With no slot skipped by the sender (it ran
// late by a period or more), the audio aligned on the first non-silent
// sample must equal the prompt sample for sample. In any case every played
// frame must be a prompt frame (in order), silence, or a repeat of the frame
// before (concealment), and at most skipped prompt frames may be missing.
func checkPrompt(t testing.TB, got [][]int16, prompt *Audio, silence int16, skipped uint64, path ...Codec) {
	t.Helper()
	wantFrames := make([][]int16, 0)
	for _, f := range prompt.Frames() {
		pcm := f
		for _, c := range path {
			pcm = c.Decode(nil, c.Encode(nil, pcm))
		}
		wantFrames = append(wantFrames, pcm)
	}
	if skipped == 0 {
		want, all := flatten(wantFrames), flatten(got)
		w0, g0 := firstSound(want, silence), firstSound(all, silence)
		if g0 < 0 || len(all)-g0 < len(want)-w0 {
			t.Fatalf("played %d samples from the first sound, want %d", len(all)-g0, len(want)-w0)
		}
		for i := range want[w0:] {
			if all[g0+i] != want[w0+i] {
				t.Fatalf("sample %d of the prompt = %d, want %d", w0+i, all[g0+i], want[w0+i])
			}
		}
	}
	key := func(f []int16) string {
		b := make([]byte, 0, 2*len(f))
		for _, v := range f {
			b = append(b, byte(v), byte(v>>8))
		}
		return string(b)
	}
	silentFrame := make([]int16, FrameSamples)
	for i := range silentFrame {
		silentFrame[i] = silence
	}
	index := make(map[string]int)
	for i, f := range wantFrames {
		k := key(f)
		if _, dup := index[k]; dup {
			index[k] = -1 // ambiguous
			continue
		}
		index[k] = i
	}
	unique := 0
	for _, i := range index {
		if i >= 0 {
			unique++
		}
	}
	seen := make(map[int]bool)
	last := -1
	for k, f := range got {
		i, ok := index[key(f)]
		switch {
		case ok && i >= 0:
			if i < last {
				t.Fatalf("played frame %d is prompt frame %d after frame %d", k, i, last)
			}
			last = i
			seen[i] = true
		case ok || slices.Equal(f, silentFrame):
		case k > 0 && slices.Equal(f, got[k-1]):
		default:
			t.Fatalf("played frame %d is neither the prompt, silence nor a repeat", k)
		}
	}
	if missing := unique - len(seen); uint64(missing) > skipped {
		t.Fatalf("%d prompt frames missing, the sender skipped %d slots", missing, skipped)
	}
}

// ioMode is one of the two receive designs a socket test runs with: reader
// goroutines and playout timers per session (the zero SessionConfig), or
// one RecvLoop for the test's sessions with playout on the send clock.
type ioMode struct {
	name string
	loop *RecvLoop // nil: goroutines and timers
}

// apply sets cfg up for the mode.
func (m ioMode) apply(cfg SessionConfig) SessionConfig {
	if m.loop != nil {
		cfg.RecvLoop = m.loop
		cfg.ClockedPlayout = true
	}
	return cfg
}

// forEachIO runs test once per receive design, as subtests; the RecvLoop
// must be idle (no socket, no goroutine) when a subtest has cleaned up.
func forEachIO(t *testing.T, test func(t *testing.T, io ioMode)) {
	t.Helper()
	t.Run("goroutines", func(t *testing.T) { test(t, ioMode{name: "goroutines"}) })
	t.Run("recvloop", func(t *testing.T) {
		loop := NewRecvLoop(nil)
		t.Cleanup(func() {
			if n := loop.Len(); n != 0 {
				t.Errorf("%d sockets still on the RecvLoop", n)
			}
		})
		test(t, ioMode{name: "recvloop", loop: loop})
	})
}
