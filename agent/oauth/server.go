package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Accounts is what the authorization server needs of the users: the
// login form checks a username and password, and every request made with
// an access token reads the user's current role and abilities.
type Accounts interface {
	// Login checks a person's credentials (throttling failures by user
	// and address) and returns who they are.
	Login(ctx context.Context, username, password, remoteAddr string) (platform.Principal, error)
	// Current returns the user's principal as it is now; an error when the
	// user is gone or disabled.
	Current(ctx context.Context, userID string) (platform.Principal, error)
}

// KV is the key-value namespace the server keeps apps, tokens and CORS
// origins in. phonebook's Store.Meta("oauth") satisfies it.
type KV interface {
	// Get returns the value of key.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores val under key.
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes key; an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key in key order.
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Key layout of the KV namespace.
const (
	kvApp   = "app/"  // app/<client id> -> appRec
	kvToken = "tok/"  // tok/<hex sha-256> -> tokenRec
	kvCORS  = "cors/" // cors/<origin> -> corsRec
)

// Token prefixes: they let Authenticate tell its tokens from others (the
// admin token, a session) without a lookup, and people tell them apart.
const (
	prefixAccess  = "pbxat_"
	prefixRefresh = "pbxrt_"
	prefixCode    = "pbxac_"
	prefixSecret  = "pbxcs_"
)

// sweepEvery is how often Run drops expired tokens, codes and pending
// authorizations.
const sweepEvery = 5 * time.Minute

// Server is the authorization server and apps registry: a
// platform.Component with routes, an Authenticator for access tokens and
// a Runner that sweeps expired state.
type Server struct {
	cfg Config
	kv  KV
	acc Accounts
	log *slog.Logger
	clk clock.Clock

	gen      atomic.Uint64 // bumped after each token removed (Version)
	mu       sync.RWMutex
	apps     map[string]*appRec
	tokens   map[[32]byte]*tokenRec
	families map[string]map[[32]byte]struct{}
	revoked  map[string]time.Time // family -> until when it is remembered
	codes    map[[32]byte]*codeRec
	pending  map[string]*pendingAuth
}

// Option changes a Server.
type Option func(*Server)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithClock sets the clock (default the wall clock); tests pass a virtual one.
func WithClock(c clock.Clock) Option { return func(s *Server) { s.clk = c } }

// New returns the server with the apps and live tokens of kv loaded (it
// drops expired tokens from kv). cfg gets its defaults.
func New(ctx context.Context, kv KV, acc Accounts, cfg Config, opts ...Option) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if kv == nil || acc == nil {
		return nil, errors.New("oauth: a KV and Accounts are required")
	}
	s := &Server{cfg: cfg, kv: kv, acc: acc, log: slog.Default(), clk: clock.Real{},
		apps: map[string]*appRec{}, tokens: map[[32]byte]*tokenRec{}, families: map[string]map[[32]byte]struct{}{}, revoked: map[string]time.Time{},
		codes: map[[32]byte]*codeRec{}, pending: map[string]*pendingAuth{}}
	for _, o := range opts {
		o(s)
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Name is "oauth".
func (s *Server) Name() string { return "oauth" }

// Run sweeps expired tokens, codes and pending authorizations until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	t := s.clk.NewTimer(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			s.sweep(ctx)
			t.Reset(sweepEvery)
		}
	}
}

// load reads apps and tokens from the KV.
func (s *Server) load(ctx context.Context) error {
	now := s.clk.Now()
	var expired []string
	err := s.kv.List(ctx, func(key string, val []byte) error {
		switch {
		case strings.HasPrefix(key, kvApp):
			var a appRec
			if err := json.Unmarshal(val, &a); err != nil {
				return fmt.Errorf("oauth: %s: %w", key, err)
			}
			s.apps[a.ClientID] = &a
		case strings.HasPrefix(key, kvToken):
			var t tokenRec
			raw, err := hex.DecodeString(strings.TrimPrefix(key, kvToken))
			if err != nil || len(raw) != 32 {
				return fmt.Errorf("oauth: %s: bad key", key)
			}
			if err := json.Unmarshal(val, &t); err != nil {
				return fmt.Errorf("oauth: %s: %w", key, err)
			}
			if !now.Before(t.Expires) {
				expired = append(expired, key)
				return nil
			}
			s.addToken([32]byte(raw), &t)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("oauth: load: %w", err)
	}
	for _, k := range expired {
		if err := s.kv.Delete(ctx, k); err != nil {
			return fmt.Errorf("oauth: drop expired token: %w", err)
		}
	}
	return nil
}

// sweep drops what expired.
func (s *Server) sweep(ctx context.Context) {
	now := s.clk.Now()
	var drop [][32]byte
	s.mu.Lock()
	for h, t := range s.tokens {
		if !now.Before(t.Expires) {
			s.removeTokenLocked(h)
			drop = append(drop, h)
		}
	}
	for h, c := range s.codes {
		if !now.Before(c.Expires) {
			delete(s.codes, h)
		}
	}
	for f, until := range s.revoked {
		if !now.Before(until) {
			delete(s.revoked, f)
		}
	}
	for id, p := range s.pending {
		if !now.Before(p.Expires) {
			delete(s.pending, id)
		}
	}
	s.mu.Unlock()
	for _, h := range drop {
		if err := s.kv.Delete(ctx, tokenKey(h)); err != nil {
			s.log.Warn("oauth: drop expired token", "err", err)
		}
	}
}

// randomToken returns prefix and 32 random bytes in base64url.
func randomToken(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// randomID returns n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hashOf(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func tokenKey(h [32]byte) string { return kvToken + hex.EncodeToString(h[:]) }

// limitForm caps the forms this package reads.
func limitForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, r.Body)
	return nil
}

// Version is a number that changes after each access or refresh token is
// removed (revoked, expired and dropped, its app deleted), once
// CheckCredential sees it: the events hub routes by the principals it
// read while it stays the same.
func (s *Server) Version() uint64 { return s.gen.Load() }
