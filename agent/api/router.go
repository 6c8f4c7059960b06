package api

import (
	"crypto/subtle"
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

// Router is the daemon's HTTP mux: it records every route (for the OpenAPI
// coverage test), applies admin authentication and body caps, and counts
// requests and latencies per route.
type Router struct {
	mux     *http.ServeMux
	routes  []Route
	token   string
	maxBody int64
	reqs    *prometheus.CounterVec
	lat     *prometheus.HistogramVec
	obs     map[string]func(code int, d time.Duration) // by route label
}

// NewRouter returns a router whose admin routes require the bearer token.
func NewRouter(adminToken string, maxBody int64, reg prometheus.Registerer) *Router {
	r := &Router{
		mux: http.NewServeMux(), token: adminToken, maxBody: maxBody, obs: map[string]func(int, time.Duration){},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pbxagent_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		lat: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pbxagent_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(r.reqs, r.lat)
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
func (r *Router) Mount(prefix string, h http.Handler) {
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

func (r *Router) add(pattern string, h http.Handler, public, prefix bool) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	r.routes = append(r.routes, Route{Method: method, Pattern: path, Public: public, Prefix: prefix})
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

// requireAdmin checks "Authorization: Bearer <token>" in constant time.
func (r *Router) requireAdmin(h http.Handler) http.Handler {
	want := []byte("Bearer " + r.token)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got := []byte(req.Header.Get("Authorization"))
		if r.token == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pbxagent"`)
			WriteError(w, http.StatusUnauthorized, CodeUnauthorized, "a valid admin bearer token is required", nil)
			return
		}
		h.ServeHTTP(w, req)
	})
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
