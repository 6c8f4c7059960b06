// Package graphfake is an httptest-ready fake of the parts of Microsoft
// Graph (and the Entra token endpoint) that pbxagent's Microsoft 365 source
// uses: client-credentials tokens, GET /v1.0/users/delta and
// /v1.0/contacts/delta with @odata.nextLink / @odata.deltaLink paging and
// @removed entries, GET /v1.0/contacts/{id} for an org contact's phones, and
// the failure modes Microsoft documents: 410 Gone with Location
// (synchronization reset) and empty pages that still carry a nextLink
// (https://learn.microsoft.com/graph/delta-query-overview),
// syncStateNotFound for an expired delta token
// (https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/),
// 429 with Retry-After (https://learn.microsoft.com/graph/throttling), and
// expired access tokens
// (https://learn.microsoft.com/entra/identity-platform/access-tokens).
package graphfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
)

// Object is a directory object as Graph returns it (property → value).
type Object map[string]any

type change struct {
	seq     int
	removed bool
}

type collection struct {
	objects map[string]Object
	changes map[string]change // last change per id
}

// Server is the fake. Create with New; serve with httptest.NewServer(s).
type Server struct {
	mu gosync.Mutex
	// PageSize is the number of entries per page (default 100).
	PageSize int
	// EmptyPages inserts an empty page (with a nextLink) before every page.
	EmptyPages bool
	// TokenLifetime is the expires_in of issued tokens (default 3600).
	TokenLifetime int

	ClientID, ClientSecret, Tenant string
	// Scope is the scope a token must be asked for; empty: the fake's own
	// origin followed by /.default (it plays the Graph it serves).
	Scope string

	seq      int
	colls    map[string]*collection // "users", "contacts"
	tokenGen int
	tokens   map[string]int // token → generation
	expired  map[string]int // collection → delta tokens below this seq are rejected
	expMode  string         // "gone" or "syncStateNotFound"
	inject   func(r *http.Request) (code int, retryAfter string, ok bool)
	requests map[string]int
	selects  map[string]string
	issued   int
}

// New returns an empty fake for one tenant and app.
func New(tenant, clientID, clientSecret string) *Server {
	return &Server{PageSize: 100, TokenLifetime: 3600, Tenant: tenant, ClientID: clientID, ClientSecret: clientSecret,
		colls: map[string]*collection{
			"users":    {objects: map[string]Object{}, changes: map[string]change{}},
			"contacts": {objects: map[string]Object{}, changes: map[string]change{}},
		},
		tokens: map[string]int{}, expired: map[string]int{}, requests: map[string]int{}, selects: map[string]string{}}
}

// PutUser adds or replaces a user (must have "id").
func (s *Server) PutUser(o Object) { s.put("users", o) }

// PutContact adds or replaces an org contact (must have "id"; "phones" is
// served only by GET /contacts/{id}, never by delta).
func (s *Server) PutContact(o Object) { s.put("contacts", o) }

// DeleteUser removes a user (it appears as @removed in the next delta).
func (s *Server) DeleteUser(id string) { s.del("users", id) }

// DeleteContact removes an org contact.
func (s *Server) DeleteContact(id string) { s.del("contacts", id) }

func (s *Server) put(coll string, o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := o["id"].(string)
	c := s.colls[coll]
	c.objects[id] = maps.Clone(o)
	c.changes[id] = change{seq: s.seq}
}

func (s *Server) del(coll, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.colls[coll]
	if _, ok := c.objects[id]; !ok {
		return
	}
	s.seq++
	delete(c.objects, id)
	c.changes[id] = change{seq: s.seq, removed: true}
}

// ExpireDeltaTokens makes every delta token issued so far invalid; mode
// "gone" answers 410 with a Location header, "syncStateNotFound" answers 400
// with that error code.
func (s *Server) ExpireDeltaTokens(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expMode = mode
	for k := range s.colls {
		s.expired[k] = s.seq + 1
	}
}

// RevokeTokens invalidates every access token issued so far (401).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenGen++
}

