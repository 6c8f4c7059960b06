package fias

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/backoff"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Config configures a Link (config keys hotel.fias.*).
type Config struct {
	// Addr is the PMS's host:port this side dials ("" with Listen set:
	// the PMS dials in).
	Addr string
	// Listen is the host:port this side listens on for the PMS ("": dial
	// Addr). One PMS connection is served at a time.
	Listen string
	// KeepAlive is how often LA is sent; a link that hears nothing for
	// three times as long is dead (default 60 s).
	KeepAlive time.Duration
	// ResyncOnStart sends DR after each link start: the PMS answers with
	// its occupied rooms, applied as one hotel.Service.Resync.
	ResyncOnStart bool
	// Location is the hotel's time zone: DA and TI are read and written
	// in it (default time.Local).
	Location *time.Location
	// ClassCodes map RE's CS values to classes (default
	// DefaultClassCodes).
	ClassCodes map[string]hotel.Class
	// Interface is LD's IF (default "PB", a PBX); Version is its V#.
	Interface, Version string
	// MaxFrame is the longest record accepted (default DefaultMaxFrame).
	MaxFrame int
}

// Option configures a Link.
type Option func(*Link)

// WithLogger logs through log.
func WithLogger(log *slog.Logger) Option { return func(l *Link) { l.log = log } }

// WithClock reads DA and TI of the records sent from c (default the wall
// clock).
func WithClock(c clock.Clock) Option { return func(l *Link) { l.clock = c } }

// WithStateFunc calls fn whenever the link goes up or down (the hotel's
// pms_link event). fn must not block.
func WithStateFunc(fn func(hotel.LinkState)) Option { return func(l *Link) { l.onState = fn } }

// WithListener serves PMS connections accepted on ln instead of opening
// Config.Listen (tests; ln is closed when Run ends).
func WithListener(ln net.Listener) Option { return func(l *Link) { l.ln = ln } }

// Link is the PBX side of a FIAS link. It implements hotel.PMS: records
// for the PMS go to a queue kept in the Store before the call returns,
// and are sent, in order, while the link is up; a posting stays queued
// until the PMS's PA for it (it is sent again after a reconnection).
type Link struct {
	cfg     Config
	q       *queue
	log     *slog.Logger
	clock   clock.Clock
	onState func(hotel.LinkState)
	ln      net.Listener // WithListener's

	mu    sync.Mutex
	state hotel.LinkState
}

var _ hotel.PMS = (*Link)(nil)

