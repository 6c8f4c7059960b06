package manager

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// keepFinal is how long a final wake-up stays listed (and kept).
const keepFinal = 24 * time.Hour

// pastGrace is how far in the past a wake-up may be set (it is placed at
// once): a time typed for "now" is not refused.
const pastGrace = time.Minute

// liveWakeUpsFx returns room's live wake-ups as the decision sees them,
// by time.
func (m *Manager) liveWakeUpsFx(f *fx, room string) []hotel.WakeUp {
	var out []hotel.WakeUp
	seen := map[string]bool{}
	for id, w := range f.wakeups {
		seen[id] = true
		if w.Room == room && w.Status.Live() {
			out = append(out, *w)
		}
	}
	for id, w := range m.wakeups {
		if !seen[id] && w.Room == room && w.Status.Live() {
			out = append(out, *w)
		}
	}
	sortWakeUps(out)
	return out
}

func sortWakeUps(ws []hotel.WakeUp) {
	slices.SortFunc(ws, func(x, y hotel.WakeUp) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
}

// sortedWakeUpsLocked returns the wake-ups kept of room ("" every room),
// by time.
func (m *Manager) sortedWakeUpsLocked(room string) []hotel.WakeUp {
	out := []hotel.WakeUp{}
	for _, w := range m.wakeups {
		if room == "" || w.Room == room {
			out = append(out, *w)
		}
	}
	sortWakeUps(out)
	return out
}

// cancelWakeUpFx stages w's cancellation, tells the scheduler and
// publishes it.
func (m *Manager) cancelWakeUpFx(f *fx, w hotel.WakeUp, now time.Time) {
	w.Status, w.Next, w.UpdatedAt = hotel.WakeCanceled, nil, now
	f.stageWakeUp(w)
	if m.sched != nil {
		id := w.ID
		f.do(func(ctx context.Context) { m.sched.Cancel(ctx, id) })
	}
	m.publish(f, hotel.EventWakeUpUpdated, w)
}

// forgetOldLocked stages the removal of the final wake-ups older than a
// day (they are no longer listed).
func (m *Manager) forgetOldLocked(f *fx, now time.Time) {
	for id, w := range m.wakeups {
		if !w.Status.Live() && now.Sub(w.UpdatedAt) > keepFinal {
			if _, staged := f.wakeups[id]; !staged {
				f.forget = append(f.forget, id)
			}
		}
	}
}

// scheduleFx hands w (of room r) to the scheduler after the mutex is
// released.
func (m *Manager) scheduleFx(f *fx, w hotel.WakeUp, r hotel.Room) {
	if m.sched == nil {
		return
	}
	f.do(func(ctx context.Context) { m.sched.Schedule(ctx, w, r) })
}

// WakeUps implements hotel.Service: the live ones and the final ones of
// the last day.
func (m *Manager) WakeUps(ctx context.Context, room string) []hotel.WakeUp {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clk.Now()
	out := []hotel.WakeUp{}
	for _, w := range m.sortedWakeUpsLocked(room) {
		if w.Status.Live() || now.Sub(w.UpdatedAt) <= keepFinal {
			out = append(out, w)
		}
	}
	return out
}

// SetWakeUp implements hotel.Service.
func (m *Manager) SetWakeUp(ctx context.Context, room string, at time.Time, language string, by hotel.Actor) (hotel.WakeUp, error) {
	const msg = "invalid wake-up"
	language = strings.ToLower(language)
	if language != "" && !languageRe.MatchString(language) {
		return hotel.WakeUp{}, fieldErr(msg, "language", fmt.Sprintf("must be a two-letter ISO 639-1 code (is %q)", language))
	}
	if at.IsZero() {
		return hotel.WakeUp{}, fieldErr(msg, "at", "is required")
	}
	at = at.Truncate(time.Second)
	var out hotel.WakeUp
	err := m.locked(ctx, func(f *fx) error {
		r, ok := m.roomFx(f, room)
		if !ok {
			return fieldErr(msg, "room", fmt.Sprintf("no room %s", room))
		}
		if r.Occupancy != hotel.Occupied {
			return conflict("room", fmt.Sprintf("room %s is vacant: wake-ups are for guests", room))
		}
		now := m.clk.Now()
		if at.Before(now.Add(-pastGrace)) {
			return fieldErr(msg, "at", fmt.Sprintf("is in the past (now %s)", now.In(m.st.Location).Format(time.RFC3339)))
		}
		if at.After(now.Add(366 * 24 * time.Hour)) {
			return fieldErr(msg, "at", "is more than a year ahead")
		}
		for _, w := range m.liveWakeUpsFx(f, room) {
			if w.At.Truncate(time.Minute).Equal(at.Truncate(time.Minute)) {
				out = w
				return nil
			}
		}
		m.forgetOldLocked(f, now)
		next := at
		w := hotel.WakeUp{ID: m.wakeUpID(now), Room: room, At: at.In(m.st.Location), Next: &next, Status: hotel.WakePending,
			Language: language, Source: by.Source, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
		f.stageWakeUp(w)
		m.scheduleFx(f, w, m.viewFx(f, r))
		m.publish(f, hotel.EventWakeUpUpdated, w)
		out = w
		return nil
	})
	return out, err
}

// wakeUpID is a new wake-up's id: w- and a ULID of now.
func (m *Manager) wakeUpID(now time.Time) string {
	id, err := ulid.New(ulid.Timestamp(now), rand.Reader)
	if err != nil {
		return fmt.Sprintf("w-%d", now.UnixNano())
	}
	return "w-" + strings.ToLower(id.String())
}

// CancelWakeUp implements hotel.Service: a final wake-up is a conflict.
func (m *Manager) CancelWakeUp(ctx context.Context, id string, by hotel.Actor) error {
	return m.locked(ctx, func(f *fx) error {
		w, ok := m.wakeUpFx(f, id)
		if !ok {
			return hotel.ErrNotFound
		}
		if !w.Status.Live() {
			return conflict("id", fmt.Sprintf("wake-up %s is %s already", id, w.Status))
		}
		m.cancelWakeUpFx(f, w, m.clk.Now().UTC())
		return nil
	})
}

// CancelWakeUpAt implements hotel.Service: none live at that minute (or
// none at all, for the zero time) is ErrNotFound.
func (m *Manager) CancelWakeUpAt(ctx context.Context, room string, at time.Time, by hotel.Actor) error {
	return m.locked(ctx, func(f *fx) error {
		if _, ok := m.roomFx(f, room); !ok {
			return hotel.ErrNotFound
		}
		n := 0
		now := m.clk.Now().UTC()
		for _, w := range m.liveWakeUpsFx(f, room) {
			if at.IsZero() || w.At.Truncate(time.Minute).Equal(at.Truncate(time.Minute)) {
				m.cancelWakeUpFx(f, w, now)
				n++
			}
		}
		if n == 0 {
			return hotel.ErrNotFound
		}
		return nil
	})
}

// WakeUpChanged is what the scheduler reports of a wake-up: its status,
// attempts and next attempt are kept and published; a final unanswered
// one is reported to reception (an event and a call) and, with an
// answered one, to the PMS. A report about a wake-up unknown or already
// final is ignored.
func (m *Manager) WakeUpChanged(ctx context.Context, w hotel.WakeUp) {
	err := m.locked(ctx, func(f *fx) error {
		cur, ok := m.wakeUpFx(f, w.ID)
		if !ok || !cur.Status.Live() {
			return nil
		}
		cur.Status, cur.Attempts, cur.Next, cur.UpdatedAt = w.Status, w.Attempts, w.Next, m.clk.Now().UTC()
		if !cur.Status.Live() {
			cur.Next = nil
		}
		f.stageWakeUp(cur)
		m.publish(f, hotel.EventWakeUpUpdated, cur)
		switch cur.Status {
		case hotel.WakeUnanswered:
			m.publish(f, hotel.EventWakeUpUnanswered, cur)
			if m.tel != nil && m.st.Reception != "" {
				ext := m.st.Reception
				f.do(func(ctx context.Context) {
					if err := m.tel.AlertReception(ctx, ext, cur); err != nil {
						m.log.Warn("hotel: call reception about an unanswered wake-up", "wakeup", cur.ID, "room", cur.Room, "err", err)
					}
				})
			}
			m.wakeUpAnswer(f, cur)
		case hotel.WakeAnswered:
			m.wakeUpAnswer(f, cur)
		}
		return nil
	})
	if err != nil {
		m.log.Warn("hotel: keep a wake-up's change", "wakeup", w.ID, "err", err)
	}
}

// wakeUpAnswer reports a final wake-up to the PMS (FIAS WA).
func (m *Manager) wakeUpAnswer(f *fx, w hotel.WakeUp) {
	if m.pms == nil {
		return
	}
	f.do(func(ctx context.Context) {
		if err := m.pms.WakeUpAnswer(ctx, w); err != nil {
			m.log.Warn("hotel: tell the PMS of a wake-up's result", "wakeup", w.ID, "err", err)
		}
	})
}

// WakeUpResult implements hotel.Sink: passed on to the scheduler.
func (m *Manager) WakeUpResult(ctx context.Context, id string, attempt int, o hotel.WakeOutcome, snooze time.Duration) {
	if m.sched == nil {
		m.log.Warn("hotel: a wake-up result without a scheduler", "wakeup", id)
		return
	}
	m.sched.Result(ctx, id, attempt, o, snooze)
}

// nextOccurrence is the next time of day hh:mm in loc after now (today's
// if still ahead, else tomorrow's).
func nextOccurrence(now time.Time, loc *time.Location, hh, mm int) time.Time {
	l := now.In(loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), hh, mm, 0, 0, loc)
	if !t.After(l) {
		t = time.Date(l.Year(), l.Month(), l.Day()+1, hh, mm, 0, 0, loc)
	}
	return t
}
