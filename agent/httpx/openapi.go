package httpx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// DocInfo is what the OpenAPI document says beyond the routes: the
// version, the components' descriptions (one tag each) and the
// authentication schemes the daemon accepts.
type DocInfo struct {
	// Version is the daemon's version (info.version).
	Version string
	// Description is info.description (Markdown).
	Description string
	// Tags describe each component whose routes are documented, by its
	// Name; LintOpenAPI reports a component without one.
	Tags map[string]string
	// SessionCookie is the name of the session cookie ("": no cookieAuth
	// scheme) and CSRFHeader the header its unsafe requests must carry.
	SessionCookie, CSRFHeader string
	// AuthorizePath and TokenPath are the OAuth2 authorization and token
	// endpoints' paths (TokenPath "": no oauth2 scheme).
	AuthorizePath, TokenPath string
	// Scopes describe the scopes an OAuth2 app may ask for.
	Scopes map[platform.Scope]string
}

// OpenAPI builds the OpenAPI 3.1 document of entries from their
// Operations: parameters, request and response bodies (a Go value's type
// is reflected into a JSON Schema, see schemas.of), the errors each route
// can answer, and security: none on a public route, else the schemes of
// info with the route's scope.
func OpenAPI(entries []Entry, info DocInfo) []byte {
	b, _ := build(entries, info)
	return b
}

// LintOpenAPI lists what the document of entries lacks or gets wrong: a
// property or parameter without a description or an example, an example
// that its Go type does not accept, an operation without a summary, a
// component without a tag description, a type that marshals itself
// without saying its schema.
func LintOpenAPI(entries []Entry, info DocInfo) []string {
	_, problems := build(entries, info)
	return problems
}

// OpenAPIHandler serves the document of the routes added so far, built
// on first use.
func (m *Mux) OpenAPIHandler(info DocInfo) http.Handler {
	doc := sync.OnceValue(func() []byte { return OpenAPI(m.Routes(), info) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc())
	})
}

func build(entries []Entry, info DocInfo) ([]byte, []string) {
	s := newSchemas()
	s.defs["Error"] = s.of(errorBodyType, false)
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	ids := map[string]string{}
	for _, e := range entries {
		path := docPath(e.Path)
		p := paths[path]
		if p == nil {
			p = map[string]any{}
			paths[path] = p
		}
		method := strings.ToLower(e.Method)
		if _, dup := p[method]; dup {
			continue // "/x/{$}", the trailing-slash alias of "/x"
		}
		op := s.operation(e, info)
		id := op["operationId"].(string)
		if other, dup := ids[id]; dup {
			s.problem("operationId %s of %s %s is also %s's", id, e.Method, e.Path, other)
		}
		ids[id] = e.Method + " " + e.Path
		p[method] = op
		tags[e.Component] = true
	}
	s.finish()
	var tagList []any
	for _, name := range sortedKeys(tags) {
		d := info.Tags[name]
		if d == "" {
			s.problem("component %s has no tag description", name)
		}
		tagList = append(tagList, map[string]any{"name": name, "description": d})
	}
	desc := info.Description
	if desc == "" {
		desc = "pbxagent's HTTP API."
	}
	version := info.Version
	if version == "" {
		version = "dev"
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title": "pbxagent", "version": version, "description": desc,
			"license": map[string]any{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"servers":  []any{map[string]any{"url": "/", "description": "this daemon (the document's own origin)"}},
		"tags":     tagList,
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": securitySchemes(info),
			"schemas":         s.defs,
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.problem("marshalling the document: %v", err)
	}
	sort.Strings(s.problems)
	return b, s.problems
}

func securitySchemes(info DocInfo) map[string]any {
	out := map[string]any{
		"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <token>`: the admin token " +
			"(the `admin_token` setting, `PBXAGENT_ADMIN_TOKEN`, or `admin.token` generated in the data directory; every scope), or an OAuth2 access token " +
			"(the scopes its app was granted, limited by its user's role)."},
	}
	if info.SessionCookie != "" {
		out["cookieAuth"] = map[string]any{"type": "apiKey", "in": "cookie", "name": info.SessionCookie,
			"description": "The session cookie set by `POST /api/v1/login` (HttpOnly, SameSite=Lax; the scopes of the user's role). " +
				"Every request that is not GET, HEAD, OPTIONS or TRACE must also carry the session's CSRF token, returned by the login " +
				"and by `GET /api/v1/users/me`, in the `" + info.CSRFHeader + "` header; without it the answer is 403."}
	}
	if info.TokenPath != "" {
		scopes := map[string]any{}
		for sc, d := range info.Scopes {
			scopes[string(sc)] = d
		}
		out["oauth2"] = map[string]any{"type": "oauth2",
			"description": "OAuth2 (RFC 6749) for the apps registered under /api/v1/apps: authorization code with PKCE S256 " +
				"for an app acting for a user, client credentials for a confidential app acting for itself. The access token " +
				"is then sent as a bearer token.",
			"flows": map[string]any{
				"authorizationCode": map[string]any{"authorizationUrl": info.AuthorizePath, "tokenUrl": info.TokenPath,
					"refreshUrl": info.TokenPath, "scopes": scopes},
				"clientCredentials": map[string]any{"tokenUrl": info.TokenPath, "refreshUrl": info.TokenPath, "scopes": scopes},
			}}
	}
	return out
}

