package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
)

// Config configures the audit log.
type Config struct {
	// Retention is how long entries are kept (default 90 days).
	Retention time.Duration
	// PruneEvery is how often entries older than Retention are removed
	// (default one hour).
	PruneEvery time.Duration
}

// Defaults.
const (
	DefaultRetention  = 90 * 24 * time.Hour
	DefaultPruneEvery = time.Hour
)

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.PruneEvery == 0 {
		c.PruneEvery = DefaultPruneEvery
	}
	return c
}

// Validate checks the configuration (zero fields take their defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Retention < time.Hour:
		return fmt.Errorf("audit.retention: %s is less than an hour", c.Retention)
	case c.PruneEvery < time.Minute:
		return fmt.Errorf("audit.prune_every: %s is less than a minute", c.PruneEvery)
	}
	return nil
}

// logged are the action prefixes that also log one info line.
var logged = []string{"import.", "campaign.start"}

// maxPrune bounds the entries one prune removes (the rest wait for the
// next).
const maxPrune = 100_000

// Log is the audit log: a platform.Component with the GET /api/v1/audit
// route (Router), retention pruning (Runner) and Middleware to record the
// API's changes.
type Log struct {
	kv  phonebook.RangeKV
	cfg Config
	log *slog.Logger
	clk clock.Clock

	mu  sync.Mutex
	seq uint64
}

// New returns the audit log kept in kv (the store's MetaRange("audit")).
// log and clk default to slog.Default() and the wall clock.
func New(kv phonebook.RangeKV, cfg Config, log *slog.Logger, clk clock.Clock) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &Log{kv: kv, cfg: cfg.withDefaults(), log: log, clk: clk}, nil
}

// Name names the component.
func (l *Log) Name() string { return "audit" }

// Record stores e (an internal event or a CLI command; the middleware
// records API requests). Time and ID are set here; Details are redacted;
// an empty Result means ResultOK.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = l.clk.Now()
	}
	e.Time = e.Time.UTC()
	if e.Result == "" {
		e.Result = ResultOK
	}
	e.Details = Redact(e.Details)
	l.mu.Lock()
	l.seq++
	e.ID = entryKey(e.Time, l.seq)
	l.mu.Unlock()
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	if err := l.kv.Put(ctx, e.ID, b); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	for _, p := range logged {
		if strings.HasPrefix(e.Action, p) {
			l.logLine(ctx, e)
			break
		}
	}
	return nil
}

// logLine logs an import or a campaign start: one info line.
func (l *Log) logLine(ctx context.Context, e Entry) {
	args := []any{"action", e.Action, "actor", e.Actor.Kind, "result", e.Result}
	for _, kv := range [][2]string{{"user_id", e.Actor.UserID}, {"app_id", e.Actor.AppID},
		{"object_type", e.Object.Type}, {"object_id", e.Object.ID}, {"request_id", e.RequestID}} {
		if kv[1] != "" {
			args = append(args, kv[0], kv[1])
		}
	}
	if e.Status != 0 {
		args = append(args, "status", e.Status)
	}
	for k, v := range e.Details { // already redacted
		args = append(args, "detail."+k, v)
	}
	l.log.InfoContext(ctx, "audited change", args...)
}

// Run removes entries older than the retention at start and then every
// PruneEvery, until ctx ends.
func (l *Log) Run(ctx context.Context) error {
	for {
		if n, err := l.Prune(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("audit: pruning old entries failed", "err", err)
		} else if n > 0 {
			l.log.Debug("audit: pruned old entries", "entries", n)
		}
		t := l.clk.NewTimer(l.cfg.PruneEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// Prune removes the entries older than the retention (at most maxPrune of
// them) and returns how many it removed.
func (l *Log) Prune(ctx context.Context) (int, error) {
	cutoff := timeKey(l.clk.Now().Add(-l.cfg.Retention))
	var old []string
	err := l.kv.Range(ctx, "", cutoff, false, func(k string, _ []byte) error {
		old = append(old, k)
		if len(old) >= maxPrune {
			return phonebook.ErrStopRange
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("audit: list old entries: %w", err)
	}
	for i, k := range old {
		if err := l.kv.Delete(ctx, k); err != nil {
			return i, fmt.Errorf("audit: remove %s: %w", k, err)
		}
	}
	return len(old), nil
}

// errBadCursor is a cursor this log did not hand out.
var errBadCursor = errors.New("not a cursor from this API")
