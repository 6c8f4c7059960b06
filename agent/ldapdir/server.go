package ldapdir

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
)

// Config is the server's configuration.
type Config struct {
	// BaseDN is the parent of the contact entries ("ou=contacts,dc=pbxagent").
	BaseDN string
	// Allow are the networks whose clients may search without binding (or
	// with an anonymous bind); they see the global contacts only.
	Allow []netip.Prefix
	// SizeLimit caps the entries of one search (a client's own sizeLimit
	// may be lower). Default 200.
	SizeLimit int
	// IdleTimeout closes a connection that sends nothing for this long
	// (and bounds each response's write). Default 2m.
	IdleTimeout time.Duration
	// MaxConns caps the connections held at once; one more is closed as
	// soon as it is accepted. Default 1024.
	MaxConns int
	// MaxMessage caps a request's size in bytes. Default 64 KiB.
	MaxMessage int
	// ScanBudget caps the candidate contacts one search reads: a filter
	// the phone book's indexes cannot narrow (a substring inside a word, a
	// department) walks the directory this far and answers
	// adminLimitExceeded with what it found. Default 20000.
	ScanBudget int
	// CacheEntries bounds the result cache (cache.go); negative turns it
	// off. Default 4096.
	CacheEntries int
	// Logger receives connection and protocol errors. Default slog.Default().
	Logger *slog.Logger
}

// withDefaults fills the zero fields and checks the others.
func (c Config) withDefaults() (Config, []rdn, error) {
	base, err := parseDN(c.BaseDN)
	if err != nil || len(base) == 0 {
		return c, nil, fmt.Errorf("ldap base DN %q: want attribute=value pairs, such as ou=contacts,dc=pbxagent", c.BaseDN)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.SizeLimit, 200)
	def(&c.MaxConns, 1024)
	def(&c.MaxMessage, 64<<10)
	def(&c.ScanBudget, 20000)
	def(&c.CacheEntries, 4096)
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.SizeLimit < 0 || c.MaxConns < 0 || c.MaxMessage < 0 || c.ScanBudget < 0 || c.IdleTimeout < 0 {
		return c, nil, errors.New("ldap: limits must not be negative")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, base, nil
}

// Stats are the server's counters.
type Stats struct {
	// Conns is the connections open now; Refused those closed at accept
	// because MaxConns were open.
	Conns, Refused int64
	// Searches and Binds count the requests answered.
	Searches, Binds int64
}

// Server is the LDAP directory. Serve runs it on a listener; Stop ends
// Serve and closes every connection.
type Server struct {
	cfg   Config
	base  []rdn
	dir   Directory
	log   *slog.Logger
	cache *resultCache // nil when off

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	ln     net.Listener
	closed bool
	wg     sync.WaitGroup

	nConns, refused, searches, binds atomic.Int64
}

// New returns a server reading dir.
func New(cfg Config, dir Directory) (*Server, error) {
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if dir == nil {
		return nil, errors.New("ldap: no directory")
	}
	s := &Server{cfg: cfg, base: base, dir: dir, log: cfg.Logger, conns: map[net.Conn]struct{}{}}
	if cfg.CacheEntries > 0 {
		s.cache = newResultCache(cfg.CacheEntries)
	}
	return s, nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{Conns: s.nConns.Load(), Refused: s.refused.Load(), Searches: s.searches.Load(), Binds: s.binds.Load()}
}

// errStopped is Serve's answer after Stop.
var errStopped = errors.New("ldap: server stopped")

// Serve accepts connections on ln until ctx ends or Stop is called; it
// then closes ln and every connection and returns after their goroutines
// have ended (nil), or returns the accept error that stopped it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return errStopped
	}
	s.ln = ln
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, s.Stop)
	defer stop()
	defer s.wg.Wait()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of descriptors and the like: back off, as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
				continue
			}
			s.Stop()
			return fmt.Errorf("ldap accept: %w", err)
		}
		delay = 0
		if !s.track(c) {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.serveConn(ctx, c)
		}()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track registers a new connection, closing it when the server is
// stopping or holds MaxConns already.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.cfg.MaxConns {
		if !s.closed {
			s.refused.Add(1)
		}
		c.Close()
		return false
	}
	s.conns[c] = struct{}{}
	s.nConns.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.nConns.Add(-1)
}

// Stop closes the listener and every connection; Serve returns once
// their goroutines have ended. It may be called more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
}

// session is one connection's state.
type session struct {
	s    *Server
	c    net.Conn
	addr netip.Addr
	w    *bufio.Writer
	out  []byte
	// bound says a bind succeeded; viewer is who it proved to be.
	bound  bool
	viewer phones.Viewer
}

// serveConn reads and answers requests in order until the client
// unbinds, errs or idles out, or the server stops.
func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	ss := &session{s: s, c: c, w: bufio.NewWriterSize(c, 8<<10)}
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		ss.addr = ap.Addr().Unmap()
	}
	r := bufio.NewReaderSize(c, 4<<10)
	var buf []byte
	for {
		if err := c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout)); err != nil {
			return
		}
		var body []byte
		var err error
		body, buf, err = readMessage(r, buf, s.cfg.MaxMessage)
		if err != nil {
			if errors.Is(err, errBER) || errors.Is(err, errTooLarge) {
				s.log.Debug("ldap: bad message", "remote", c.RemoteAddr().String(), "err", err)
				ss.disconnect(rcProtocolError, err.Error())
			}
			return
		}
		m, err := DecodeMessage(body)
		if err != nil {
			s.log.Debug("ldap: bad request", "remote", c.RemoteAddr().String(), "err", err)
			ss.disconnect(rcProtocolError, err.Error())
			return
		}
		if !ss.handle(ctx, m) {
			return
		}
		if err := ss.flush(); err != nil {
			return
		}
	}
}

// flush writes the responses queued, within the idle timeout.
func (ss *session) flush() error {
	if len(ss.out) == 0 {
		return nil
	}
	if err := ss.c.SetWriteDeadline(time.Now().Add(ss.s.cfg.IdleTimeout)); err != nil {
		return err
	}
	_, err := ss.w.Write(ss.out)
	ss.out = ss.out[:0]
	if err == nil {
		err = ss.w.Flush()
	}
	return err
}

// disconnect sends the Notice of Disconnection (RFC 4511 §4.4.1).
func (ss *session) disconnect(code int, diag string) {
	ss.out = appendResult(ss.out[:0], 0, appExtendedResp, code, "", diag, nil)
	ss.flush()
}