var wildcard = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

// docPath turns a ServeMux path into an OpenAPI path: "/x/{$}" is "/x",
// "{file...}" is "{file}", "/{$}" is "/".
func docPath(p string) string {
	p = strings.TrimSuffix(p, "/{$}")
	if p == "" {
		p = "/"
	}
	return wildcard.ReplaceAllString(p, "{$1}")
}

func (s *schemas) operation(e Entry, info DocInfo) map[string]any {
	op := e.Op
	where := e.Method + " " + e.Path
	id := op.ID
	if id == "" {
		id = OperationID(e.Method, e.Path)
	}
	if op.Summary == "" {
		s.problem("%s has no summary", where)
	}
	out := map[string]any{"operationId": id, "summary": op.Summary, "tags": []any{e.Component}, "x-component": e.Component}
	if op.Description != "" {
		out["description"] = op.Description
	}
	var params []any
	seen := map[string]bool{}
	hasQuery := false
	for _, p := range op.Params {
		seen[p.In+":"+p.Name] = true
		hasQuery = hasQuery || p.In == "query"
		params = append(params, s.param(where, p))
	}
	pathParams := wildcard.FindAllStringSubmatch(e.Path, -1)
	for _, m := range pathParams {
		if !seen["path:"+m[1]] {
			params = append(params, s.param(where, platform.Param{Name: m[1], In: "path"}))
		}
	}
	if len(params) > 0 {
		out["parameters"] = params
	}
	if op.Request != nil {
		rb := s.body(where+" request", *op.Request, true)
		rb["required"] = true
		out["requestBody"] = rb
	}

	// The errors the HTTP layer and the API's helpers answer are added to
	// the declared ones on a guarded route; a public route answers on its
	// own (the phones' and /cid in plain text), so it lists its errors.
	guarded := e.Scope != platform.ScopePublic
	resp := map[string]any{}
	if guarded || jsonOp(op) {
		resp["default"] = errorResponse(0, "")
	}
	success := false
	for code, b := range op.Responses {
		if code < 400 {
			success = true
		}
		if b.Schema == nil && code >= 400 && b.ContentType == "" || isErrorBody(b.Schema) {
			resp[strconv.Itoa(code)] = errorResponse(code, b.Description)
			continue
		}
		r := s.body(fmt.Sprintf("%s %d", where, code), b, false)
		if code >= 300 && code < 400 && code != http.StatusNotModified {
			r["headers"] = map[string]any{"Location": map[string]any{"description": "where to go", "required": true,
				"schema": map[string]any{"type": "string", "format": "uri-reference"}}}
		}
		resp[strconv.Itoa(code)] = r
	}
	if !success {
		resp["200"] = map[string]any{"description": "success"}
	}
	add := func(code int) {
		if _, ok := resp[strconv.Itoa(code)]; !ok {
			resp[strconv.Itoa(code)] = errorResponse(code, "")
		}
	}
	if guarded {
		add(http.StatusUnauthorized)
		if _, ok := resp["403"]; !ok {
			r403 := errorResponse(http.StatusForbidden, "")
			r403["content"].(map[string]any)["application/json"].(map[string]any)["example"].(map[string]any)["error"].(map[string]any)["message"] =
				fmt.Sprintf("this route needs the %s scope", e.Scope)
			resp["403"] = r403
		}
		if len(pathParams) > 0 {
			add(http.StatusNotFound)
		}
		if op.Request != nil {
			add(http.StatusBadRequest)
			add(http.StatusRequestEntityTooLarge)
			add(http.StatusUnsupportedMediaType)
		}
		if hasQuery {
			add(http.StatusBadRequest)
		}
	}
	out["responses"] = resp

	if e.Scope == platform.ScopePublic {
		out["security"] = []any{}
	} else {
		scopes := []any{string(e.Scope)}
		if e.Scope == platform.ScopeSignedIn {
			scopes = []any{}
		}
		sec := []any{map[string]any{"bearer": scopes}}
		if info.SessionCookie != "" {
			sec = append(sec, map[string]any{"cookieAuth": scopes})
		}
		// OAuth2 apps ask for the scopes of info.Scopes only (a wallboard
		// route's scope is held by people and wallboard tokens).
		if _, asked := info.Scopes[e.Scope]; info.TokenPath != "" && (asked || e.Scope == platform.ScopeSignedIn) {
			sec = append(sec, map[string]any{"oauth2": scopes})
		}
		out["security"] = sec
	}
	return out
}

