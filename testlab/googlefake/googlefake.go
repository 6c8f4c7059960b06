// Package googlefake is an httptest-ready fake of the parts of Google's
// OAuth 2.0 token endpoint and People API that pbxagent's Google source
// uses, written from Google's documented request and response shapes
// (quoted in shapes.go):
//
//   - POST /token with the JWT bearer grant of a service account
//     (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests):
//     the assertion's RS256 signature is checked with the public key of the
//     test key pair, and its claims iss, aud, sub, scope, iat and exp;
//   - POST /token with a refresh token (grant_type=refresh_token,
//     https://developers.google.com/identity/protocols/oauth2/web-server#offline);
//   - GET /v1/people:listDirectoryPeople
//     (https://developers.google.com/people/api/rest/v1/people/listDirectoryPeople)
//     and GET /v1/people/me/connections
//     (https://developers.google.com/people/api/rest/v1/people.connections/list)
//     with pageSize/pageToken/nextPageToken, requestSyncToken/syncToken/
//     nextSyncToken, deleted people (metadata.deleted) in sync results, an
//     expired sync token (EXPIRED_SYNC_TOKEN) and 429 RESOURCE_EXHAUSTED.
package googlefake

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"time"
)

// Person is a People API Person as JSON (field → value).
type Person map[string]any

// Paths served.
const (
	TokenPath       = "/token"
	DirectoryPath   = "/v1/people:listDirectoryPeople"
	ConnectionsPath = "/v1/people/me/connections"
)

// Scopes the fake grants.
const (
	DirectoryScope = "https://www.googleapis.com/auth/directory.readonly"
	ContactsScope  = "https://www.googleapis.com/auth/contacts.readonly"
)

type change struct {
	seq     int
	deleted bool
}

type collection struct {
	people  map[string]Person
	changes map[string]change // last change per resourceName
}

// Server is the fake; create it with New and serve it with
// httptest.NewServer.
type Server struct {
	mu gosync.Mutex
	// PageSize caps the page size a client asks for (default: the
	// request's pageSize, else 100 as documented).
	PageSize int
	// ExpiredStatus is the HTTP status of an expired sync token (default
	// 400, as Google answers in practice; 410 is accepted too).
	ExpiredStatus int
	// Now is the clock the JWT's iat/exp are checked against (default
	// time.Now).
	Now func() time.Time

	// The service account: its e-mail (the JWT's iss), its public key and
	// the user it may impersonate (sub).
	ServiceEmail string
	ServiceKey   *rsa.PublicKey
	Subject      string
	// The OAuth client and the refresh token of the contacts mode.
	ClientID, ClientSecret, RefreshToken string

	seq       int
	colls     map[string]*collection // "directory", "contacts"
	tokens    map[string]string      // access token → scope
	tokenN    int
	expiredLT map[string]int // sync tokens below this seq are expired
	throttle  int
	requests  map[string]int
	queries   map[string][]string // path → raw queries, in order
	grants    []string
}

// New returns a fake for the service account email (with its public key)
// impersonating subject, and the OAuth client with its refresh token.
func New(serviceEmail string, key *rsa.PublicKey, subject, clientID, clientSecret, refreshToken string) *Server {
	return &Server{ServiceEmail: serviceEmail, ServiceKey: key, Subject: subject, ClientID: clientID,
		ClientSecret: clientSecret, RefreshToken: refreshToken,
		colls:  map[string]*collection{"directory": newColl(), "contacts": newColl()},
		tokens: map[string]string{}, expiredLT: map[string]int{}, requests: map[string]int{}, queries: map[string][]string{}}
}

func newColl() *collection {
	return &collection{people: map[string]Person{}, changes: map[string]change{}}
}

// Put adds or replaces a person of a collection ("directory" or
// "contacts"); its "resourceName" is the key.
func (s *Server) Put(coll string, p Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.colls[coll]
	name := p["resourceName"].(string)
	s.seq++
	c.people[name] = p
	c.changes[name] = change{seq: s.seq}
}

// Delete removes a person; sync results then carry it with
// metadata.deleted.
func (s *Server) Delete(coll, resourceName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.colls[coll]
	s.seq++
	delete(c.people, resourceName)
	c.changes[resourceName] = change{seq: s.seq, deleted: true}
}

// ExpireSyncTokens makes every sync token handed out so far for coll
// expired.
func (s *Server) ExpireSyncTokens(coll string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiredLT[coll] = s.seq + 1
}

// Throttle makes the next n People API requests answer 429.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Requests returns how many requests reached path (throttled ones too).
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// Queries returns the raw query strings of the requests to path, in order.
func (s *Server) Queries(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries[path])
}

// Grants returns the grant types of the token requests, in order.
func (s *Server) Grants() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.grants)
}

