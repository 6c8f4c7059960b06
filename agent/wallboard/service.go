package wallboard

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// ErrNotFound: no such wallboard.
var ErrNotFound = errors.New("wallboard: not found")

// KV is the store namespace of the wallboards (phonebook's Meta).
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

// Person is a user as a board shows them.
type Person struct {
	ID, Name, Extension string
}

// Directory finds users (the users service).
type Directory interface {
	// Person returns the user id, ok false when there is none.
	Person(id string) (Person, bool)
}

// Groups is what a board reads of the call groups (callgroups.Service
// implements it).
type Groups interface {
	// Group returns one group.
	Group(ctx context.Context, id string) (callgroups.Group, bool)
	// Members returns a group's members with their live state.
	Members(ctx context.Context, groupID string) ([]callgroups.MemberView, error)
	// Waiting returns the callers waiting in a group, in order.
	Waiting(ctx context.Context, groupID string) []callgroups.WaitingCall
	// Active returns the answered calls of a group.
	Active(ctx context.Context, groupID string) []callgroups.ActiveCall
	// GroupsOf returns the ids of the groups userID is a member of.
	GroupsOf(userID string) []string
}

// keyPrefix is the key of a wallboard in the KV: wb/<id>.
const keyPrefix = "wb/"

// TokenPrefix starts every wallboard token.
const TokenPrefix = "wb_"

// record is a wallboard as stored: its token's SHA-256, never the token.
type record struct {
	Wallboard
	TokenHash string `json:"token_hash,omitempty"`
}

// Service keeps the wallboards and their tokens.
type Service struct {
	kv     KV
	dir    Directory
	groups Groups           // nil: call groups are off
	stats  callgroups.Stats // nil: no statistics
	clk    clock.Clock
	log    *slog.Logger

	mu     sync.RWMutex
	boards map[string]*record
	tokens map[[sha256.Size]byte]string // token hash → wallboard id
}

// Option configures a Service.
type Option func(*Service)

// WithGroups sets the call groups the boards show.
func WithGroups(g Groups) Option { return func(s *Service) { s.groups = g } }

// WithStats sets the statistics the boards' counters come from.
func WithStats(st callgroups.Stats) Option { return func(s *Service) { s.stats = st } }

