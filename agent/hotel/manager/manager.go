package manager

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// KV is where the hotel is kept (the daemon's store, MetaBatch("hotel")).
// A KV that also has WriteBatch (BatchKV) makes each operation's writes
// all or nothing; without it they are written one by one.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// BatchKV is a KV that writes several keys in one transaction.
type BatchKV interface {
	KV
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

// Hub takes the hotel's events (the events hub).
type Hub interface {
	Publish(ctx context.Context, ev events.Event) error
}

// Directory keeps the guests' names in the phone directory, so that a
// caller-ID lookup of a room's extension inside the hotel names the
// guest (the daemon implements it over the phonebook).
type Directory interface {
	// SetRoomName names the room's extensions name (check-in, a move in,
	// a guest's new name).
	SetRoomName(ctx context.Context, room hotel.Room, name string) error
	// ClearRoomName removes the room's entry (check-out, a move out).
	ClearRoomName(ctx context.Context, room hotel.Room) error
}

// Manager is the hotel manager. It implements hotel.Service and
// hotel.Sink. Build it with New, attach its peers with options (New's, or
// applied later, before the daemon starts), then Load.
type Manager struct {
	kv    KV
	st    hotel.Settings
	clk   clock.Clock
	log   *slog.Logger
	hub   Hub
	tel   hotel.Telephony
	pms   hotel.PMS
	rater hotel.Rater
	sched hotel.WakeUpScheduler
	dir   Directory

	mu    sync.Mutex
	state // guarded by mu
}

// Option sets up a Manager.
type Option func(*Manager)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.log = l } }

// WithClock sets the clock (default the wall clock).
func WithClock(c clock.Clock) Option { return func(m *Manager) { m.clk = c } }

// WithHub sets where the events (topic hotel) go.
func WithHub(h Hub) Option {
	return func(m *Manager) {
		if h != nil {
			m.hub = h
		}
	}
}

// WithTelephony sets the PBX side (DND, message light, offline classes,
// wake-up calls, reception alerts).
func WithTelephony(t hotel.Telephony) Option { return func(m *Manager) { m.tel = t } }

// WithPMS sets the property-management system told of changes made at
// the PBX, wake-up results and call charges.
func WithPMS(p hotel.PMS) Option { return func(m *Manager) { m.pms = p } }

// WithRater sets what costs calls; without it every call costs 0.
func WithRater(r hotel.Rater) Option { return func(m *Manager) { m.rater = r } }

// WithScheduler sets what places the wake-up calls at their time.
func WithScheduler(s hotel.WakeUpScheduler) Option { return func(m *Manager) { m.sched = s } }

// WithDirectory sets where the guests' names go.
func WithDirectory(d Directory) Option { return func(m *Manager) { m.dir = d } }

// New returns a manager over kv with the settings st; Load reads what was
// kept.
func New(kv KV, st hotel.Settings, opts ...Option) *Manager {
	if st.Location == nil {
		st.Location = time.Local
	}
	m := &Manager{kv: kv, st: st, clk: clock.Real{}, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(m)
	}
	m.state.init()
	return m
}

// Settings returns the settings the manager was built with.
func (m *Manager) Settings() hotel.Settings { return m.st }

// Close makes the manager ignore what comes after (the daemon calls it
// when it stops) and stops the wake-up scheduler.
func (m *Manager) Close() {
	m.mu.Lock()
	already := m.shut
	m.shut = true
	m.mu.Unlock()
	if !already && m.sched != nil {
		m.sched.Close()
	}
}

var (
	_ hotel.Service = (*Manager)(nil)
	_ hotel.Sink    = (*Manager)(nil)
)
