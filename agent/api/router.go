package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Route is one registered method and path pattern.
type Route struct {
	Method  string
	Pattern string
	// Public routes need no admin token.
	Public bool
	// Prefix routes forward a whole subtree to another handler.
	Prefix bool
}

// RouteLister is implemented by a handler that can name the routes it
// serves, as "METHOD /path/{wildcard}" patterns. Mount registers each of
// them that lies in the mounted subtree rather than the subtree as a whole,
// so the router answers unknown paths and wrong methods there too, counts
// every route on its own and Routes lists them.
type RouteLister interface {
	Routes() []string
}

// unmatchedRoute is the route label of requests no route matches (one
// label, whatever the path, so that scans cannot grow the metrics).
const unmatchedRoute = "unmatched"

// Router is the daemon's HTTP mux: it records every route (for the OpenAPI
// coverage test), applies admin authentication and body caps, and counts
// requests and latencies per route. A request no route matches gets the
// JSON error shape: 401 without the admin token (so that the admin space
// does not reveal which routes exist), else 404, or 405 with Allow when
// the path exists with other methods (405 without a token when one of
// those routes is public).
type Router struct {
	mux     *http.ServeMux
	all     *http.ServeMux // every route, no catch-all: tells 404 from 405
	public  *http.ServeMux // the public routes alone, likewise
	routes  []Route
	token   string
	want    []byte // "Bearer <token>"
	maxBody int64
	reqs    *prometheus.CounterVec
	lat     *prometheus.HistogramVec
	obs     map[string]func(code int, d time.Duration) // by route label
}

// NewRouter returns a router whose admin routes require the bearer token.
func NewRouter(adminToken string, maxBody int64, reg prometheus.Registerer) *Router {
	r := &Router{
		mux: http.NewServeMux(), all: http.NewServeMux(), public: http.NewServeMux(),
		token: adminToken, want: []byte("Bearer " + adminToken), maxBody: maxBody, obs: map[string]func(int, time.Duration){},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pbxagent_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		lat: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pbxagent_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(r.reqs, r.lat)
	// The catch-all: every other pattern is more specific, so it gets only
	// the requests net/http would answer with its plain-text 404 or 405
	// (its redirects to a cleaned path or a trailing slash still happen).
	r.mux.Handle("/", r.instrument(unmatchedRoute, http.HandlerFunc(r.unmatched)))
	return r
}

// Handle registers an admin route ("GET /api/v1/contacts/{id}").
func (r *Router) Handle(pattern string, h http.Handler) { r.add(pattern, h, false, false) }

// HandleFunc registers an admin route.
func (r *Router) HandleFunc(pattern string, h http.HandlerFunc) { r.add(pattern, h, false, false) }

// HandlePublic registers a route without admin authentication (the handler
// does its own: phones, caller-ID, health).
func (r *Router) HandlePublic(pattern string, h http.Handler) { r.add(pattern, h, true, false) }

// Mount forwards a subtree ("/api/v1/phones/") to h behind admin auth.
// When h is a RouteLister that names routes in the subtree, those routes
// are registered one by one instead.
func (r *Router) Mount(prefix string, h http.Handler) {
	if rl, ok := h.(RouteLister); ok {
		root := strings.TrimSuffix(prefix, "/")
		var in []string
		for _, p := range rl.Routes() {
			_, path, ok := strings.Cut(p, " ")
			if !ok {
				path = p
			}
			if path == root || strings.HasPrefix(path, root+"/") {
				in = append(in, p)
			}
		}
		for _, p := range in {
			r.add(p, h, false, false)
		}
		if len(in) > 0 {
			return
		}
	}
	r.add(prefix, h, false, true)
	r.add(strings.TrimSuffix(prefix, "/"), h, false, true)
}

// MountPublic forwards a subtree to h that authenticates on its own.
func (r *Router) MountPublic(prefix string, h http.Handler) {
	r.add(prefix, h, true, true)
}

// Routes returns every registered route.
func (r *Router) Routes() []Route { return slices.Clone(r.routes) }

// ServeHTTP serves a request.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.mux.ServeHTTP(w, req) }

// unmatched answers a request that no route matches (see Router).
func (r *Router) unmatched(w http.ResponseWriter, req *http.Request) {
	status, allow := probe(r.all, req)
	if status == http.StatusMethodNotAllowed {
		if pub, _ := probe(r.public, req); pub != http.StatusMethodNotAllowed && !r.isAdmin(req) {
			r.unauthorized(w)
			return
		}
		w.Header().Set("Allow", allow)
		WriteError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s; allowed: %s", req.Method, req.URL.Path, allow), nil)
		return
	}
	if !r.isAdmin(req) {
		r.unauthorized(w)
		return
	}
	WriteError(w, http.StatusNotFound, CodeNotFound, "no route for "+req.URL.Path, nil)
}

// probe runs the handler mux picks for req against a recorder and returns
// its status and Allow header: net/http's own 404 or 405 when no pattern
// of mux matches.
func probe(mux *http.ServeMux, req *http.Request) (status int, allow string) {
	h, pattern := mux.Handler(req)
	if pattern != "" {
		return http.StatusOK, "" // a route or a redirect: not a 405, so answered as not found
	}
	pw := probeWriter{h: http.Header{}}
	h.ServeHTTP(&pw, req)
	return pw.status, pw.h.Get("Allow")
}

// probeWriter records the status and headers of a response, dropping its body.
type probeWriter struct {
	h      http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.h }

func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}

