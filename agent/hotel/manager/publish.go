package manager

import (
	"context"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// Audience is who sees the hotel's events: holders of the ability
// hotel_admin (administrators hold every ability) and the principals
// acting for no user that may read topic hotel (the admin token, apps
// granted scope hotel for themselves). The topic's scope is checked as
// well.
func Audience() events.Audience {
	return events.Any(events.Holding(platform.AbilityHotelAdmin), events.NoUser())
}

// publish sends an event of topic hotel after the mutex is released.
func (m *Manager) publish(f *fx, typ string, data any) {
	if m.hub == nil {
		return
	}
	ev := events.Event{Topic: hotel.Topic, Type: typ, Data: data, Audience: Audience()}
	f.do(func(ctx context.Context) {
		if err := m.hub.Publish(ctx, ev); err != nil {
			m.log.Warn("hotel: publish", "type", typ, "err", err)
		}
	})
}

// publishRoom sends room_updated about r (as it is now).
func (m *Manager) publishRoom(f *fx, r hotel.Room, ch hotel.Change, src hotel.Source) {
	m.publish(f, hotel.EventRoomUpdated, hotel.RoomEvent{Room: r, Change: ch, Source: src})
}

// apply asks the telephony to show r (DND, message light, offline
// classes) after the mutex is released.
func (m *Manager) apply(f *fx, r hotel.Room) {
	if m.tel == nil {
		return
	}
	off := m.offline(r)
	f.do(func(ctx context.Context) {
		if err := m.tel.ApplyRoom(ctx, r, off); err != nil {
			m.log.Warn("hotel: apply room to the PBX", "room", r.Number, "err", err)
		}
	})
}

// tellPMS reports a change made at the PBX to the PMS (FIAS RE); a
// change from the PMS is not echoed back.
func (m *Manager) tellPMS(f *fx, r hotel.Room, ch hotel.StatusChange, src hotel.Source) {
	if m.pms == nil || src == hotel.SourcePMS {
		return
	}
	f.do(func(ctx context.Context) {
		if err := m.pms.RoomStatus(ctx, r, ch); err != nil {
			m.log.Warn("hotel: tell the PMS of a room's status", "room", r.Number, "err", err)
		}
	})
}

// directory names (name non-empty) or clears r's entry in the directory
// after the mutex is released.
func (m *Manager) directory(f *fx, r hotel.Room, name string) {
	if m.dir == nil {
		return
	}
	f.do(func(ctx context.Context) {
		var err error
		if name == "" {
			err = m.dir.ClearRoomName(ctx, r)
		} else {
			err = m.dir.SetRoomName(ctx, r, name)
		}
		if err != nil {
			m.log.Warn("hotel: directory entry of a room", "room", r.Number, "err", err)
		}
	})
}

// offline is what r may call while pbxagent is down: the configured
// classes its class allows while occupied, internal while vacant
// (emergency is always allowed by the dialplan).
func (m *Manager) offline(r hotel.Room) []hotel.Class {
	if r.Occupancy != hotel.Occupied {
		return []hotel.Class{hotel.ClassInternal}
	}
	out := []hotel.Class{}
	for _, c := range m.st.Offline {
		if r.EffectiveClass.Allows(c) {
			out = append(out, c)
		}
	}
	return out
}
