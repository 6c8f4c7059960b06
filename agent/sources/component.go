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
	errs := func(m map[int]platform.Body, codes ...int) map[int]platform.Body {
		desc := map[int]string{
			409: "a sync of the source is running, its name is taken, or it is being erased",
			422: "credentials_refused: the source was reached and refused the credentials; details name the setting to fix",
			502: "unreachable: the source's server could not be reached (the message names the host and the cause: dns, refused, timeout, tls); " +
				"or bad_gateway: the source answered wrongly (what it answered, its address, its status)",
			503: "syncs are disabled (sync.disabled) or the daemon is stopping",
		}
		for _, c := range codes {
			m[c] = platform.Body{Description: desc[c], Schema: platform.ErrorBody{}}
		}
		return m
	}
	r := func(method, path string, f http.HandlerFunc, op platform.Operation) platform.Route {
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeAdmin, Handler: f, Op: op}
	}
	const p = "/api/v1/sources"
	id := []platform.Param{{Name: "id", In: "path", Required: true, Description: "The source's id", Example: "01JEQ8A1B2C3D4E5F6G7H8J9K0"}}
	return []platform.Route{
		r("GET", p, h.list, platform.Operation{Summary: "List sync sources with status", Responses: res(200, sourceList{})}),
		r("POST", p, h.create, platform.Operation{Summary: "Create a sync source (m365, custom, sql, csv-url, google, ldap, carddav)", Request: js(dirsync.Input{}), Responses: errs(res(201, dirsync.View{}), 409)}),
		r("GET", p+"/{id}", h.get, platform.Operation{Summary: "Get a source with its status and last runs", Params: id, Responses: res(200, dirsync.View{})}),
		r("PATCH", p+"/{id}", h.update, platform.Operation{Summary: "Change a source", Params: id,
			Description: "Absent fields keep their value; a secret sent as \"\" is removed. A change of where secrets are sent (a URL, the tenant) must send every secret again.", Request: js(dirsync.Input{}), Responses: errs(res(200, dirsync.View{}), 409)}),
		r("DELETE", p+"/{id}", h.erase, platform.Operation{Summary: "Erase a source: its configuration and contacts", Params: id, Responses: errs(res(200, erased{}), 409)}),
		r("POST", p+"/{id}/erase", h.erase, platform.Operation{Summary: "Erase a source: its configuration and contacts (as DELETE, for clients that cannot send it)", Params: id, Responses: errs(res(200, erased{}), 409)}),
		r("POST", p+"/{id}/sync", h.sync, platform.Operation{Summary: "Trigger a sync (full the first time, then delta; wait=1 waits and returns the run with 200)",
			Params: append([]platform.Param{{Name: "wait", In: "query", Description: "true (or 1): wait for the run to end and answer it (200) instead of 202 at once", Example: true,
				Schema: map[string]any{"type": "boolean"}}}, id...), Request: js(dirsync.SyncOptions{}),
			Responses: map[int]platform.Body{202: {ContentType: "application/json", Description: "started", Schema: started{}},
				200: {ContentType: "application/json", Description: "the run (wait=1)", Schema: dirsync.Run{}},
				409: {Description: "a sync of the source is running", Schema: platform.ErrorBody{}},
				503: {Description: "syncs are disabled (sync.disabled) or the daemon is stopping", Schema: platform.ErrorBody{}}},
			Description: "The first sync of a source is full, later ones delta where the type can. A full sync that would delete more than " +
				"max_delete_percent of the source's contacts stops with result needs_confirmation (status.needs_confirmation says how many): " +
				"sync again with confirm_deletions to apply them."}),
		r("POST", p+"/{id}/test", h.test, platform.Operation{Summary: "Return the first mapped rows without importing (at most 5 s)", Params: id, Responses: errs(res(200, testedContacts{}), 422, 502)}),
		r("POST", p+"/test", h.testInput, platform.Operation{Summary: "Return the first mapped rows of an unsaved source (body as for create) without importing (at most 5 s)",
			Request: js(dirsync.Input{}), Responses: errs(res(200, testedContacts{}), 422, 502)}),
		r("GET", "/api/v1/contacts/{id}/local", h.local, platform.Operation{Summary: "Which fields of a synced contact are local edits",
			Params: []platform.Param{{Name: "id", In: "path", Required: true, Description: "The contact's id", Example: "01JEQ7G8ZK4M2N5P6R7S8T9V0W"}}, Responses: res(200, localFields{})}),
	}
}
