package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Entry is a route as mounted: the route and the component it belongs to.
type Entry struct {
	// Component is the Name of the component that listed the route.
	Component string
	platform.Route
}

// Mux is the daemon's HTTP mux (see the package documentation). A request
// no route matches gets the error envelope: 401 without a principal (so
// that the API does not reveal which routes exist), else 404, or 405 with
// Allow when the path exists with other methods (405 without credentials
// when one of those routes is public).
type Mux struct {
	mux     *http.ServeMux
	all     *http.ServeMux // every route, no catch-all: tells 404 from 405
	public  *http.ServeMux // the public routes alone, likewise
	routes  []Entry
	auths   []platform.Authenticator
	wrap    []func(http.Handler) http.Handler // around every guarded route's handler, inside authentication
	maxBody int64
	log     *slog.Logger
	metrics *metrics
}

// Option configures a Mux.
type Option func(*Mux)

// WithAuthenticators sets the authenticators tried, in order, on every
// route that is not public: the first that recognises its credentials
// gives the principal; one that finds them wrong ends the request with
// 401.
func WithAuthenticators(a ...platform.Authenticator) Option {
	return func(m *Mux) { m.auths = append(m.auths, a...) }
}

// WithRouteMiddleware wraps the handler of every authenticated route,
// inside authentication and the scope check (the principal is in the
// request's context, r.Pattern is set): the audit log records changes
// there.
func WithRouteMiddleware(mw func(http.Handler) http.Handler) Option {
	return func(m *Mux) { m.wrap = append(m.wrap, mw) }
}

// AddAuthenticator adds an authenticator after those given to New (a
// feature built later, such as users' sessions or OAuth2 tokens). Call it
// before the mux serves.
func (m *Mux) AddAuthenticator(a platform.Authenticator) { m.auths = append(m.auths, a) }

// AddRouteMiddleware adds a WithRouteMiddleware wrapper for the routes
// added from now on.
func (m *Mux) AddRouteMiddleware(mw func(http.Handler) http.Handler) { m.wrap = append(m.wrap, mw) }

// WithMaxBody caps request bodies (http.max_body_bytes): a read beyond it
// fails with *http.MaxBytesError, which platform.WriteErr answers 413.
// 0: no cap.
func WithMaxBody(n int64) Option { return func(m *Mux) { m.maxBody = n } }

// WithLogger sets the logger of failed requests.
func WithLogger(l *slog.Logger) Option { return func(m *Mux) { m.log = Logger(l) } }

// WithRegisterer registers the per-route metrics with reg (default: a
// registry of their own).
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(m *Mux) { m.metrics = newMetrics(reg) }
}

// New returns an empty Mux.
func New(opts ...Option) *Mux {
	m := &Mux{mux: http.NewServeMux(), all: http.NewServeMux(), public: http.NewServeMux(), log: Logger(nil)}
	for _, o := range opts {
		o(m)
	}
	if m.metrics == nil {
		m.metrics = newMetrics(prometheus.NewRegistry())
	}
	// The catch-all: every other pattern is more specific, so it gets only
	// the requests net/http would answer with its plain-text 404 or 405
	// (its redirects to a cleaned path or a trailing slash still happen).
	m.mux.Handle("/", m.metrics.instrument(unmatchedRoute, http.HandlerFunc(m.unmatched)))
	return m
}

// Mount adds the routes of c when it is a platform.Router.
func (m *Mux) Mount(c platform.Component) {
	r, ok := c.(platform.Router)
	if !ok {
		return
	}
	for _, rt := range r.Routes() {
		m.Handle(c.Name(), rt)
	}
}

// Handle adds one route of component. It panics, as http.ServeMux does, on
// a pattern that conflicts with one already added.
func (m *Mux) Handle(component string, rt platform.Route) {
	pattern := rt.Pattern()
	if rt.Method == "" {
		pattern = rt.Path
	}
	if rt.Scope == "" {
		panic(fmt.Sprintf("httpx: route %s of %s has no scope", pattern, component))
	}
	m.routes = append(m.routes, Entry{Component: component, Route: rt})
	m.all.Handle(pattern, rt.Handler)
	h := rt.Handler
	for i := len(m.wrap) - 1; i >= 0; i-- {
		h = m.wrap[i](h)
	}
	switch {
	case rt.Scope == platform.ScopePublic && rt.OptionalAuth:
		m.public.Handle(pattern, h)
		h = m.optional(h)
	case rt.Scope == platform.ScopePublic:
		m.public.Handle(pattern, h)
	default:
		h = m.guard(rt.Scope, h)
	}
	m.mux.Handle(pattern, m.metrics.instrument(pattern, m.capped(h)))
}

