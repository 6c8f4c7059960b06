package manager

import (
	"context"
	"fmt"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// PutRoom implements hotel.Service: the configuration is checked (errors
// name the field; an extension or device of another room is a
// conflict), the room's state stays, and the PBX is told.
func (m *Manager) PutRoom(ctx context.Context, in hotel.Room) (hotel.Room, error) {
	r := copyRoom(in)
	if err := normalizeRoom(&r); err != nil {
		return hotel.Room{}, err
	}
	var out hotel.Room
	err := m.locked(ctx, func(f *fx) error {
		if r.Group != "" {
			if _, ok := m.groups[r.Group]; !ok {
				return fieldErr("invalid room", "group", fmt.Sprintf("no room group %q", r.Group))
			}
		}
		for i, e := range r.Extensions {
			if n, ok := m.byExt[e]; ok && n != r.Number {
				return conflict(fmt.Sprintf("extensions[%d]", i), fmt.Sprintf("extension %s is room %s's", e, n))
			}
		}
		for i, d := range r.Devices {
			if n, ok := m.byDevice[d]; ok && n != r.Number {
				return conflict(fmt.Sprintf("devices[%d]", i), fmt.Sprintf("device %s is room %s's", d, n))
			}
		}
		now := m.clk.Now().UTC()
		old, existed := m.rooms[r.Number]
		if existed {
			r.Occupancy, r.Housekeeping, r.DND, r.MessageLight = old.Occupancy, old.Housekeeping, old.DND, old.MessageLight
			r.Guest, r.BillID = old.Guest, old.BillID
		} else {
			r.Occupancy, r.Housekeeping, r.DND, r.MessageLight, r.Guest, r.BillID = hotel.Vacant, hotel.Clean, false, false, nil, ""
		}
		r.UpdatedAt = now
		nr := f.stageRoom(r)
		out = m.viewFx(f, nr)
		if existed && old.Occupancy == hotel.Occupied && old.Guest != nil && !sameStrings(old.Extensions, r.Extensions) {
			m.directory(f, m.viewLocked(old), "")
			m.directory(f, out, old.Guest.Name)
		}
		m.apply(f, out)
		m.publishRoom(f, out, hotel.ChangeConfig, hotel.SourceAPI)
		return nil
	})
	return out, err
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// DeleteRoom implements hotel.Service: an occupied room is a conflict
// (check the guest out first).
func (m *Manager) DeleteRoom(ctx context.Context, number string) error {
	return m.locked(ctx, func(f *fx) error {
		r, ok := m.rooms[number]
		if !ok {
			return hotel.ErrNotFound
		}
		if r.Occupancy == hotel.Occupied {
			return conflict("number", fmt.Sprintf("room %s is occupied: check the guest out first", number))
		}
		f.stageRoomDelete(number)
		m.publish(f, hotel.EventRoomDeleted, map[string]string{"number": number})
		return nil
	})
}

// PutGroup implements hotel.Service: the rooms of the group whose class
// of service changes are told to the PBX.
func (m *Manager) PutGroup(ctx context.Context, g hotel.RoomGroup) (hotel.RoomGroup, error) {
	if err := normalizeGroup(&g); err != nil {
		return hotel.RoomGroup{}, err
	}
	err := m.locked(ctx, func(f *fx) error {
		ng := g
		f.stageGroup(g.ID, &ng)
		for _, r := range m.sortedRoomsLocked() {
			if r.Group != g.ID {
				continue
			}
			before, after := m.effectiveLocked(nil, r), m.effectiveLocked(f, r)
			if before == after {
				continue
			}
			v := m.viewFx(f, r)
			m.apply(f, v)
			m.publishRoom(f, v, hotel.ChangeClass, hotel.SourceAPI)
		}
		return nil
	})
	if err != nil {
		return hotel.RoomGroup{}, err
	}
	return g, nil
}

// DeleteGroup implements hotel.Service: a group a room is in is a
// conflict.
func (m *Manager) DeleteGroup(ctx context.Context, id string) error {
	return m.locked(ctx, func(f *fx) error {
		if _, ok := m.groups[id]; !ok {
			return hotel.ErrNotFound
		}
		for _, r := range m.sortedRoomsLocked() {
			if r.Group == id {
				return conflict("id", fmt.Sprintf("room %s is in group %s: move it out first", r.Number, id))
			}
		}
		f.stageGroup(id, nil)
		return nil
	})
}
