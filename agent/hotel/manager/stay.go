package manager

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// CheckIn implements hotel.Service.
func (m *Manager) CheckIn(ctx context.Context, number string, g hotel.Guest, by hotel.Actor) (hotel.Room, error) {
	if err := normalizeGuest(&g, ""); err != nil {
		return hotel.Room{}, err
	}
	var out hotel.Room
	err := m.locked(ctx, func(f *fx) error {
		var err error
		out, err = m.checkInFx(f, number, g, by.Source, m.clk.Now().UTC())
		return err
	})
	return out, err
}

// checkInFx stages g's check-in to room number: a fresh bill, the name in
// the directory, calls opened by class of service. A room occupied by
// the same reservation has its guest updated.
func (m *Manager) checkInFx(f *fx, number string, g hotel.Guest, src hotel.Source, now time.Time) (hotel.Room, error) {
	cur, ok := m.roomFx(f, number)
	if !ok {
		return hotel.Room{}, hotel.ErrNotFound
	}
	if cur.Occupancy == hotel.Occupied {
		if sameStay(cur.Guest, g) {
			return m.updateGuestFx(f, number, g, src, now)
		}
		return hotel.Room{}, conflict("number", fmt.Sprintf("room %s is occupied: check the guest out first", number))
	}
	r := copyRoom(*cur)
	b := hotel.Bill{ID: m.billID(f, number, now), Room: number, Guest: g.Name, OpenedAt: now, Lines: []hotel.Charge{}}
	f.stageBill(b)
	r.Occupancy, r.Guest, r.BillID, r.UpdatedAt = hotel.Occupied, &g, b.ID, now
	v := m.viewFx(f, f.stageRoom(r))
	m.directory(f, v, g.Name)
	m.apply(f, v)
	m.publishRoom(f, v, hotel.ChangeCheckIn, src)
	return v, nil
}

// sameStay reports whether g is the guest already in the room: the same
// reservation, or (neither has one) the same name.
func sameStay(cur *hotel.Guest, g hotel.Guest) bool {
	if cur == nil {
		return false
	}
	if cur.Reservation != "" || g.Reservation != "" {
		return cur.Reservation == g.Reservation
	}
	return cur.Name == g.Name
}

// billID is a new bill's id: b-<room>-<time>, with a suffix when taken.
func (m *Manager) billID(f *fx, number string, now time.Time) string {
	base := "b-" + number + "-" + now.In(m.st.Location).Format("20060102T150405")
	id := base
	for i := 2; m.billTaken(f, id); i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	return id
}

func (m *Manager) billTaken(f *fx, id string) bool {
	if _, ok := f.bills[id]; ok {
		return true
	}
	if _, ok := m.open[id]; ok {
		return true
	}
	return m.closedIDs[id]
}

// UpdateGuest implements hotel.Service.
func (m *Manager) UpdateGuest(ctx context.Context, number string, g hotel.Guest, by hotel.Actor) (hotel.Room, error) {
	if err := normalizeGuest(&g, ""); err != nil {
		return hotel.Room{}, err
	}
	var out hotel.Room
	err := m.locked(ctx, func(f *fx) error {
		var err error
		out, err = m.updateGuestFx(f, number, g, by.Source, m.clk.Now().UTC())
		return err
	})
	return out, err
}

// updateGuestFx stages an occupied room's new guest data; nothing
// changes (and nothing is published) when it is the same.
func (m *Manager) updateGuestFx(f *fx, number string, g hotel.Guest, src hotel.Source, now time.Time) (hotel.Room, error) {
	cur, ok := m.roomFx(f, number)
	if !ok {
		return hotel.Room{}, hotel.ErrNotFound
	}
	if cur.Occupancy != hotel.Occupied || cur.Guest == nil {
		return hotel.Room{}, conflict("number", fmt.Sprintf("room %s is vacant: check a guest in", number))
	}
	if *cur.Guest == g {
		return m.viewFx(f, cur), nil
	}
	renamed := cur.Guest.Name != g.Name
	r := copyRoom(*cur)
	r.Guest, r.UpdatedAt = &g, now
	v := m.viewFx(f, f.stageRoom(r))
	if renamed {
		if b, ok := m.billFx(f, r.BillID); ok {
			b.Guest = g.Name
			f.stageBill(b)
		}
		m.directory(f, v, g.Name)
	}
	m.apply(f, v)
	m.publishRoom(f, v, hotel.ChangeGuest, src)
	return v, nil
}