// jsonOp: op's request or one of its responses is JSON.
func jsonOp(op platform.Operation) bool {
	if op.Request != nil && strings.Contains(op.Request.ContentType, "json") {
		return true
	}
	for _, b := range op.Responses {
		if strings.Contains(b.ContentType, "json") {
			return true
		}
	}
	return false
}

func (s *schemas) param(where string, p platform.Param) map[string]any {
	schema := p.Schema
	if schema == nil {
		schema = map[string]any{"type": "string"}
	}
	if p.Description == "" {
		s.problem("%s: parameter %s has no description", where, p.Name)
	}
	out := map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path", "description": p.Description, "schema": schema}
	if p.Example == nil {
		s.problem("%s: parameter %s has no example", where, p.Name)
	} else {
		out["example"] = p.Example
	}
	return out
}

// body documents a request (in) or response body.
func (s *schemas) body(where string, b platform.Body, in bool) map[string]any {
	desc := b.Description
	switch {
	case desc != "":
	case in:
		desc = "the request's body"
	default:
		desc = "success"
	}
	out := map[string]any{"description": desc}
	if b.ContentType == "" {
		return out
	}
	content := map[string]any{}
	for _, alt := range append([]platform.Body{b}, b.Alternatives...) {
		content[alt.ContentType] = s.media(where, alt, in)
	}
	out["content"] = content
	return out
}

// media is one media type of a body, with its schema and example.
func (s *schemas) media(where string, b platform.Body, in bool) map[string]any {
	media := map[string]any{}
	text := !strings.Contains(b.ContentType, "json")
	var schema map[string]any
	switch v := b.Schema.(type) {
	case nil:
		schema = map[string]any{"type": "string"}
		if !text {
			schema = map[string]any{}
		}
	case map[string]any:
		schema = v
	default:
		schema = s.of(reflect.TypeOf(v), in)
	}
	media["schema"] = schema
	switch {
	case b.Example != nil && text:
		media["example"] = b.Example
	case b.Example != nil:
		raw, err := json.Marshal(b.Example)
		if err != nil {
			s.problem("%s: example: %v", where, err)
			break
		}
		var ex any
		_ = json.Unmarshal(raw, &ex)
		media["example"] = ex
	case text && b.ContentType != "text/event-stream":
		s.problem("%s: %s body has no example", where, b.ContentType)
	default:
		s.pending = append(s.pending, pendingExample{media: media, schema: schema})
	}
	return media
}

