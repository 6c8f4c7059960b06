package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// Keys in the KV.
const (
	keyRoom   = "room/"  // room/<number>: hotel.Room
	keyGroup  = "group/" // group/<id>: hotel.RoomGroup
	keyWakeUp = "wake/"  // wake/<id>: hotel.WakeUp
	keyBill   = "bill/"  // bill/<id>: hotel.Bill, open or closed
	keyRates  = "rates"  // []hotel.RateTable
)

// writeLocked writes f's staged records: in one batch when they are few,
// through the journal (journal.go) when they would not fit one store
// transaction. A journal left pending by an earlier failure is applied
// first.
func (m *Manager) writeLocked(ctx context.Context, f *fx) error {
	puts := map[string][]byte{}
	var dels []string
	put := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("hotel: encode %s: %w", key, err)
		}
		puts[key] = b
		return nil
	}
	for n, r := range f.rooms {
		if r == nil {
			dels = append(dels, keyRoom+n)
		} else if err := put(keyRoom+n, r); err != nil {
			return err
		}
	}
	for id, g := range f.groups {
		if g == nil {
			dels = append(dels, keyGroup+id)
		} else if err := put(keyGroup+id, g); err != nil {
			return err
		}
	}
	for id, w := range f.wakeups {
		if err := put(keyWakeUp+id, w); err != nil {
			return err
		}
	}
	for _, id := range f.forget {
		dels = append(dels, keyWakeUp+id)
	}
	for id, b := range f.bills {
		if err := put(keyBill+id, b); err != nil {
			return err
		}
	}
	if f.rated {
		if err := put(keyRates, f.rates); err != nil {
			return err
		}
	}
	if len(puts) == 0 && len(dels) == 0 {
		return nil
	}
	if err := m.applyPendingLocked(ctx); err != nil {
		return err
	}
	parts := splitParts(puts, dels)
	if len(parts) > 1 {
		return m.journaled(ctx, parts)
	}
	if err := m.batch(ctx, parts[0]); err != nil {
		return fmt.Errorf("hotel: keep: %w", err)
	}
	return nil
}

// Load reads the rooms, groups, wake-ups, rate tables and bills kept,
// hands the live wake-ups to the scheduler, and forgets final wake-ups
// older than a day. An unreadable record is logged and skipped.
func (m *Manager) Load(ctx context.Context) error {
	if err := m.replayJournals(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	var stale []string
	now := m.clk.Now()
	err := m.kv.List(ctx, func(key string, val []byte) error {
		switch {
		case strings.HasPrefix(key, keyRoom):
			var r hotel.Room
			if err := json.Unmarshal(val, &r); err != nil || r.Number == "" {
				m.log.Warn("hotel: skipping an unreadable room", "key", key, "err", err)
				return nil
			}
			m.rooms[r.Number] = &r
			m.indexRoomLocked(&r)
		case strings.HasPrefix(key, keyGroup):
			var g hotel.RoomGroup
			if err := json.Unmarshal(val, &g); err != nil || g.ID == "" {
				m.log.Warn("hotel: skipping an unreadable room group", "key", key, "err", err)
				return nil
			}
			m.groups[g.ID] = g
		case strings.HasPrefix(key, keyWakeUp):
			var w hotel.WakeUp
			if err := json.Unmarshal(val, &w); err != nil || w.ID == "" {
				m.log.Warn("hotel: skipping an unreadable wake-up", "key", key, "err", err)
				return nil
			}
			if !w.Status.Live() && now.Sub(w.UpdatedAt) > keepFinal {
				stale = append(stale, key)
				return nil
			}
			m.wakeups[w.ID] = &w
		case strings.HasPrefix(key, keyBill):
			var b hotel.Bill
			if err := json.Unmarshal(val, &b); err != nil || b.ID == "" {
				m.log.Warn("hotel: skipping an unreadable bill", "key", key, "err", err)
				return nil
			}
			for _, l := range b.Lines {
				if l.Posting > 0 && !l.Posted {
					m.postings[l.Posting] = b.ID
				}
			}
			if b.ClosedAt == nil {
				m.open[b.ID] = &b
			} else {
				m.closedBills = append(m.closedBills, closedRef{ID: b.ID, Room: b.Room, ClosedAt: *b.ClosedAt})
				m.closedIDs[b.ID] = true
			}
		case strings.HasPrefix(key, keyJournal):
			return nil
		case key == keyRates:
			var ts []hotel.RateTable
			if err := json.Unmarshal(val, &ts); err != nil {
				m.log.Warn("hotel: skipping unreadable rate tables", "err", err)
				return nil
			}
			m.rates = ts
		}
		return nil
	})
	if err != nil {
		m.mu.Unlock()
		return fmt.Errorf("hotel: load: %w", err)
	}
	slices.SortFunc(m.closedBills, func(x, y closedRef) int { return y.ClosedAt.Compare(x.ClosedAt) })
	var live []hotel.WakeUp
	for _, w := range m.sortedWakeUpsLocked("") {
		if w.Status.Live() {
			live = append(live, w)
		}
	}
	rooms := map[string]hotel.Room{}
	for _, w := range live {
		if r, ok := m.rooms[w.Room]; ok {
			rooms[w.Room] = m.viewLocked(r)
		}
	}
	m.mu.Unlock()
	for _, k := range stale {
		if err := m.kv.Delete(ctx, k); err != nil {
			m.log.Warn("hotel: forget an old wake-up", "key", k, "err", err)
		}
	}
	if m.sched != nil {
		for _, w := range live {
			if r, ok := rooms[w.Room]; ok {
				m.sched.Schedule(ctx, w, r)
			}
		}
	}
	return nil
}
