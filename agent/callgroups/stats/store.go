package stats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
)

// KV is where the statistics are kept (the daemon's store,
// Meta("callgroup_stats")). A KV that also has WriteBatch
// (phonebook.BatchKV) writes each Record's keys in one transaction.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

type batchKV interface {
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

var (
	_ callgroups.Journal = (*Store)(nil)
	_ callgroups.Stats   = (*Store)(nil)
)

// DefaultRetention is how many days are kept by default.
const DefaultRetention = 400

// Store keeps the call groups' statistics per day: it implements
// callgroups.Journal (the ACD records what happens) and callgroups.Stats
// (the API and the wallboard read). Every Record writes the records it
// changed through to the KV before it returns, so a restart loses
// nothing recorded; the records of the days recorded since yesterday are
// held in memory, older days are read from the KV. Safe for concurrent
// use.
//
// Keys: g/DAY/GROUP (a group's day), a/DAY/USER (a member's day, per
// group and in all groups), u/DAY/USER (the members with a record that
// day), p/USER (a member's pauses in progress).
type Store struct {
	kv        KV
	clk       clock.Clock
	loc       *time.Location
	retention int
	log       *slog.Logger

	mu      sync.Mutex
	groups  map[dayID]*groupRec
	agents  map[dayID]*agentRec
	index   map[string]map[string]bool // day -> users
	open    map[string]*openPause      // user -> pauses in progress
	current string                     // the newest day recorded
	dirty   map[string]any             // key -> record to write (nil: delete), in the Record under way
	puts    map[string][]byte
	dels    []string
	fails   int
}

type dayID struct{ day, id string }

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock: the time of entries without one, today, and
// the pause in progress at read time (default the wall clock).
func WithClock(c clock.Clock) Option { return func(s *Store) { s.clk = c } }

// WithLocation sets the time zone whose midnights separate the days
// (default time.Local).
func WithLocation(l *time.Location) Option { return func(s *Store) { s.loc = l } }

// WithRetention sets how many days are kept (today included); older ones
// are removed by Load and Run. 0 or less: DefaultRetention.
func WithRetention(days int) Option { return func(s *Store) { s.retention = days } }

// WithLogger sets the logger (failed writes).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// New returns a store over kv; Load reads the pauses in progress.
func New(kv KV, opts ...Option) *Store {
	s := &Store{kv: kv, clk: clock.Real{}, loc: time.Local, retention: DefaultRetention, log: slog.New(slog.DiscardHandler),
		groups: map[dayID]*groupRec{}, agents: map[dayID]*agentRec{}, index: map[string]map[string]bool{},
		open: map[string]*openPause{}, dirty: map[string]any{}, puts: map[string][]byte{}}
	for _, o := range opts {
		o(s)
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	return s
}

// Location is the time zone of the days.
func (s *Store) Location() *time.Location { return s.loc }

// Now is the store's clock's time.
func (s *Store) Now() time.Time { return s.clk.Now() }

// WriteFailures counts the writes to the KV that failed (each logged).
func (s *Store) WriteFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fails
}

// Load reads the pauses in progress and removes the days older than the
// retention.
func (s *Store) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cut := s.cutoff(s.clk.Now())
	var old []string
	err := s.kv.List(ctx, func(key string, val []byte) error {
		if len(key) > 2 && key[:2] == "p/" {
			var o openPause
			if err := json.Unmarshal(val, &o); err != nil {
				s.log.Warn("callgroup stats: skipping an unreadable pause", "key", key, "err", err)
				return nil
			}
			if len(o.Groups) > 0 {
				s.open[key[2:]] = &o
			}
			return nil
		}
		if d, ok := keyDay(key); ok && d < cut {
			old = append(old, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("callgroup stats: load: %w", err)
	}
	return s.deleteLocked(ctx, old)
}

// keyDay is the day of a g/, a/ or u/ key.
func keyDay(key string) (string, bool) {
	if len(key) < 2+len(DayLayout) || key[1] != '/' || (key[0] != 'g' && key[0] != 'a' && key[0] != 'u') {
		return "", false
	}
	return key[2 : 2+len(DayLayout)], true
}

// Prune removes the days older than the retention from the KV and from
// memory.
func (s *Store) Prune(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cut := s.cutoff(s.clk.Now())
	var old []string
	err := s.kv.List(ctx, func(key string, _ []byte) error {
		if d, ok := keyDay(key); ok && d < cut {
			old = append(old, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("callgroup stats: prune: %w", err)
	}
	s.evictLocked(cut)
	return s.deleteLocked(ctx, old)
}

func (s *Store) deleteLocked(ctx context.Context, keys []string) error {
	if b, ok := s.kv.(batchKV); ok && len(keys) > 0 {
		for chunk := range slices.Chunk(keys, 1000) {
			if err := b.WriteBatch(ctx, nil, chunk); err != nil {
				return fmt.Errorf("callgroup stats: prune: %w", err)
			}
		}
		return nil
	}
	for _, k := range keys {
		if err := s.kv.Delete(ctx, k); err != nil {
			return fmt.Errorf("callgroup stats: prune %s: %w", k, err)
		}
	}
	return nil
}

// evictLocked drops from memory the records of days before day.
func (s *Store) evictLocked(day string) {
	for k := range s.groups {
		if k.day < day {
			delete(s.groups, k)
		}
	}
	for k := range s.agents {
		if k.day < day {
			delete(s.agents, k)
		}
	}
	for d := range s.index {
		if d < day {
			delete(s.index, d)
		}
	}
}

// Run removes the days past the retention once a day, after local
// midnight, until ctx ends.
func (s *Store) Run(ctx context.Context) error {
	for {
		if err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("callgroup stats: prune failed", "err", err)
		}
		now := s.clk.Now()
		_, end := s.boundsOf(now)
		t := s.clk.NewTimer(end.Sub(now) + time.Minute)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// get reads key into v; false when absent.
func (s *Store) get(ctx context.Context, key string, v any) (bool, error) {
	b, err := s.kv.Get(ctx, key)
	if errors.Is(err, phonebook.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("callgroup stats: read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("callgroup stats: read %s: %w", key, err)
	}
	return true, nil
}

// groupLocked returns a group's record of day, read from the KV the first
// time, and marks it to be written.
func (s *Store) groupLocked(ctx context.Context, day, id string) *groupRec {
	k := dayID{day, id}
	g := s.groups[k]
	if g == nil {
		g = &groupRec{}
		if _, err := s.get(ctx, "g/"+day+"/"+id, g); err != nil {
			s.log.Warn("callgroup stats: starting a group's day afresh", "err", err)
			*g = groupRec{}
		}
		s.groups[k] = g
	}
	s.dirty["g/"+day+"/"+id] = g
	return g
}

// agentLocked returns a member's record of day, read from the KV the
// first time (marking the member in the day's index if new), and marks it
// to be written.
func (s *Store) agentLocked(ctx context.Context, day, user string) *agentRec {
	k := dayID{day, user}
	a := s.agents[k]
	if a == nil {
		a = &agentRec{}
		found, err := s.get(ctx, "a/"+day+"/"+user, a)
		if err != nil {
			s.log.Warn("callgroup stats: starting a member's day afresh", "err", err)
			*a = agentRec{}
		}
		s.agents[k] = a
		if !found {
			s.dirty["u/"+day+"/"+user] = true
			if idx := s.index[day]; idx != nil {
				idx[user] = true
			}
		}
	}
	s.dirty["a/"+day+"/"+user] = a
	return a
}

// indexLocked returns the users with a record on day (the keys
// u/DAY/USER, one each so that no value grows with the team), read from
// the KV the first time.
func (s *Store) indexLocked(ctx context.Context, day string) (map[string]bool, error) {
	if idx := s.index[day]; idx != nil {
		return idx, nil
	}
	idx := map[string]bool{}
	prefix := "u/" + day + "/"
	err := s.kv.List(ctx, func(key string, _ []byte) error {
		if strings.HasPrefix(key, prefix) {
			idx[key[len(prefix):]] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("callgroup stats: the members of %s: %w", day, err)
	}
	s.index[day] = idx
	return idx, nil
}

// flushLocked writes the records marked dirty, in one batch when the KV
// has batches. A failure is logged and counted; the memory keeps the
// counts and the next write of the record carries them.
func (s *Store) flushLocked(ctx context.Context) {
	if len(s.dirty) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	clear(s.puts)
	s.dels = s.dels[:0]
	for k, v := range s.dirty {
		if v == nil {
			s.dels = append(s.dels, k)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			s.failLocked(k, err)
			continue
		}
		s.puts[k] = b
	}
	clear(s.dirty)
	if b, ok := s.kv.(batchKV); ok {
		if err := b.WriteBatch(ctx, s.puts, s.dels); err != nil {
			s.failLocked("batch", err)
		}
		return
	}
	for k, v := range s.puts {
		if err := s.kv.Put(ctx, k, v); err != nil {
			s.failLocked(k, err)
		}
	}
	for _, k := range s.dels {
		if err := s.kv.Delete(ctx, k); err != nil {
			s.failLocked(k, err)
		}
	}
}

func (s *Store) failLocked(key string, err error) {
	s.fails++
	s.log.Warn("callgroup stats: a write failed", "key", key, "failures", s.fails, "err", err)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