// WithClock sets the clock (default the wall clock).
func WithClock(c clock.Clock) Option { return func(s *Service) { s.clk = c } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns the wallboards kept in kv; call Load before use.
func New(kv KV, dir Directory, opts ...Option) *Service {
	s := &Service{kv: kv, dir: dir, clk: clock.Real{}, log: slog.New(slog.DiscardHandler),
		boards: map[string]*record{}, tokens: map[[sha256.Size]byte]string{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Load reads the wallboards from the store.
func (s *Service) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kv.List(ctx, func(key string, val []byte) error {
		if !strings.HasPrefix(key, keyPrefix) {
			return nil
		}
		var r record
		if err := json.Unmarshal(val, &r); err != nil {
			return fmt.Errorf("wallboard %s: %w", key, err)
		}
		s.boards[r.ID] = &r
		if h, ok := decodeHash(r.TokenHash); ok {
			s.tokens[h] = r.ID
		}
		return nil
	})
}

func decodeHash(s string) (h [sha256.Size]byte, ok bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// List returns every wallboard, by name then id.
func (s *Service) List() []Wallboard {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Wallboard, 0, len(s.boards))
	for _, r := range s.boards {
		out = append(out, r.view())
	}
	slices.SortFunc(out, func(a, b Wallboard) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Get returns one wallboard.
func (s *Service) Get(id string) (Wallboard, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.boards[id]
	if r == nil {
		return Wallboard{}, ErrNotFound
	}
	return r.view(), nil
}

// view is a copy the caller may keep.
func (r *record) view() Wallboard {
	w := r.Wallboard
	w.Groups = slices.Clone(w.Groups)
	w.Monitored = slices.Clone(w.Monitored)
	if w.Token != nil {
		t := *w.Token
		w.Token = &t
	}
	return w
}

var groupID = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// validate checks in and returns the wallboard it describes.
func (s *Service) validate(ctx context.Context, in BoardSettings) (Wallboard, error) {
	var fes []platform.FieldError
	bad := func(field, msg string) { fes = append(fes, platform.FieldError{Field: field, Message: msg}) }
	name := strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		bad("name", "is required")
	case n > MaxName:
		bad("name", fmt.Sprintf("at most %d characters", MaxName))
	}
	switch {
	case len(in.Groups) == 0:
		bad("groups", "name at least one call group")
	case len(in.Groups) > MaxGroups:
		bad("groups", fmt.Sprintf("at most %d groups", MaxGroups))
	}
	seen := map[string]bool{}
	for i, g := range in.Groups {
		f := fmt.Sprintf("groups[%d]", i)
		switch {
		case !groupID.MatchString(g):
			bad(f, "a group id is 1 to 32 of a-z, 0-9, '-' and '_'")
		case seen[g]:
			bad(f, fmt.Sprintf("%s is named twice", g))
		case s.groups != nil:
			if _, ok := s.groups.Group(ctx, g); !ok {
				bad(f, fmt.Sprintf("no call group %s", g))
			}
		}
		seen[g] = true
	}
	if len(in.Monitored) > MaxMonitored {
		bad("monitored", fmt.Sprintf("at most %d agents", MaxMonitored))
	}
	seenU := map[string]bool{}
	for i, u := range in.Monitored {
		f := fmt.Sprintf("monitored[%d]", i)
		if fe := s.checkUser(u, seenU); fe != "" {
			bad(f, fe)
		}
		seenU[u] = true
	}
	if in.SLAThreshold < 0 || in.SLAThreshold > 3600 {
		bad("sla_threshold", "0 (each group's) or 1 to 3600 seconds")
	}
	if in.SLATarget != 0 && (in.SLATarget < 1 || in.SLATarget > 100) {
		bad("sla_target", "0 (each group's) or 1 to 100 percent")
	}
	margin := DefaultAmberMargin
	if in.AmberMargin != nil {
		margin = *in.AmberMargin
		if margin < 0 || margin > 100 {
			bad("amber_margin", "0 to 100 points")
		}
	}
	mode := cmp.Or(in.CountersMode, ModeMidnight)
	if mode != ModeMidnight && mode != ModeConnect {
		bad("counters_mode", "midnight or connect")
	}
	if fes != nil {
		return Wallboard{}, platform.Invalid("invalid wallboard", fes...)
	}
	return Wallboard{Name: name, Groups: slices.Clone(in.Groups), Monitored: append([]string{}, in.Monitored...),
		SLAThreshold: in.SLAThreshold, SLATarget: in.SLATarget, AmberMargin: margin, CountersMode: mode}, nil
}

// checkUser returns what is wrong with monitoring user id ("" nothing).
func (s *Service) checkUser(id string, seen map[string]bool) string {
	switch {
	case id == "":
		return "a user id is required"
	case seen[id]:
		return fmt.Sprintf("%s is named twice", id)
	}
	if _, ok := s.dir.Person(id); !ok {
		return fmt.Sprintf("no user %s", id)
	}
	return ""
}

// put stores r (caller holds mu).
func (s *Service) put(ctx context.Context, r *record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("wallboard %s: %w", r.ID, err)
	}
	if err := s.kv.Put(ctx, keyPrefix+r.ID, b); err != nil {
		return fmt.Errorf("wallboard %s: %w", r.ID, err)
	}
	return nil
}

// Create adds a wallboard.
func (s *Service) Create(ctx context.Context, in BoardSettings) (Wallboard, error) {
	w, err := s.validate(ctx, in)
	if err != nil {
		return Wallboard{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.boards) >= MaxBoards {
		return Wallboard{}, &platform.APIError{Status: 409, Code: platform.CodeConflict, Message: fmt.Sprintf("there are %d wallboards already (the most)", MaxBoards)}
	}
	now := s.clk.Now().UTC()
	w.ID = strings.ToLower(ulid.Make().String())
	w.CreatedAt, w.UpdatedAt = now, now
	r := &record{Wallboard: w}
	if err := s.put(ctx, r); err != nil {
		return Wallboard{}, err
	}
	s.boards[w.ID] = r
	return r.view(), nil
}

// Update replaces a wallboard's configuration (its token stays).
func (s *Service) Update(ctx context.Context, id string, in BoardSettings) (Wallboard, error) {
	w, err := s.validate(ctx, in)
	if err != nil {
		return Wallboard{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.boards[id]
	if old == nil {
		return Wallboard{}, ErrNotFound
	}
	w.ID, w.CreatedAt, w.Token, w.UpdatedAt = id, old.CreatedAt, old.Token, s.clk.Now().UTC()
	r := &record{Wallboard: w, TokenHash: old.TokenHash}
	if err := s.put(ctx, r); err != nil {
		return Wallboard{}, err
	}
	s.boards[id] = r
	return r.view(), nil
}

// Delete removes a wallboard and its token.
func (s *Service) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.boards[id] == nil {
		return ErrNotFound
	}
	if err := s.kv.Delete(ctx, keyPrefix+id); err != nil {
		return fmt.Errorf("wallboard %s: %w", id, err)
	}
	s.dropToken(id)
	delete(s.boards, id)
	return nil
}

// edit changes a copy of wallboard id with fn and stores it; then, still
// under the lock, calls each of after.
func (s *Service) edit(ctx context.Context, id string, fn func(r *record) error, after ...func()) (Wallboard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.boards[id]
	if old == nil {
		return Wallboard{}, ErrNotFound
	}
	r := &record{Wallboard: old.view(), TokenHash: old.TokenHash}
	if err := fn(r); err != nil {
		return Wallboard{}, err
	}
	r.UpdatedAt = s.clk.Now().UTC()
	if err := s.put(ctx, r); err != nil {
		return Wallboard{}, err
	}
	s.boards[id] = r
	for _, f := range after {
		f()
	}
	return r.view(), nil
}

// AddMonitored adds an agent to a wallboard's agents table (at the end;
// already there: unchanged).
func (s *Service) AddMonitored(ctx context.Context, id, userID string) (Wallboard, error) {
	return s.edit(ctx, id, func(r *record) error {
		if slices.Contains(r.Monitored, userID) {
			return nil
		}
		if fe := s.checkUser(userID, nil); fe != "" {
			return &platform.APIError{Status: 404, Code: platform.CodeNotFound, Message: fe, Details: []platform.FieldError{{Field: "user", Message: fe}}}
		}
		if len(r.Monitored) >= MaxMonitored {
			return platform.Invalid("too many agents", platform.FieldError{Field: "user", Message: fmt.Sprintf("a wallboard monitors at most %d agents", MaxMonitored)})
		}
		r.Monitored = append(r.Monitored, userID)
		return nil
	})
}

// RemoveMonitored removes an agent from a wallboard's agents table (not
// there: unchanged).
func (s *Service) RemoveMonitored(ctx context.Context, id, userID string) (Wallboard, error) {
	return s.edit(ctx, id, func(r *record) error {
		r.Monitored = slices.DeleteFunc(r.Monitored, func(u string) bool { return u == userID })
		return nil
	})
}

// tokenHash is the SHA-256 of a token.
func tokenHash(tok string) [sha256.Size]byte { return sha256.Sum256([]byte(tok)) }

// NewToken makes a wallboard's read-only token, replacing (revoking) any
// earlier one. The token is returned now only; the store keeps its hash.
func (s *Service) NewToken(ctx context.Context, id, by string) (BoardToken, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return BoardToken{}, fmt.Errorf("wallboard token: %w", err)
	}
	tok := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	h := tokenHash(tok)
	now := s.clk.Now().UTC()
	_, err := s.edit(ctx, id, func(r *record) error {
		r.Token = &BoardTokenInfo{CreatedAt: now, CreatedBy: by}
		r.TokenHash = hex.EncodeToString(h[:])
		return nil
	}, func() {
		s.dropToken(id)
		s.tokens[h] = id
	})
	if err != nil {
		return BoardToken{}, err
	}
	s.log.Info("wallboard: token made", "wallboard", id, "by", by)
	return BoardToken{WallboardID: id, Token: tok, Path: "/wallboard/#id=" + id + "&token=" + tok, CreatedAt: now}, nil
}

// RevokeToken revokes a wallboard's token (none: nothing to do).
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	_, err := s.edit(ctx, id, func(r *record) error {
		r.Token, r.TokenHash = nil, ""
		return nil
	}, func() { s.dropToken(id) })
	if err != nil {
		return err
	}
	s.log.Info("wallboard: token revoked", "wallboard", id)
	return nil
}

// dropToken forgets the token of wallboard id (caller holds mu).
func (s *Service) dropToken(id string) {
	for k, v := range s.tokens {
		if v == id {
			delete(s.tokens, k)
		}
	}
}

// lookup returns the wallboard a token opens.
func (s *Service) lookup(h [sha256.Size]byte) (*record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.tokens[h]
	if !ok {
		return nil, false
	}
	r := s.boards[id]
	return r, r != nil
}

// now is the service's clock's time.
func (s *Service) now() time.Time { return s.clk.Now() }
