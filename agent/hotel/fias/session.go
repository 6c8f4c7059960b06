package fias

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// errPeerEnded: the PMS sent LE.
var errPeerEnded = errors.New("fias: the PMS ended the link (LE)")

// session is one connection to the PMS, from link start to its end. Only
// its loop (serve) writes to the connection.
type session struct {
	l    *Link
	conn net.Conn
	svc  hotel.Service
	w    *bufio.Writer
	peer string

	up    bool                   // link start done (the PMS's LA heard)
	fresh bool                   // the link description went out and no record has come since
	defs  Definitions            // what the PMS declared in LR
	sentN uint64                 // the queue is sent on this connection up to (not including) sentN
	sync  map[string]hotel.Guest // rooms listed in a resync (between DS and DE)
}

// errReplaced: the PMS connected again (listening).
var errReplaced = errors.New("fias: the PMS connected again: the new connection replaces this one")

// serve runs the link on conn until it fails, ctx ends (then LE is sent)
// or a connection comes on incoming (next: it replaces conn); linked
// tells whether the link start was done.
func (l *Link) serve(ctx context.Context, conn net.Conn, svc hotel.Service, incoming <-chan net.Conn) (linked bool, next net.Conn, err error) {
	defer conn.Close()
	s := &session{l: l, conn: conn, svc: svc, w: bufio.NewWriter(conn), peer: conn.RemoteAddr().String(),
		defs: Definitions{}, sentN: 0}
	l.log.Info("fias: connected", "peer", s.peer)

	records := make(chan Record, 64)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.read(records, readErr, done) }()
	defer func() { close(done); conn.Close(); wg.Wait() }()
	defer func() { linked = s.up }()

	if err := s.start(); err != nil {
		return false, nil, err
	}
	keepAlive := time.NewTicker(l.cfg.KeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = s.send(NewRecord("LE", s.stamp()...))
			_ = s.flush()
			l.log.Info("fias: link ended (LE sent)", "peer", s.peer)
			return false, nil, ctx.Err()
		case c := <-incoming:
			return false, c, errReplaced
		case err := <-readErr:
			return false, nil, err
		case r := <-records:
			if err := s.handle(ctx, r); err != nil {
				return false, nil, err
			}
			// Handle what else has arrived before writing.
			for more := true; more; {
				select {
				case r := <-records:
					if err := s.handle(ctx, r); err != nil {
						return false, nil, err
					}
				default:
					more = false
				}
			}
			if err := s.flush(); err != nil {
				return false, nil, err
			}
		case <-keepAlive.C:
			if err := s.send(NewRecord("LA", s.stamp()...)); err != nil {
				return false, nil, err
			}
			if err := s.flush(); err != nil {
				return false, nil, err
			}
		case <-l.q.wake:
			if s.up {
				if err := s.sendQueue(ctx); err != nil {
					return false, nil, err
				}
				if err := s.flush(); err != nil {
					return false, nil, err
				}
			}
		}
	}
}

// read passes the connection's records to records until a read fails
// (reported on errc) or done closes. A link that hears nothing for three
// keep-alive periods is dead.
func (s *session) read(records chan<- Record, errc chan<- error, done <-chan struct{}) {
	fr := NewReader(s.conn, s.l.cfg.MaxFrame)
	dead := 3 * s.l.cfg.KeepAlive
	for {
		if err := s.conn.SetReadDeadline(time.Now().Add(dead)); err != nil {
			errc <- fmt.Errorf("fias: read: %w", err)
			return
		}
		body, err := fr.Next()
		if errors.Is(err, ErrFrameTooLong) {
			s.l.log.Warn("fias: record skipped", "peer", s.peer, "err", err)
			continue
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = fmt.Errorf("fias: link dead: nothing heard for %s", dead)
			} else {
				err = fmt.Errorf("fias: read: %w", err)
			}
			errc <- err
			return
		}
		r, err := Decode(body)
		if err != nil {
			s.l.log.Warn("fias: record skipped", "peer", s.peer, "err", err)
			continue
		}
		select {
		case records <- r:
		case <-done:
			return
		}
	}
}

// stamp returns DA and TI of now as id, value pairs.
func (s *session) stamp() []string {
	da, ti := stamp(s.l.now())
	return []string{"DA", da, "TI", ti}
}

// start sends the link start: LS, then the link description.
func (s *session) start() error {
	if err := s.send(NewRecord("LS", s.stamp()...)); err != nil {
		return err
	}
	return s.describe()
}

// describe sends LD, the LR records and LA.
func (s *session) describe() error {
	ld := NewRecord("LD", s.stamp()...)
	ld.Fields = append(ld.Fields, Field{"V#", s.l.cfg.Version}, Field{"IF", s.l.cfg.Interface})
	if err := s.send(ld); err != nil {
		return err
	}
	for _, lr := range OurDefinitions().Records() {
		if err := s.send(lr); err != nil {
			return err
		}
	}
	if err := s.send(NewRecord("LA", s.stamp()...)); err != nil {
		return err
	}
	s.fresh = true
	return s.flush()
}

// send writes r (with only the fields the PMS declared for it) to the
// buffer; flush sends it.
func (s *session) send(r Record) error {
	b, err := Encode(s.defs.Filter(r))
	if err != nil {
		return err
	}
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("fias: write %s: %w", r.Type, err)
	}
	s.l.log.Debug("fias: sent", "record", r)
	return nil
}

// flush sends what is buffered.
func (s *session) flush() error {
	if s.w.Buffered() == 0 {
		return nil
	}
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.l.cfg.KeepAlive)); err != nil {
		return fmt.Errorf("fias: write: %w", err)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("fias: write: %w", err)
	}
	return nil
}

// linkUp is the end of the link start: the state goes up, DR asks for a
// resync (ResyncOnStart), and the queue is sent.
func (s *session) linkUp(ctx context.Context) error {
	s.up = true
	s.l.log.Info("fias: link up", "peer", s.peer)
	s.l.setState(hotel.LinkState{Connected: true, Peer: s.peer})
	if s.l.cfg.ResyncOnStart {
		if err := s.send(NewRecord("DR", s.stamp()...)); err != nil {
			return err
		}
	}
	return s.sendQueue(ctx)
}

// sendQueue sends the queued records not yet sent on this connection, in
// order; a record other than a posting leaves the queue once written.
func (s *session) sendQueue(ctx context.Context) error {
	for _, it := range s.l.q.from(s.sentN) {
		r, err := Decode([]byte(it.Body))
		if err != nil {
			s.l.log.Error("fias: queued record dropped", "n", it.N, "err", err)
			if err := s.l.q.remove(ctx, it.N); err != nil {
				return err
			}
			continue
		}
		if err := s.send(r); err != nil {
			return err
		}
		s.sentN = it.N + 1
		if it.Posting == 0 {
			// Written to the buffer: flush before it leaves the store.
			if err := s.flush(); err != nil {
				return err
			}
			if err := s.l.q.remove(ctx, it.N); err != nil {
				return err
			}
		}
	}
	return nil
}
