package dirsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Errors callers branch on.
var (
	ErrNotFound       = errors.New("no such source")
	ErrRunning        = errors.New("a sync of this source is already running")
	ErrNotRunning     = errors.New("sync engine not running")
	ErrNameTaken      = errors.New("a source with that name exists")
	ErrUnknownType    = errors.New("unknown source type")
	ErrNotTestable    = errors.New("this source type has no test")
	ErrEraseInProcess = errors.New("source is being erased")
)

// Option configures an Engine.
type Option func(*Engine)

// WithTypes registers source types.
func WithTypes(types ...Type) Option {
	return func(e *Engine) {
		for _, t := range types {
			e.types[t.Name] = t
		}
	}
}

// WithClock replaces the wall clock (tests).
func WithClock(c Clock) Option { return func(e *Engine) { e.clock = c } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithHTTPClient sets the client sources use (default: 30 s to connect,
// 120 s for the response headers; bodies are bounded by the run timeout).
func WithHTTPClient(c *http.Client) Option { return func(e *Engine) { e.http = c } }

// WithRunTimeout bounds one run (default 2 h).
func WithRunTimeout(d time.Duration) Option { return func(e *Engine) { e.runTimeout = d } }

// WithDataDir sets the directory of the secrets key file and the run spool (required).
func WithDataDir(dir string) Option { return func(e *Engine) { e.dataDir = dir } }

// WithApplyHook calls fn after each change applied to the store (n counts
// from 1 per round). For tests (crash tests kill the process from it).
func WithApplyHook(fn func(n int)) Option { return func(e *Engine) { e.applyHook = fn } }

// WithGate makes the scheduler start no run while gate returns an error
// (a cluster node that is not the directory's writer), looking again
// every gateRecheck; manual triggers still run.
func WithGate(gate func() error) Option { return func(e *Engine) { e.gate = gate } }

// gateRecheck is how often a gated scheduler asks its gate again.
const gateRecheck = 10 * time.Second

// Engine owns the sources, their schedule and their runs.
type Engine struct {
	store   Store
	types   map[string]Type
	clock   Clock
	log     *slog.Logger
	http    *http.Client
	dataDir string
	seal    *sealer

	applyHook   func(n int)
	gate        func() error // scheduled runs start only while it returns nil (WithGate)
	runTimeout  time.Duration
	testTimeout time.Duration

	mu      sync.Mutex
	sources map[string]*entry
	runCtx  context.Context // set while Run or RunManual runs
	// manualOnly: RunManual runs (no scheduled run starts).
	manualOnly bool
	wake       chan struct{}
	wg         sync.WaitGroup
}

type entry struct {
	cfg     *Config
	status  *Status
	running bool
	erasing bool
	cancel  context.CancelFunc
	done    chan struct{}
	// forceFull makes the next run full (settings changed).
	forceFull bool
}

// NewEngine loads the stored sources. Runs start with Run.
func NewEngine(store Store, opts ...Option) (*Engine, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 120 * time.Second
	tr.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	e := &Engine{store: store, types: map[string]Type{}, clock: RealClock{}, log: slog.Default(),
		http: &http.Client{Transport: tr}, sources: map[string]*entry{}, wake: make(chan struct{}, 1),
		runTimeout: 2 * time.Hour}
	for _, o := range opts {
		o(e)
	}
	if e.dataDir == "" {
		return nil, errors.New("sync engine: WithDataDir is required (secrets key file)")
	}
	s, err := loadKey(e.dataDir)
	if err != nil {
		return nil, fmt.Errorf("sync engine: %w", err)
	}
	e.seal = s
	cleanSpools(filepath.Join(e.dataDir, SpoolDirName))
	ctx := context.Background()
	statuses := map[string]*Status{}
	err = store.Meta(nsStatus).List(ctx, func(k string, v []byte) error {
		st := &Status{}
		if err := json.Unmarshal(v, st); err != nil {
			return fmt.Errorf("status %s: %w", k, err)
		}
		statuses[k] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sync engine: load status: %w", err)
	}
	err = store.Meta(nsSources).List(ctx, func(k string, v []byte) error {
		c := &Config{}
		if err := json.Unmarshal(v, c); err != nil {
			return fmt.Errorf("source %s: %w", k, err)
		}
		st := statuses[c.ID]
		if st == nil {
			st = &Status{}
		}
		if st.Running { // the process stopped during a run: nothing of it was committed
			st.Running = false
			st.addRun(Run{Started: st.LastAttempt, Finished: st.LastAttempt, Result: ResultCanceled,
				Error: "interrupted: the process stopped during the run; nothing of it was applied"})
		}
		e.sources[c.ID] = &entry{cfg: c, status: st}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sync engine: load sources: %w", err)
	}
	return e, nil
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run runs the scheduler until ctx ends, then cancels and waits for the runs
// in progress. A source whose run is due (also one missed while the process
// was down) runs at once.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.runCtx != nil {
		e.mu.Unlock()
		return errors.New("sync engine: already running")
	}
	e.runCtx = ctx
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.runCtx = nil
		e.mu.Unlock()
		e.wg.Wait()
	}()
	trigger := "startup"
	for {
		now := e.clock.Now()
		next := now.Add(time.Hour)
		gated := e.gate != nil && e.gate() != nil
		e.mu.Lock()
		for _, en := range e.sources {
			if !en.cfg.Enabled || en.running || en.erasing {
				continue
			}
			due := e.due(en)
			en.status.NextRun = due
			if gated {
				continue
			}
			if !due.After(now) {
				e.startLocked(en, trigger, SyncOptions{})
				continue
			}
			if due.Before(next) {
				next = due
			}
		}
		e.mu.Unlock()
		if gated {
			next = now.Add(gateRecheck)
		}
		trigger = "schedule"
		var timer <-chan time.Time
		if ac, ok := e.clock.(AtClock); ok {
			timer = ac.At(next)
		} else {
			timer = e.clock.After(next.Sub(now))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
		case <-timer:
		}
	}
}

// RunManual is Run without the schedule: manual triggers (Trigger,
// SyncNow) run until ctx ends, no run starts by itself (the configuration
// turned scheduled syncs off), and the views say so. It then cancels and
// waits for the runs in progress.
func (e *Engine) RunManual(ctx context.Context) error {
	e.mu.Lock()
	if e.runCtx != nil {
		e.mu.Unlock()
		return errors.New("sync engine: already running")
	}
	e.runCtx, e.manualOnly = ctx, true
	for _, en := range e.sources {
		en.status.NextRun = time.Time{}
	}
	e.mu.Unlock()
	<-ctx.Done()
	e.mu.Lock()
	e.runCtx, e.manualOnly = nil, false
	e.mu.Unlock()
	e.wg.Wait()
	return nil
}

// ManualOnlyWarning is the warning a source's view carries while the engine
// runs without the schedule (RunManual).
const ManualOnlyWarning = "scheduled syncs are off (sync.disabled): this source syncs only when triggered"

// due is when a source should run next.
func (e *Engine) due(en *entry) time.Time {
	st := en.status
	if st.LastAttempt.IsZero() {
		return time.Time{}
	}
	iv := en.cfg.interval()
	if st.Failures > 0 {
		back := 5 * time.Minute << min(st.Failures-1, 10)
		next := st.LastAttempt.Add(min(back, iv))
		if st.RetryAt.After(next) {
			next = st.RetryAt
		}
		return next
	}
	return st.LastAttempt.Add(iv)
}

// SyncOptions modify a triggered run.
type SyncOptions struct {
	// Full forces a full sync (mark-and-sweep) even when a delta is possible.
	Full bool `json:"full" doc:"Run a full sync (mark-and-sweep) even when a delta is possible" example:"false"`
	// ConfirmDeletions lets a full sync apply deletions above the guard.
	ConfirmDeletions bool `json:"confirm_deletions" doc:"Apply the deletions the guard stopped" example:"false"`
}

// Trigger starts a run of source id now and returns at once. It fails with
// ErrRunning when one is under way.
func (e *Engine) Trigger(id string, opts SyncOptions) error {
	_, err := e.trigger(id, opts)
	return err
}

// SyncNow runs source id now and waits for the run's record.
func (e *Engine) SyncNow(ctx context.Context, id string, opts SyncOptions) (Run, error) {
	done, err := e.trigger(id, opts)
	if err != nil {
		return Run{}, err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return Run{}, ctx.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.sources[id]
	if en == nil || len(en.status.Runs) == 0 {
		return Run{}, ErrNotFound
	}
	return en.status.Runs[0], nil
}

func (e *Engine) trigger(id string, opts SyncOptions) (<-chan struct{}, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.runCtx == nil {
		return nil, ErrNotRunning
	}
	en := e.sources[id]
	if en == nil {
		return nil, ErrNotFound
	}
	if en.erasing {
		return nil, ErrEraseInProcess
	}
	if en.running {
		return nil, ErrRunning
	}
	return e.startLocked(en, "manual", opts), nil
}

// startLocked starts a run goroutine; e.mu is held.
func (e *Engine) startLocked(en *entry, trigger string, opts SyncOptions) <-chan struct{} {
	ctx, cancel := context.WithTimeout(e.runCtx, e.runTimeout)
	en.running, en.cancel, en.done = true, cancel, make(chan struct{})
	if en.forceFull {
		opts.Full = true // cleared by the first successful full run
	}
	en.status.Running = true
	cfg := *en.cfg
	done := en.done
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer close(done)
		defer cancel()
		// Persist "running" so that a run killed with the process shows as
		// interrupted after the restart.
		e.mu.Lock()
		en.status.LastAttempt = e.clock.Now()
		b, _ := json.Marshal(en.status)
		e.mu.Unlock()
		if err := e.store.Meta(nsStatus).Put(ctx, cfg.ID, b); err != nil {
			e.log.Warn("sync: persist status", "source_id", cfg.ID, "err", err)
		}
		rec := e.execute(ctx, &cfg, trigger, opts)
		e.finish(en, rec)
		e.poke()
	}()
	return done
}

// finish records a run in the status and persists it.
func (e *Engine) finish(en *entry, r Run) {
	e.mu.Lock()
	st := en.status
	st.Running = false
	en.running = false
	st.LastAttempt = r.Started
	switch r.Result {
	case ResultOK, ResultNotModified:
		st.LastSuccess, st.LastSynced, st.LastDeleted = r.Finished, r.Synced, r.Deleted
		st.LastError, st.Failures, st.NeedsConfirm = "", 0, nil
		if r.Mode == "full" && r.Result == ResultOK {
			st.LastFull = r.Started
			en.forceFull = false
		}
	case ResultNeedsConfirmation:
		st.LastError = r.Error
	default:
		st.LastError = r.Error
		st.Failures++
		st.RetryAt = r.RetryAt
	}
	st.addRun(r)
	b, _ := json.Marshal(st)
	id, name, erasing := en.cfg.ID, en.cfg.Name, en.erasing
	e.mu.Unlock()
	if erasing {
		return
	}
	n, err := e.store.CountSource(context.Background(), name)
	if err == nil {
		e.mu.Lock()
		st.Contacts = n
		b, _ = json.Marshal(st)
		e.mu.Unlock()
	}
	if err := e.store.Meta(nsStatus).Put(context.Background(), id, b); err != nil {
		e.log.Error("sync: persist status", "source_id", id, "err", err)
	}
}

// ---- one run ----

func (e *Engine) loadState(ctx context.Context, id string) (state, error) {
	var st state
	v, err := e.store.Meta(nsState).Get(ctx, id)
	if errors.Is(err, phonebook.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return state{}, nil // unreadable state: start over with a full sync
	}
	return st, nil
}

// execute does one run (and a full one after a rejected delta state).
func (e *Engine) execute(ctx context.Context, cfg *Config, trigger string, opts SyncOptions) Run {
	start := e.clock.Now()
	log := e.log.With("source_id", cfg.ID, "source", cfg.Name, "type", cfg.Type)
	fail := func(mode string, err error) Run {
		r := Run{Started: start, Finished: e.clock.Now(), Mode: mode, Trigger: trigger, Result: ResultError, Error: safeErr(err)}
		if ctx.Err() != nil {
			r.Result = ResultCanceled
		}
		var te *ThrottledError
		if errors.As(err, &te) {
			r.RetryAt = r.Finished.Add(te.RetryAfter)
		}
		log.Warn("sync run failed", "mode", mode, "err", r.Error)
		return r
	}
	src, err := e.build(cfg, log)
	if err != nil {
		return fail("", err)
	}
	if c, ok := src.(Closer); ok {
		defer c.Close()
	}
	typ := e.types[cfg.Type]
	st, err := e.loadState(ctx, cfg.ID)
	if err != nil {
		return fail("", fmt.Errorf("load state: %w", err))
	}
	full := opts.Full || opts.ConfirmDeletions || !typ.Delta || st.Data == nil || start.Sub(st.LastFull) >= cfg.fullEvery()
	reqState := st.Data
	if opts.Full || opts.ConfirmDeletions {
		reqState = nil
	}
	r, err := e.round(ctx, cfg, src, full, reqState, st, opts.ConfirmDeletions, start, true)
	if err != nil && errors.Is(err, ErrResync) && !full {
		log.Info("sync: delta state rejected, running a full sync", "err", err)
		r, err = e.round(ctx, cfg, src, true, nil, st, opts.ConfirmDeletions, start, true)
		r.Resynced = true
	}
	if errors.Is(err, errHashStale) {
		log.Warn("sync: row hashes do not match the store; running a full sync without them")
		resynced := r.Resynced
		r, err = e.round(ctx, cfg, src, true, nil, st, opts.ConfirmDeletions, start, false)
		r.Resynced = resynced
		full = true
	}
	mode := "delta"
	if full || r.Resynced {
		mode = "full"
	}
	if err != nil {
		var g *GuardError
		if errors.As(err, &g) {
			e.mu.Lock()
			if en := e.sources[cfg.ID]; en != nil {
				en.status.NeedsConfirm = &Pending{Deletions: g.Deletions, Total: g.Total, Percent: g.Percent, At: e.clock.Now()}
			}
			e.mu.Unlock()
			log.Warn("sync: mass deletion held back", "deletions", g.Deletions, "total", g.Total)
			return Run{Started: start, Finished: e.clock.Now(), Mode: mode, Trigger: trigger, Result: ResultNeedsConfirmation,
				Synced: r.Synced, Error: safeErr(err), Resynced: r.Resynced}
		}
		rr := fail(mode, err)
		rr.Resynced = r.Resynced
		return rr
	}
	r.Started, r.Finished, r.Mode, r.Trigger = start, e.clock.Now(), mode, trigger
	log.Info("sync run done", "mode", mode, "result", r.Result, "synced", r.Synced, "changed", r.Changed, "deleted", r.Deleted)
	return r
}

// round runs the source into a spool file, then applies the spool in one
// store round (the store's writer lock is held only while applying).
// useHashes=false ignores the stored row hashes (self-repair).
func (e *Engine) round(ctx context.Context, cfg *Config, src Source, full bool, reqState []byte, prev state, confirmed bool, start time.Time, useHashes bool) (Run, error) {
	var r Run
	hashNS := nsHashPfx + cfg.ID
	hashKV := e.store.Meta(hashNS)
	hashes := map[string]uint64{}
	if full {
		err := hashKV.List(ctx, func(k string, v []byte) error {
			if useHashes {
				hashes[k] = parseHash(v)
			} else {
				hashes[k] = 2 // present but never equal: forces the upsert, and the sweep drops unseen keys
			}
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("load hashes: %w", err)
		}
	}
	sp, err := newSpool(filepath.Join(e.dataDir, SpoolDirName))
	if err != nil {
		return r, err
	}
	defer sp.remove()
	if full {
		sp.base, sp.cur, sp.source = hashes, map[string]uint64{}, cfg.Name
	}
	res, err := src.Sync(ctx, Request{Full: full, State: reqState}, sp)
	r.Synced = sp.upserts
	if err != nil {
		return r, fmt.Errorf("sync %s: %w", cfg.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if res.NotModified {
		r.Result = ResultNotModified
		return r, nil
	}
	sp.cur = nil
	apply := func(b Batch) error {
		hs := hashes
		if len(hs) == 0 {
			hs = map[string]uint64{} // the sink fills it: a retry after a load starts afresh
		}
		sink := &roundSink{b: b, source: cfg.Name, hashNS: hashNS, hashKV: hashKV, full: full, hashes: hs,
			seen: map[string]struct{}{}, skipped: map[string]struct{}{}, noHashes: !useHashes}
		err := sp.replay(ctx, sink, e.applyHook)
		r.Synced, r.Changed, r.Deleted = sink.synced, sink.changed, sink.deleted
		if err != nil {
			return fmt.Errorf("apply %s: %w", cfg.Name, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if full {
			if err := sink.sweep(cfg.MaxDeletePercent, confirmed); err != nil {
				return err
			}
			r.Deleted = sink.deleted
		}
		ns := state{Data: res.State, LastFull: prev.LastFull}
		if full {
			ns.LastFull = start
		}
		v, _ := json.Marshal(ns)
		r.Result = ResultOK
		return b.SetMeta(nsState, cfg.ID, v)
	}
	// A first full sync of a source the store does not hold yet is one
	// bulk load (about 3× faster than upserts); anything a load cannot
	// express makes it step back, and the round goes through Bulk.
	if ld, ok := e.store.(Loading); ok && full && len(hashes) == 0 {
		err = ld.Load(ctx, cfg.Name, apply)
		if !errors.Is(err, ErrNotLoadable) {
			return r, err
		}
		e.log.Info("sync: first full sync goes through upserts", "source", cfg.Name, "reason", err)
	}
	err = e.store.Bulk(ctx, apply)
	return r, err
}

// build makes the Source of a config, secrets merged in.
func (e *Engine) build(cfg *Config, log *slog.Logger) (Source, error) {
	return e.buildEnv(cfg, Env{HTTPClient: e.http, Clock: e.clock, Logger: log})
}

// buildEnv makes the Source of a config with env, secrets merged in.
func (e *Engine) buildEnv(cfg *Config, env Env) (Source, error) {
	t, ok := e.types[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownType, cfg.Type)
	}
	raw, err := e.settingsJSON(cfg)
	if err != nil {
		return nil, err
	}
	return t.New(raw, env)
}

func (e *Engine) settingsJSON(cfg *Config) (json.RawMessage, error) {
	m := make(map[string]json.RawMessage, len(cfg.Settings)+len(cfg.Sealed))
	for k, v := range cfg.Settings {
		m[k] = v
	}
	for k, sealed := range cfg.Sealed {
		plain, err := e.seal.open(sealed, cfg.ID+"/"+k)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", k, err)
		}
		v, _ := json.Marshal(plain)
		m[k] = v
	}
	return json.Marshal(m)
}

// ---- configuration ----

// List returns every source, sorted by name.
func (e *Engine) List() []View {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]View, 0, len(e.sources))
	for _, en := range e.sources {
		st := *en.status
		st.Runs = slices.Clone(st.Runs)
		out = append(out, e.viewLocked(en, &st))
	}
	slices.SortFunc(out, func(a, b View) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// NameOf returns the name of source id (false when there is none).
func (e *Engine) NameOf(id string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if en := e.sources[id]; en != nil {
		return en.cfg.Name, true
	}
	return "", false
}

// Get returns one source with its status.
func (e *Engine) Get(id string) (View, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.sources[id]
	if en == nil {
		return View{}, ErrNotFound
	}
	st := *en.status
	st.Runs = slices.Clone(st.Runs)
	return e.viewLocked(en, &st), nil
}

// viewLocked renders a source with its status and warnings; e.mu is held.
func (e *Engine) viewLocked(en *entry, st *Status) View {
	v := en.cfg.view(st)
	now := e.clock.Now()
	if e.manualOnly && en.cfg.Enabled {
		v.Warnings = append(v.Warnings, ManualOnlyWarning)
	}
	if st.NeedsConfirm != nil {
		v.Warnings = append(v.Warnings, fmt.Sprintf("a full sync would delete %d of %d contacts; confirm with POST …/sync {\"confirm_deletions\":true}",
			st.NeedsConfirm.Deletions, st.NeedsConfirm.Total))
	}
	if st.Failures >= 3 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("the last %d runs failed: %s", st.Failures, st.LastError))
	}
	if t := e.types[en.cfg.Type]; t.StateMaxAge > 0 && !st.LastSuccess.IsZero() {
		if age := now.Sub(st.LastSuccess); age > t.StateMaxAge*5/7 {
			v.Warnings = append(v.Warnings, fmt.Sprintf("no successful sync for %.1f days; the source forgets delta state after %.0f days (a full sync follows)",
				age.Hours()/24, t.StateMaxAge.Hours()/24))
		}
	}
	return v
}

// Create adds a source; an enabled one syncs at once when the engine runs.
func (e *Engine) Create(ctx context.Context, in Input) (View, error) {
	if in.Type == nil || *in.Type == "" {
		return View{}, fieldErr("type", "required")
	}
	t, ok := e.types[*in.Type]
	if !ok {
		return View{}, fieldErr("type", fmt.Sprintf("unknown type %q", *in.Type))
	}
	if in.Name == nil {
		return View{}, fieldErr("name", "required")
	}
	now := e.clock.Now().UTC()
	cfg := &Config{ID: ulid.Make().String(), Type: t.Name, Name: *in.Name, Enabled: true,
		IntervalHours: DefaultIntervalHours, MaxDeletePercent: DefaultMaxDeletePercent,
		Settings: map[string]json.RawMessage{}, Sealed: map[string]string{}, CreatedAt: now, UpdatedAt: now}
	if err := e.apply(cfg, &t, in); err != nil {
		return View{}, err
	}
	e.mu.Lock()
	for _, en := range e.sources {
		if en.cfg.Name == cfg.Name {
			e.mu.Unlock()
			return View{}, ErrNameTaken
		}
	}
	en := &entry{cfg: cfg, status: &Status{}}
	e.sources[cfg.ID] = en
	e.mu.Unlock()
	if err := e.saveConfig(ctx, cfg); err != nil {
		e.mu.Lock()
		delete(e.sources, cfg.ID)
		e.mu.Unlock()
		return View{}, err
	}
	e.log.Info("sync: source created", "source_id", cfg.ID, "source", cfg.Name, "type", cfg.Type)
	e.poke()
	return e.Get(cfg.ID)
}

// Update changes a source (PATCH semantics).
func (e *Engine) Update(ctx context.Context, id string, in Input) (View, error) {
	e.mu.Lock()
	en := e.sources[id]
	if en == nil {
		e.mu.Unlock()
		return View{}, ErrNotFound
	}
	cfg := *en.cfg
	cfg.Settings = cloneMap(en.cfg.Settings)
	cfg.Sealed = cloneMap(en.cfg.Sealed)
	e.mu.Unlock()
	if in.Type != nil && *in.Type != cfg.Type {
		return View{}, fieldErr("type", "cannot change; create a new source")
	}
	if in.Name != nil && *in.Name != cfg.Name {
		return View{}, fieldErr("name", "cannot change (contacts are keyed by it); erase and re-create the source")
	}
	t := e.types[cfg.Type]
	if err := e.apply(&cfg, &t, in); err != nil {
		return View{}, err
	}
	cfg.UpdatedAt = e.clock.Now().UTC()
	if err := e.saveConfig(ctx, &cfg); err != nil {
		return View{}, err
	}
	e.mu.Lock()
	if cur := e.sources[id]; cur != nil {
		cur.cfg = &cfg
		if len(in.Settings) > 0 {
			cur.forceFull = true // a new mapping or endpoint: re-read everything
		}
	}
	e.mu.Unlock()
	e.poke()
	return e.Get(id)
}

// apply merges an Input into cfg and validates it by building the source.
func (e *Engine) apply(cfg *Config, t *Type, in Input) error {
	if in.Name != nil {
		cfg.Name = *in.Name
	}
	if in.Enabled != nil {
		cfg.Enabled = *in.Enabled
	}
	if in.IntervalHours != nil {
		cfg.IntervalHours = *in.IntervalHours
	}
	if in.FullSyncHours != nil {
		cfg.FullSyncHours = *in.FullSyncHours
	}
	if in.MaxDeletePercent != nil {
		cfg.MaxDeletePercent = *in.MaxDeletePercent
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	plain, secrets, err := splitSecrets(t, in.Settings)
	if err != nil {
		return err
	}
	if err := checkRebind(cfg, t, plain, secrets); err != nil {
		return err
	}
	for k, v := range plain {
		if string(v) == "null" {
			delete(cfg.Settings, k)
		} else {
			cfg.Settings[k] = v
		}
	}
	for k, v := range secrets {
		if *v == "" {
			delete(cfg.Sealed, k)
			continue
		}
		s, err := e.seal.seal(*v, cfg.ID+"/"+k)
		if err != nil {
			return err
		}
		cfg.Sealed[k] = s
	}
	src, err := e.build(cfg, e.log)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return err
		}
		return &FieldError{Field: "settings", Message: err.Error()}
	}
	if c, ok := src.(Closer); ok {
		c.Close()
	}
	return nil
}

func (e *Engine) saveConfig(ctx context.Context, cfg *Config) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := e.store.Meta(nsSources).Put(ctx, cfg.ID, b); err != nil {
		return fmt.Errorf("save source %s: %w", cfg.Name, err)
	}
	return nil
}

// Erase stops a running sync and removes the source: its configuration,
// every contact it brought, its delta state and its status and runs.
func (e *Engine) Erase(ctx context.Context, id string) (deleted int, err error) {
	e.mu.Lock()
	en := e.sources[id]
	if en == nil {
		e.mu.Unlock()
		return 0, ErrNotFound
	}
	if en.erasing {
		e.mu.Unlock()
		return 0, ErrEraseInProcess
	}
	en.erasing = true
	done := en.done
	if en.running {
		en.cancel()
	}
	cfg := en.cfg
	e.mu.Unlock()
	defer func() {
		if err != nil {
			e.mu.Lock()
			en.erasing = false
			e.mu.Unlock()
		}
	}()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	// Order matters for a crash half-way: first the row hashes and the delta
	// state (a later run then re-reads everything), then the contacts, then
	// the status and the configuration.
	hashNS := nsHashPfx + cfg.ID
	var keys []string
	if err := e.store.Meta(hashNS).List(ctx, func(k string, _ []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("erase %s: %w", cfg.Name, err)
	}
	err = e.store.Bulk(ctx, func(b Batch) error {
		for _, k := range keys {
			if err := b.DeleteMeta(hashNS, k); err != nil {
				return err
			}
		}
		return b.DeleteMeta(nsState, id)
	})
	if err != nil {
		return 0, fmt.Errorf("erase %s: %w", cfg.Name, err)
	}
	n, err := e.store.EraseSource(ctx, cfg.Name)
	if err != nil {
		return 0, fmt.Errorf("erase %s: %w", cfg.Name, err)
	}
	if err := e.store.Meta(nsStatus).Delete(ctx, id); err != nil {
		return n, fmt.Errorf("erase %s: %w", cfg.Name, err)
	}
	if err := e.store.Meta(nsSources).Delete(ctx, id); err != nil {
		return n, fmt.Errorf("erase %s: %w", cfg.Name, err)
	}
	e.mu.Lock()
	delete(e.sources, id)
	e.mu.Unlock()
	e.log.Info("sync: source erased", "source_id", id, "source", cfg.Name, "contacts", n)
	return n, nil
}

// TestInput builds a source from an Input that is not saved (settings with
// secrets in clear) and returns its first n mapped contacts: "test before
// save" for the admin UI. Like Test, it is bounded by the test timeout
// (WithTestTimeout), tries once, and returns a *CredentialsError when the
// remote refuses the credentials and an *UnreachableError when it cannot
// be reached.
func (e *Engine) TestInput(ctx context.Context, in Input, n int) ([]*phonebook.Contact, error) {
	if in.Type == nil {
		return nil, fieldErr("type", "required")
	}
	t, ok := e.types[*in.Type]
	if !ok {
		return nil, fieldErr("type", fmt.Sprintf("unknown type %q", *in.Type))
	}
	raw, err := json.Marshal(in.Settings)
	if err != nil {
		return nil, fieldErr("settings", err.Error())
	}
	src, err := t.New(raw, Env{HTTPClient: e.http, Clock: e.clock, Logger: e.log, DryRun: true})
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, &FieldError{Field: "settings", Message: err.Error()}
	}
	if c, ok := src.(Closer); ok {
		defer c.Close()
	}
	return e.testSource(ctx, src, n)
}

// Test returns the first n mapped contacts of a stored source (a dry run),
// with TestInput's bound and errors.
func (e *Engine) Test(ctx context.Context, id string, n int) ([]*phonebook.Contact, error) {
	e.mu.Lock()
	en := e.sources[id]
	var cfg Config
	if en != nil {
		cfg = *en.cfg
	}
	e.mu.Unlock()
	if en == nil {
		return nil, ErrNotFound
	}
	src, err := e.buildEnv(&cfg, Env{HTTPClient: e.http, Clock: e.clock, Logger: e.log, DryRun: true})
	if err != nil {
		return nil, err
	}
	if c, ok := src.(Closer); ok {
		defer c.Close()
	}
	return e.testSource(ctx, src, n)
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Overlay returns the engine's store as an Overlay, when it is one (the
// phone book's store is: it keeps local edits of synced contacts).
func (e *Engine) Overlay() (Overlay, bool) {
	ov, ok := e.store.(Overlay)
	return ov, ok
}
