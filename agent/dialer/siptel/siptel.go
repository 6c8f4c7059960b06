package siptel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
)

// Telephony is the SIP adapter of the dialer. Create it with New, then
// call Run with the dialer's HandleEvent. Its methods never block on the
// network: each call leg is driven by a goroutine of its own, owned by
// the Telephony and ended by Run's context.
type Telephony struct {
	ua       UA
	cfg      Config
	log      *slog.Logger
	ringback *media.Audio
	moh      *media.Audio // nil: the ringback tone

	base context.Context // parent of every leg; cancelled when Run ends
	stop context.CancelFunc
	wg   sync.WaitGroup
	live atomic.Int64 // goroutines running (Goroutines)

	mu      sync.Mutex
	calls   map[string]*custCall
	agents  map[string]*agentLeg
	events  []dialer.Event
	kick    chan struct{}
	closed  bool
	running bool
}

// New returns an adapter placing calls through u.
func New(u UA, cfg Config) *Telephony {
	cfg = cfg.withDefaults()
	base, stop := context.WithCancel(context.Background())
	t := &Telephony{ua: u, cfg: cfg, log: cfg.Logger, ringback: media.RingbackCEPT().Audio(),
		base: base, stop: stop,
		calls: map[string]*custCall{}, agents: map[string]*agentLeg{}, kick: make(chan struct{}, 1)}
	if cfg.HoldMusic != "" {
		if cfg.SoundsDir == "" {
			t.log.Warn("siptel: hold music without sip_ua.sounds_dir; waiting customers hear the ringback tone", "hold_music", cfg.HoldMusic)
		} else if a, err := media.HoldAudio(cfg.SoundsDir, cfg.HoldMusic); err != nil {
			t.log.Warn("siptel: hold music unreadable; waiting customers hear the ringback tone", "hold_music", cfg.HoldMusic, "err", err)
		} else {
			t.moh = a
		}
	}
	return t
}

// ErrClosed is returned by the methods of a Telephony whose Run has ended.
var ErrClosed = errors.New("siptel: closed")

// Run delivers events to sink, in order, outside any lock, until ctx
// ends; then it hangs up every leg (CANCEL or BYE), waits for their
// goroutines and returns ctx's error. Events of legs ending then are not
// delivered: the dialer is stopping.
func (t *Telephony) Run(ctx context.Context, sink func(dialer.Event)) error {
	t.mu.Lock()
	if t.running || t.closed {
		t.mu.Unlock()
		return errors.New("siptel: Run called twice")
	}
	t.running = true
	t.mu.Unlock()
	defer t.shut()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.kick:
			t.mu.Lock()
			evs := t.events
			t.events = nil
			t.mu.Unlock()
			for _, ev := range evs {
				sink(ev)
			}
		}
	}
}

// Release hangs up every leg and waits (until ctx ends) for them to end;
// the Telephony takes no new call afterwards. Run does the same when its
// context ends.
func (t *Telephony) Release(ctx context.Context) error {
	done := make(chan struct{})
	go func() { defer close(done); t.shut() }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("siptel: release: %w", ctx.Err())
	}
}

// shut cancels every leg and waits for their goroutines.
func (t *Telephony) shut() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.stop()
	t.wg.Wait()
}

// Goroutines is the number of goroutines the Telephony runs (tests check
// that none outlives Run).
func (t *Telephony) Goroutines() int { return int(t.live.Load()) }

// spawn runs f on an owned goroutine; false when closed.
func (t *Telephony) spawn(f func()) bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	t.wg.Add(1)
	t.live.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		defer t.live.Add(-1)
		f()
	}()
	return true
}

// emit queues an event for Run.
func (t *Telephony) emit(ev dialer.Event) {
	t.mu.Lock()
	t.events = append(t.events, ev)
	t.mu.Unlock()
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Calls returns how many customer legs and agent legs the adapter holds.
func (t *Telephony) Calls() (customers, agents int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls), len(t.agents)
}

// watchEnd cancels cancel when call ends; the returned func stops the
// watch and waits for its goroutine.
func watchEnd(ctx context.Context, call Call, cancel context.CancelFunc) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-call.Done():
			cancel()
		case <-ctx.Done():
		case <-stop:
		}
	}()
	return func() { close(stop); <-done }
}
