package manager

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// Classify implements hotel.Service: emergency when listed in
// hotel.emergency; then the numbering's rules (longest prefix first);
// internal when at most internal_max_digits long; international after
// the international prefix (or "+"); national after the national
// prefix; local otherwise. Characters other than digits, '+', '*' and
// '#' are ignored.
func (m *Manager) Classify(number string) hotel.Class {
	return Classify(m.st, number)
}

// Classify classifies number with the settings st (see
// Manager.Classify).
func Classify(st hotel.Settings, number string) hotel.Class {
	n := strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '+' || r == '*' || r == '#' {
			return r
		}
		return -1
	}, number)
	if slices.Contains(st.Emergency, n) {
		return hotel.ClassEmergency
	}
	best := ""
	for p := range st.Numbering.Rules {
		if strings.HasPrefix(n, p) && len(p) > len(best) {
			best = p
		}
	}
	if best != "" {
		return st.Numbering.Rules[best]
	}
	num := st.Numbering
	switch {
	case len(n) <= num.InternalMaxDigits || strings.HasPrefix(n, "*"):
		return hotel.ClassInternal
	case strings.HasPrefix(n, "+"):
		return hotel.ClassInternational
	case num.InternationalPrefix != "" && strings.HasPrefix(n, num.InternationalPrefix):
		return hotel.ClassInternational
	case num.NationalPrefix != "" && strings.HasPrefix(n, num.NationalPrefix):
		return hotel.ClassNational
	}
	return hotel.ClassLocal
}

// roomOfLocked finds the room of a calling device, else of its
// extension.
func (m *Manager) roomOfLocked(from hotel.Origin) (*hotel.Room, bool) {
	if n, ok := m.byDevice[from.Endpoint]; ok && from.Endpoint != "" {
		return m.rooms[n], true
	}
	if n, ok := m.byExt[from.Extension]; ok && from.Extension != "" {
		return m.rooms[n], true
	}
	return nil, false
}

// RoomOf returns the room of a calling device, else of its extension,
// and the name its calls show ("101 – Anna Rossi"); false when from is
// no room's. It reads the manager's indexes: no scan of the rooms.
func (m *Manager) RoomOf(ctx context.Context, from hotel.Origin) (hotel.Room, string, bool) {
	m.mu.Lock()
	r, ok := m.roomOfLocked(from)
	number, name := "", ""
	if ok {
		number, name = r.Number, callerName(r)
	}
	m.mu.Unlock()
	if !ok {
		return hotel.Room{}, "", false
	}
	room, ok := m.Room(ctx, number)
	return room, name, ok
}

// callerName is what calls from r show: "101 – Anna Rossi" while
// occupied, "101" while vacant.
func callerName(r *hotel.Room) string {
	if r.Occupancy == hotel.Occupied && r.Guest != nil && r.Guest.Name != "" {
		return r.Number + " – " + r.Guest.Name
	}
	return r.Number
}

// Gate implements hotel.Sink: a caller that is no room's goes on; a
// vacant room may call internal and emergency numbers; an occupied room
// what its class of service allows. Emergency numbers always go.
func (m *Manager) Gate(ctx context.Context, from hotel.Origin, number string) hotel.Decision {
	c := m.Classify(number)
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.roomOfLocked(from)
	if !ok {
		return hotel.Decision{Allowed: true, Class: c}
	}
	d := hotel.Decision{Room: r.Number, Class: c, CallerName: callerName(r)}
	switch {
	case c == hotel.ClassEmergency:
		d.Allowed = true
	case r.Occupancy != hotel.Occupied:
		d.Allowed = c == hotel.ClassInternal
		if !d.Allowed {
			d.Reason = "vacant"
		}
	default:
		d.Allowed = m.effectiveLocked(nil, r).Allows(c)
		if !d.Allowed {
			d.Reason = "class"
		}
	}
	return d
}

// CallerName implements hotel.Sink.
func (m *Manager) CallerName(ctx context.Context, from hotel.Origin) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.roomOfLocked(from)
	if !ok {
		return "", false
	}
	return callerName(r), true
}

// Feature implements hotel.Sink: make-up requested, done (the room is
// clean) and inspected set the housekeeping state; wakeup sets a wake-up
// at the next HHMM in the hotel's time zone; wakeup_cancel cancels the
// room's live wake-ups.
func (m *Manager) Feature(ctx context.Context, from hotel.Origin, f hotel.Feature, digits string) error {
	m.mu.Lock()
	r, ok := m.roomOfLocked(from)
	number := ""
	if ok {
		number = r.Number
	}
	m.mu.Unlock()
	if !ok {
		return fieldErr("not a room's phone", "origin", fmt.Sprintf("%s (%s) is no room's device or extension", from.Endpoint, from.Extension))
	}
	by := hotel.Actor{Source: hotel.SourcePhone}
	hk := func(h hotel.Housekeeping) error {
		_, err := m.SetStatus(ctx, number, hotel.StatusChange{Housekeeping: &h}, by)
		return err
	}
	switch f {
	case hotel.FeatureMakeUpRequested:
		return hk(hotel.MakeUpRequested)
	case hotel.FeatureMakeUpDone:
		return hk(hotel.Clean)
	case hotel.FeatureInspected:
		return hk(hotel.Inspected)
	case hotel.FeatureWakeUp:
		hh, mm, err := parseHHMM(digits)
		if err != nil {
			return fieldErr("invalid wake-up time", "digits", err.Error())
		}
		at := nextOccurrence(m.clk.Now(), m.st.Location, hh, mm)
		_, err = m.SetWakeUp(ctx, number, at, "", by)
		return err
	case hotel.FeatureWakeUpCancel:
		return m.CancelWakeUpAt(ctx, number, time.Time{}, by)
	}
	return fieldErr("unknown feature", "feature", fmt.Sprintf("%q is not a hotel feature", f))
}

// parseHHMM reads a time of day keyed as HHMM.
func parseHHMM(s string) (hh, mm int, err error) {
	if len(s) != 4 || !allDigits(s) {
		return 0, 0, fmt.Errorf("must be HHMM, 4 digits (is %q)", s)
	}
	hh, _ = strconv.Atoi(s[:2])
	mm, _ = strconv.Atoi(s[2:])
	if hh > 23 || mm > 59 {
		return 0, 0, fmt.Errorf("must be a time of day 0000 to 2359 (is %q)", s)
	}
	return hh, mm, nil
}