// Inject installs a fault hook answering matching requests with code.
func (s *Server) Inject(fn func(r *http.Request) (code int, retryAfter string, ok bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = fn
}

// Requests counts the requests to a path ("/v1.0/users/delta", …).
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// Select returns the $select of the last initial delta request of a collection.
func (s *Server) Select(coll string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.selects[coll]
}

// TokensIssued counts access tokens handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// TokenPath is the token endpoint's path.
func (s *Server) TokenPath() string { return "/" + s.Tenant + "/oauth2/v2.0/token" }

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
			graphError(w, code, "TooManyRequests", "injected")
			return
		}
	}
	switch {
	case r.URL.Path == s.TokenPath() && r.Method == http.MethodPost:
		s.token(w, r)
	case r.URL.Path == "/v1.0/users/delta":
		s.authed(w, r, func() { s.delta(w, r, "users") })
	case r.URL.Path == "/v1.0/contacts/delta":
		s.authed(w, r, func() { s.delta(w, r, "contacts") })
	case strings.HasPrefix(r.URL.Path, "/v1.0/contacts/"):
		s.authed(w, r, func() { s.getContact(w, r, strings.TrimPrefix(r.URL.Path, "/v1.0/contacts/")) })
	default:
		graphError(w, 404, "Request_ResourceNotFound", "no such resource")
	}
}

func graphError(w http.ResponseWriter, code int, ecode, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": ecode, "message": msg}})
}

// scope is the token scope the fake accepts for request r.
func (s *Server) scope(r *http.Request) string {
	s.mu.Lock()
	sc := s.Scope
	s.mu.Unlock()
	if sc != "" {
		return sc
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/.default"
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		graphError(w, 400, "invalid_request", err.Error())
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsec, ok := r.BasicAuth(); ok {
		id, secret = bid, bsec
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		graphError(w, 400, "unsupported_grant_type", "grant_type")
		return
	}
	if want := s.scope(r); r.PostForm.Get("scope") != want {
		// Entra answers a scope for another resource with invalid_scope
		// (AADSTS70011).
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_scope",
			"error_description": fmt.Sprintf("AADSTS70011: The provided value for the input parameter 'scope' is not valid: %q; this Graph's is %q", r.PostForm.Get("scope"), want)})
		return
	}
	if id != s.ClientID || secret != s.ClientSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		w.Write([]byte(`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`))
		return
	}
	s.mu.Lock()
	s.issued++
	tok := fmt.Sprintf("tok-%d-%d", s.tokenGen, s.issued)
	s.tokens[tok] = s.tokenGen
	life := s.TokenLifetime
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": life, "access_token": tok})
}

func (s *Server) authed(w http.ResponseWriter, r *http.Request, fn func()) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	gen, ok := s.tokens[tok]
	valid := ok && gen == s.tokenGen
	s.mu.Unlock()
	if !valid {
		graphError(w, 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
		return
	}
	fn()
}

// cursor is what skip and delta tokens carry.
type cursor struct {
	Since  int    `json:"s"` // changes after this seq
	Upto   int    `json:"u"` // … up to this seq (round snapshot)
	Offset int    `json:"o"`
	Select string `json:"f"`
	Empty  bool   `json:"e,omitempty"` // the empty page before this offset was served
}

func enc(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func dec(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, false
	}
	return c, true
}