func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (r *Router) add(pattern string, h http.Handler, public, prefix bool) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	r.routes = append(r.routes, Route{Method: method, Pattern: path, Public: public, Prefix: prefix})
	r.all.Handle(pattern, h)
	if public {
		r.public.Handle(pattern, h)
	}
	label := pattern
	if !public {
		h = r.requireAdmin(h)
	}
	r.mux.Handle(pattern, r.instrument(label, h))
}

// Observer returns the function that counts a request of the route
// registered with pattern (as Handle, Mount… were given it) and its
// latency, for requests served outside the router (agent/fastlane); nil
// when no such route is registered.
func (r *Router) Observer(pattern string) func(code int, d time.Duration) { return r.obs[pattern] }

func (r *Router) instrument(label string, h http.Handler) http.Handler {
	lat := r.lat.WithLabelValues(label)
	codes := &routeCounters{vec: r.reqs, route: label}
	r.obs[label] = func(code int, d time.Duration) {
		lat.Observe(d.Seconds())
		codes.get(code).Inc()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		if req.Body != nil && req.Body != http.NoBody && r.maxBody > 0 {
			req.Body = http.MaxBytesReader(w, req.Body, r.maxBody)
		}
		sw := &statusWriter{ResponseWriter: w, status: 200}
		h.ServeHTTP(sw, req)
		lat.Observe(time.Since(start).Seconds())
		codes.get(sw.status).Inc()
	})
}

// routeCounters caches one route's request counters by status code, so a
// request does not format its code and hash its labels (desk phones poll
// often, mostly for a 304).
type routeCounters struct {
	vec   *prometheus.CounterVec
	route string
	by    [500]atomic.Pointer[prometheus.Counter] // codes 100–599
}

func (c *routeCounters) get(code int) prometheus.Counter {
	if code < 100 || code > 599 {
		return c.vec.WithLabelValues(c.route, strconv.Itoa(code))
	}
	slot := &c.by[code-100]
	if p := slot.Load(); p != nil {
		return *p
	}
	ctr := c.vec.WithLabelValues(c.route, strconv.Itoa(code))
	slot.Store(&ctr)
	return ctr
}

// requireAdmin checks "Authorization: Bearer <token>" in constant time;
// more than one Authorization field is refused.
func (r *Router) requireAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.isAdmin(req) {
			r.unauthorized(w)
			return
		}
		h.ServeHTTP(w, req)
	})
}

// isAdmin reports whether req carries the admin token, in its only
// Authorization field: a second field (even a valid one) is a credential
// that was not checked, so the request is refused.
func (r *Router) isAdmin(req *http.Request) bool {
	auth := req.Header["Authorization"]
	if len(auth) != 1 {
		return false
	}
	return r.token != "" && subtle.ConstantTimeCompare([]byte(auth[0]), r.want) == 1
}

func (r *Router) unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="pbxagent"`)
	WriteError(w, http.StatusUnauthorized, CodeUnauthorized, "a valid admin bearer token is required", nil)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets streaming handlers (SSE, CSV export) flush through.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
