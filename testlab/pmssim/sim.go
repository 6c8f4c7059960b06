// Package pmssim is a property-management system simulator: the PMS
// (server) side of a FIAS link, written from the public record
// definitions (docs/hotel.md#the-pms-link-fias) with its own framing
// code. It listens on loopback, answers the PBX's link start, sends
// check-ins, check-outs, guest changes, room status and wake-up records
// on command, answers DR with its own occupied rooms (DS, GI…, DE) and
// PS with PA, records what the PBX sent, and can drop or mute the link.
package pmssim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// Guest is a room's guest in the simulator's database.
type Guest struct {
	Name, FirstName, Language, Reservation string
}

// Sim is a running simulator; Close stops it.
type Sim struct {
	ln   net.Listener
	wg   sync.WaitGroup
	done chan struct{}

	mu             sync.Mutex
	conn           net.Conn
	linked         bool
	links          int // link starts completed
	lr             map[string][]string
	received       []Rec
	postings       map[int]Rec
	postingOrder   []int
	duplicates     int
	occupied       map[string]Guest
	answerPostings bool
	mute           bool
	changed        chan struct{} // closed at every change
	now            func() time.Time
	onRecord       func(in bool, body string)
}

// Option configures a Sim.
type Option func(*options)

type options struct {
	addr     string
	onRecord func(in bool, body string)
}

// ListenOn listens on addr instead of a free loopback port.
func ListenOn(addr string) Option { return func(o *options) { o.addr = addr } }

// OnRecord calls fn with every record received (in) or sent, link records
// included; fn must not call the Sim.
func OnRecord(fn func(in bool, body string)) Option { return func(o *options) { o.onRecord = fn } }

// Start listens on 127.0.0.1 (a free port) and serves one PBX at a time
// (a new connection replaces the one before).
func Start(opts ...Option) (*Sim, error) {
	o := options{addr: "127.0.0.1:0"}
	for _, f := range opts {
		f(&o)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("pmssim: listen: %w", err)
	}
	s := &Sim{ln: ln, done: make(chan struct{}), lr: map[string][]string{}, postings: map[int]Rec{},
		occupied: map[string]Guest{}, answerPostings: true, changed: make(chan struct{}), now: time.Now, onRecord: o.onRecord}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the simulator's host:port.
func (s *Sim) Addr() string { return s.ln.Addr().String() }

// Close stops the simulator and waits for its goroutines.
func (s *Sim) Close() error {
	close(s.done)
	err := s.ln.Close()
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Sim) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			continue
		}
		s.mu.Lock()
		if s.conn != nil {
			s.conn.Close()
		}
		s.conn, s.linked, s.lr = c, false, map[string][]string{}
		s.notifyLocked()
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// notifyLocked wakes Wait. Called with mu.
func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Sim) serve(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		body, err := readFrame(r)
		if err != nil {
			s.mu.Lock()
			if s.conn == c {
				s.conn, s.linked = nil, false
				s.notifyLocked()
			}
			s.mu.Unlock()
			return
		}
		if s.onRecord != nil {
			s.onRecord(true, body)
		}
		rec, ok := parse(body)
		if !ok {
			continue
		}
		s.handle(c, rec)
	}
}

// handle acts on one record from the PBX.
func (s *Sim) handle(c net.Conn, rec Rec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	if s.conn != c {
		return
	}
	da, ti := s.stampLocked()
	switch rec.Type {
	case "LS", "LD":
	case "LR":
		fl := rec.Fields["FL"]
		var ids []string
		for i := 0; i+1 < len(fl); i += 2 {
			ids = append(ids, fl[i:i+2])
		}
		s.lr[rec.Fields["RI"]] = ids
	case "LA":
		if s.mute {
			return
		}
		if !s.linked {
			s.linked = true
			s.links++
		}
		s.writeLocked("LA", "DA", da, "TI", ti)
	case "LE":
		s.received = append(s.received, rec)
		s.conn, s.linked = nil, false
		c.Close()
	case "DR":
		s.received = append(s.received, rec)
		s.writeLocked("DS", "DA", da, "TI", ti)
		for room, g := range s.occupied {
			s.writeLocked("GI", "RN", room, "G#", g.Reservation, "GN", g.Name, "GF", g.FirstName, "GL", g.Language, "DA", da, "TI", ti)
		}
		s.writeLocked("DE", "DA", da, "TI", ti)
	case "PS":
		s.received = append(s.received, rec)
		p, err := strconv.Atoi(rec.Fields["P#"])
		if err != nil {
			return
		}
		if _, dup := s.postings[p]; dup {
			s.duplicates++
		} else {
			s.postings[p] = rec
			s.postingOrder = append(s.postingOrder, p)
		}
		if s.answerPostings {
			s.writeLocked("PA", "RN", rec.Fields["RN"], "AS", "OK", "P#", rec.Fields["P#"], "DA", da, "TI", ti)
		}
	default:
		s.received = append(s.received, rec)
	}
}

