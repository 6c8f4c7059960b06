package httpx

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type timeDuration = time.Duration

// unmatchedRoute is the route label of requests no route matches (one
// label, whatever the path, so that scans cannot grow the metrics).
const unmatchedRoute = "unmatched"

// metrics counts requests and latencies by route label (the pattern).
type metrics struct {
	reqs *prometheus.CounterVec
	lat  *prometheus.HistogramVec
	obs  map[string]func(code int, d time.Duration) // by route label
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		obs: map[string]func(int, time.Duration){},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pbxagent_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		lat: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pbxagent_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.reqs, m.lat)
	return m
}

func (m *metrics) instrument(label string, h http.Handler) http.Handler {
	lat := m.lat.WithLabelValues(label)
	codes := &routeCounters{vec: m.reqs, route: label}
	m.obs[label] = func(code int, d time.Duration) {
		lat.Observe(d.Seconds())
		codes.get(code).Inc()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w, status: http.StatusOK}
		}
		h.ServeHTTP(sw, r)
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

// statusWriter records the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.written {
		s.status, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (SSE, CSV export) flush through.
func (s *statusWriter) Flush() {
	s.written = true
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
