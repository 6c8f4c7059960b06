package agent

import (
	"context"
	"net/http"
	"runtime/debug"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// system is the daemon's own component: liveness, readiness, metrics and
// the OpenAPI document.
type system struct{ d *Daemon }

func newSystem(b *build) (platform.Component, error) { return &system{d: b.d}, nil }

// Name implements platform.Component.
func (*system) Name() string { return "system" }

// Health is the body of /healthz.
type Health struct {
	Status     string `json:"status" openapi:"enum=ok"`
	Version    string `json:"version"`
	Generation uint64 `json:"generation"`
}

// Readiness is the body of /readyz: "ok", or "unavailable" naming in
// checks what is not ready (each check "ok" or why not).
type Readiness struct {
	Status string            `json:"status" openapi:"enum=ok|unavailable"`
	Checks map[string]string `json:"checks"`
}

// Routes implements platform.Router.
func (s *system) Routes() []platform.Route {
	d := s.d
	js := func(desc string, v any) map[int]platform.Body {
		return map[int]platform.Body{200: {ContentType: "application/json", Description: desc, Schema: v}}
	}
	return []platform.Route{
		{Method: "GET", Path: "/healthz", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.healthz),
			Op: platform.Operation{Summary: "Liveness and version", Responses: js("alive", Health{})}},
		{Method: "GET", Path: "/readyz", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.readyz),
			Op: platform.Operation{Summary: "Readiness: the store, the ARI connection and each listener (503 naming what is not ready)",
				Responses: map[int]platform.Body{
					200: {ContentType: "application/json", Description: "ready", Schema: Readiness{}},
					503: {ContentType: "application/json", Description: "not ready", Schema: Readiness{}}}}},
		{Method: "GET", Path: "/metrics", Scope: platform.ScopeAdmin, Handler: promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{}),
			Op: platform.Operation{Summary: "Prometheus metrics", Responses: map[int]platform.Body{200: {ContentType: "text/plain", Description: "metrics"}}}},
		{Method: "GET", Path: "/api/openapi.json", Scope: platform.ScopeAdmin, Handler: d.mux.OpenAPIHandler(),
			Op: platform.Operation{Summary: "This document", Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "OpenAPI 3"}}}},
	}
}

// Run returns memory to the OS once the caller index is built: Open's
// work (rolling back a bulk operation a dead process left, upgrading the
// schema) and the index build allocate hundreds of MB that are garbage
// then, and an idle daemon would run no collection to return them.
func (s *system) Run(ctx context.Context) error {
	if err := s.d.store.WaitCallerIndex(ctx); err != nil {
		return nil // stopping
	}
	debug.FreeOSMemory()
	<-ctx.Done()
	return nil
}

func (s *system) healthz(w http.ResponseWriter, r *http.Request) {
	platform.WriteJSON(w, http.StatusOK, Health{Status: "ok", Version: Version, Generation: s.d.store.Generation()})
}

// readyz answers 200 when every check passes, else 503 naming in checks
// what is not ready (a load balancer's readiness probe; /healthz is
// liveness).
func (s *system) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	checks := s.d.readiness(ctx)
	body := Readiness{Status: "ok", Checks: make(map[string]string, len(checks))}
	names := make([]string, 0, len(checks))
	for name := range checks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checks[name]; err != nil {
			body.Status, body.Checks[name] = "unavailable", err.Error()
		} else {
			body.Checks[name] = "ok"
		}
	}
	if body.Status != "ok" {
		w.Header().Set("Retry-After", "1")
		platform.WriteJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	platform.WriteJSON(w, http.StatusOK, body)
}
