package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// What a preflight allows.
const (
	corsMethods       = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders       = "Authorization, Content-Type, If-Match, X-CSRF-Token, X-Request-Id"
	corsExposeHeaders = "Location, Retry-After, X-Request-Id"
	maxOriginLen      = 300
)

// CORS is the allow-list of exact origins whose pages may call the API
// from a browser (with credentials): the configured ones and those added
// through /api/v1/cors-origins (kept in the store). It is a
// platform.Component with routes; Wrap puts it in front of the daemon's
// handler.
type CORS struct {
	kv     KV
	config []string
	maxAge string

	mu      sync.Mutex // serialises changes
	added   []string   // through the API
	allowed atomic.Pointer[map[string]struct{}]
}

// corsRec is an origin added through the API.
type corsRec struct {
	Origin string    `json:"origin"`
	Added  time.Time `json:"added"`
}

// NewCORS returns the allow-list of cfg's origins and those kv holds.
func NewCORS(ctx context.Context, kv KV, cfg CORSConfig) (*CORS, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if kv == nil {
		return nil, errors.New("cors: a KV is required")
	}
	c := &CORS{kv: kv, maxAge: strconv.Itoa(int(cfg.MaxAge / time.Second))}
	for _, o := range cfg.Origins {
		n, _ := NormalizeOrigin(o)
		if !slices.Contains(c.config, n) {
			c.config = append(c.config, n)
		}
	}
	err := kv.List(ctx, func(key string, val []byte) error {
		if o, ok := strings.CutPrefix(key, kvCORS); ok {
			c.added = append(c.added, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cors: load origins: %w", err)
	}
	c.publish()
	return c, nil
}

// Name is "cors".
func (c *CORS) Name() string { return "cors" }

// publish makes the current lists the one Wrap reads (caller holds mu,
// or owns c alone).
func (c *CORS) publish() {
	m := make(map[string]struct{}, len(c.config)+len(c.added))
	for _, o := range c.config {
		m[o] = struct{}{}
	}
	for _, o := range c.added {
		m[o] = struct{}{}
	}
	c.allowed.Store(&m)
}

// Allowed reports whether origin is on the list.
func (c *CORS) Allowed(origin string) bool {
	_, ok := (*c.allowed.Load())[origin]
	return ok
}

// Wrap answers preflights of listed origins and adds the CORS headers to
// their other requests. Vary: Origin is set on every response; an origin
// not on the list gets no CORS header at all (its preflight goes on to
// next, which does not know OPTIONS).
func (c *CORS) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || !c.Allowed(origin) {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", c.maxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// NormalizeOrigin checks an origin ("https://crm.example.com:8443") and
// returns it as browsers send it: scheme and host in lower case, the
// default port dropped. http and https only; no path, query, fragment or
// user; "*" and "null" are refused (the list is of exact origins).
func NormalizeOrigin(s string) (string, error) {
	switch {
	case s == "":
		return "", errEmpty
	case s == "*" || s == "null":
		return "", errors.New("must be an exact origin such as https://crm.example.com")
	case len(s) > maxOriginLen:
		return "", fmt.Errorf("is longer than %d bytes", maxOriginLen)
	case strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0:
		return "", errors.New("has a space, a control or a non-ASCII character (write an IDN host in its xn-- form)")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("is not an origin (scheme://host[:port])")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", errors.New("must start with https:// or http://")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "", errors.New("has no host")
	case u.User != nil:
		return "", errors.New("must not hold user information")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.Contains(s, "#"):
		return "", errors.New("must be scheme://host[:port] only, without a path (not even a trailing /), query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", errors.New("has a port outside 1-65535")
		}
		port = strconv.Itoa(n)
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// corsOrigin is one origin as the API lists it.
type corsOrigin struct {
	Origin string `json:"origin" doc:"The origin: scheme, host and port" example:"https://crm.example.com"`
	// Source is "config" (cors.origins: change it there) or "api".
	Source string `json:"source" doc:"config (the cors.origins setting: change it there) or api" example:"api"`
}

type corsList struct {
	Origins []corsOrigin `json:"origins" doc:"The allowed origins"`
}

type corsInput struct {
	Origin string `json:"origin" doc:"The origin to allow: scheme, host and optional port, no path" example:"https://crm.example.com"`
}

// Routes are the allow-list's admin API.
func (c *CORS) Routes() []platform.Route {
	js := func(code int, desc string, schema any) map[int]platform.Body {
		return map[int]platform.Body{code: {ContentType: "application/json", Description: desc, Schema: schema}}
	}
	param := []platform.Param{{Name: "origin", In: "path", Required: true, Description: "The origin, URL-escaped", Example: "https%3A%2F%2Fcrm.example.com"}}
	return []platform.Route{
		{Method: "GET", Path: "/api/v1/cors-origins", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(c.list),
			Op: platform.Operation{Summary: "List the origins allowed to call the API from a browser", Responses: js(200, "the origins", corsList{})}},
		{Method: "POST", Path: "/api/v1/cors-origins", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(c.add),
			Op: platform.Operation{Summary: "Allow an origin", Request: &platform.Body{ContentType: "application/json", Description: `{"origin": "https://crm.example.com"}`, Schema: corsInput{}},
				Responses: map[int]platform.Body{201: {ContentType: "application/json", Description: "the origin as kept", Schema: corsOrigin{}},
					409: {Description: "the origin is on the list already", Schema: platform.ErrorBody{}}}}},
		{Method: "DELETE", Path: "/api/v1/cors-origins/{origin}", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(c.remove),
			Op: platform.Operation{Summary: "Remove an origin added through the API", Params: param, Responses: map[int]platform.Body{204: {Description: "removed"},
				409: {Description: "the origin is set in the configuration (cors.origins): remove it there", Schema: platform.ErrorBody{}}}}},
	}
}

func (c *CORS) list(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	out := make([]corsOrigin, 0, len(c.config)+len(c.added))
	for _, o := range c.config {
		out = append(out, corsOrigin{Origin: o, Source: "config"})
	}
	for _, o := range c.added {
		if !slices.Contains(c.config, o) {
			out = append(out, corsOrigin{Origin: o, Source: "api"})
		}
	}
	c.mu.Unlock()
	platform.WriteJSON(w, http.StatusOK, corsList{Origins: out})
}

func (c *CORS) add(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in corsInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	o, err := NormalizeOrigin(in.Origin)
	if err != nil {
		platform.WriteErr(w, r, platform.Invalid("invalid origin", platform.FieldError{Field: "origin", Message: err.Error()}))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Contains(c.config, o) || slices.Contains(c.added, o) {
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, "the origin is on the list already", nil)
		return
	}
	b, _ := json.Marshal(corsRec{Origin: o, Added: time.Now().UTC()})
	if err := c.kv.Put(r.Context(), kvCORS+o, b); err != nil {
		platform.WriteErr(w, r, fmt.Errorf("cors: store origin: %w", err))
		return
	}
	c.added = append(c.added, o)
	slices.Sort(c.added)
	c.publish()
	w.Header().Set("Location", "/api/v1/cors-origins/"+url.PathEscape(o))
	platform.WriteJSON(w, http.StatusCreated, corsOrigin{Origin: o, Source: "api"})
}

func (c *CORS) remove(w http.ResponseWriter, r *http.Request) {
	o, err := NormalizeOrigin(r.PathValue("origin"))
	if err != nil {
		platform.WriteErr(w, r, platform.Invalid("invalid origin", platform.FieldError{Field: "origin", Message: err.Error()}))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case slices.Contains(c.added, o):
	case slices.Contains(c.config, o):
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, "the origin is set in the configuration (cors.origins); remove it there", nil)
		return
	default:
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "the origin is not on the list", nil)
		return
	}
	if err := c.kv.Delete(r.Context(), kvCORS+o); err != nil {
		platform.WriteErr(w, r, fmt.Errorf("cors: delete origin: %w", err))
		return
	}
	c.added = slices.DeleteFunc(c.added, func(a string) bool { return a == o })
	c.publish()
	w.WriteHeader(http.StatusNoContent)
}
