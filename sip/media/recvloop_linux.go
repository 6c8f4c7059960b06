//go:build linux

package media

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvBatchLen is how many datagrams one recvmmsg takes at most. A call's
// socket rarely holds more than one or two (one packet per 20 ms), so a
// small batch drains it in one call; a full batch is followed by another.
const recvBatchLen = 8

// recvEvents is how many ready sockets one epoll_wait returns at most: the
// loop yields the P after each such batch, so it bounds how long a send pass
// that came due waits behind receive work on one core.
const recvEvents = 32

// recvPoll is one running generation of the loop: an epoll instance and the
// goroutine that waits on it. It lives from the first registration to the
// removal of the last one.
type recvPoll struct {
	epfd int
	file *os.File // wraps epfd for the runtime's poller; closing it ends the loop
	rc   syscall.RawConn
	done chan struct{}
}

// polledReader is what the loop needs to read a registered socket without
// allocating: the socket's RawConn, fetched once (SyscallConn allocates),
// and the read callback, bound once (a closure made per read would be
// allocated per read), with its results. Only the loop goroutine uses it,
// under the registration's mu.
type polledReader struct {
	rc    syscall.RawConn
	batch *recvBatch
	n     int
	err   error
	read  func(fd uintptr) bool
}

// recvOnce is polledReader.read: one recvmmsg into the batch.
func (r *polledReader) recvOnce(fd uintptr) bool {
	r.n, r.err = r.batch.recv(int(fd))
	return true
}

// epollWaiter is the loop's epoll_wait callback with its results, bound
// once for the same reason.
type epollWaiter struct {
	events []unix.EpollEvent
	n      int
	err    error
}

// wait is one non-blocking epoll_wait; false parks the loop until epfd is
// readable.
func (w *epollWaiter) wait(fd uintptr) bool {
	w.n, w.err = unix.EpollWait(int(fd), w.events, 0)
	if w.err == unix.EINTR {
		w.n, w.err = 0, nil
		return true
	}
	return w.n > 0 || w.err != nil
}

// addPolled registers reg's socket on the epoll instance, starting the loop
// when it is idle. errNotPollable: reg's conn is not a socket.
func (l *RecvLoop) addPolled(reg *recvReg) error {
	sc, ok := reg.conn.(syscall.Conn)
	if !ok {
		return errNotPollable
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return errNotPollable
	}
	reg.polled.rc = rc
	reg.polled.read = reg.polled.recvOnce
	l.mu.Lock()
	stopped, err := l.addPolledLocked(reg, rc)
	l.mu.Unlock()
	if stopped != nil {
		<-stopped.done
	}
	return err
}

