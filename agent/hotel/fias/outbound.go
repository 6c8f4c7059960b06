package fias

import (
	"context"
	"strconv"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// RoomStatus queues RE for a change made at the PBX: RS for housekeeping
// (nothing for out of order, which has no code), DN, ML, and CS for the
// class (the room's effective class when its own is cleared).
func (l *Link) RoomStatus(ctx context.Context, r hotel.Room, ch hotel.StatusChange) error {
	rec := NewRecord("RE", "RN", r.Number)
	if ch.Housekeeping != nil {
		if code := RoomStatusCode(*ch.Housekeeping, r.Occupancy); code != "" {
			rec.Fields = append(rec.Fields, Field{"RS", code})
		}
	}
	if ch.DND != nil {
		rec.Fields = append(rec.Fields, Field{"DN", flag(*ch.DND)})
	}
	if ch.MessageLight != nil {
		rec.Fields = append(rec.Fields, Field{"ML", flag(*ch.MessageLight)})
	}
	if ch.Class != nil {
		c := *ch.Class
		if c == "" {
			c = r.EffectiveClass
		}
		if code, ok := classCode(l.cfg.ClassCodes, c); ok {
			rec.Fields = append(rec.Fields, Field{"CS", code})
		}
	}
	if len(rec.Fields) == 1 {
		return nil // nothing FIAS can say
	}
	da, ti := stamp(l.now())
	rec.Fields = append(rec.Fields, Field{"DA", da}, Field{"TI", ti})
	_, err := l.q.add(ctx, rec, false)
	return err
}

// WakeUpAnswer queues WA for a wake-up's final result: AS OK when
// answered, NR when every attempt went unanswered; a canceled one is not
// reported.
func (l *Link) WakeUpAnswer(ctx context.Context, w hotel.WakeUp) error {
	var as string
	switch w.Status {
	case hotel.WakeAnswered:
		as = AnswerOK
	case hotel.WakeUnanswered:
		as = AnswerNoResponse
	default:
		return nil
	}
	da, ti := stamp(w.At.In(l.cfg.Location))
	_, err := l.q.add(ctx, NewRecord("WA", "RN", w.Room, "DA", da, "TI", ti, "AS", as), false)
	return err
}

// Post queues PS for a call charge (PT C, a direct charge: DA and TI of
// the call's start, DD the dialled number, DU its duration, TA the cost
// in minor units) with the next P#, kept in the Store. The PMS's PA
// removes it from the queue and marks the charge posted.
func (l *Link) Post(ctx context.Context, c hotel.Charge) (int, error) {
	da, ti := stamp(c.Start.In(l.cfg.Location))
	d := c.Duration
	if d == 0 {
		d = secondsDuration(c.Seconds)
	}
	rec := NewRecord("PS", "RN", c.Room, "PT", "C", "DA", da, "TI", ti, "DD", c.Number,
		"DU", duration(d), "TA", strconv.FormatInt(c.Cost.Minor(), 10))
	return l.q.add(ctx, rec, true)
}
