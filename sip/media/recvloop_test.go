package media

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// recvSink collects what one registration's handler got.
type recvSink struct {
	mu   sync.Mutex
	got  []string
	from []netip.AddrPort
}

func (s *recvSink) handler() RecvHandler {
	return RecvHandler{Datagram: func(b []byte, from netip.AddrPort) {
		s.mu.Lock()
		s.got = append(s.got, string(b))
		s.from = append(s.from, from)
		s.mu.Unlock()
	}}
}

func (s *recvSink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

func listenUDP(t *testing.T, network, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Skipf("listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.UDPConn)
}

// Many sockets on one loop: every datagram reaches its socket's handler, in
// order, with its source; removing the sockets leaves the loop idle (no
// goroutine), and a later Add starts it again.
func TestRecvLoopManySockets(t *testing.T) {
	for _, tc := range []struct {
		name, network, addr string
	}{
		{name: "IPv4", network: "udp4", addr: "127.0.0.1:0"},
		{name: "IPv6", network: "udp6", addr: "[::1]:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			loop := NewRecvLoop(nil)
			client := listenUDP(t, tc.network, tc.addr)
			const sockets, each = 40, 5
			conns := make([]*net.UDPConn, sockets)
			sinks := make([]*recvSink, sockets)
			removes := make([]func(), sockets)
			for i := range conns {
				conns[i] = listenUDP(t, tc.network, tc.addr)
				sinks[i] = &recvSink{}
				rm, err := loop.Add(conns[i], sinks[i].handler())
				if err != nil {
					t.Fatal(err)
				}
				removes[i] = rm
			}
			if n := loop.Len(); n != sockets {
				t.Fatalf("Len %d, want %d", n, sockets)
			}
			for k := range each {
				for i, c := range conns {
					if _, err := client.WriteToUDPAddrPort([]byte(fmt.Sprintf("%d/%d", i, k)), c.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
						t.Fatal(err)
					}
				}
			}
			for i, s := range sinks {
				eventually(t, 5*time.Second, fmt.Sprintf("socket %d gets %d datagrams", i, each), func() bool { return s.len() >= each })
			}
			want := client.LocalAddr().(*net.UDPAddr).AddrPort()
			want = netip.AddrPortFrom(want.Addr().Unmap(), want.Port())
			for i, s := range sinks {
				s.mu.Lock()
				for k := range each {
					if g, w := s.got[k], fmt.Sprintf("%d/%d", i, k); g != w {
						t.Errorf("socket %d datagram %d: %q, want %q", i, k, g, w)
					}
					if s.from[k] != want {
						t.Errorf("socket %d datagram %d from %v, want %v", i, k, s.from[k], want)
					}
				}
				if len(s.got) != each {
					t.Errorf("socket %d got %d datagrams, want %d", i, len(s.got), each)
				}
				s.mu.Unlock()
			}
			if st := loop.Stats(); st.Datagrams != sockets*each || st.Sockets != sockets {
				t.Errorf("stats %+v, want %d datagrams on %d sockets", st, sockets*each, sockets)
			} else if runtime.GOOS == "linux" && (st.Wakeups == 0 || st.Reads < sockets) {
				t.Errorf("stats %+v: the epoll loop did not serve the sockets", st)
			}
			for _, rm := range removes {
				rm()
				rm() // idempotent
			}
			if n := loop.Len(); n != 0 {
				t.Fatalf("Len %d after removing all", n)
			}
			eventually(t, 5*time.Second, "no goroutine left", func() bool { return runtime.NumGoroutine() <= before })

			// Idle, then busy again.
			s := &recvSink{}
			rm, err := loop.Add(conns[0], s.handler())
			if err != nil {
				t.Fatal(err)
			}
			defer rm()
			if _, err := client.WriteToUDPAddrPort([]byte("again"), conns[0].LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "a datagram after a restart", func() bool { return s.len() == 1 })
		})
	}
}

// Once remove has returned, the handler gets nothing more, while the other
// sockets keep being served; a socket closed without remove does not stop
// the loop either.
func TestRecvLoopRemoveAndClose(t *testing.T) {
	loop := NewRecvLoop(nil)
	client := listenUDP(t, "udp4", "127.0.0.1:0")
	removed, closed, kept := listenUDP(t, "udp4", "127.0.0.1:0"), listenUDP(t, "udp4", "127.0.0.1:0"), listenUDP(t, "udp4", "127.0.0.1:0")
	sRemoved, sClosed, sKept := &recvSink{}, &recvSink{}, &recvSink{}
	rmRemoved, err := loop.Add(removed, sRemoved.handler())
	if err != nil {
		t.Fatal(err)
	}
	rmClosed, err := loop.Add(closed, sClosed.handler())
	if err != nil {
		t.Fatal(err)
	}
	rmKept, err := loop.Add(kept, sKept.handler())
	if err != nil {
		t.Fatal(err)
	}
	defer rmKept()
	send := func(c *net.UDPConn, msg string) {
		t.Helper()
		if _, err := client.WriteToUDPAddrPort([]byte(msg), c.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
	}
	send(removed, "1")
	send(closed, "1")
	eventually(t, 5*time.Second, "both get their first", func() bool { return sRemoved.len() == 1 && sClosed.len() == 1 })
	rmRemoved()
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	send(removed, "2")
	// Datagrams are delivered in order on loopback: once kept has its
	// second, removed's second was in its buffer before it.
	send(kept, "1")
	send(kept, "2")
	eventually(t, 5*time.Second, "the kept socket is still served", func() bool { return sKept.len() == 2 })
	if n := sRemoved.len(); n != 1 {
		t.Fatalf("the removed socket's handler got %d datagrams, want 1", n)
	}
	rmClosed() // after Close: fine
	if n := loop.Len(); n != 1 {
		t.Fatalf("Len %d, want 1", n)
	}
}

// A net.PacketConn that is not a socket gets a reader goroutine of its own
// (the portable path), removed like the others.
func TestRecvLoopNotASocket(t *testing.T) {
	before := runtime.NumGoroutine()
	loop := NewRecvLoop(nil)
	c := &chanConn{in: make(chan []byte, 1), wake: make(chan struct{})}
	s := &recvSink{}
	rm, err := loop.Add(c, s.handler())
	if err != nil {
		t.Fatal(err)
	}
	c.in <- []byte("x")
	eventually(t, 5*time.Second, "the datagram", func() bool { return s.len() == 1 })
	rm()
	if n := loop.Len(); n != 0 {
		t.Fatalf("Len %d after remove", n)
	}
	eventually(t, 5*time.Second, "the reader goroutine ended", func() bool { return runtime.NumGoroutine() <= before })
	if _, err := loop.Add(nil, s.handler()); err == nil {
		t.Fatal("Add(nil) accepted")
	}
}

// chanConn is a PacketConn that is not a socket: ReadFrom returns what is
// put on in, or a timeout once a read deadline in the past was set.
type chanConn struct {
	net.PacketConn // nil: only the methods below are called
	in             chan []byte
	wake           chan struct{}
	once           sync.Once
}

func (c *chanConn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case p := <-c.in:
		return copy(b, p), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}, nil
	case <-c.wake:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

func (c *chanConn) SetReadDeadline(t time.Time) error {
	if !t.IsZero() && t.Before(time.Now()) {
		c.once.Do(func() { close(c.wake) })
	}
	return nil
}
