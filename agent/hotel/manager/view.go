package manager

import (
	"context"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// viewLocked is r as the API shows it: a copy with its effective class.
func (m *Manager) viewLocked(r *hotel.Room) hotel.Room {
	v := copyRoom(*r)
	v.EffectiveClass = m.effectiveLocked(nil, r)
	return v
}

// viewFx is r as it will be once f is committed.
func (m *Manager) viewFx(f *fx, r *hotel.Room) hotel.Room {
	v := copyRoom(*r)
	v.EffectiveClass = m.effectiveLocked(f, r)
	return v
}

// effectiveLocked is what r may call: internal while vacant; else its
// class, its group's, or the default.
func (m *Manager) effectiveLocked(f *fx, r *hotel.Room) hotel.Class {
	if r.Occupancy != hotel.Occupied {
		return hotel.ClassInternal
	}
	if r.Class != "" {
		return r.Class
	}
	if r.Group != "" {
		g, ok := m.groups[r.Group]
		if f != nil {
			if sg, staged := f.groups[r.Group]; staged && sg != nil {
				g, ok = *sg, true
			}
		}
		if ok && g.Class != "" {
			return g.Class
		}
	}
	if m.st.DefaultClass != "" {
		return m.st.DefaultClass
	}
	return hotel.ClassInternational
}

// sortedRoomsLocked returns the rooms by number (numerically when both
// are digits: 2 before 10).
func (m *Manager) sortedRoomsLocked() []*hotel.Room {
	out := make([]*hotel.Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y *hotel.Room) int { return compareNumbers(x.Number, y.Number) })
	return out
}

// compareNumbers orders room numbers: shorter first when both are all
// digits (so 99 before 100), else as strings.
func compareNumbers(x, y string) int {
	if allDigits(x) && allDigits(y) && len(x) != len(y) {
		return len(x) - len(y)
	}
	return strings.Compare(x, y)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Rooms implements hotel.Service.
func (m *Manager) Rooms(ctx context.Context) []hotel.Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := m.sortedRoomsLocked()
	out := make([]hotel.Room, len(rs))
	for i, r := range rs {
		out[i] = m.viewLocked(r)
	}
	return out
}

// Room implements hotel.Service.
func (m *Manager) Room(ctx context.Context, number string) (hotel.Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[number]
	if !ok {
		return hotel.Room{}, false
	}
	return m.viewLocked(r), true
}

// Groups implements hotel.Service.
func (m *Manager) Groups(ctx context.Context) []hotel.RoomGroup {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]hotel.RoomGroup, 0, len(m.groups))
	for _, g := range m.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y hotel.RoomGroup) int { return strings.Compare(x.ID, y.ID) })
	return out
}
