package media

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// RecvHandler receives the datagrams of one socket registered on a
// RecvLoop.
type RecvHandler struct {
	// Datagram is called for each datagram, in arrival order, never
	// concurrently for one socket; b is only valid during the call. It
	// must not block, nor remove its own registration.
	Datagram func(b []byte, from netip.AddrPort)
	// Error, when set, is called at most once, when reading the socket
	// failed (not when it was closed or removed); the socket is not read
	// any more.
	Error func(err error)
}

// RecvLoopStats are a RecvLoop's figures since it was made.
type RecvLoopStats struct {
	// Wakeups counts the times the loop woke up with sockets ready (one
	// epoll_wait that returned events); 0 with goroutine readers.
	Wakeups uint64
	// Reads counts the receive system calls (recvmmsg, each up to
	// recvBatchLen datagrams; with goroutine readers one per datagram).
	Reads uint64
	// Datagrams counts the datagrams handed to the handlers.
	Datagrams uint64
	// Sockets is how many sockets are registered now.
	Sockets int
}

// RecvLoop reads many UDP sockets (the RTP and RTCP sockets of all of a
// user agent's calls) and hands their datagrams to handlers. On Linux one
// goroutine waits for all of them on one epoll instance, itself waited on
// through the Go runtime's network poller, and reads each ready socket with
// recvmmsg until it is drained, so 200 calls cost one runnable goroutine
// on receive instead of 400 reader goroutines; elsewhere (and for a
// net.PacketConn that is not a socket) each socket gets a reader goroutine
// of its own, as a Session without a RecvLoop has.
//
// Like SendClock it is idle without registrations: the first Add starts the
// loop (and its epoll instance), removing the last socket stops it and
// waits for its goroutine to end, so an idle RecvLoop holds no goroutine
// and no file descriptor and needs no Close. It is safe for concurrent use.
type RecvLoop struct {
	log *slog.Logger

	mu     sync.Mutex
	regs   map[int32]*recvReg // epoll registrations by id
	nextID int32
	poll   *recvPoll // the running loop; nil while idle (Linux only)
	count  int       // sockets registered, both kinds

	wakeups, reads, datagrams atomic.Uint64
}

// recvReg is one socket registered on a RecvLoop.
type recvReg struct {
	id   int32
	conn net.PacketConn
	h    RecvHandler

	// mu is held while the loop reads and dispatches this socket's
	// datagrams; remove takes it to wait for a dispatch under way.
	mu   sync.Mutex
	gone bool
	// done is closed when the reader goroutine (goroutine readers only)
	// has returned.
	done chan struct{}
	// polled is the state of an epoll registration's reads (Linux).
	polled polledReader
}

// NewRecvLoop returns an idle RecvLoop; log (nil discards) gets a debug line
// when a socket fails.
func NewRecvLoop(log *slog.Logger) *RecvLoop {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RecvLoop{log: log, regs: make(map[int32]*recvReg)}
}

// Stats returns the loop's figures.
func (l *RecvLoop) Stats() RecvLoopStats {
	l.mu.Lock()
	n := l.count
	l.mu.Unlock()
	return RecvLoopStats{Wakeups: l.wakeups.Load(), Reads: l.reads.Load(), Datagrams: l.datagrams.Load(), Sockets: n}
}

// Len returns how many sockets are registered.
func (l *RecvLoop) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

// Add registers conn: from now on its datagrams go to h until the returned
// remove function is called (idempotent; once it returned, h is not
// called any more), conn is closed, or reading it fails. Call remove before
// or after closing conn, never from h.
func (l *RecvLoop) Add(conn net.PacketConn, h RecvHandler) (remove func(), err error) {
	if conn == nil || h.Datagram == nil {
		return nil, errors.New("media: recv loop: nil socket or handler")
	}
	reg := &recvReg{conn: conn, h: h}
	if err := l.addPolled(reg); err != nil {
		if !errors.Is(err, errNotPollable) {
			return nil, err
		}
		l.addReader(reg)
	}
	var once sync.Once
	return func() { once.Do(func() { l.remove(reg) }) }, nil
}

// errNotPollable makes Add fall back to a reader goroutine.
var errNotPollable = errors.New("media: recv loop: socket cannot be polled")

// addReader gives reg a reader goroutine of its own (the portable path).
func (l *RecvLoop) addReader(reg *recvReg) {
	reg.done = make(chan struct{})
	l.mu.Lock()
	l.count++
	l.mu.Unlock()
	go func() {
		defer close(reg.done)
		buf := make([]byte, 1500)
		for {
			n, from, err := readFromAddrPort(reg.conn, buf)
			l.reads.Add(1)
			reg.mu.Lock()
			if reg.gone {
				reg.mu.Unlock()
				return
			}
			if err != nil {
				reg.gone = true
				reg.mu.Unlock()
				if !errors.Is(err, net.ErrClosed) && reg.h.Error != nil {
					reg.h.Error(err)
				}
				return
			}
			l.datagrams.Add(1)
			reg.h.Datagram(buf[:n], from)
			reg.mu.Unlock()
		}
	}()
}

func (l *RecvLoop) remove(reg *recvReg) {
	reg.mu.Lock()
	reg.gone = true
	reg.mu.Unlock()
	l.mu.Lock()
	l.count--
	l.mu.Unlock()
	if reg.done != nil {
		// Wake the reader up; a closed socket has woken it already.
		_ = reg.conn.SetReadDeadline(time.Unix(1, 0))
		<-reg.done
		return
	}
	l.removePolled(reg)
}

// readFromAddrPort reads one datagram, with the source as a netip.AddrPort
// (no allocation for a *net.UDPConn).
func readFromAddrPort(conn net.PacketConn, buf []byte) (int, netip.AddrPort, error) {
	if uc, ok := conn.(*net.UDPConn); ok {
		n, ap, err := uc.ReadFromUDPAddrPort(buf)
		return n, ap, err
	}
	n, addr, err := conn.ReadFrom(buf)
	if err != nil {
		return n, netip.AddrPort{}, err
	}
	return n, addrPortOf(addr), nil
}

// addrPortOf converts a UDP address; other kinds give the zero AddrPort.
func addrPortOf(addr net.Addr) netip.AddrPort {
	if ua, ok := addr.(*net.UDPAddr); ok {
		ap := ua.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// wrapRecvErr names the socket in a read error.
func wrapRecvErr(conn net.PacketConn, err error) error {
	return fmt.Errorf("media: recv loop: read %s: %w", conn.LocalAddr(), err)
}
