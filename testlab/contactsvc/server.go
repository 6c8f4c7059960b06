// Package contactsvc is pbxagent's reference server of the custom contacts
// service contract (PBXware "Custom Contact Source"; reference implementation
// https://github.com/bicomsystems/custom-contacts-integrator, files
// http/http.go, http/auth.go, http/contacts.go, database/contacts.go and
// docs/API-docs.md): GET /token with HTTP Basic client credentials returns
// a short-lived HS256 JWT; GET /contacts?limit&page lists every contact; GET
// /contacts/delta?limit&page&timestamp lists the contacts updated at or after
// timestamp and the ids deleted since the last complete read of deletions.
//
// It reproduces the reference implementation's edges faithfully — 2-minute
// tokens, empty 401 bodies, limit default 20, 1-based page required,
// inclusive timestamp, limit applied to each list separately, deletions
// handed out once and cleared when a page reaches their end — and adds hooks
// for tests (fault injection, token expiry, request counts). Integrators can
// run it with cmd/contactsvc as a reference peer.
package contactsvc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"time"
)

// Phone is a contact's phone number; Label is mobile, work, home, fax or other.
type Phone struct {
	Number string `json:"number"`
	Label  string `json:"label"`
}

// Email is a contact's e-mail; Label is private, business or other.
type Email struct {
	Email string `json:"email"`
	Label string `json:"label"`
}

