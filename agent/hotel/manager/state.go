package manager

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// errClosed: the manager was closed (the daemon stops).
var errClosed = errors.New("hotel: the manager is closed")

// state is the manager's memory (guarded by Manager.mu).
type state struct {
	rooms  map[string]*hotel.Room
	groups map[string]hotel.RoomGroup
	// byDevice and byExt find a room by a calling endpoint or extension.
	byDevice map[string]string
	byExt    map[string]string
	// wakeups are the live wake-ups and the final ones of the last day.
	wakeups map[string]*hotel.WakeUp
	// open are the open bills by id; closedBills indexes the closed bills
	// kept in the store, newest first.
	open        map[string]*hotel.Bill
	closedBills []closedRef
	closedIDs   map[string]bool
	rates       []hotel.RateTable
	// postings finds the bill of a posting not yet acknowledged; early
	// are acknowledgements that came before the posting's number was
	// recorded.
	postings map[int]string
	early    map[int]bool
	shut     bool // Close was called
	// pending is a journal marked done not yet applied; jseq numbers
	// the journals.
	pending *pending
	jseq    int
	// queue holds the actions decided and not done yet; draining: a
	// goroutine is doing them (see drain).
	queue    []func(ctx context.Context)
	draining bool
}

// closedRef is a closed bill in the index.
type closedRef struct {
	ID       string
	Room     string
	ClosedAt time.Time
}

func (s *state) init() {
	s.rooms = map[string]*hotel.Room{}
	s.groups = map[string]hotel.RoomGroup{}
	s.byDevice = map[string]string{}
	s.byExt = map[string]string{}
	s.wakeups = map[string]*hotel.WakeUp{}
	s.open = map[string]*hotel.Bill{}
	s.closedIDs = map[string]bool{}
	s.postings = map[int]string{}
	s.early = map[int]bool{}
}

// fx is a decision in the making: the records it changes (staged, so
// that nothing in memory changes unless the store took them all) and
// what it asks of the outside world, done after the mutex is released,
// in order.
type fx struct {
	rooms   map[string]*hotel.Room // nil: deleted
	groups  map[string]*hotel.RoomGroup
	wakeups map[string]*hotel.WakeUp
	forget  []string // wake-ups to forget (final, older than a day)
	bills   map[string]*hotel.Bill
	rates   []hotel.RateTable
	rated   bool // rates staged
	// commits change the manager's other memory once the store took the
	// records (under the mutex).
	commits []func()
	acts    []func(ctx context.Context)
}

func (f *fx) do(act func(ctx context.Context)) { f.acts = append(f.acts, act) }

// room returns room n as the decision sees it (staged, else kept) and
// whether it exists.
func (m *Manager) roomFx(f *fx, n string) (*hotel.Room, bool) {
	if r, ok := f.rooms[n]; ok {
		return r, r != nil
	}
	r, ok := m.rooms[n]
	return r, ok
}

// stageRoom stages r (a copy is kept) as room r.Number.
func (f *fx) stageRoom(r hotel.Room) *hotel.Room {
	if f.rooms == nil {
		f.rooms = map[string]*hotel.Room{}
	}
	c := copyRoom(r)
	f.rooms[r.Number] = &c
	return &c
}

// stageRoomDelete stages room n's removal.
func (f *fx) stageRoomDelete(n string) {
	if f.rooms == nil {
		f.rooms = map[string]*hotel.Room{}
	}
	f.rooms[n] = nil
}

// stageWakeUp stages w.
func (f *fx) stageWakeUp(w hotel.WakeUp) {
	if f.wakeups == nil {
		f.wakeups = map[string]*hotel.WakeUp{}
	}
	f.wakeups[w.ID] = &w
}

// wakeUpFx returns wake-up id as the decision sees it.
func (m *Manager) wakeUpFx(f *fx, id string) (hotel.WakeUp, bool) {
	if w, ok := f.wakeups[id]; ok {
		return *w, true
	}
	w, ok := m.wakeups[id]
	if !ok {
		return hotel.WakeUp{}, false
	}
	return *w, true
}

// stageBill stages b (a copy of its lines is kept).
func (f *fx) stageBill(b hotel.Bill) *hotel.Bill {
	if f.bills == nil {
		f.bills = map[string]*hotel.Bill{}
	}
	b.Lines = slices.Clone(b.Lines)
	f.bills[b.ID] = &b
	return &b
}

