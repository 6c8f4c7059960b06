package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/backoff"
)

// udpConn is the packet socket sipgo's UDP transport reads from. It
//
//   - retries failed reads with a backoff instead of returning them: sipgo's read loop ends on
//     the first error, and with it the UDP transport;
//   - pins the top Via of every request not from a trusted proxy to the packet's source
//     (pinTopVia), so that responses and their retransmissions go back where the request came
//     from and nowhere else.
//
// It returns an error only once it is closed.
type udpConn struct {
	net.PacketConn
	trusted []netip.Prefix
	ctr     *counters
	log     *slog.Logger

	closed    chan struct{}
	closeOnce sync.Once
}

func newUDPConn(pc net.PacketConn, trusted []netip.Prefix, ctr *counters, log *slog.Logger) *udpConn {
	return &udpConn{PacketConn: pc, trusted: trusted, ctr: ctr, log: log, closed: make(chan struct{})}
}

// ReadFrom implements net.PacketConn.
func (c *udpConn) ReadFrom(b []byte) (int, net.Addr, error) {
	var delay time.Duration
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil {
			if c.isClosed() || errors.Is(err, net.ErrClosed) {
				return n, addr, err
			}
			c.ctr.udpReadErrors.Add(1)
			delay = backoff.Next(delay)
			c.log.Warn("sip udp read failed; retrying", "error", err, "backoff", delay)
			if !sleepOrDone(delay, c.closed) {
				return 0, nil, fmt.Errorf("sip udp read: %w", net.ErrClosed)
			}
			continue
		}
		delay = 0
		src := udpSource(addr)
		if !src.IsValid() || c.isTrusted(src.Addr()) {
			return n, addr, nil
		}
		out, ok := pinTopVia(b[:n], src)
		if !ok || len(out) > len(b) {
			continue // dropped: a folded Via, or no room for the rewrite
		}
		return copy(b, out), addr, nil
	}
}

// Close implements net.PacketConn; a backoff in progress ends at once.
func (c *udpConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.PacketConn.Close()
}

func (c *udpConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *udpConn) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func udpSource(a net.Addr) netip.AddrPort {
	if ua, ok := a.(*net.UDPAddr); ok {
		ap := ua.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
