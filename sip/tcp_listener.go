package sip

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/backoff"
)

// tcpListener is what sipgo's TCP transport accepts from. It
//
//   - retries failed accepts (out of file descriptors, aborted handshakes …) with a backoff
//     instead of returning them: sipgo's accept loop ends on the first error;
//   - caps the connections held at once, in all and per peer address: one over a cap is closed
//     as soon as it is accepted, so that descriptors are shed before the process runs out;
//   - hands out connections whose reads and writes have deadlines (limitedConn).
//
// It returns an error only once it is closed (or its inner listener is).
type tcpListener struct {
	net.Listener
	lim limits
	ctr *counters
	log *slog.Logger
	now func() time.Time

	closed    chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	total int
	perIP map[netip.Addr]int
}

func newTCPListener(ln net.Listener, lim limits, ctr *counters, log *slog.Logger, now func() time.Time) *tcpListener {
	return &tcpListener{Listener: ln, lim: lim, ctr: ctr, log: log, now: now,
		closed: make(chan struct{}), perIP: map[netip.Addr]int{}}
}

// Accept implements net.Listener.
func (l *tcpListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			l.ctr.acceptErrors.Add(1)
			delay = backoff.Next(delay)
			l.log.Warn("sip tcp accept failed; retrying", "error", err, "backoff", delay)
			if !sleepOrDone(delay, l.closed) {
				return nil, fmt.Errorf("sip tcp accept: %w", net.ErrClosed)
			}
			continue
		}
		delay = 0
		ip := peerIP(c.RemoteAddr())
		if limit := l.admit(ip); limit != "" {
			// Counted before the close, so a peer that sees the close also sees the count.
			l.ctr.tcpRefused.Add(1)
			_ = c.Close()
			l.log.Warn("sip tcp connection refused", "limit", limit, "peer", ip.String())
			continue
		}
		l.ctr.tcpConns.Add(1)
		return &limitedConn{Conn: c, l: l, ip: ip, fr: newMsgFramer(l.now())}, nil
	}
}

// Close implements net.Listener; a backoff in progress ends at once.
func (l *tcpListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

func (l *tcpListener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// admit takes a slot for a connection from ip, or names the cap it is over.
func (l *tcpListener) admit(ip netip.Addr) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.total >= l.lim.tcpMaxConns:
		return "total"
	case l.perIP[ip] >= l.lim.tcpMaxConnsPerIP:
		return "per_address"
	}
	l.total++
	l.perIP[ip]++
	return ""
}

func (l *tcpListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
	l.ctr.tcpConns.Add(-1)
}

// peerIP is the address of a connection's peer (invalid for non-IP addresses, which share a slot).
func peerIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// limitedConn is an accepted TCP connection with deadlines: a message must arrive whole within
// the message timeout of its first byte, a connection with no complete message for the idle
// timeout is closed, and a write must end within the message timeout. sipgo reads a connection
// from one goroutine, so the framer needs no lock.
type limitedConn struct {
	net.Conn
	l    *tcpListener
	ip   netip.Addr
	fr   *msgFramer
	once sync.Once
}

// Read implements net.Conn. An idle connection ends as if the peer had closed it (sipgo logs
// that at debug); a message not received in time ends with the timeout error.
func (c *limitedConn) Read(b []byte) (int, error) {
	idle := !c.fr.inMessage()
	deadline := c.fr.ended.Add(c.l.lim.tcpIdle)
	if !idle {
		deadline = c.fr.started.Add(c.l.lim.tcpMessage)
	}
	if err := c.Conn.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.fr.feed(b[:n], c.l.now())
	}
	if err != nil && isTimeout(err) {
		c.l.ctr.tcpTimeouts.Add(1)
		if idle {
			return n, io.EOF
		}
		return n, fmt.Errorf("sip tcp message not received within %v: %w", c.l.lim.tcpMessage, err)
	}
	return n, err
}

// Write implements net.Conn.
func (c *limitedConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(c.l.now().Add(c.l.lim.tcpMessage)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(b)
	if err != nil && isTimeout(err) {
		c.l.ctr.tcpTimeouts.Add(1)
	}
	return n, err
}

// Close implements net.Conn and frees the connection's slot (once).
func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
