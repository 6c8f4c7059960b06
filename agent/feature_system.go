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
	Status     string `json:"status" openapi:"enum=ok" doc:"Always ok when the daemon answers" example:"ok"`
	Version    string `json:"version" doc:"The daemon's version" example:"1.4.0"`
	Generation uint64 `json:"generation" doc:"The phone book's change counter: it grows with every write" example:"1842"`
}

// Readiness is the body of /readyz: "ok", or "unavailable" naming in
// checks what is not ready (each check "ok" or why not).
type Readiness struct {
	Status string            `json:"status" openapi:"enum=ok|unavailable" doc:"ok, or unavailable when a check fails" example:"ok"`
	Checks map[string]string `json:"checks" doc:"Each check by name: ok, or why it is not ready" example:"{\"store\":\"ok\",\"ari\":\"ok\",\"http\":\"ok\"}"`
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
			Op: platform.Operation{Summary: "Prometheus metrics", Responses: map[int]platform.Body{200: {ContentType: "text/plain", Description: "the metrics in the Prometheus text format",
				Example: "# HELP pbxagent_api_lookups_total Reverse lookups by match kind.\n# TYPE pbxagent_api_lookups_total counter\npbxagent_api_lookups_total{match=\"e164\"} 42\n"}}}},
		{Method: "GET", Path: "/api/openapi.json", Scope: platform.ScopeAdmin, Handler: d.mux.OpenAPIHandler(openAPIInfo()),
			Op: platform.Operation{Summary: "This document", Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "the OpenAPI 3.1 document",
				Schema: map[string]any{"type": "object"}, Example: map[string]any{"openapi": "3.1.0", "info": map[string]any{"title": "pbxagent", "version": "1.4.0"}}}}}},
	}
}

// Run returns memory to the OS once the caller and name indexes are built: Open's
// work (rolling back a bulk operation a dead process left, upgrading the
// schema) and the index build allocate hundreds of MB that are garbage
// then, and an idle daemon would run no collection to return them.
func (s *system) Run(ctx context.Context) error {
	if err := s.d.store.WaitCallerIndex(ctx); err != nil {
		return nil // stopping
	}
	if err := s.d.store.WaitNameIndex(ctx); err != nil {
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
