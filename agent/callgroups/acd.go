package callgroups

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// KV is where the groups, dynamic members, pauses and the strategies'
// memory are kept (the daemon's store, Meta("callgroups")).
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Hub takes the call groups' events (the events hub).
type Hub interface {
	Publish(ctx context.Context, ev events.Event) error
}

// ACD is the automatic call distributor: it keeps the groups and their
// members, the callers waiting and the answered calls, and decides whom
// a waiting caller is offered to. It implements Sink (what the telephony
// reports) and Service (what the API and the wallboard use).
//
// Decisions are made under one mutex; what they ask of the telephony,
// the journal and the hub is collected under it and done after it is
// released, so that a telephony reporting synchronously (a simulator, or
// an immediate failure) may call back into the ACD. Timers (retry delay,
// maximum wait, announcements, wrap-up) are the clock's AfterFunc, so
// that on a Virtual clock a simulation is deterministic.
type ACD struct {
	kv   KV
	dir  Directory
	tel  Telephony
	jr   Journal
	hub  Hub
	pres Presence
	clk  clock.Clock
	log  *slog.Logger
	rnd  *rand.Rand
	loc  *time.Location

	// epoch makes offer ids unique across restarts.
	epoch string

	mu    sync.Mutex
	state // guarded by mu
}

// Option configures an ACD.
type Option func(*ACD)

// WithTelephony sets the PBX side; without it the API works and no
// caller enters (Enter refuses them with FAILED only when it can tell
// them, i.e. never).
func WithTelephony(t Telephony) Option { return func(a *ACD) { a.tel = t } }

// WithJournal sets where the journal entries go (statistics, queue_log).
func WithJournal(j Journal) Option { return func(a *ACD) { a.jr = j } }

// WithHub sets where the events go.
func WithHub(h Hub) Option { return func(a *ACD) { a.hub = h } }

// WithPresence sets what tells the ACD of DND, away, registration and
// calls; without it every member counts as registered, idle and
// available.
func WithPresence(p Presence) Option { return func(a *ACD) { a.pres = p } }

// WithClock sets the clock (default the wall clock).
func WithClock(c clock.Clock) Option { return func(a *ACD) { a.clk = c } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(a *ACD) { a.log = l } }

// WithRand sets the random source of the random strategy (seed it for a
// reproducible simulation).
func WithRand(r *rand.Rand) Option { return func(a *ACD) { a.rnd = r } }

// WithLocation sets the time zone of "today" (CallsTaken, LastCallAt and
// the strategies' counters reset at its midnight; default time.Local).
func WithLocation(l *time.Location) Option { return func(a *ACD) { a.loc = l } }

// New returns an ACD over kv (the groups) and dir (the users); Load reads
// what was kept.
func New(kv KV, dir Directory, opts ...Option) *ACD {
	a := &ACD{kv: kv, dir: dir, clk: clock.Real{}, log: slog.New(slog.DiscardHandler), loc: time.Local}
	for _, o := range opts {
		o(a)
	}
	if a.rnd == nil {
		a.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	a.state.init()
	a.epoch = strconv.FormatInt(a.clk.Now().Unix(), 36)
	return a
}

// Close stops the ACD's timers (retry, maximum wait, announcements,
// wrap-up) and makes it ignore what comes after: the daemon calls it
// when it stops.
func (a *ACD) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	for _, c := range a.callers {
		for _, t := range []clock.Timer{c.retryT, c.maxWaitT, c.annT} {
			if t != nil {
				t.Stop()
			}
		}
	}
	for _, u := range a.users {
		if u.wrapTimer != nil {
			u.wrapTimer.Stop()
		}
	}
}

var (
	_ Sink    = (*ACD)(nil)
	_ Service = (*ACD)(nil)
)