func (s *Sim) stampLocked() (da, ti string) {
	t := s.now()
	return t.Format("060102"), t.Format("150405")
}

// writeLocked sends a record on the current connection, with only the
// fields the PBX's LR declared for its type. Called with mu.
func (s *Sim) writeLocked(typ string, kv ...string) (string, error) {
	if s.conn == nil {
		return "", errors.New("pmssim: no PBX connected")
	}
	var allowed []string
	if ids, ok := s.lr[typ]; ok {
		allowed = ids
	}
	body := build(typ, allowed, kv...)
	if s.onRecord != nil {
		s.onRecord(false, body)
	}
	if err := s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return body, err
	}
	if _, err := s.conn.Write(frame(body)); err != nil {
		return body, fmt.Errorf("pmssim: write %s: %w", typ, err)
	}
	return body, nil
}

// Send sends a record of type typ with id, value pairs; it returns once
// the record is written to the socket, with the time just before it was
// written (the start of a latency measured from it).
func (s *Sim) Send(typ string, kv ...string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := time.Now()
	_, err := s.writeLocked(typ, kv...)
	return t, err
}

// SendRaw writes bytes as they are (framing tests: noise, cut records).
func (s *Sim) SendRaw(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return errors.New("pmssim: no PBX connected")
	}
	_, err := s.conn.Write(b)
	return err
}

// CheckIn records g in room and sends GI (G#, GN, GF, GL).
func (s *Sim) CheckIn(room string, g Guest) (time.Time, error) {
	s.mu.Lock()
	s.occupied[room] = g
	s.mu.Unlock()
	return s.Send("GI", "RN", room, "G#", g.Reservation, "GN", g.Name, "GF", g.FirstName, "GL", g.Language)
}

// CheckOut clears room and sends GO.
func (s *Sim) CheckOut(room string) (time.Time, error) {
	s.mu.Lock()
	g := s.occupied[room]
	delete(s.occupied, room)
	s.mu.Unlock()
	return s.Send("GO", "RN", room, "G#", g.Reservation)
}

// Move moves the guest of from to to and sends GC with RO.
func (s *Sim) Move(from, to string) (time.Time, error) {
	s.mu.Lock()
	g := s.occupied[from]
	delete(s.occupied, from)
	s.occupied[to] = g
	s.mu.Unlock()
	return s.Send("GC", "RN", to, "RO", from, "G#", g.Reservation, "GN", g.Name)
}

// SetOccupied changes the simulator's database without telling the PBX
// (a resync then shows the difference); a nil guest clears the room.
func (s *Sim) SetOccupied(room string, g *Guest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g == nil {
		delete(s.occupied, room)
		return
	}
	s.occupied[room] = *g
}

// WakeUp sends WR for room at at (DA yymmdd, TI hhmmss of at as given).
func (s *Sim) WakeUp(room string, at time.Time) (time.Time, error) {
	return s.Send("WR", "RN", room, "DA", at.Format("060102"), "TI", at.Format("150405"))
}

// WakeUpClear sends WC for room at at.
func (s *Sim) WakeUpClear(room string, at time.Time) (time.Time, error) {
	return s.Send("WC", "RN", room, "DA", at.Format("060102"), "TI", at.Format("150405"))
}

// Drop closes the connection to the PBX abruptly.
func (s *Sim) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.linked = nil, false
		s.notifyLocked()
	}
}

// SetAnswerPostings turns the PA answers to PS on or off (off: postings
// stay unanswered, as when the link drops before the PMS answers).
func (s *Sim) SetAnswerPostings(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answerPostings = on
}

// SetMute stops (or resumes) answering LA: the PBX then hears nothing.
func (s *Sim) SetMute(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mute = on
}

// Linked reports whether a PBX finished its link start on the current
// connection; Links counts the link starts so far.
func (s *Sim) Linked() (linked bool, links int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.linked, s.links
}

// LinkRecords returns what the PBX declared in LR: record type → field ids.
func (s *Sim) LinkRecords() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for k, v := range s.lr {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// Received returns the records of type typ the PBX sent ("" every type
// but the link records LS, LD, LR, LA), in order.
func (s *Sim) Received(typ string) []Rec {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Rec
	for _, r := range s.received {
		if typ == "" || r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Postings returns each posting (PS) once, by P# in arrival order, and
// how many arrived again.
func (s *Sim) Postings() (unique []Rec, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.postingOrder {
		unique = append(unique, s.postings[p])
	}
	return unique, s.duplicates
}

// Wait returns when cond holds (checked at every change) or ctx ends.
func (s *Sim) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pmssim: waiting: %w", ctx.Err())
		case <-ch:
		}
	}
}

// WaitLinked waits for the PBX's link start (n link starts in all).
func (s *Sim) WaitLinked(ctx context.Context, n int) error {
	return s.Wait(ctx, func() bool { l, links := s.Linked(); return l && links >= n })
}
