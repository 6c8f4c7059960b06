package dialer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// Errors returned by the API methods; wrapped with detail.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// Dialer runs campaigns. Create one with New, Start it, and feed it the
// Telephony's events through HandleEvent.
type Dialer struct {
	mu    sync.Mutex
	clk   clock.Clock
	tel   Telephony
	log   *slog.Logger
	store Store
	dnc   *DNCList
	// region is the default region of numbers without "+" (WithDefaultRegion).
	region string
	zones  *zoneCache
	tick   time.Duration
	idPfx  string
	// backends are the backends campaigns may use, the default first
	// (WithBackends); sipTrunk is the sip campaigns' default dial string.
	backends []string
	sipTrunk string
	ctx      context.Context

	campaigns map[string]*campaign
	corder    []*campaign
	agents    map[string]*agent
	aorder    []*agent
	calls     map[string]*call
	// abandoned: number -> time of its last abandoned call (72-hour rule)
	abandoned map[string]time.Time
	// inflight: numbers with a call in progress
	inflight map[string]bool
	seq      uint64
	acts     []func()
	timer    clock.Timer
	started  bool
	closed   bool

	subMu sync.Mutex
	subs  map[chan struct{}]struct{}

	pruned     time.Time // last sweep of the 72-hour quarantine map
	meterSaved time.Time // last save of the abandonment meters
	restored   bool
	linkDown   bool // the telephony's event stream is down
}

// Option configures a Dialer.
type Option func(*Dialer)

// WithClock sets the clock (default clock.Real).
func WithClock(c clock.Clock) Option { return func(d *Dialer) { d.clk = c } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(d *Dialer) { d.log = l } }

// WithStore sets where campaigns, leads, the do-not-call list, abandoned
// numbers and meters are written (default: nowhere); Restore reads them
// back. The dialer owns s: Close closes it if it has a Close method.
func WithStore(s Store) Option { return func(d *Dialer) { d.store = s } }

// WithDNC shares a do-not-call list (default: a new empty list).
func WithDNC(l *DNCList) Option { return func(d *Dialer) { d.dnc = l } }

// WithDefaultRegion sets the country (ISO 3166 alpha-2, e.g. "BA") in
// which numbers without a "+" are read when neither the campaign
// (default_region) nor the request (?region=) names one: the daemon passes
// numbers.default_region. Leads and the do-not-call list follow the same
// rule (see Dialer.Canonical).
func WithDefaultRegion(r string) Option { return func(d *Dialer) { d.region = r } }

// WithTick sets the pacing interval (default 1 s).
func WithTick(t time.Duration) Option { return func(d *Dialer) { d.tick = t } }

// WithCallIDPrefix sets the prefix of call ids. The default is derived
// from the start time so ids never repeat across restarts.
func WithCallIDPrefix(p string) Option { return func(d *Dialer) { d.idPfx = p } }

// WithBackends sets the backends ("ari", "sip") campaigns may use, the
// default first (default: ari only). A campaign on another backend is
// refused (field backend).
func WithBackends(b ...string) Option { return func(d *Dialer) { d.backends = b } }

// WithSIPTrunk sets the default dial string of sip campaigns (the
// daemon's sip_ua.trunk, "sip:{number}@trunk.example.com").
func WithSIPTrunk(tpl string) Option { return func(d *Dialer) { d.sipTrunk = tpl } }

// New returns a Dialer that places calls through tel.
func New(tel Telephony, opts ...Option) *Dialer {
	d := &Dialer{
		clk: clock.Real{}, tel: tel, log: slog.Default(), store: nopStore{},
		tick: time.Second, ctx: context.Background(),
		zones:     newZoneCache(),
		campaigns: map[string]*campaign{}, agents: map[string]*agent{}, calls: map[string]*call{},
		abandoned: map[string]time.Time{}, inflight: map[string]bool{},
		subs: map[chan struct{}]struct{}{},
	}
	for _, o := range opts {
		o(d)
	}
	if d.dnc == nil {
		d.dnc = NewDNCList()
	}
	if len(d.backends) == 0 {
		d.backends = []string{BackendARI}
	}
	if d.idPfx == "" {
		d.idPfx = "dl" + strconv.FormatInt(d.clk.Now().UnixMilli(), 36) + "-"
	}
	return d
}