// RevokeTokens invalidates the access tokens issued so far (the next API
// call gets 401).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]string{}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.URL.Path]++
	s.queries[r.URL.Path] = append(s.queries[r.URL.Path], r.URL.RawQuery)
	switch r.URL.Path {
	case TokenPath:
		s.token(w, r)
	case DirectoryPath:
		s.list(w, r, "directory", "people", "readMask", DirectoryScope)
	case ConnectionsPath:
		s.list(w, r, "contacts", "connections", "personFields", ContactsScope)
	default:
		apiErr(w, http.StatusNotFound, "NOT_FOUND", "", "unknown path "+r.URL.Path)
	}
}

// apiErr writes a google.rpc.Status error (shapes.go, errorShape).
func apiErr(w http.ResponseWriter, code int, status, reason, msg string) {
	e := map[string]any{"code": code, "message": msg, "status": status}
	if reason != "" {
		e["details"] = []any{map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
			"domain": "googleapis.com", "metadata": map[string]any{"service": "people.googleapis.com"}}}
	}
	writeJSON(w, code, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// pageToken is what a nextPageToken encodes: the offset into the listing
// and the listing's snapshot sequence.
type pageToken struct {
	Off   int    `json:"o"`
	Seq   int    `json:"s"`
	Since int    `json:"f"` // the sync token's seq (0: full listing)
	Query string `json:"q"` // the other parameters, which must not change
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, coll, items, maskParam, scope string) {
	if r.Method != http.MethodGet {
		apiErr(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "", "GET only")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if got, known := s.tokens[tok]; !ok || !known || got != scope {
		apiErr(w, http.StatusUnauthorized, "UNAUTHENTICATED", "", "Request had invalid authentication credentials.")
		return
	}
	if s.throttle > 0 {
		s.throttle--
		w.Header().Set("Retry-After", "2")
		apiErr(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", "Quota exceeded.")
		return
	}
	q := r.URL.Query()
	if q.Get(maskParam) == "" {
		apiErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", maskParam+" is required.")
		return
	}
	if coll == "directory" && len(q["sources"]) == 0 {
		apiErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", "sources is required.")
		return
	}
	size := 100
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			apiErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", "pageSize must be between 1 and 1000.")
			return
		}
		size = n
	}
	if s.PageSize > 0 {
		size = min(size, s.PageSize)
	}
	// The other parameters of a paged call must equal the first call's.
	rest := maps.Clone(q)
	delete(rest, "pageToken")
	c := s.colls[coll]
	pt := pageToken{Seq: s.seq, Query: rest.Encode()}
	if v := q.Get("syncToken"); v != "" {
		since, err := strconv.Atoi(strings.TrimPrefix(v, coll+"-"))
		if err != nil || !strings.HasPrefix(v, coll+"-") {
			apiErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", "Invalid sync token.")
			return
		}
		if since < s.expiredLT[coll] {
			st := s.ExpiredStatus
			if st == 0 {
				st = http.StatusBadRequest
			}
			apiErr(w, st, "FAILED_PRECONDITION", "EXPIRED_SYNC_TOKEN",
				"Sync token is expired. Clear local cache and retry call without the sync token.")
			return
		}
		pt.Since = since
	}
	if v := q.Get("pageToken"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		var got pageToken
		if err != nil || json.Unmarshal(b, &got) != nil || got.Query != pt.Query {
			apiErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", "Invalid page token (or parameters changed).")
			return
		}
		pt = got
	}
	// The listing: every person (full), or every change after Since,
	// deleted ones as a resourceName with metadata.deleted. The fake keeps
	// no snapshot: a change between two pages may shift the offsets, so
	// tests change nothing while a listing pages.
	var names []string
	for name, ch := range c.changes {
		if pt.Since == 0 && ch.deleted || ch.seq <= pt.Since {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	end := min(pt.Off+size, len(names))
	out := []any{}
	for _, name := range names[min(pt.Off, len(names)):end] {
		if c.changes[name].deleted {
			out = append(out, map[string]any{"resourceName": name, "etag": "%deleted",
				"metadata": map[string]any{"deleted": true}})
			continue
		}
		out = append(out, c.people[name])
	}
	resp := map[string]any{}
	if len(out) > 0 {
		resp[items] = out
	}
	if end < len(names) {
		nt := pt
		nt.Off = end
		b, _ := json.Marshal(nt)
		resp["nextPageToken"] = base64.RawURLEncoding.EncodeToString(b)
	} else if q.Get("requestSyncToken") == "true" {
		resp["nextSyncToken"] = fmt.Sprintf("%s-%d", coll, pt.Seq)
	}
	if coll == "contacts" {
		resp["totalPeople"], resp["totalItems"] = len(c.people), len(c.people)
	}
	writeJSON(w, http.StatusOK, resp)
}