// CheckOut implements hotel.Service.
func (m *Manager) CheckOut(ctx context.Context, number string, by hotel.Actor) (hotel.Room, hotel.Bill, error) {
	var out hotel.Room
	var bill hotel.Bill
	err := m.locked(ctx, func(f *fx) error {
		var err error
		out, bill, err = m.checkOutFx(f, number, by.Source, m.clk.Now().UTC())
		return err
	})
	return out, bill, err
}

// checkOutFx stages a check-out: pending wake-ups canceled, the bill
// closed, the name and message light cleared, outgoing calls barred.
func (m *Manager) checkOutFx(f *fx, number string, src hotel.Source, now time.Time) (hotel.Room, hotel.Bill, error) {
	cur, ok := m.roomFx(f, number)
	if !ok {
		return hotel.Room{}, hotel.Bill{}, hotel.ErrNotFound
	}
	if cur.Occupancy != hotel.Occupied {
		return hotel.Room{}, hotel.Bill{}, conflict("number", fmt.Sprintf("room %s is vacant", number))
	}
	for _, w := range m.liveWakeUpsFx(f, number) {
		m.cancelWakeUpFx(f, w, now)
	}
	var bill hotel.Bill
	if b, ok := m.billFx(f, cur.BillID); ok {
		closedAt := now
		b.ClosedAt = &closedAt
		bill = *f.stageBill(b)
		m.publish(f, hotel.EventBillClosed, bill)
	}
	old := m.viewFx(f, cur)
	r := copyRoom(*cur)
	r.Occupancy, r.Guest, r.BillID, r.MessageLight, r.DND, r.UpdatedAt = hotel.Vacant, nil, "", false, false, now
	v := m.viewFx(f, f.stageRoom(r))
	m.directory(f, old, "")
	m.apply(f, v)
	m.publishRoom(f, v, hotel.ChangeCheckOut, src)
	return v, bill, nil
}

// Move implements hotel.Service: the guest, the bill, the pending
// wake-ups, DND and the message light go to the vacant room to.
func (m *Manager) Move(ctx context.Context, from, to string, by hotel.Actor) (hotel.Room, error) {
	if err := ValidRoomNumber(to); err != nil {
		return hotel.Room{}, fieldErr("invalid move", "to", err.Error())
	}
	var out hotel.Room
	err := m.locked(ctx, func(f *fx) error {
		src, ok := m.roomFx(f, from)
		if !ok {
			return hotel.ErrNotFound
		}
		dst, ok := m.roomFx(f, to)
		if !ok {
			return fieldErr("invalid move", "to", fmt.Sprintf("no room %s", to))
		}
		if from == to {
			return fieldErr("invalid move", "to", "is the room the guest is in")
		}
		if src.Occupancy != hotel.Occupied {
			return conflict("number", fmt.Sprintf("room %s is vacant: nobody to move", from))
		}
		if dst.Occupancy == hotel.Occupied {
			return conflict("to", fmt.Sprintf("room %s is occupied", to))
		}
		now := m.clk.Now().UTC()
		in := copyRoom(*dst)
		in.Occupancy, in.Guest, in.BillID, in.DND, in.MessageLight, in.UpdatedAt = hotel.Occupied, src.Guest, src.BillID, src.DND, src.MessageLight, now
		outR := copyRoom(*src)
		oldView := m.viewFx(f, src)
		outR.Occupancy, outR.Guest, outR.BillID, outR.DND, outR.MessageLight, outR.UpdatedAt = hotel.Vacant, nil, "", false, false, now
		if b, ok := m.billFx(f, src.BillID); ok {
			b.Room = to
			f.stageBill(b)
		}
		vOut := m.viewFx(f, f.stageRoom(outR))
		vIn := m.viewFx(f, f.stageRoom(in))
		for _, w := range m.liveWakeUpsFx(f, from) {
			w.Room, w.UpdatedAt = to, now
			f.stageWakeUp(w)
			m.scheduleFx(f, w, vIn)
			m.publish(f, hotel.EventWakeUpUpdated, w)
		}
		m.directory(f, oldView, "")
		m.directory(f, vIn, vIn.Guest.Name)
		m.apply(f, vOut)
		m.apply(f, vIn)
		m.publishRoom(f, vOut, hotel.ChangeMoveOut, by.Source)
		m.publishRoom(f, vIn, hotel.ChangeMoveIn, by.Source)
		out = vIn
		return nil
	})
	return out, err
}

