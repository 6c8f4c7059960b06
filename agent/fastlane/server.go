package fastlane

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/ratelog"

	retry "github.com/pbxagent/pbxagent/internal/backoff"
)

// Handler answers requests in the lane.
type Handler interface {
	// ServeFast returns the whole response to r (status line, header
	// fields, empty line; and the body, written after head, which the
	// lane does not modify) with ok = true. It appends head to dst. With
	// ok = false the request goes to net/http. It must not keep r or its
	// slices.
	ServeFast(dst []byte, r *Request) (head, body []byte, ok bool)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(dst []byte, r *Request) (head, body []byte, ok bool)

// ServeFast calls f.
func (f HandlerFunc) ServeFast(dst []byte, r *Request) ([]byte, []byte, bool) { return f(dst, r) }

// Server is a lane in front of an http.Server.
type Server struct {
	fast     Handler
	slow     *http.Server
	log      *slog.Logger
	pace     WritePace
	count    counter
	acceptRL *ratelog.Limiter
	refuseRL *ratelog.Limiter

	handoff *handoffListener

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
	ln      net.Listener
	wg      sync.WaitGroup // connection goroutines
	served  chan struct{}  // closed when the slow server's Serve returns
	stop    chan struct{}  // closed by Shutdown: ends an accept backoff
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithLimits bounds the connections open at once (default: no bound).
func WithLimits(l Limits) Option { return func(s *Server) { s.count.limits = l } }

// WithWritePace bounds the time the lane's answers take to write (default:
// no bound). Give the http.Server's handler the same pace (its Handler
// method) so that both paths keep one rule.
func WithWritePace(p WritePace) Option { return func(s *Server) { s.pace = p } }

// WithClock sets the clock Stats' times come from (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.count.now = now } }

// logInterval is how often, at most, a refused connection or a failed
// accept is logged; the others in between are counted into the next line.
const logInterval = 10 * time.Second

// New returns a lane serving fast's requests and handing the rest to slow,
// whose ReadHeaderTimeout and IdleTimeout the lane applies too (defaults
// 10 s and 2 min when zero).
func New(fast Handler, slow *http.Server, opts ...Option) *Server {
	s := &Server{fast: fast, slow: slow, log: slog.Default(), conns: map[net.Conn]struct{}{},
		served: make(chan struct{}), stop: make(chan struct{})}
	s.count.now, s.count.byPeer = time.Now, map[string]int{}
	for _, o := range opts {
		o(s)
	}
	s.acceptRL, s.refuseRL = ratelog.New(logInterval, s.count.now), ratelog.New(logInterval, s.count.now)
	return s
}

// Stats returns the listener's load now.
func (s *Server) Stats() Stats { return s.count.snapshot() }

func (s *Server) readHeaderTimeout() time.Duration {
	if t := s.slow.ReadHeaderTimeout; t > 0 {
		return t
	}
	return 10 * time.Second
}

func (s *Server) idleTimeout() time.Duration {
	if t := s.slow.IdleTimeout; t > 0 {
		return t
	}
	return 2 * time.Minute
}

// Serve accepts connections on ln until Shutdown (then it returns
// http.ErrServerClosed) or until ln is closed by someone else (then it
// returns that error). Any other accept error (too many open files, say)
// is counted in Stats, logged at most once per 10 s, and retried after a
// backoff of 5 ms doubling to 1 s, as net/http does; connections over the
// Limits are answered 503 and closed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.handoff = newHandoffListener(ln.Addr())
	s.mu.Unlock()
	go func() {
		defer close(s.served)
		if err := s.slow.Serve(s.handoff); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return http.ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				s.handoff.Close()
				return err
			}
			// Anything else (too many open files, a connection aborted
			// before it was accepted, …) passes: back off like net/http
			// and the FastAGI listener, and try again.
			backoff = retry.Next(backoff)
			s.count.acceptFailed()
			s.acceptRL.Log(s.log, slog.LevelWarn, "http accept failed; retrying", "err", err, "backoff", backoff)
			if !s.pause(backoff) {
				return http.ErrServerClosed
			}
			continue
		}
		backoff = 0
		peer := peerOf(c)
		if limit := s.count.admit(peer); limit != "" {
			s.refuse(c, limit)
			continue
		}
		c = &trackedConn{Conn: c, k: &s.count, peer: peer}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			c.Close()
			return http.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// pause waits d, or until Shutdown (then it returns false).
func (s *Server) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

// refuse answers a connection over a limit with a 503 and closes it. The
// write goes to an empty socket buffer: it does not block, and is bounded
// anyway.
func (s *Server) refuse(c net.Conn, limit string) {
	s.refuseRL.Log(s.log, slog.LevelWarn, "http connection refused: too many connections", "limit", limit,
		"max_conns", s.count.limits.MaxConns, "max_conns_per_peer", s.count.limits.MaxConnsPerPeer)
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	io.WriteString(c, refusal)
	c.Close()
}

// Shutdown stops accepting, wakes the lane's idle connections and closes
// them, lets requests in flight finish, then shuts the http.Server down
// (with the connections handed to it) within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		close(s.stop)
	}
	s.closing = true
	ln, started := s.ln, s.handoff != nil
	for c := range s.conns {
		c.SetReadDeadline(time.Now()) // wakes a connection waiting for a request
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
	}
	err := s.slow.Shutdown(ctx)
	if started {
		select {
		case <-s.served:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 8<<10) }}

