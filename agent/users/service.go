package users

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/loginthrottle"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// KV is the key-value namespace users and sessions live in; the phonebook
// store's MetaBatch("users") satisfies it.
type KV interface {
	// Get returns the value of key (an error wrapping the store's not
	// found error when absent).
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores val under key.
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes key; an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key in key order.
	List(ctx context.Context, fn func(key string, val []byte) error) error
	// WriteBatch stores puts and removes deletes all at once or not at all.
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

// Endpoints lists Asterisk's endpoints; ari.Client's Endpoints()
// satisfies it.
type Endpoints interface {
	List(ctx context.Context) ([]ari.Endpoint, error)
}

// Key layout of the namespace.
const (
	keyUser    = "user/"    // user/<id> → record
	keyName    = "name/"    // name/<lower-case username> → id
	keySession = "session/" // session/<hex SHA-256 of the session id> → sessionRec
)

// Option configures a Service.
type Option func(*Service)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithDevicesChanged sets what is called, after the write, when a user is
// created with devices or a user's devices.endpoints change (presence then
// follows the new endpoints at once). It must not block.
func WithDevicesChanged(f func()) Option { return func(s *Service) { s.devicesChanged = f } }

// WithClock sets the clock (default the wall clock); tests use a virtual
// one.
func WithClock(c clock.Clock) Option { return func(s *Service) { s.clk = c } }

// WithEndpoints sets where POST /api/v1/users/import-endpoints reads
// Asterisk's endpoints (without it that route answers 503).
func WithEndpoints(e Endpoints) Option { return func(s *Service) { s.endpoints = e } }

// Service is the users component.
type Service struct {
	// devicesChanged is told when a write changes users' devices
	// (WithDevicesChanged).
	devicesChanged func()
	kv             KV
	cfg            Config
	params         Params
	log            *slog.Logger
	clk            clock.Clock
	endpoints      Endpoints
	throttle       *loginthrottle.Throttle
	hashSlots      chan struct{}
	// dummyHash is verified for unknown usernames, so that a login takes
	// as long whether the username exists or not.
	dummyHash string

	// wmu serialises writes to users (and the KV keys they own).
	wmu sync.Mutex
	// mu guards the maps below; records are immutable once published.
	mu         sync.RWMutex
	byID       map[string]*record
	byName     map[string]string // usernameKey → id
	byExt      map[string]string // extension → id
	byEndpoint map[string]string // endpoint key → id
	byPhone    map[string]string // MAC → id

	sessions sessionTable
	// gen is bumped after each change of a user's record (Version).
	gen atomic.Uint64
	// skv serialises the writes of sessions to the KV with the table's
	// changes, so a sweep cannot store a session that just ended.
	skv sync.Mutex
}

// New loads the users and sessions from kv and returns the component.
func New(ctx context.Context, kv KV, cfg Config, opts ...Option) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	lim, err := cfg.loginLimits().WithDefaults("config users")
	if err != nil {
		return nil, err
	}
	s := &Service{kv: kv, cfg: cfg, params: cfg.params(), log: slog.Default(), clk: clock.Real{},
		throttle: loginthrottle.New(lim), hashSlots: make(chan struct{}, cfg.MaxConcurrentHashes),
		byID: map[string]*record{}, byName: map[string]string{}, byExt: map[string]string{},
		byEndpoint: map[string]string{}, byPhone: map[string]string{}}
	s.sessions.init()
	for _, o := range opts {
		o(s)
	}
	if s.dummyHash, err = HashPassword("not a password of anyone", s.params); err != nil {
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Name implements platform.Component.
func (s *Service) Name() string { return "users" }

// load reads users and sessions and drops index entries and sessions that
// point nowhere.
func (s *Service) load(ctx context.Context) error {
	names := map[string]string{}
	var sessions []sessionRec
	err := s.kv.List(ctx, func(key string, val []byte) error {
		switch {
		case strings.HasPrefix(key, keyUser):
			var rec record
			if err := unmarshal(val, &rec); err != nil {
				return fmt.Errorf("user record %s: %w", key, err)
			}
			s.index(&rec)
		case strings.HasPrefix(key, keyName):
			names[strings.TrimPrefix(key, keyName)] = string(val)
		case strings.HasPrefix(key, keySession):
			var sr sessionRec
			if err := unmarshal(val, &sr); err != nil {
				return fmt.Errorf("session record: %w", err)
			}
			sr.key = key
			sessions = append(sessions, sr)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load users: %w", err)
	}
	var stale []string
	for name, id := range names {
		if s.byName[name] != id {
			stale = append(stale, keyName+name)
		}
	}
	puts := map[string][]byte{}
	for name, id := range s.byName {
		if names[name] != id {
			puts[keyName+name] = []byte(id)
		}
	}
	now := s.clk.Now()
	for _, sr := range sessions {
		if _, ok := s.byID[sr.UserID]; !ok || s.expired(sr.CreatedAt, sr.LastSeen, now) {
			stale = append(stale, sr.key)
			continue
		}
		if err := s.sessions.add(sr); err != nil {
			stale = append(stale, sr.key)
		}
	}
	if len(stale)+len(puts) > 0 {
		if err := s.kv.WriteBatch(ctx, puts, stale); err != nil {
			return fmt.Errorf("repair users index: %w", err)
		}
	}
	s.log.Info("users loaded", "users", len(s.byID), "sessions", s.sessions.len())
	return nil
}

// index adds rec to the maps; the caller holds mu or owns s alone.
func (s *Service) index(rec *record) {
	defer s.gen.Add(1)
	s.byID[rec.ID] = rec
	s.byName[usernameKey(rec.Username)] = rec.ID
	for _, e := range rec.Extensions {
		s.byExt[e] = rec.ID
	}
	for _, e := range rec.Devices.Endpoints {
		k, _ := validateEndpoint(e)
		s.byEndpoint[k] = rec.ID
	}
	for _, m := range rec.Devices.Phones {
		s.byPhone[m] = rec.ID
	}
}

// unindex removes rec from the maps; the caller holds mu.
func (s *Service) unindex(rec *record) {
	defer s.gen.Add(1)
	delete(s.byID, rec.ID)
	drop := func(m map[string]string, k string) {
		if m[k] == rec.ID {
			delete(m, k)
		}
	}
	drop(s.byName, usernameKey(rec.Username))
	for _, e := range rec.Extensions {
		drop(s.byExt, e)
	}
	for _, e := range rec.Devices.Endpoints {
		k, _ := validateEndpoint(e)
		drop(s.byEndpoint, k)
	}
	for _, m := range rec.Devices.Phones {
		drop(s.byPhone, m)
	}
}

// user returns the record of id.
func (s *Service) user(id string) (*record, bool) {
	s.mu.RLock()
	rec, ok := s.byID[id]
	s.mu.RUnlock()
	return rec, ok
}

// byUsername returns the record of a username, any case.
func (s *Service) byUsername(name string) (*record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.byID[s.byName[usernameKey(name)]]
	return rec, ok
}

// acquireHash takes a hashing slot, waiting up to HashWait.
func (s *Service) acquireHash(ctx context.Context) (release func(), err error) {
	select {
	case s.hashSlots <- struct{}{}:
		return func() { <-s.hashSlots }, nil
	default:
	}
	t := s.clk.NewTimer(s.cfg.HashWait)
	defer t.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return func() { <-s.hashSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C():
		return nil, errBusy
	}
}

var errBusy = &platform.APIError{Status: 503, Code: platform.CodeUnavailable,
	Message: "too many logins at once; retry in a few seconds"}

// hash hashes a new password in a hashing slot.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	release, err := s.acquireHash(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, s.params)
}

// expired reports whether a session created and last seen at these times
// has ended at now.
func (s *Service) expired(created, lastSeen, now time.Time) bool {
	return now.Sub(created) >= s.cfg.SessionMaxAge || now.Sub(lastSeen) >= s.cfg.SessionIdleTimeout
}

var errNotFound = &platform.APIError{Status: 404, Code: platform.CodeNotFound, Message: "no such user"}

// Version is a number that changes after each change of a user (role,
// abilities, account disabled or deleted) and each session that ends,
// once Current and CheckCredential see the change: the events hub
// routes by the principals it read while it stays the same.
func (s *Service) Version() uint64 { return s.gen.Load() + s.sessions.gen.Load() }