// Routes returns every route added, in order.
func (m *Mux) Routes() []Entry { return slices.Clone(m.routes) }

// ServeHTTP serves a request: it gives it an id (the caller's X-Request-Id
// when sane), sent back in X-Request-Id and carried in its context, and
// logs the cause of a failure (platform.LogError) with it.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := platform.NewRequestID(r.Header.Get("X-Request-Id"))
	w.Header()["X-Request-Id"] = []string{id}
	ctx, cause := platform.WithErrorSink(platform.WithRequestID(r.Context(), id))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	m.mux.ServeHTTP(sw, r.WithContext(ctx))
	if err := cause(); err != nil {
		lvl := slog.LevelDebug
		if sw.status >= 500 {
			lvl = slog.LevelError
		}
		m.log.Log(ctx, lvl, "request failed", "method", r.Method, "path", r.URL.Path, "status", sw.status, "err", err)
	}
}

// Observer returns the function that counts a request of the route
// added with pattern ("GET /phonebook/{file...}") and its latency, for
// requests served outside the mux (agent/fastlane); nil when no such
// route was added.
func (m *Mux) Observer(pattern string) func(code int, d timeDuration) {
	return m.metrics.obs[pattern]
}

// capped caps the request body.
func (m *Mux) capped(h http.Handler) http.Handler {
	if m.maxBody <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, m.maxBody)
		}
		h.ServeHTTP(w, r)
	})
}

// guard authenticates the request and checks its principal holds scope.
func (m *Mux) guard(scope platform.Scope, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := m.authenticate(r)
		switch {
		case err != nil:
			var ae *platform.APIError
			if errors.As(err, &ae) && ae.Status != http.StatusUnauthorized {
				platform.WriteErr(w, r, ae) // e.g. 403 for a session request without its CSRF token
				return
			}
			platform.LogError(r.Context(), err)
			m.unauthorized(w, r, "the credentials are not valid")
			return
		case !ok:
			m.unauthorized(w, r, msgAuthRequired)
			return
		case !p.Allows(scope):
			platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden,
				fmt.Sprintf("this route needs the %s scope", scope), nil)
			return
		}
		h.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), p)))
	})
}

// optional gives a public route the principal of valid credentials, if any.
func (m *Mux) optional(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok, err := m.authenticate(r); ok && err == nil {
			r = r.WithContext(platform.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	})
}

// authenticate tries every authenticator in order.
func (m *Mux) authenticate(r *http.Request) (platform.Principal, bool, error) {
	for _, a := range m.auths {
		p, ok, err := a.Authenticate(r)
		if err != nil {
			return platform.Principal{}, false, err
		}
		if ok {
			return p, true, nil
		}
	}
	return platform.Principal{}, false, nil
}

// Authenticate tries the mux's authenticators on r, in order, as a
// guarded route does: an authenticator that carries credentials in a
// place of its own (the events socket's subprotocol) hands them on in
// the usual header.
func (m *Mux) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	return m.authenticate(r)
}

// signedIn reports whether r carries valid credentials of anyone.
func (m *Mux) signedIn(r *http.Request) bool {
	_, ok, err := m.authenticate(r)
	return ok && err == nil
}

func (m *Mux) unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="pbxagent"`)
	platform.WriteError(w, r, http.StatusUnauthorized, platform.CodeUnauthorized, msg, nil)
}

// unmatched answers a request that no route matches (see Mux).
func (m *Mux) unmatched(w http.ResponseWriter, r *http.Request) {
	status, allow := probe(m.all, r)
	if status == http.StatusMethodNotAllowed {
		if pub, _ := probe(m.public, r); pub != http.StatusMethodNotAllowed && !m.signedIn(r) {
			m.unauthorized(w, r, msgAuthRequired)
			return
		}
		w.Header().Set("Allow", allow)
		platform.WriteError(w, r, http.StatusMethodNotAllowed, platform.CodeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow), nil)
		return
	}
	if !m.signedIn(r) {
		m.unauthorized(w, r, msgAuthRequired)
		return
	}
	platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no route for "+r.URL.Path, nil)
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

// msgAuthRequired is the message of a 401 for want of credentials.
const msgAuthRequired = "a valid admin bearer token is required (or a signed-in session, or an app's access token)"