// Start begins pacing; ctx bounds the Telephony commands the dialer issues.
func (d *Dialer) Start(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started || d.closed {
		return
	}
	d.started, d.ctx = true, ctx
	d.timer = d.clk.AfterFunc(d.tick, d.onTick)
}

// Close stops pacing, saves the abandonment meters and, when the Store has
// a Close method (KVStore), closes it, which writes out what is queued.
// Calls in progress are left to the telephone system.
func (d *Dialer) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
	}
	d.saveMeters(d.clk.Now())
	st := d.store
	d.mu.Unlock()
	if cl, ok := st.(interface{ Close() error }); ok {
		if err := cl.Close(); err != nil {
			d.log.Error("dialer: closing the store", "err", err)
		}
	}
}

// meterSaveEvery is how often changed abandonment meters are saved.
const meterSaveEvery = time.Minute

// saveMeters saves the meters that changed since their last save.
func (d *Dialer) saveMeters(now time.Time) {
	for _, c := range d.corder {
		if !c.meter.dirty {
			continue
		}
		c.meter.dirty = false
		if err := d.store.SaveMeter(c.cfg.ID, c.meter.snapshot(now)); err != nil {
			d.log.Error("dialer: store abandonment meter", "campaign", c.cfg.ID, "err", err)
		}
	}
}

func (d *Dialer) onTick() {
	d.run(func(now time.Time) {
		for _, c := range d.corder {
			c.meter.expire(now)
			d.drainAttempts(c, now)
			d.pace(c, now)
		}
		if now.Sub(d.pruned) >= time.Hour {
			d.pruned = now
			for n, t := range d.abandoned {
				if now.Sub(t) >= AbandonQuarantine {
					delete(d.abandoned, n)
					if err := d.store.SaveAbandoned(n, time.Time{}); err != nil {
						d.log.Error("dialer: store expired abandoned record", "err", err)
					}
				}
			}
		}
		if now.Sub(d.meterSaved) >= meterSaveEvery {
			d.meterSaved = now
			d.saveMeters(now)
		}
	})
	d.mu.Lock()
	if !d.closed {
		d.timer = d.clk.AfterFunc(d.tick, d.onTick)
	}
	d.mu.Unlock()
}

// run executes f under the lock, then the Telephony commands it queued.
func (d *Dialer) run(f func(now time.Time)) {
	d.mu.Lock()
	f(d.clk.Now())
	acts := d.acts
	d.acts = nil
	d.mu.Unlock()
	for _, a := range acts {
		a()
	}
	d.notify()
}

// queue adds a Telephony command; onErr (may be nil) runs under the lock if
// the command fails.
func (d *Dialer) queue(what string, cmd func(ctx context.Context) error, onErr func(now time.Time, err error)) {
	base := d.ctx // read under the lock: Start sets it while handlers may be queueing
	d.acts = append(d.acts, func() {
		ctx, cancel := context.WithTimeout(base, 10*time.Second)
		err := cmd(ctx)
		cancel()
		if err != nil {
			d.log.Warn("dialer: telephony command failed", "cmd", what, "err", err)
			if onErr != nil {
				d.run(func(now time.Time) { onErr(now, err) })
			}
		}
	})
}

// Subscribe returns a channel poked (without blocking) after every change,
// and a function that ends the subscription.
func (d *Dialer) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	d.subMu.Lock()
	d.subs[ch] = struct{}{}
	d.subMu.Unlock()
	return ch, func() {
		d.subMu.Lock()
		delete(d.subs, ch)
		d.subMu.Unlock()
	}
}

func (d *Dialer) notify() {
	d.subMu.Lock()
	defer d.subMu.Unlock()
	for ch := range d.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (d *Dialer) newCallID() string {
	d.seq++
	return d.idPfx + strconv.FormatUint(d.seq, 10)
}

func (d *Dialer) campaignLocked(id string) (*campaign, error) {
	c, ok := d.campaigns[id]
	if !ok {
		return nil, fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	return c, nil
}

func (d *Dialer) agentLocked(id string) (*agent, error) {
	a, ok := d.agents[id]
	if !ok {
		return nil, fmt.Errorf("agent %q: %w", id, ErrNotFound)
	}
	return a, nil
}
