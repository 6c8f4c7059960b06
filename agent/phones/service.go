package phones

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/provisioning"
	"github.com/pbxagent/pbxagent/provisioning/cti"
	"golang.org/x/sync/singleflight"
)

// Directory is what the phone endpoints read; *phonebook.Store satisfies it.
type Directory interface {
	// Generation changes whenever any contact changes.
	Generation() uint64
	// Search returns one page sorted by display name.
	Search(ctx context.Context, q phonebook.Query) (phonebook.Page, error)
	// Lookup answers "who is calling from this number?".
	Lookup(ctx context.Context, number string) (phonebook.LookupResult, error)
	// Get returns one contact, or an error matching ErrNotFound.
	Get(ctx context.Context, id string) (*phonebook.Contact, error)
}

// Iterator is optionally implemented by a Directory that can stream every
// match of a query in order; full books use it instead of paging Search.
type Iterator interface {
	Iterate(ctx context.Context, q phonebook.Query, fn func(*phonebook.Contact) error) error
}

// KV persists the phone registry; the store's Meta("phones") satisfies it.
type KV interface {
	// Get returns the value, or an error matching ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// ErrNotFound is what Directory.Get and KV.Get return for a missing key: the
// phonebook store's sentinel.
var ErrNotFound = phonebook.ErrNotFound

// AuthMode is a set of accepted ways for a phone to prove who it is.
type AuthMode uint8

// Authentication modes, combinable with |.
const (
	// AuthBasic accepts HTTP Basic with the phone's username and password.
	AuthBasic AuthMode = 1 << iota
	// AuthDigest accepts HTTP Digest (MD5, qop=auth) with the same credentials.
	AuthDigest
	// AuthToken accepts the phone's token as ?token= (or /phonebook/tok/{token}/…).
	AuthToken
	// AuthIP lets a request without credentials through when its address is
	// in the allow-list; it sees global contacts only.
	AuthIP
)

// DefaultAuth accepts Basic, Digest and token.
const DefaultAuth = AuthBasic | AuthDigest | AuthToken

type config struct {
	baseURL     string
	allow       []netip.Prefix
	auth        AuthMode
	realm       string
	cacheItems  int
	cacheBytes  int64
	groupBy     provisioning.GroupBy
	bookName    string
	refresh     time.Duration
	spread      time.Duration
	secretKey   []byte
	log         *slog.Logger
	clock       clock.Clock
	searchLimit int
	nonceTTL    time.Duration
	login       LoginLimits
	maxNonces   int
	bookMax     BookLimits
	owners      Owners
	cti         CTIConfig
	ldap        *LDAPLink
}

// Option configures a Service.
type Option func(*config)

// WithBaseURL sets the public base URL written into provisioning files and
// Cisco/Snom/Polycom links, e.g. "https://pbx.example.com:8443". Default:
// derived from each request's Host (and TLS).
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithAllowList restricts phone endpoints to these networks; a request from
// elsewhere gets 403. Empty (default) allows every address.
func WithAllowList(prefixes ...netip.Prefix) Option {
	return func(c *config) { c.allow = append(c.allow, prefixes...) }
}

// WithAuth sets the accepted authentication modes (default DefaultAuth).
func WithAuth(m AuthMode) Option { return func(c *config) { c.auth = m } }

// WithRealm sets the HTTP auth realm (default "pbxagent").
func WithRealm(realm string) Option { return func(c *config) { c.realm = realm } }

// WithCache bounds the render cache by entry count and total bytes
// (default 512 entries, 64 MiB).
func WithCache(entries int, bytes int64) Option {
	return func(c *config) { c.cacheItems, c.cacheBytes = entries, bytes }
}

// WithGroupBy sets the field grouping the grouped books (Yealink
// YealinkIPPhoneBook, Grandstream pbgroup, Fanvil Group); default company.
func WithGroupBy(g provisioning.GroupBy) Option { return func(c *config) { c.groupBy = g } }

// WithBookName sets the directory's name on the phones (default "Company").
func WithBookName(name string) Option { return func(c *config) { c.bookName = name } }

// WithRefresh sets the full-book refresh interval written into provisioning
// files: base plus a per-MAC offset below spread (default 1h + <10min).
func WithRefresh(base, spread time.Duration) Option {
	return func(c *config) { c.refresh, c.spread = base, spread }
}

// WithSecretKey sets the 32-byte AES-256 key sealing phone passwords and
// tokens in the KV. Without it a key is generated once and kept in the KV,
// which protects only as much as the data directory does.
func WithSecretKey(key []byte) Option {
	return func(c *config) { c.secretKey = append([]byte(nil), key...) }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock (Digest nonce expiry, timestamps).
func WithClock(cl clock.Clock) Option { return func(c *config) { c.clock = cl } }

// WithSearchLimit caps the results of searches in formats that do not page
// (Yealink, Fanvil); default 200.
func WithSearchLimit(n int) Option { return func(c *config) { c.searchLimit = n } }

// Service is the phone registry and the phone-facing HTTP endpoints.
type Service struct {
	dir    Directory
	cfg    config
	log    *slog.Logger
	reg    *registry
	cache  *renderCache
	sf     singleflight.Group
	keys   *keys
	fails  *failures
	creds  *credCache
	nonces *nonceCounts

	lastUA sync.Map // MAC → last User-Agent seen
	// fetches are each phone's last fetches, in memory (fetches.go).
	fetches fetchLog
	// tickets are the fast lane's record of requests served (fastlane.go).
	tickets tickets
	// ctiClient sends remote-control commands (cti.go), made once.
	ctiOnce   sync.Once
	ctiClient *http.Client

	// stamp is when the service first saw the current generation.
	stamp atomic.Pointer[genStamp]
	etags etagCache
	dates dateCache
	gzips gzipPool
}

// New loads the phone registry from kv and returns the service. It fails
// when an option is invalid or the registry cannot be read.
func New(ctx context.Context, dir Directory, kv KV, opts ...Option) (*Service, error) {
	cfg := config{
		auth: DefaultAuth, realm: "pbxagent", cacheItems: 512, cacheBytes: 64 << 20,
		groupBy: provisioning.GroupByCompany, bookName: "Company",
		refresh: time.Hour, spread: 10 * time.Minute, searchLimit: 200, nonceTTL: 10 * time.Minute, bookMax: DefaultBookLimits(),
		cti: CTIConfig{Timeout: cti.DefaultTimeout},
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.Default()
	}
	if cfg.clock == nil {
		cfg.clock = clock.Real{}
	}
	if cfg.auth == 0 {
		return nil, errors.New("phones: no authentication mode enabled")
	}
	if cfg.auth&AuthIP != 0 && len(cfg.allow) == 0 {
		return nil, errors.New("phones: IP authentication needs an allow-list")
	}
	if cfg.baseURL != "" && !strings.HasPrefix(cfg.baseURL, "http://") && !strings.HasPrefix(cfg.baseURL, "https://") {
		return nil, fmt.Errorf("phones: base URL %q: must start with http:// or https://", cfg.baseURL)
	}
	if _, ok := provisioning.ParseGroupBy(string(cfg.groupBy)); !ok {
		return nil, fmt.Errorf("phones: group by %q: must be company, department, source or scope", cfg.groupBy)
	}
	if err := cfg.bookMax.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.cti.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.ldap.validate(); err != nil {
		return nil, err
	}
	if cfg.searchLimit < 1 || cfg.searchLimit > 10000 {
		return nil, fmt.Errorf("phones: search limit %d: must be 1–10000", cfg.searchLimit)
	}
	if cfg.refresh < time.Minute || cfg.spread < 0 {
		return nil, fmt.Errorf("phones: refresh %s + %s: must be at least 1m, spread not negative", cfg.refresh, cfg.spread)
	}
	if cfg.cacheItems < 1 || cfg.cacheBytes < 1 {
		return nil, errors.New("phones: cache bounds must be positive")
	}
	if cfg.maxNonces == 0 {
		cfg.maxNonces = DefaultDigestNonces
	}
	if cfg.maxNonces < 1 {
		return nil, fmt.Errorf("phones: digest nonces %d: must be positive", cfg.maxNonces)
	}
	var err error
	if cfg.login, err = cfg.login.withDefaults(); err != nil {
		return nil, fmt.Errorf("phones: %w", err)
	}
	k, err := loadKeys(ctx, kv, cfg.secretKey)
	if err != nil {
		return nil, fmt.Errorf("phones: %w", err)
	}
	s := &Service{dir: dir, cfg: cfg, log: cfg.log, keys: k, cache: newRenderCache(cfg.cacheItems, cfg.cacheBytes), fails: newFailures(cfg.login),
		creds: newCredCache(), nonces: newNonceCounts(cfg.maxNonces, cfg.nonceTTL)}
	s.reg, err = loadRegistry(ctx, kv, k, cfg.realm)
	if err != nil {
		return nil, fmt.Errorf("phones: %w", err)
	}
	return s, nil
}

// PhoneHandler serves /phonebook/ and /provisioning/ to phones.
func (s *Service) PhoneHandler() http.Handler { return http.HandlerFunc(s.servePhone) }

// AdminHandler serves /api/v1/phones and /api/v1/phones/{mac} without
// authentication (tests and labs; the daemon mounts Routes).
func (s *Service) AdminHandler() http.Handler { return s.adminMux() }

// Register registers the phone routes on mux, and the admin routes wrapped
// by admin (which must authenticate administrators); for labs.
func (s *Service) Register(mux *http.ServeMux, admin func(http.Handler) http.Handler) {
	ph := s.PhoneHandler()
	mux.Handle("/phonebook/", ph)
	mux.Handle("/provisioning/", ph)
	a := admin(s.AdminHandler())
	mux.Handle("/api/v1/phones", a)
	mux.Handle("/api/v1/phones/", a)
}

// genStamp is when the service first saw a directory generation: the
// Last-Modified of the bodies of that generation.
type genStamp struct {
	gen  uint64
	at   time.Time
	http []string // {at formatted for Last-Modified}; shared, never modified
}

// stampOf returns the stamp of generation gen, making it when gen is new.
func (s *Service) stampOf(gen uint64) *genStamp {
	for {
		old := s.stamp.Load()
		if old != nil && old.gen == gen {
			return old
		}
		at := s.cfg.clock.Now().UTC().Truncate(time.Second)
		st := &genStamp{gen: gen, at: at, http: []string{httpDate(at)}}
		if old != nil && gen < old.gen {
			return st // read before a change another request already saw
		}
		if s.stamp.CompareAndSwap(old, st) {
			return st
		}
	}
}