// Contact is the contract's contact. ID is a string; FirstName and LastName
// are required; Type is customer or lead.
type Contact struct {
	ID        string  `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Company   string  `json:"company"`
	Type      string  `json:"type"`
	Phones    []Phone `json:"phones"`
	Emails    []Email `json:"emails"`
}

// ListResponse is the body of GET /contacts.
type ListResponse struct {
	Contacts []Contact `json:"contacts"`
	HasMore  bool      `json:"has_more"`
}

// DeltaResponse is the body of GET /contacts/delta.
type DeltaResponse struct {
	Updated []Contact `json:"updated"`
	Deleted []string  `json:"deleted"`
	HasMore bool      `json:"has_more"`
}

// Options configure a Server.
type Options struct {
	// ClientID and ClientSecret are the Basic credentials of GET /token
	// (default test_id / test_secret).
	ClientID, ClientSecret string
	// TokenTTL is the JWT lifetime (default 2 minutes, as the reference).
	TokenTTL time.Duration
	// Now is the server's clock (default time.Now).
	Now func() time.Time
	// KeepDeletions makes deletions tombstones filtered by timestamp instead
	// of the reference's destructive read (our improvement: a delta response
	// lost on the way no longer loses the deletions it carried).
	KeepDeletions bool
}

type record struct {
	c       Contact
	updated int64 // Unix seconds
}

type tombstone struct {
	id string
	at int64
}

// Server is the reference contacts service (an http.Handler).
type Server struct {
	opts Options
	key  []byte

	mu       gosync.Mutex
	contacts map[string]*record
	order    []string // sorted ids, rebuilt lazily
	dirty    bool
	deleted  []tombstone
	gen      int64 // tokens issued before gen are rejected
	inject   func(r *http.Request) (code int, retryAfter string, ok bool)
	requests map[string]int
	tokens   int
	mux      *http.ServeMux
}

// New returns an empty server.
func New(opts Options) *Server {
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = "test_id", "test_secret"
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 2 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key := make([]byte, 32)
	rand.Read(key)
	s := &Server{opts: opts, key: key, contacts: map[string]*record{}, requests: map[string]int{}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /token", s.token)
	s.mux.HandleFunc("GET /contacts", s.authed(s.list))
	s.mux.HandleFunc("GET /contacts/delta", s.authed(s.delta))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	inj := s.inject
	s.mu.Unlock()
	if inj != nil {
		if code, ra, ok := inj(r); ok {
			if ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			w.WriteHeader(code)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Put adds or replaces a contact, stamped with the server's current time.
func (s *Server) Put(cs ...Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now().Unix()
	for _, c := range cs {
		if _, ok := s.contacts[c.ID]; !ok {
			s.dirty = true
		}
		s.contacts[c.ID] = &record{c: c, updated: now}
	}
}

// Delete removes contacts and records their deletion.
func (s *Server) Delete(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now().Unix()
	for _, id := range ids {
		if _, ok := s.contacts[id]; !ok {
			continue
		}
		delete(s.contacts, id)
		s.dirty = true
		s.deleted = append(s.deleted, tombstone{id: id, at: now})
	}
}

// Len returns the number of contacts.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.contacts)
}

// PendingDeletions returns the ids of deletions not handed out yet.
func (s *Server) PendingDeletions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.deleted))
	for i, t := range s.deleted {
		out[i] = t.id
	}
	return out
}

// ExpireTokens makes every token issued so far invalid (expiry mid-sync).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen = s.opts.Now().Unix() + 1
}

// Inject installs a fault hook: when it returns ok, the request is answered
// with code (and Retry-After when set) instead of being served. nil removes it.
func (s *Server) Inject(fn func(r *http.Request) (code int, retryAfter string, ok bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = fn
}

// Requests returns how many requests hit path; TokensIssued the tokens handed out.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// TokensIssued counts successful GET /token.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

// ---- token ----

var b64 = base64.RawURLEncoding

func (s *Server) sign(claims map[string]any) string {
	h := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	p, _ := json.Marshal(claims)
	msg := h + "." + b64.EncodeToString(p)
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return msg + "." + b64.EncodeToString(m.Sum(nil))
}

// verify checks an HS256 token's signature, expiry and generation.
func (s *Server) verify(tok string) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("malformed")
	}
	if hb, err := b64.DecodeString(parts[0]); err != nil || string(hb) != `{"alg":"HS256","typ":"JWT"}` {
		return errors.New("bad header")
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
		return errors.New("bad signature")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return errors.New("bad payload")
	}
	var cl struct {
		ClientID string `json:"client_id"`
		Iat      int64  `json:"iat"`
		Exp      int64  `json:"exp"`
	}
	if err := json.Unmarshal(pb, &cl); err != nil {
		return errors.New("bad payload")
	}
	now := s.opts.Now()
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	if cl.Exp <= now.Unix() || cl.Iat < gen || cl.ClientID != s.opts.ClientID {
		return errors.New("expired")
	}
	return nil
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	now := s.opts.Now()
	tok := s.sign(map[string]any{"client_id": id, "iat": now.Unix(), "exp": now.Add(s.opts.TokenTTL).Unix()})
	s.mu.Lock()
	s.tokens++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"token": tok})
}

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || s.verify(tok) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// ---- listing ----

func badRequest(w http.ResponseWriter) { http.Error(w, "Bad request", http.StatusBadRequest) }

// paging reads limit (default 20, > 0) and page (required, ≥ 1).
func paging(r *http.Request) (limit, page int, ok bool) {
	q := r.URL.Query()
	limit = 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		limit = n
	}
	p, err := strconv.Atoi(q.Get("page"))
	if err != nil || p <= 0 {
		return 0, 0, false
	}
	return limit, p, true
}

func (s *Server) sortedLocked() []string {
	if s.dirty || s.order == nil {
		s.order = s.order[:0]
		for id := range s.contacts {
			s.order = append(s.order, id)
		}
		slices.Sort(s.order)
		s.dirty = false
	}
	return s.order
}

func window(n, limit, page int) (lo, hi int, more bool) {
	lo = min((page-1)*limit, n)
	hi = min(lo+limit, n)
	return lo, hi, hi < n
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	limit, page, ok := paging(r)
	if !ok {
		badRequest(w)
		return
	}
	s.mu.Lock()
	ids := s.sortedLocked()
	lo, hi, more := window(len(ids), limit, page)
	out := ListResponse{Contacts: make([]Contact, 0, hi-lo), HasMore: more}
	for _, id := range ids[lo:hi] {
		out.Contacts = append(out.Contacts, s.contacts[id].c)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (s *Server) delta(w http.ResponseWriter, r *http.Request) {
	limit, page, ok := paging(r)
	if !ok {
		badRequest(w)
		return
	}
	ts, err := strconv.ParseInt(r.URL.Query().Get("timestamp"), 10, 64)
	if err != nil || ts <= 0 {
		badRequest(w)
		return
	}
	s.mu.Lock()
	var upd []string
	for _, id := range s.sortedLocked() {
		if s.contacts[id].updated >= ts {
			upd = append(upd, id)
		}
	}
	lo, hi, moreU := window(len(upd), limit, page)
	out := DeltaResponse{Updated: make([]Contact, 0, hi-lo), Deleted: []string{}}
	for _, id := range upd[lo:hi] {
		out.Updated = append(out.Updated, s.contacts[id].c)
	}
	dels := s.deleted
	if s.opts.KeepDeletions {
		dels = nil
		for _, t := range s.deleted {
			if t.at >= ts {
				dels = append(dels, t)
			}
		}
	}
	dlo, dhi, moreD := window(len(dels), limit, page)
	for _, t := range dels[dlo:dhi] {
		out.Deleted = append(out.Deleted, t.id)
	}
	if !s.opts.KeepDeletions && !moreD && len(s.deleted) > 0 && dhi == len(s.deleted) && dhi > dlo {
		s.deleted = nil // the reference empties its deleted_contacts table here
	}
	out.HasMore = moreU || moreD
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
