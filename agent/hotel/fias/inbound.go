package fias

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

var byPMS = hotel.Actor{Source: hotel.SourcePMS}

// handle acts on one record from the PMS. Only a failure to write ends
// the link: a record the hotel refuses is logged (and answered where FIAS
// has an answer record).
func (s *session) handle(ctx context.Context, r Record) error {
	log := recordLog{l: s.l.log, peer: s.peer, r: r}
	s.l.log.Debug("fias: received", "peer", s.peer, "record", r)
	fresh := s.fresh
	s.fresh = false
	switch r.Type {
	case "LS": // the PMS (re)starts the link: describe again, resend what is unanswered
		if fresh && !s.up {
			return nil // its LS crossed ours: the description just went out
		}
		if err := s.describe(); err != nil {
			return err
		}
		if s.up {
			s.sentN = 0
			return s.sendQueue(ctx)
		}
		return nil
	case "LD":
		log.Info("fias: PMS link description", "interface", r.Value("IF"), "version", r.Value("V#"))
		return nil
	case "LR":
		if !s.defs.Learn(r) {
			log.Warn("fias: LR without a valid RI and FL ignored")
		}
		return nil
	case "LA":
		if !s.up {
			return s.linkUp(ctx)
		}
		return nil
	case "LE":
		return errPeerEnded
	}
	if !s.up { // a PMS that skips its LA: its first record ends the link start
		if err := s.linkUp(ctx); err != nil {
			return err
		}
	}
	switch r.Type {
	case "GI":
		s.checkIn(ctx, log, r)
	case "GO":
		s.checkOut(ctx, log, r)
	case "GC":
		s.guestChange(ctx, log, r)
	case "RE":
		s.roomEquipment(ctx, log, r)
	case "WR":
		return s.wakeUpRequest(ctx, log, r)
	case "WC":
		s.wakeUpClear(ctx, log, r)
	case "PA":
		s.postingAnswer(ctx, log, r)
	case "DS":
		s.sync = map[string]hotel.Guest{}
	case "DE":
		if s.sync == nil {
			log.Warn("fias: DE without DS ignored")
			return nil
		}
		occupied := s.sync
		s.sync = nil
		for room := range occupied { // a PMS room without phones here is not this side's
			if _, ok := s.svc.Room(ctx, room); !ok {
				log.Warn("fias: resync lists a room this side does not have: skipped", "room", room)
				delete(occupied, room)
			}
		}
		if err := s.svc.Resync(ctx, occupied, byPMS); err != nil {
			log.Error("fias: resync refused", "rooms", len(occupied), "err", err)
		} else {
			log.Info("fias: resync applied", "occupied", len(occupied))
		}
	default:
		log.Info("fias: record ignored (not used by this side)")
	}
	return nil
}

type logger interface {
	Warn(msg string, args ...any)
	Info(msg string, args ...any)
	Error(msg string, args ...any)
}

// recordLog logs about one record: the peer and the record are added to
// each line (and rendered only when a line is written).
type recordLog struct {
	l    *slog.Logger
	peer string
	r    Record
}

func (g recordLog) with(args []any) []any { return append(args, "peer", g.peer, "record", g.r) }

func (g recordLog) Warn(msg string, args ...any)  { g.l.Warn(msg, g.with(args)...) }
func (g recordLog) Info(msg string, args ...any)  { g.l.Info(msg, g.with(args)...) }
func (g recordLog) Error(msg string, args ...any) { g.l.Error(msg, g.with(args)...) }

// guestOf reads a guest from GI or GC fields.
func guestOf(r Record) hotel.Guest {
	g := hotel.Guest{
		Name:        strings.TrimSpace(r.Value("GN")),
		FirstName:   strings.TrimSpace(r.Value("GF")),
		Reservation: r.Value("G#"),
		Arrival:     isoDate(r.Value("GA")),
		Departure:   isoDate(r.Value("GD")),
		VIP:         r.Value("GV"),
	}
	if gl := strings.ToLower(r.Value("GL")); len(gl) == 2 {
		g.Language = gl
	}
	if g.Name == "" {
		g.Name = g.FirstName
	}
	return g
}

func sharer(r Record) bool { on, _ := yesNo(r.Value("GS")); return on }

func (s *session) checkIn(ctx context.Context, log logger, r Record) {
	room, g := r.Value("RN"), guestOf(r)
	if s.sync != nil { // inside a resync: collected, applied at DE
		if _, ok := s.sync[room]; !ok || !sharer(r) {
			s.sync[room] = g
		}
		return
	}
	if sharer(r) {
		if cur, ok := s.svc.Room(ctx, room); ok && cur.Occupancy == hotel.Occupied {
			log.Info("fias: sharer checked in to an occupied room: the first guest's name stays", "room", room)
			return
		}
	}
	if _, err := s.svc.CheckIn(ctx, room, g, byPMS); err != nil {
		log.Warn("fias: check-in refused", "room", room, "err", err)
	}
}

func (s *session) checkOut(ctx context.Context, log logger, r Record) {
	room := r.Value("RN")
	if sharer(r) {
		log.Info("fias: sharer checked out: the room stays occupied", "room", room)
		return
	}
	if _, _, err := s.svc.CheckOut(ctx, room, byPMS); err != nil {
		log.Warn("fias: check-out refused", "room", room, "err", err)
	}
}