// New returns a Link on st (its queue loaded from there); Run connects it.
func New(ctx context.Context, st Store, cfg Config, opts ...Option) (*Link, error) {
	if cfg.Addr == "" && cfg.Listen == "" && !hasListener(opts) {
		return nil, errors.New("fias: hotel.fias.addr or hotel.fias.listen is required")
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 60 * time.Second
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.ClassCodes == nil {
		cfg.ClassCodes = DefaultClassCodes()
	}
	if cfg.Interface == "" {
		cfg.Interface = "PB"
	}
	if cfg.Version == "" {
		cfg.Version = "1.0"
	}
	q, err := loadQueue(ctx, st)
	if err != nil {
		return nil, err
	}
	l := &Link{cfg: cfg, q: q, log: slog.New(slog.DiscardHandler), clock: clock.Real{}}
	for _, o := range opts {
		o(l)
	}
	l.state = hotel.LinkState{Peer: cfg.Addr, Queued: q.len(), Error: "not connected yet"}
	return l, nil
}

// State returns the link's state now (GET /api/v1/hotel/link).
func (l *Link) State() hotel.LinkState {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state
	s.Queued = l.q.len()
	return s
}

// setState records s and tells the state function when Connected
// changed or s carries a new error.
func (l *Link) setState(s hotel.LinkState) {
	s.Queued = l.q.len()
	l.mu.Lock()
	changed := s.Connected != l.state.Connected || s.Error != l.state.Error || s.Peer != l.state.Peer
	l.state = s
	l.mu.Unlock()
	if changed && l.onState != nil {
		l.onState(s)
	}
}

// Run keeps the link to the PMS up until ctx ends, applying the PMS's
// records to svc; it redials after a failure with a growing delay
// (internal/backoff) and sends LE when ctx ends. Listening (the PMS dials
// in), a new connection replaces the one served (a PMS that restarted
// without closing its old connection is not kept waiting). It returns nil
// after ctx ends, or an error when the listener cannot be opened.
func (l *Link) Run(ctx context.Context, svc hotel.Service) error {
	connect := l.dial
	var incoming chan net.Conn // accepted connections (listening)
	if l.cfg.Listen != "" || l.ln != nil {
		ln := l.ln
		if ln == nil {
			var err error
			if ln, err = (&net.ListenConfig{}).Listen(ctx, "tcp", l.cfg.Listen); err != nil {
				return fmt.Errorf("fias: listen %s: %w", l.cfg.Listen, err)
			}
		}
		l.log.Info("fias: waiting for the PMS", "listen", ln.Addr().String())
		incoming = make(chan net.Conn)
		acceptCtx, stopAccept := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); l.accept(acceptCtx, ln, incoming) }()
		defer func() { stopAccept(); ln.Close(); <-done }()
		connect = func(ctx context.Context) (net.Conn, error) {
			select {
			case c := <-incoming:
				return c, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	var delay time.Duration
	var next net.Conn // a connection that replaced the one served
	for {
		conn, err := next, error(nil)
		if next = nil; conn == nil {
			conn, err = connect(ctx)
		}
		if ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			l.setState(hotel.LinkState{Peer: l.cfg.Addr, Error: "stopped"})
			return nil
		}
		if err == nil {
			var linked bool
			linked, next, err = l.serve(ctx, conn, svc, incoming)
			if linked {
				delay = 0 // a PMS that accepts and hangs up at once is retried ever more slowly
			}
			if ctx.Err() != nil {
				if next != nil {
					next.Close()
				}
				l.setState(hotel.LinkState{Peer: conn.RemoteAddr().String(), Error: "stopped"})
				return nil
			}
			l.log.Warn("fias: link down", "peer", conn.RemoteAddr().String(), "err", err)
			l.setState(hotel.LinkState{Peer: conn.RemoteAddr().String(), Error: err.Error()})
			if next != nil {
				continue
			}
		} else {
			l.log.Warn("fias: cannot connect", "addr", l.cfg.Addr, "err", err)
			l.setState(hotel.LinkState{Peer: l.cfg.Addr, Error: err.Error()})
		}
		delay = backoff.Next(delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			l.setState(hotel.LinkState{Peer: l.cfg.Addr, Error: "stopped"})
			return nil
		case <-t.C:
		}
	}
}

// accept passes the connections ln accepts to out until ctx ends or ln
// is closed; a failing Accept is retried after a growing delay.
func (l *Link) accept(ctx context.Context, ln net.Listener, out chan<- net.Conn) {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			l.log.Warn("fias: accept", "err", err)
			delay = backoff.Next(delay)
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		delay = 0
		select {
		case out <- c:
		case <-ctx.Done():
			c.Close()
			return
		}
	}
}

// dial connects to the PMS at Addr.
func (l *Link) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: l.cfg.KeepAlive}
	conn, err := d.DialContext(ctx, "tcp", l.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("fias: dial %s: %w", l.cfg.Addr, err)
	}
	return conn, nil
}

// now is the time in the hotel's zone.
func (l *Link) now() time.Time { return l.clock.Now().In(l.cfg.Location) }

// hasListener reports whether opts give a listener.
func hasListener(opts []Option) bool {
	var l Link
	for _, o := range opts {
		o(&l)
	}
	return l.ln != nil
}