func (s *Server) delta(w http.ResponseWriter, r *http.Request, coll string) {
	q := r.URL.Query()
	base := "http://" + r.Host + r.URL.Path
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur cursor
	switch {
	case q.Get("$skiptoken") != "":
		c, ok := dec(q.Get("$skiptoken"))
		if !ok {
			graphErrorLocked(w, 400, "BadRequest", "bad skiptoken")
			return
		}
		cur = c
	case q.Get("$deltatoken") != "":
		c, ok := dec(q.Get("$deltatoken"))
		if !ok || c.Upto < s.expired[coll] {
			if s.expMode == "gone" {
				w.Header().Set("Location", base)
				graphErrorLocked(w, 410, "resyncRequired", "Resync required.")
				return
			}
			graphErrorLocked(w, 400, "syncStateNotFound",
				"The sync state generation is not found. The delta token is expired and data must be synchronized again.")
			return
		}
		cur = cursor{Since: c.Upto, Upto: s.seq, Select: c.Select}
	default:
		cur = cursor{Since: 0, Upto: s.seq, Select: q.Get("$select")}
		s.selects[coll] = cur.Select
	}
	c := s.colls[coll]
	var ids []string
	for id, ch := range c.changes {
		if ch.seq > cur.Since && ch.seq <= cur.Upto && !(cur.Since == 0 && ch.removed) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#" + coll + "(" + cur.Select + ")"}
	if s.EmptyPages && !cur.Empty && cur.Offset < len(ids) {
		next := cur
		next.Empty = true
		out["value"] = []any{}
		out["@odata.nextLink"] = base + "?$skiptoken=" + enc(next)
		writeJSONLocked(w, out)
		return
	}
	lo := min(cur.Offset, len(ids))
	hi := min(lo+s.PageSize, len(ids))
	sel := strings.Split(cur.Select, ",")
	vals := make([]any, 0, hi-lo)
	for _, id := range ids[lo:hi] {
		obj, ok := c.objects[id]
		if !ok || c.changes[id].removed {
			vals = append(vals, map[string]any{"id": id, "@removed": map[string]any{"reason": "deleted"}})
			continue
		}
		o := map[string]any{"id": id}
		for _, f := range sel {
			if v, ok := obj[f]; ok && f != "phones" { // delta never returns phones
				o[f] = v
			}
		}
		vals = append(vals, o)
	}
	out["value"] = vals
	if hi < len(ids) {
		next := cursor{Since: cur.Since, Upto: cur.Upto, Offset: hi, Select: cur.Select}
		out["@odata.nextLink"] = base + "?$skiptoken=" + enc(next)
	} else {
		out["@odata.deltaLink"] = base + "?$deltatoken=" + enc(cursor{Upto: cur.Upto, Select: cur.Select})
	}
	writeJSONLocked(w, out)
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	obj, ok := s.colls["contacts"].objects[id]
	s.mu.Unlock()
	if !ok {
		graphError(w, 404, "Request_ResourceNotFound", "Resource '"+id+"' does not exist.")
		return
	}
	o := map[string]any{"id": id}
	for _, f := range strings.Split(r.URL.Query().Get("$select"), ",") {
		if v, ok := obj[f]; ok {
			o[f] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(o)
}

func graphErrorLocked(w http.ResponseWriter, code int, ecode, msg string) {
	graphError(w, code, ecode, msg)
}

func writeJSONLocked(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// User returns synthetic user i.
func User(i int) Object {
	return Object{
		"id": fmt.Sprintf("u-%06d", i), "displayName": fmt.Sprintf("User %d", i), "givenName": "Given" + strconv.Itoa(i),
		"surname": "Sur" + strconv.Itoa(i), "mail": fmt.Sprintf("user%d@contoso.com", i),
		"userPrincipalName": fmt.Sprintf("user%d@contoso.com", i), "jobTitle": "Engineer", "department": "R&D",
		"officeLocation": "Sarajevo", "preferredLanguage": "bs-BA",
		"businessPhones": []any{fmt.Sprintf("+38733%06d", i)}, "mobilePhone": fmt.Sprintf("+38761%06d", i),
		"accountEnabled": true, "userType": "Member",
	}
}

// Contact returns synthetic org contact i (with phones).
func Contact(i int) Object {
	return Object{
		"id": fmt.Sprintf("c-%06d", i), "displayName": fmt.Sprintf("Partner %d", i), "givenName": "P" + strconv.Itoa(i),
		"surname": "Partner", "mail": fmt.Sprintf("p%d@fabrikam.com", i), "companyName": "Fabrikam", "jobTitle": "Buyer",
		"phones": []any{map[string]any{"number": fmt.Sprintf("+4930%06d", i), "type": "business"},
			map[string]any{"number": fmt.Sprintf("+49170%06d", i), "type": "mobile"}},
	}
}