// serveConn serves c's requests in the lane until one leaves it (then the
// connection goes to net/http), the client closes, a timeout, or Shutdown.
func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	br := readers.Get().(*bufio.Reader)
	br.Reset(c)
	handed := false
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		if !handed {
			c.Close()
		}
		br.Reset(nil)
		readers.Put(br)
	}()
	var req Request
	req.RemoteAddr = c.RemoteAddr().String()
	out := make([]byte, 0, 1024)
	bufs := make(net.Buffers, 0, 2)
	for {
		head, err := s.readHead(c, br)
		if err != nil {
			if errors.Is(err, errLeave) {
				handed = s.handOff(c, br)
			}
			return
		}
		if req.parse(head) != nil {
			handed = s.handOff(c, br)
			return
		}
		h, body, ok := s.fast.ServeFast(out[:0], &req)
		if !ok {
			handed = s.handOff(c, br)
			return
		}
		closeAfter := req.Close
		br.Discard(len(head))
		out = h[:0]
		if err := s.write(c, h, body, &bufs); err != nil || closeAfter {
			return
		}
	}
}

// write sends head and body, in pieces of at most writeChunk bytes each
// bounded by the write pace (the first piece with head, in one call).
func (s *Server) write(c net.Conn, head, body []byte, bufs *net.Buffers) error {
	first := body[:min(len(body), writeChunk)]
	body = body[len(first):]
	if s.pace.Timeout > 0 {
		c.SetWriteDeadline(s.pace.Deadline(time.Now(), len(head)+len(first)))
	}
	var err error
	if len(first) == 0 {
		_, err = c.Write(head)
	} else {
		*bufs = append((*bufs)[:0], head, first)
		_, err = bufs.WriteTo(c)
	}
	for err == nil && len(body) > 0 {
		n := min(len(body), writeChunk)
		if s.pace.Timeout > 0 {
			c.SetWriteDeadline(s.pace.Deadline(time.Now(), n))
		}
		_, err = c.Write(body[:n])
		body = body[n:]
	}
	return err
}

// readHead waits for a request's head (through its empty line) and returns
// it, unread, from br's buffer. A head too long for the buffer, or one
// whose lines so far show it is not the lane's (a bare LF, say), yields
// errLeave (net/http reads it by its own rules); a client that goes away
// or quiet, or Shutdown, ends the connection.
func (s *Server) readHead(c net.Conn, br *bufio.Reader) ([]byte, error) {
	if br.Buffered() == 0 {
		// Under the lock, so that Shutdown's wake-up cannot come between
		// the check and the deadline and be overwritten.
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return nil, http.ErrServerClosed
		}
		c.SetReadDeadline(time.Now().Add(s.idleTimeout()))
		s.mu.Unlock()
		if _, err := br.Peek(1); err != nil {
			return nil, err
		}
	}
	c.SetReadDeadline(time.Now().Add(s.readHeaderTimeout()))
	scanned := 0
	var lines headScanner
	for {
		buf, _ := br.Peek(br.Buffered())
		if i := indexHeadEnd(buf, scanned); i >= 0 {
			return buf[:i], nil // the usual case: parse checks it
		}
		// Incomplete so far: is it still a head the lane could serve?
		if i, leave := lines.scan(buf); leave {
			return nil, errLeave
		} else if i >= 0 {
			return buf[:i], nil
		}
		scanned = max(len(buf)-3, 0)
		if len(buf) == br.Size() {
			return nil, errLeave // too long for the lane
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return nil, err
		}
	}
}

// indexHeadEnd returns the length of the head in buf (through CRLFCRLF),
// looking from from, or -1.
func indexHeadEnd(buf []byte, from int) int {
	for i := from; i+3 < len(buf); i++ {
		if buf[i] == '\r' && buf[i+1] == '\n' && buf[i+2] == '\r' && buf[i+3] == '\n' {
			return i + 4
		}
	}
	return -1
}

// handOff gives c to the http.Server, with what br holds read ahead.
func (s *Server) handOff(c net.Conn, br *bufio.Reader) bool {
	c.SetDeadline(time.Time{})
	var pending []byte
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		pending = append([]byte(nil), b...)
	}
	return s.handoff.give(&prefixConn{Conn: c, pending: pending})
}

// prefixConn is a connection whose first bytes were already read: Read
// returns them before reading on.
type prefixConn struct {
	net.Conn
	pending []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// handoffListener is the http.Server's listener: Accept returns the
// connections the lane gives it.
type handoffListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// give passes c to Accept; false (and c closed) after Close.
func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		c.Close()
		return true // closed: nothing left for the caller to close
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }
