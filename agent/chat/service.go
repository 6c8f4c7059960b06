package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
)

// KV is the store namespace chat lives in: range listing and atomic
// batches (the store's MetaRange and MetaBatch of one namespace).
type KV interface {
	phonebook.RangeKV
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

// Person is a user as chat needs them.
type Person struct {
	// ID is the user's id.
	ID string
	// Username signs in.
	Username string
	// Name is shown to others (and as the sender of a SIP MESSAGE).
	Name string
	// Extensions are the user's numbers (the first is a SIP MESSAGE's
	// sender).
	Extensions []string
	// Endpoints are the Asterisk endpoints of the user's devices
	// ("PJSIP/101"): where SIP MESSAGEs go.
	Endpoints []string
}

// Users finds the users who may be members of a room.
type Users interface {
	// Person returns an enabled user; ok is false for an unknown or
	// disabled one.
	Person(ctx context.Context, id string) (Person, bool)
	// People returns every enabled user, by username.
	People(ctx context.Context) []Person
}

// Publisher publishes events on the events socket (*events.Hub).
type Publisher interface {
	Publish(ctx context.Context, ev events.Event) error
}

// Config configures chat.
type Config struct {
	// MaxMessageBytes bounds a message's text in bytes of UTF-8. Default
	// 4096.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// RatePerMinute is how many messages a user may send a minute, on
	// average (default 60); Burst how many at once (default 10).
	RatePerMinute int `yaml:"rate_per_minute"`
	Burst         int `yaml:"burst"`
	// Retention is how long messages are kept; 0 keeps them forever.
	// Default 8760h (365 days).
	Retention time.Duration `yaml:"retention"`
	// PruneEvery is how often messages older than Retention are removed
	// (default one hour).
	PruneEvery time.Duration `yaml:"-"`
	// SIPMessages sends a message to a recipient's desk phones as a SIP
	// MESSAGE when they have no client connected. Default off.
	SIPMessages bool `yaml:"sip_messages"`
}

// Defaults.
const (
	DefaultMaxMessageBytes = 4096
	DefaultRatePerMinute   = 60
	DefaultBurst           = 10
	DefaultRetention       = 365 * 24 * time.Hour
	DefaultPruneEvery      = time.Hour
	// MaxMembers bounds a group's members.
	MaxMembers = 100
	// maxName bounds a group's name in characters.
	maxName = 100
	// maxClientID bounds a client id.
	maxClientID = 64
	// pruneBatch is the messages one prune batch removes.
	pruneBatch = 100
	// maxPrune bounds the messages one prune removes.
	maxPrune = 100_000
	// maxScan bounds the messages a search reads.
	maxScan = 20_000
	// sipQueue is the SIP MESSAGEs waiting to be sent.
	sipQueue = 256
)

// Validate checks cfg.
func (c Config) Validate() error {
	switch {
	case c.MaxMessageBytes < 1 || c.MaxMessageBytes > 64<<10:
		return fmt.Errorf("chat.max_message_bytes: %d is not within 1–65536", c.MaxMessageBytes)
	case c.RatePerMinute < 1:
		return fmt.Errorf("chat.rate_per_minute: %d must be at least 1", c.RatePerMinute)
	case c.Burst < 1:
		return fmt.Errorf("chat.burst: %d must be at least 1", c.Burst)
	case c.Retention < 0:
		return fmt.Errorf("chat.retention: %s is negative (0 keeps messages forever)", c.Retention)
	}
	return nil
}

// DefaultConfig is the configuration by default.
func DefaultConfig() Config {
	return Config{MaxMessageBytes: DefaultMaxMessageBytes, RatePerMinute: DefaultRatePerMinute, Burst: DefaultBurst, Retention: DefaultRetention}
}

// Service is the chat: rooms, messages and receipts.
type Service struct {
	kv    KV
	users Users
	pub   Publisher
	cfg   Config
	log   *slog.Logger
	clk   clock.Clock
	sip   *sipSender // nil: no SIP MESSAGEs
	rate  *limiter

	mu      sync.Mutex // serialises writes (and the events they publish)
	entropy io.Reader
	lastMs  uint64
}

// Option configures a Service.
type Option func(*Service)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock sets the clock (ids, rate limit, retention).
func WithClock(c clock.Clock) Option { return func(s *Service) { s.clk = c } }

// WithPublisher sets where events go (default nowhere).
func WithPublisher(p Publisher) Option { return func(s *Service) { s.pub = p } }

// New returns the chat kept in kv.
func New(kv KV, users Users, cfg Config, opts ...Option) (*Service, error) {
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = DefaultPruneEvery
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{kv: kv, users: users, cfg: cfg, log: slog.New(slog.DiscardHandler), clk: clock.Real{}}
	for _, o := range opts {
		o(s)
	}
	s.entropy = ulid.Monotonic(cryptoReader{}, 0)
	s.rate = newLimiter(s.clk, float64(cfg.RatePerMinute)/60, cfg.Burst)
	return s, nil
}

// newID returns an id greater than every one before (caller holds mu).
func (s *Service) newID(now time.Time) string {
	ms := ulid.Timestamp(now)
	if ms < s.lastMs {
		ms = s.lastMs // the clock went back: keep ids growing
	}
	s.lastMs = ms
	id, err := ulid.New(ms, s.entropy)
	if err != nil { // the entropy of this millisecond ran out: the next one
		s.lastMs++
		id = ulid.MustNew(s.lastMs, s.entropy)
	}
	return strings.ToLower(id.String())
}

// Errors.
var (
	errNoRoom    = &platform.APIError{Status: http.StatusNotFound, Code: platform.CodeNotFound, Message: "no such room"}
	errNoMessage = &platform.APIError{Status: http.StatusNotFound, Code: platform.CodeNotFound, Message: "no such message"}
	errNoUser    = &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden, Message: "chat is for users: sign in as one (or use a token acting for one)"}
)

