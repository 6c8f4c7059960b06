package platform

import (
	"context"
	"net/http"
)

// Component is one feature plugged into the daemon (contacts, sync
// sources, phones, caller ID, the dialer, users, apps...). Adding a feature
// means one package that returns a Component and one line in the daemon.
type Component interface {
	// Name is short and stable ("contacts", "dialer"): it labels logs,
	// metrics and readiness.
	Name() string
}

// Router is a Component with HTTP routes.
type Router interface {
	Routes() []Route
}

// Runner is a Component with background work. Run blocks until ctx ends
// (return nil then) or the work fails; the daemon starts it after every
// listener is up and cancels ctx when it stops.
type Runner interface {
	Run(ctx context.Context) error
}

// Shutdowner is a Component that must release something when the daemon
// stops (hang up calls, end streams, close a connection). The daemon calls
// Shutdown once, after the HTTP listener stopped taking requests and before
// the store closes, in the reverse order of registration; ctx bounds it.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// Checker is a Component that can tell whether it is ready to serve
// (/readyz). Ready returns nil when ready, else an error saying why.
type Checker interface {
	Ready(ctx context.Context) error
}

// Route is one method and path with what it needs and what it does.
type Route struct {
	// Method is the HTTP method ("GET").
	Method string
	// Path is a net/http ServeMux pattern path ("/api/v1/contacts/{id}").
	Path string
	// Scope is what the principal must hold (ScopePublic: nothing, the
	// handler authenticates on its own or the route is open).
	Scope Scope
	// Handler serves the route.
	Handler http.Handler
	// Op documents the route in the OpenAPI document.
	Op Operation
	// OptionalAuth, on a public route, gives the handler the principal of
	// a request that carries valid credentials (platform.PrincipalFrom),
	// and nothing otherwise: the OAuth2 authorize page skips its login
	// form for someone already signed in.
	OptionalAuth bool
}

// Pattern is the ServeMux pattern "METHOD /path".
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Operation documents a route in OpenAPI terms.
type Operation struct {
	// ID is the operationId, the method's name in the JavaScript client
	// (/public/pbxagent.js). Empty: derived from the method and path by
	// httpx.OperationID ("GET /api/v1/contacts/{id}" is "getContactsById").
	ID string
	// Summary is one line.
	Summary string
	// Description says more where useful (Markdown): limits, side effects,
	// what each error means.
	Description string
	// Params are the path, query and header parameters.
	Params []Param
	// Request is the request body (nil: none).
	Request *Body
	// Responses by status code; at least the success one.
	Responses map[int]Body
}

// Param is one parameter.
type Param struct {
	Name, In, Description string // In: "path", "query", "header"
	Required              bool
	// Schema is a JSON Schema object ({"type":"string"} when nil).
	Schema map[string]any
	// Example is a value of the parameter, as the schema types it ("c_01",
	// 100, true).
	Example any
}

// JSONBody is a body of application/json shaped as v (a Go value the
// OpenAPI builder reflects), described by desc.
func JSONBody(desc string, v any) Body {
	return Body{ContentType: "application/json", Description: desc, Schema: v}
}

// Body is a request or response body.
type Body struct {
	// ContentType, e.g. "application/json", "text/csv".
	ContentType string
	Description string
	// Schema is a JSON Schema object, or a Go value whose type the OpenAPI
	// builder reflects (a struct with json tags, each field documented by
	// its doc:"…" and example:"…" tags).
	Schema any
	// Example is an example body: a string for a text media type, else a
	// Go value marshalled to JSON (nil: built from the schema's examples).
	Example any
	// Alternatives are the same body in other media types (CSV beside
	// JSON).
	Alternatives []Body
}