// SetStatus implements hotel.Service: only what differs changes; each
// change is published, told to the PBX (DND, message light, class) and,
// unless it came from the PMS, to the PMS.
func (m *Manager) SetStatus(ctx context.Context, number string, ch hotel.StatusChange, by hotel.Actor) (hotel.Room, error) {
	const msg = "invalid status"
	if ch.Housekeeping != nil && !slices.Contains(hotel.HousekeepingStates, *ch.Housekeeping) {
		return hotel.Room{}, fieldErr(msg, "housekeeping", fmt.Sprintf("must be one of clean, makeup_requested, cleaning, inspected, out_of_order (is %q)", *ch.Housekeeping))
	}
	if ch.Class != nil {
		if err := validClass(*ch.Class, true); err != nil {
			return hotel.Room{}, fieldErr(msg, "class", err.Error())
		}
	}
	if ch.Housekeeping == nil && ch.DND == nil && ch.MessageLight == nil && ch.Class == nil {
		return hotel.Room{}, fieldErr(msg, "housekeeping", "a change needs one of housekeeping, dnd, message_light or class")
	}
	var out hotel.Room
	err := m.locked(ctx, func(f *fx) error {
		cur, ok := m.roomFx(f, number)
		if !ok {
			return hotel.ErrNotFound
		}
		r := copyRoom(*cur)
		var done hotel.StatusChange
		var changes []hotel.Change
		if ch.Housekeeping != nil && *ch.Housekeeping != r.Housekeeping {
			r.Housekeeping, done.Housekeeping = *ch.Housekeeping, ch.Housekeeping
			changes = append(changes, hotel.ChangeHousekeeping)
		}
		if ch.DND != nil && *ch.DND != r.DND {
			r.DND, done.DND = *ch.DND, ch.DND
			changes = append(changes, hotel.ChangeDND)
		}
		if ch.MessageLight != nil && *ch.MessageLight != r.MessageLight {
			r.MessageLight, done.MessageLight = *ch.MessageLight, ch.MessageLight
			changes = append(changes, hotel.ChangeMessageLight)
		}
		if ch.Class != nil && *ch.Class != r.Class {
			r.Class, done.Class = *ch.Class, ch.Class
			changes = append(changes, hotel.ChangeClass)
		}
		if len(changes) == 0 {
			out = m.viewFx(f, cur)
			return nil
		}
		r.UpdatedAt = m.clk.Now().UTC()
		out = m.viewFx(f, f.stageRoom(r))
		if done.DND != nil || done.MessageLight != nil || done.Class != nil {
			m.apply(f, out)
		}
		for _, c := range changes {
			m.publishRoom(f, out, c, by.Source)
		}
		m.tellPMS(f, out, done, by.Source)
		return nil
	})
	return out, err
}

// Resync implements hotel.Service: every room listed must exist and
// every guest be valid (errors name the room); then, all or nothing, the
// rooms listed are checked in (another stay: the old guest out first) or
// their guest updated, and the occupied rooms not listed are checked
// out.
func (m *Manager) Resync(ctx context.Context, occupied map[string]hotel.Guest, by hotel.Actor) error {
	numbers := make([]string, 0, len(occupied))
	for n := range occupied {
		numbers = append(numbers, n)
	}
	slices.SortFunc(numbers, compareNumbers)
	guests := make(map[string]hotel.Guest, len(occupied))
	for _, n := range numbers {
		g := occupied[n]
		if err := normalizeGuest(&g, "rooms["+n+"]."); err != nil {
			return err
		}
		guests[n] = g
	}
	return m.locked(ctx, func(f *fx) error {
		now := m.clk.Now().UTC()
		for _, n := range numbers {
			if _, ok := m.rooms[n]; !ok {
				return fieldErr("invalid resync", "rooms["+n+"]", "no such room")
			}
		}
		for _, r := range m.sortedRoomsLocked() {
			if _, listed := guests[r.Number]; listed || r.Occupancy != hotel.Occupied {
				continue
			}
			if _, _, err := m.checkOutFx(f, r.Number, by.Source, now); err != nil {
				return err
			}
		}
		for _, n := range numbers {
			g := guests[n]
			cur, _ := m.roomFx(f, n)
			if cur.Occupancy == hotel.Occupied && !sameStay(cur.Guest, g) {
				if _, _, err := m.checkOutFx(f, n, by.Source, now); err != nil {
					return err
				}
			}
			cur, _ = m.roomFx(f, n)
			var err error
			if cur.Occupancy == hotel.Occupied {
				_, err = m.updateGuestFx(f, n, g, by.Source, now)
			} else {
				_, err = m.checkInFx(f, n, g, by.Source, now)
			}
			if err != nil {
				return fmt.Errorf("hotel: resync room %s: %w", n, err)
			}
		}
		return nil
	})
}