// billFx returns open bill id as the decision sees it.
func (m *Manager) billFx(f *fx, id string) (hotel.Bill, bool) {
	if b, ok := f.bills[id]; ok {
		return *b, true
	}
	b, ok := m.open[id]
	if !ok {
		return hotel.Bill{}, false
	}
	return *b, true
}

// stageGroup stages g (nil g: id is deleted).
func (f *fx) stageGroup(id string, g *hotel.RoomGroup) {
	if f.groups == nil {
		f.groups = map[string]*hotel.RoomGroup{}
	}
	f.groups[id] = g
}

// locked runs decide under the mutex; when it succeeds the records it
// staged are written in one batch and, once the store took them, made
// the manager's; then the actions run with the mutex released. On an
// error nothing changes and nothing is done.
func (m *Manager) locked(ctx context.Context, decide func(f *fx) error) error {
	var f fx
	m.mu.Lock()
	if m.shut {
		m.mu.Unlock()
		return errClosed
	}
	if err := decide(&f); err != nil {
		m.mu.Unlock()
		return err
	}
	if err := m.writeLocked(ctx, &f); err != nil {
		m.mu.Unlock()
		return err
	}
	m.commitLocked(&f)
	m.queue = append(m.queue, f.acts...)
	m.mu.Unlock()
	m.drain(ctx)
	return nil
}

// drain does the queued actions in the order they were decided, outside
// the mutex, in whichever goroutine finds the queue idle: two decisions
// about one room reach the PBX, the PMS, the directory and the events in
// the order they were made, and an action that calls back into the
// manager (a scheduler reporting at once) queues its own after it. An
// action runs with ctx's values but not its cancellation (a request that
// ends must not cut its effects short, nor another's).
func (m *Manager) drain(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	m.mu.Lock()
	if m.draining {
		m.mu.Unlock()
		return
	}
	m.draining = true
	for len(m.queue) > 0 {
		act := m.queue[0]
		m.queue[0] = nil
		m.queue = m.queue[1:]
		m.mu.Unlock()
		act(ctx)
		m.mu.Lock()
	}
	m.queue = nil
	m.draining = false
	m.mu.Unlock()
}

// commitLocked makes f's staged records the manager's.
func (m *Manager) commitLocked(f *fx) {
	for n, r := range f.rooms {
		if old := m.rooms[n]; old != nil {
			for _, d := range old.Devices {
				if m.byDevice[d] == n {
					delete(m.byDevice, d)
				}
			}
			for _, e := range old.Extensions {
				if m.byExt[e] == n {
					delete(m.byExt, e)
				}
			}
		}
		if r == nil {
			delete(m.rooms, n)
			continue
		}
		m.rooms[n] = r
		m.indexRoomLocked(r)
	}
	for id, g := range f.groups {
		if g == nil {
			delete(m.groups, id)
		} else {
			m.groups[id] = *g
		}
	}
	for id, w := range f.wakeups {
		m.wakeups[id] = w
	}
	for _, id := range f.forget {
		delete(m.wakeups, id)
	}
	for id, b := range f.bills {
		if b.ClosedAt == nil {
			m.open[id] = b
			continue
		}
		delete(m.open, id)
		m.indexClosedLocked(closedRef{ID: b.ID, Room: b.Room, ClosedAt: *b.ClosedAt})
	}
	if f.rated {
		m.rates = f.rates
	}
	for _, c := range f.commits {
		c()
	}
}

// indexRoomLocked adds r's devices and extensions to the indexes.
func (m *Manager) indexRoomLocked(r *hotel.Room) {
	for _, d := range r.Devices {
		m.byDevice[d] = r.Number
	}
	for _, e := range r.Extensions {
		m.byExt[e] = r.Number
	}
}

// indexClosedLocked adds a closed bill to the index (newest first; a
// bill already there is not added twice).
func (m *Manager) indexClosedLocked(c closedRef) {
	if m.closedIDs[c.ID] {
		return
	}
	m.closedIDs[c.ID] = true
	i, _ := slices.BinarySearchFunc(m.closedBills, c, func(x, t closedRef) int {
		if x.ClosedAt.After(t.ClosedAt) {
			return -1
		}
		if x.ClosedAt.Before(t.ClosedAt) {
			return 1
		}
		return 0
	})
	m.closedBills = slices.Insert(m.closedBills, i, c)
}

// copyRoom returns r with its own slices and guest.
func copyRoom(r hotel.Room) hotel.Room {
	r.Extensions = slices.Clone(r.Extensions)
	r.Devices = slices.Clone(r.Devices)
	if r.Guest != nil {
		g := *r.Guest
		r.Guest = &g
	}
	return r
}
