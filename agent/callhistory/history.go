package callhistory

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
)

// KV is the store namespace the history lives in: range listing and
// atomic batches (the store's MetaRange and MetaBatch of one namespace).
type KV interface {
	phonebook.RangeKV
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

// Directory names a number: the phone book's reverse lookup
// (*phonebook.Store), as caller ID uses it.
type Directory interface {
	Lookup(ctx context.Context, number string) (phonebook.LookupResult, error)
}

// Config configures the history.
type Config struct {
	// Retention is how long records are kept, counted from the call's
	// start; 0 keeps them forever.
	Retention time.Duration
	// PruneEvery is how often records older than Retention are removed
	// (default one hour).
	PruneEvery time.Duration
}

// Defaults.
const (
	DefaultRetention  = 365 * 24 * time.Hour
	DefaultPruneEvery = time.Hour
	// lookupTimeout bounds one directory lookup when a record is written;
	// past it the name stays empty.
	lookupTimeout = 250 * time.Millisecond
	// pruneBatch is the records one prune batch deletes (two keys each):
	// small enough for the smallest store budget's transaction limit.
	pruneBatch = 100
	// maxPrune bounds the records one prune removes; the rest wait for
	// the next.
	maxPrune = 100_000
)

// History is the users' call history.
type History struct {
	kv  KV
	dir Directory // nil: no names looked up
	cfg Config
	log *slog.Logger
	clk clock.Clock
}

// Option configures a History.
type Option func(*History)

// WithDirectory names the parties a call did not name from dir.
func WithDirectory(dir Directory) Option { return func(h *History) { h.dir = dir } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(h *History) { h.log = l } }

// WithClock sets the clock (retention, missing end times).
func WithClock(c clock.Clock) Option { return func(h *History) { h.clk = c } }

// New returns the history kept in kv.
func New(kv KV, cfg Config, opts ...Option) (*History, error) {
	if cfg.Retention < 0 {
		return nil, fmt.Errorf("calls.history_retention: %s is negative (0 keeps the history forever)", cfg.Retention)
	}
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = DefaultPruneEvery
	}
	if cfg.PruneEvery < time.Minute {
		return nil, fmt.Errorf("call history prune interval: %s is less than a minute", cfg.PruneEvery)
	}
	h := &History{kv: kv, cfg: cfg, log: slog.Default(), clk: clock.Real{}}
	for _, o := range opts {
		o(h)
	}
	return h, nil
}

// Add stores the record of an ended call, naming its parties from the
// directory where the call did not (a lookup that fails or is slow leaves
// the name empty: the record is written anyway). Its two keys are written
// in one batch; adding the same call again replaces its record.
func (h *History) Add(ctx context.Context, c calls.Call) (Record, error) {
	r := FromCall(c, h.clk.Now())
	if r.ID == "" || !validID(r.ID) || len(r.ID) > maxIDLen {
		return Record{}, fmt.Errorf("call history: call id %q cannot be stored", r.ID)
	}
	if r.FromName == "" {
		r.FromName = h.name(ctx, r.From)
	}
	if r.ToName == "" {
		r.ToName = h.name(ctx, r.To)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return Record{}, fmt.Errorf("call history %s: %w", r.ID, err)
	}
	kt, ku := keys(&r)
	if err := h.kv.WriteBatch(ctx, map[string][]byte{kt: b, ku: b}, nil); err != nil {
		return Record{}, fmt.Errorf("call history %s: %w", r.ID, err)
	}
	return r, nil
}

// name is the directory's name of number, or "".
func (h *History) name(ctx context.Context, number string) string {
	if h.dir == nil || number == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	res, err := h.dir.Lookup(ctx, number)
	if err != nil {
		h.log.DebugContext(ctx, "call history: directory lookup failed", "err", err)
		return ""
	}
	if !res.Match.Hit() {
		return ""
	}
	return res.Name
}

// Run removes the records older than the retention at start and then
// every PruneEvery, until ctx ends. With no retention it only waits.
func (h *History) Run(ctx context.Context) error {
	if h.cfg.Retention == 0 {
		<-ctx.Done()
		return nil
	}
	for {
		if n, err := h.Prune(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("call history: pruning old records failed", "err", err)
		} else if n > 0 {
			h.log.Debug("call history: pruned old records", "records", n)
		}
		t := h.clk.NewTimer(h.cfg.PruneEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// Prune removes the records of calls that started before the retention
// (at most maxPrune of them, pruneBatch records per batch) and returns how
// many it removed. With no retention it removes nothing.
func (h *History) Prune(ctx context.Context) (int, error) {
	if h.cfg.Retention == 0 {
		return 0, nil
	}
	cutoff := pfxTime + timeKey(h.clk.Now().Add(-h.cfg.Retention))
	removed := 0
	for removed < maxPrune {
		var dels []string
		n := 0
		err := h.kv.Range(ctx, pfxTime, cutoff, false, func(k string, v []byte) error {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				// A record that does not read is removed all the same (its
				// user key, if any, is left: listing skips what it cannot
				// read).
				h.log.Warn("call history: unreadable record", "key", k, "err", err)
				dels = append(dels, k)
			} else {
				kt, ku := keys(&r)
				if kt != k {
					dels = append(dels, k)
				}
				dels = append(dels, kt, ku)
			}
			n++
			if n >= pruneBatch {
				return phonebook.ErrStopRange
			}
			return nil
		})
		if err != nil {
			return removed, fmt.Errorf("call history: list old records: %w", err)
		}
		if len(dels) == 0 {
			return removed, nil
		}
		if err := h.kv.WriteBatch(ctx, nil, dels); err != nil {
			return removed, fmt.Errorf("call history: remove old records: %w", err)
		}
		removed += n
	}
	return removed, nil
}
