package manager

import (
	"context"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// ApplyAll tells the telephony every room's state again (DND, message
// light, offline classes): the PBX side calls it when it (re)connects to
// Asterisk, which may have lost what it was told.
func (m *Manager) ApplyAll(ctx context.Context) {
	if m.tel == nil {
		return
	}
	m.mu.Lock()
	rooms := make([]hotel.Room, 0, len(m.rooms))
	for _, r := range m.sortedRoomsLocked() {
		rooms = append(rooms, m.viewLocked(r))
	}
	m.mu.Unlock()
	for _, r := range rooms {
		if ctx.Err() != nil {
			return
		}
		if err := m.tel.ApplyRoom(ctx, r, m.offline(r)); err != nil {
			m.log.Warn("hotel: apply room to the PBX", "room", r.Number, "err", err)
		}
	}
}

// LinkChanged publishes the PMS link's new state (event pms_link on
// topic hotel, to the hotel's audience): the PMS link calls it when it
// goes up or down.
func (m *Manager) LinkChanged(ctx context.Context, s hotel.LinkState) {
	if m.hub == nil {
		return
	}
	var f fx
	m.publish(&f, hotel.EventLink, s)
	m.mu.Lock()
	m.queue = append(m.queue, f.acts...)
	m.mu.Unlock()
	m.drain(ctx)
}
