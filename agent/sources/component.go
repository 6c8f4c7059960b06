package sources

import (
	"context"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Config is the sync sources' configuration (the YAML section "sync").
type Config struct {
	// Disabled stops scheduled syncs; manual triggers still run, and the
	// API still edits sources.
	Disabled bool `yaml:"disabled"`
}

// Validate checks c (nothing to check yet).
func (c Config) Validate() error { return nil }

// Component serves the sources API and runs the sync engine.
type Component struct {
	e   *dirsync.Engine
	cfg Config
}

// New returns the component of engine e.
func New(e *dirsync.Engine, cfg Config) *Component { return &Component{e: e, cfg: cfg} }

// Name implements platform.Component.
func (*Component) Name() string { return "sources" }

// Run runs the engine until ctx ends (platform.Runner): scheduled and
// triggered syncs, or only triggered ones when scheduled syncs are
// disabled.
func (c *Component) Run(ctx context.Context) error {
	if c.cfg.Disabled {
		return c.e.RunManual(ctx)
	}
	return c.e.Run(ctx)
}

// Handler serves the routes without authentication (tests).
func (c *Component) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range c.Routes() {
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	return mux
}

// Routes implements platform.Router; every route needs the admin scope.
// Secrets are accepted in settings and never returned ("secrets_set"
// names those stored); a PATCH that changes where they are sent must send
// them again; URL settings carry no credentials.
func (c *Component) Routes() []platform.Route {
	h := handlers{e: c.e}
	js := func(v any) *platform.Body { return &platform.Body{ContentType: "application/json", Schema: v} }
	res := func(code int, v any) map[int]platform.Body {
		return map[int]platform.Body{code: {ContentType: "application/json", Description: "success", Schema: v}}
	}
	r := func(method, path string, f http.HandlerFunc, op platform.Operation) platform.Route {
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeAdmin, Handler: f, Op: op}
	}
	const p = "/api/v1/sources"
	return []platform.Route{
		r("GET", p, h.list, platform.Operation{Summary: "List sync sources with status", Responses: res(200, sourceList{})}),
		r("POST", p, h.create, platform.Operation{Summary: "Create a sync source (m365, custom, sql, csv-url)", Request: js(dirsync.Input{}), Responses: res(201, dirsync.View{})}),
		r("GET", p+"/{id}", h.get, platform.Operation{Summary: "Get a source with its status and last runs", Responses: res(200, dirsync.View{})}),
		r("PATCH", p+"/{id}", h.update, platform.Operation{Summary: "Change a source", Request: js(dirsync.Input{}), Responses: res(200, dirsync.View{})}),
		r("DELETE", p+"/{id}", h.erase, platform.Operation{Summary: "Erase a source: its configuration and contacts", Responses: res(200, erased{})}),
		r("POST", p+"/{id}/erase", h.erase, platform.Operation{Summary: "Erase a source: its configuration and contacts", Responses: res(200, erased{})}),
		r("POST", p+"/{id}/sync", h.sync, platform.Operation{Summary: "Trigger a sync (full the first time, then delta; wait=1 waits and returns the run with 200)",
			Params: []platform.Param{{Name: "wait", In: "query"}}, Request: js(dirsync.SyncOptions{}),
			Responses: map[int]platform.Body{202: {ContentType: "application/json", Description: "started", Schema: started{}},
				200: {ContentType: "application/json", Description: "the run (wait=1)", Schema: dirsync.Run{}}}}),
		r("POST", p+"/{id}/test", h.test, platform.Operation{Summary: "Return the first mapped rows without importing", Responses: res(200, testedContacts{})}),
		r("POST", p+"/test", h.testInput, platform.Operation{Summary: "Return the first mapped rows of an unsaved source (body as for create) without importing",
			Request: js(dirsync.Input{}), Responses: res(200, testedContacts{})}),
		r("GET", "/api/v1/contacts/{id}/local", h.local, platform.Operation{Summary: "Which fields of a synced contact are local edits", Responses: res(200, localFields{})}),
	}
}
