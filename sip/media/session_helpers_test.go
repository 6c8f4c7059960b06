package media

import (
	"bytes"
	"context"
	"net"
	"net/netip"
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

// roundTrip is what a frame sounds like after encoding with each codec of
// the path and decoding at the end.
func roundTrip(frames [][]int16, path ...Codec) []int16 {
	var out []int16
	for _, f := range frames {
		pcm := f
		for _, c := range path {
			pcm = c.Decode(nil, c.Encode(nil, pcm))
		}
		out = append(out, pcm...)
	}
	return out
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