// errorResponse is the error envelope answered with code (0: any other).
func errorResponse(code int, desc string) map[string]any {
	ex, ok := errorExamples[code]
	if !ok {
		ex = errorExamples[0]
	}
	if desc == "" {
		desc = ex.desc
	}
	example := map[string]any{"error": map[string]any{"code": ex.code, "message": ex.message,
		"details": ex.details, "request_id": "b3f1c2a4d5e6f708"}}
	if ex.details == nil {
		example["error"].(map[string]any)["details"] = []any{}
	}
	out := map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
		"schema": ref("Error"), "example": example}}}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		out["headers"] = map[string]any{"Retry-After": map[string]any{"description": "seconds to wait before trying again",
			"schema": map[string]any{"type": "integer"}, "example": 5}}
	}
	return out
}

var errorExamples = map[int]struct {
	desc, code, message string
	details             []any
}{
	0: {"an unexpected error (500; the cause is in the log line with the request id)", platform.CodeInternal, "internal error; quote request id b3f1c2a4d5e6f708", nil},
	400: {"the request is invalid: details name each field, parameter or line at fault", platform.CodeInvalid, "invalid request",
		[]any{map[string]any{"field": "limit", "message": "must be an integer from 1 to 1000"}}},
	401: {"no credentials, or wrong ones", platform.CodeUnauthorized, msgAuthRequired, nil},
	403: {"the credentials do not grant the route's scope, or a session's request lacks its CSRF token", platform.CodeForbidden, "this route needs the admin scope", nil},
	404: {"no such resource", platform.CodeNotFound, "not found", nil},
	409: {"the change conflicts with the current state", platform.CodeConflict, "username already taken", nil},
	413: {"the request body is larger than http.max_body_bytes", platform.CodeTooLarge, "request body is larger than 10485760 bytes", nil},
	415: {"the request's Content-Type is not one this operation reads", platform.CodeUnsupportedType, "Content-Type must be application/json", nil},
	422: {"the request is well formed but cannot be applied", platform.CodeInvalid, "the campaign has no leads", nil},
	429: {"too many attempts: retry after the Retry-After header's seconds", platform.CodeTooManyRequests, "too many attempts; retry in 30 s", nil},
	502: {"the upstream server (Asterisk, a sync source) failed", "bad_gateway", "Asterisk answered 500", nil},
	// The 503 of a write while a CSV import holds the directory, as the
	// contacts API words it (agent/api's busyError; a test there keeps
	// them equal).
	503: {"not available now (stopping, a peer is unreachable, or an import holds the directory): retry after the Retry-After header's seconds; a busy directory's answer says how long the import has left",
		platform.CodeUnavailable, "the directory is busy: CSV import console-3f2a9c1d is applying (45056 of 100000 rows written); about 29 s left, retry then",
		[]any{map[string]any{"field": "import", "message": "CSV import console-3f2a9c1d is applying (45056 of 100000 rows written)"},
			map[string]any{"field": "seconds_left", "message": "29"}}},
	507: {"the disk is full", platform.CodeInsufficientDisk, "the data directory's disk is full", nil},
}

// OperationID derives an operationId from a route's method and path: the
// method in lower case, then each word of the path after /api/v1 (or of
// the whole path outside the API) capitalised, a path parameter as "By"
// and its name: "GET /api/v1/contacts/{id}" is "getContactsById",
// "POST /api/v1/sources/{id}/sync" is "postSourcesByIdSync",
// "GET /api/openapi.json" is "getApiOpenapiJson".
func OperationID(method, path string) string {
	path = docPath(path)
	path = strings.TrimPrefix(path, "/api/v1")
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(path, "/") {
		if seg == "" {
			continue
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}")
		}
		for _, w := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