// RateLimited is the error of a message sent over the user's rate.
type RateLimited struct {
	// RetryAfter is when the next message would be taken.
	RetryAfter time.Duration
}

func (e *RateLimited) Error() string {
	return fmt.Sprintf("too many messages: retry in %s", e.RetryAfter.Round(time.Second))
}

// get reads key into v; ok false when it is absent.
func (s *Service) get(ctx context.Context, key string, v any) (bool, error) {
	b, err := s.kv.Get(ctx, key)
	if errors.Is(err, phonebook.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("chat: read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("chat: decode %s: %w", key, err)
	}
	return true, nil
}

// puts collects the values of one batch.
type puts map[string][]byte

func (p puts) set(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("chat: encode %s: %w", key, err)
	}
	p[key] = b
	return nil
}

// publish sends an event to the room's members (errors are logged: the
// change is stored, and clients catch up from the API).
func (s *Service) publish(ctx context.Context, typ string, data any, members ...string) {
	if s.pub == nil || len(members) == 0 {
		return
	}
	if err := s.pub.Publish(ctx, events.Event{Topic: "chat", Type: typ, Data: data, Audience: events.Users(members...)}); err != nil {
		s.log.Warn("chat: publish failed", "type", typ, "err", err)
	}
}

// memberRoom reads a room the user is a member of (errNoRoom otherwise,
// also for an id of the wrong shape).
func (s *Service) memberRoom(ctx context.Context, uid, id string) (Room, member, error) {
	if uid == "" {
		return Room{}, member{}, errNoUser
	}
	if !validID(id) {
		return Room{}, member{}, errNoRoom
	}
	var r Room
	ok, err := s.get(ctx, roomKey(id), &r)
	if err != nil {
		return Room{}, member{}, err
	}
	if !ok || !contains(r.Members, uid) {
		return Room{}, member{}, errNoRoom
	}
	var m member
	if _, err := s.get(ctx, memberKey(uid, id), &m); err != nil {
		return Room{}, member{}, err
	}
	return r, m, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cryptoReader is crypto/rand as an io.Reader value.
type cryptoReader struct{}