// addPolledLocked is addPolled under l.mu; it returns the generation it
// stopped when the registration failed and left the loop idle.
func (l *RecvLoop) addPolledLocked(reg *recvReg, rc syscall.RawConn) (*recvPoll, error) {
	if l.poll == nil {
		p, err := newRecvPoll()
		if err != nil {
			return nil, err
		}
		l.poll = p
		go l.run(p)
	}
	l.nextID++
	reg.id = l.nextID
	l.regs[reg.id] = reg
	var ctlErr error
	err := rc.Control(func(fd uintptr) {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: reg.id}
		ctlErr = unix.EpollCtl(l.poll.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if err == nil {
		err = ctlErr
	}
	if err != nil {
		delete(l.regs, reg.id)
		return l.stopIdleLocked(), fmt.Errorf("media: recv loop: register %s: %w", reg.conn.LocalAddr(), err)
	}
	l.count++
	return nil, nil
}

// removePolled takes reg's socket off the epoll instance (a closed socket
// left it already) and stops the loop when it was the last one.
func (l *RecvLoop) removePolled(reg *recvReg) {
	l.mu.Lock()
	if _, ok := l.regs[reg.id]; !ok {
		l.mu.Unlock()
		return
	}
	delete(l.regs, reg.id)
	if sc, ok := reg.conn.(syscall.Conn); ok && l.poll != nil {
		if rc, err := sc.SyscallConn(); err == nil {
			epfd := l.poll.epfd
			_ = rc.Control(func(fd uintptr) { _ = unix.EpollCtl(epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
		}
	}
	p := l.stopIdleLocked()
	l.mu.Unlock()
	if p != nil {
		<-p.done
	}
}

// stopIdleLocked stops the loop when no socket is registered and returns
// the stopped generation (wait on its done outside l.mu), else nil.
func (l *RecvLoop) stopIdleLocked() *recvPoll {
	if len(l.regs) > 0 || l.poll == nil {
		return nil
	}
	p := l.poll
	l.poll = nil
	_ = p.file.Close() // wakes the loop; the fd is closed once it let go
	return p
}

func newRecvPoll() (*recvPoll, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("media: recv loop: epoll_create1: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("media: recv loop: epoll non-blocking: %w", err)
	}
	// A non-blocking descriptor given to os.NewFile is registered with the
	// runtime's network poller: the loop parks like a socket read does, on
	// no thread of its own, until one of the sockets is readable.
	f := os.NewFile(uintptr(epfd), "media-recv-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("media: recv loop: epoll raw conn: %w", err)
	}
	return &recvPoll{epfd: epfd, file: f, rc: rc, done: make(chan struct{})}, nil
}

// run is the loop of generation p: wait until sockets are ready, read each
// of them dry, yield, again; it returns when p's file is closed.
func (l *RecvLoop) run(p *recvPoll) {
	defer close(p.done)
	w := &epollWaiter{events: make([]unix.EpollEvent, recvEvents)}
	wait := w.wait
	batch := newRecvBatch(recvBatchLen)
	for {
		err := p.rc.Read(wait)
		if err != nil {
			return // closed: the last socket left
		}
		if w.err != nil {
			l.log.Error("media: recv loop: epoll_wait failed; the loop stops", "err", w.err)
			return
		}
		n := w.n
		if n == 0 {
			continue
		}
		l.wakeups.Add(1)
		for i := range n {
			l.serve(w.events[i].Fd, batch)
		}
		// Let the send clock's pass and the timers have the P between two
		// batches: on one core a long receive batch would delay them.
		runtime.Gosched()
	}
}

// serve reads the socket of registration id until it is drained.
func (l *RecvLoop) serve(id int32, b *recvBatch) {
	l.mu.Lock()
	reg := l.regs[id]
	l.mu.Unlock()
	if reg == nil {
		return // removed after the event was reported
	}
	pr := &reg.polled
	rc := pr.rc
	var failed error
	reg.mu.Lock()
	pr.batch = b
	for !reg.gone {
		// Read holds a reference on the descriptor, so a concurrent Close
		// cannot hand its number to another socket while we read it.
		err := rc.Read(pr.read)
		n, rerr := pr.n, pr.err
		l.reads.Add(1)
		if err != nil { // closed
			reg.gone = true
			break
		}
		if rerr == unix.EINTR {
			continue
		}
		if rerr == unix.EAGAIN {
			break
		}
		if rerr != nil {
			reg.gone = true
			failed = wrapRecvErr(reg.conn, rerr)
			break
		}
		l.datagrams.Add(uint64(n))
		for i := range n {
			reg.h.Datagram(b.bufs[i][:b.msgs[i].Len], b.from(i))
		}
		if n < len(b.msgs) {
			break // drained (level-triggered epoll reports it again if not)
		}
	}
	reg.mu.Unlock()
	if failed != nil {
		// Level-triggered: a failing socket left in the set would be
		// reported again and again.
		l.mu.Lock()
		if p := l.poll; p != nil {
			_ = rc.Control(func(fd uintptr) { _ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
		}
		l.mu.Unlock()
		l.log.Debug("media: recv loop: socket failed", "err", failed)
		if reg.h.Error != nil {
			reg.h.Error(failed)
		}
	}
}

// recvBatch holds the buffers of one recvmmsg call.
type recvBatch struct {
	bufs  [][]byte
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6 // large enough for IPv4 too
	msgs  []unix.Mmsghdr
}

func newRecvBatch(n int) *recvBatch {
	b := &recvBatch{bufs: make([][]byte, n), iovs: make([]unix.Iovec, n), names: make([]unix.RawSockaddrInet6, n), msgs: make([]unix.Mmsghdr, n)}
	for i := range n {
		b.bufs[i] = make([]byte, 1500)
		b.iovs[i].Base = &b.bufs[i][0]
		b.iovs[i].SetLen(len(b.bufs[i]))
		b.msgs[i].Hdr.Iov = &b.iovs[i]
		b.msgs[i].Hdr.SetIovlen(1)
		b.msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
	}
	return b
}

// recv is one non-blocking recvmmsg on fd.
func (b *recvBatch) recv(fd int) (int, error) {
	for i := range b.msgs {
		b.msgs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		b.msgs[i].Hdr.Flags = 0
		b.msgs[i].Len = 0
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&b.msgs[0])), uintptr(len(b.msgs)), unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// from is the source address of datagram i.
func (b *recvBatch) from(i int) netip.AddrPort {
	sa := &b.names[i]
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa4.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}