func (s *session) guestChange(ctx context.Context, log logger, r Record) {
	room := r.Value("RN")
	if from := r.Value("RO"); from != "" && from != room {
		if _, err := s.svc.Move(ctx, from, room, byPMS); err != nil {
			log.Warn("fias: room move refused", "from", from, "to", room, "err", err)
			return
		}
	}
	cur, ok := s.svc.Room(ctx, room)
	if !ok || cur.Guest == nil {
		log.Warn("fias: guest change for a room without a guest ignored", "room", room)
		return
	}
	g, in := *cur.Guest, guestOf(r)
	changed := false
	for _, f := range []struct {
		id  string
		dst *string
		v   string
	}{{"GN", &g.Name, in.Name}, {"GF", &g.FirstName, in.FirstName}, {"GL", &g.Language, in.Language},
		{"G#", &g.Reservation, in.Reservation}, {"GA", &g.Arrival, in.Arrival}, {"GD", &g.Departure, in.Departure},
		{"GV", &g.VIP, in.VIP}} {
		if r.Has(f.id) && f.v != "" && *f.dst != f.v {
			*f.dst, changed = f.v, true
		}
	}
	if !changed {
		return
	}
	if _, err := s.svc.UpdateGuest(ctx, room, g, byPMS); err != nil {
		log.Warn("fias: guest change refused", "room", room, "err", err)
	}
}

func (s *session) roomEquipment(ctx context.Context, log logger, r Record) {
	room := r.Value("RN")
	var ch hotel.StatusChange
	if rs, ok := r.Get("RS"); ok {
		if h, ok := HousekeepingOf(rs); ok {
			ch.Housekeeping = &h
		} else {
			log.Warn("fias: RE: unknown room status RS ignored", "room", room, "rs", rs)
		}
	}
	if v, ok := r.Get("DN"); ok {
		if on, ok := yesNo(v); ok {
			ch.DND = &on
		} else {
			log.Warn("fias: RE: DN is not Y or N", "room", room, "dn", v)
		}
	}
	if v, ok := r.Get("ML"); ok {
		if on, ok := yesNo(v); ok {
			ch.MessageLight = &on
		} else {
			log.Warn("fias: RE: ML is not Y or N", "room", room, "ml", v)
		}
	}
	if v, ok := r.Get("CS"); ok {
		if c, ok := s.l.cfg.ClassCodes[v]; ok {
			ch.Class = &c
		} else {
			log.Warn("fias: RE: class of service CS not in hotel.fias.cs_map ignored", "room", room, "cs", v)
		}
	}
	if ch == (hotel.StatusChange{}) {
		return
	}
	if _, err := s.svc.SetStatus(ctx, room, ch, byPMS); err != nil {
		log.Warn("fias: room status refused", "room", room, "err", err)
	}
}

// wakeUpTime reads WR's or WC's DA and TI; without DA, the next TI to come.
func (s *session) wakeUpTime(r Record) (time.Time, error) {
	da, ti := r.Value("DA"), r.Value("TI")
	if da != "" {
		return ParseDateTime(da, ti, s.l.cfg.Location)
	}
	now := s.l.now()
	t, err := ParseDateTime(now.Format("060102"), ti, s.l.cfg.Location)
	if err != nil {
		return t, err
	}
	if t.Before(now) {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func (s *session) wakeUpRequest(ctx context.Context, log logger, r Record) error {
	room := r.Value("RN")
	at, err := s.wakeUpTime(r)
	if err != nil {
		log.Warn("fias: wake-up request refused", "room", room, "err", err)
		return nil
	}
	_, err = s.svc.SetWakeUp(ctx, room, at, "", byPMS)
	if err == nil {
		return nil
	}
	// Refused (no such room, vacant, in the past): WA tells the PMS.
	log.Warn("fias: wake-up request refused", "room", room, "at", at, "err", err)
	da, ti := stamp(at)
	return s.send(NewRecord("WA", "RN", room, "DA", da, "TI", ti, "AS", AnswerUnprocessed))
}

func (s *session) wakeUpClear(ctx context.Context, log logger, r Record) {
	room := r.Value("RN")
	var at time.Time
	if r.Value("TI") != "" {
		var err error
		if at, err = s.wakeUpTime(r); err != nil {
			log.Warn("fias: wake-up clear refused", "room", room, "err", err)
			return
		}
	}
	if err := s.svc.CancelWakeUpAt(ctx, room, at, byPMS); err != nil {
		log.Warn("fias: wake-up clear refused", "room", room, "err", err)
	}
}

func (s *session) postingAnswer(ctx context.Context, log logger, r Record) {
	p, err := strconv.Atoi(r.Value("P#"))
	if err != nil || p <= 0 {
		log.Warn("fias: PA without a posting number P# ignored")
		return
	}
	found, err := s.l.q.answered(ctx, p)
	if err != nil {
		log.Error("fias: posting answer not recorded", "posting", p, "err", err)
		return
	}
	if !found {
		log.Info("fias: PA for a posting answered before", "posting", p)
		return
	}
	if as := r.Value("AS"); as != AnswerOK {
		log.Warn("fias: the PMS refused a posting: it stays unposted on the bill", "posting", p, "as", as)
		return
	}
	if err := s.svc.ChargePosted(ctx, p); err != nil {
		log.Warn("fias: posting answered but not marked on the bill", "posting", p, "err", err)
	}
}
