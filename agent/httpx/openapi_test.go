package httpx

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Types the reflector is tried on.
type (
	docThing struct {
		ID      string            `json:"id" doc:"The id" example:"t1"`
		Count   int               `json:"count" doc:"How many" example:"3"`
		Ratio   float64           `json:"ratio,omitempty" doc:"A share" example:"0.5"`
		On      bool              `json:"on" doc:"Switched on" example:"true"`
		Tags    []string          `json:"tags" doc:"Labels" example:"[\"a\",\"b\"]"`
		Extra   map[string]string `json:"extra,omitempty" doc:"Free fields" example:"{\"k\":\"v\"}"`
		Kind    string            `json:"kind" openapi:"enum=a|b" doc:"The kind" example:"b"`
		When    time.Time         `json:"when" doc:"When" example:"2026-12-07T08:30:00Z"`
		Note    *string           `json:"note" doc:"A note, null when none" example:"hi"`
		Maybe   *string           `json:"maybe,omitempty" doc:"Left out when none" example:"x"`
		Child   *docChild         `json:"child" doc:"The child, null when none"`
		Kids    []docChild        `json:"kids" doc:"The children"`
		Span    docSpan           `json:"span" doc:"A span"`
		Ignored string            `json:"-"`
		docEmbedded
	}
	docChild struct {
		Name string `json:"name" doc:"The name" example:"Ana"`
	}
	docEmbedded struct {
		Flat string `json:"flat" doc:"Flattened from an embedded struct" example:"f"`
	}
	docInput struct {
		Name *string `json:"name" openapi:"required" doc:"The name" example:"Ana"`
		Kind *string `json:"kind" openapi:"enum=a|b" doc:"The kind; null clears" example:"a"`
	}
	// FieldError has the name of platform.FieldError: its component is
	// named after its package.
	FieldError struct {
		Where string `json:"where" doc:"Where" example:"here"`
	}
	docSpan int64
	// docBad lacks tags, and its examples do not fit its Go types.
	docBad struct {
		NoDoc     string         `json:"no_doc" example:"x"`
		NoExample string         `json:"no_example" doc:"No example"`
		BadJSON   int            `json:"bad_json" doc:"Not JSON" example:"three"`
		WrongType []int          `json:"wrong_type" doc:"Strings for ints" example:"[\"a\"]"`
		Self      docSelfMarshal `json:"self" doc:"Marshals itself" example:"1"`
	}
	docSelfMarshal int
)

// OpenAPISchema makes docSpan a SchemaProvider.
func (docSpan) OpenAPISchema() map[string]any {
	return map[string]any{"type": "string", "examples": []any{"1m"}}
}

// MarshalJSON writes a docSpan as a duration string.
func (d docSpan) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *docSpan) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = docSpan(v)
	return err
}

// MarshalJSON makes docSelfMarshal marshal itself.
func (d docSelfMarshal) MarshalJSON() ([]byte, error) { return json.Marshal(int(d)) }

func buildDoc(t *testing.T, entries []Entry, info DocInfo) (map[string]any, []string) {
	t.Helper()
	raw, problems := build(entries, info)
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, problems
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

func entry(component, method, path string, scope platform.Scope, op platform.Operation) Entry {
	return Entry{Component: component, Route: platform.Route{Method: method, Path: path, Scope: scope, Handler: noContent, Op: op}}
}

var docInfo = DocInfo{Version: "1.2.3", Tags: map[string]string{"things": "Things."}, SessionCookie: "sid", CSRFHeader: "X-CSRF-Token",
	AuthorizePath: "/oauth/authorize", TokenPath: "/oauth/token", Scopes: map[platform.Scope]string{platform.ScopeAdmin: "everything"}}

// TestOpenAPIReflectsGoTypes: json tags, doc and example tags, enums,
// nullable pointers, embedded structs, components named once (and after
// their package when two share a name), self-describing types, and each
// component's example built from its properties'.
func TestOpenAPIReflectsGoTypes(t *testing.T) {
	id := platform.Param{Name: "id", In: "path", Description: "The id", Example: "t1"}
	doc, problems := buildDoc(t, []Entry{
		entry("things", "GET", "/api/v1/things/{id}", platform.ScopeAdmin, platform.Operation{Summary: "Get", Params: []platform.Param{id},
			Responses: map[int]platform.Body{200: {ContentType: "application/json", Schema: docThing{}}}}),
		entry("things", "PATCH", "/api/v1/things/{id}", platform.ScopeAdmin, platform.Operation{Summary: "Change", Params: []platform.Param{id},
			Request:   &platform.Body{ContentType: "application/json", Schema: docInput{}},
			Responses: map[int]platform.Body{200: {ContentType: "application/json", Schema: platform.FieldError{}}, 422: {Schema: FieldError{}, ContentType: "application/json"}}}),
	}, docInfo)
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
	schemas := dig(doc, "components", "schemas").(map[string]any)
	props := dig(schemas, "docThing", "properties").(map[string]any)
	cases := []struct {
		prop string
		want string // the property's schema as JSON
	}{
		{prop: "id", want: `{"description":"The id","examples":["t1"],"type":"string"}`},
		{prop: "count", want: `{"description":"How many","examples":[3],"type":"integer"}`},
		{prop: "tags", want: `{"description":"Labels","examples":[["a","b"]],"items":{"type":"string"},"type":"array"}`},
		{prop: "extra", want: `{"additionalProperties":{"type":"string"},"description":"Free fields","examples":[{"k":"v"}],"type":"object"}`},
		{prop: "kind", want: `{"description":"The kind","enum":["a","b"],"examples":["b"],"type":"string"}`},
		{prop: "when", want: `{"description":"When","examples":["2026-12-07T08:30:00Z"],"format":"date-time","type":"string"}`},
		{prop: "note", want: `{"description":"A note, null when none","examples":["hi"],"type":["string","null"]}`},
		{prop: "maybe", want: `{"description":"Left out when none","examples":["x"],"type":"string"}`},
		{prop: "child", want: `{"anyOf":[{"$ref":"#/components/schemas/docChild"},{"type":"null"}],"description":"The child, null when none"}`},
		{prop: "kids", want: `{"description":"The children","items":{"$ref":"#/components/schemas/docChild"},"type":"array"}`},
		{prop: "span", want: `{"description":"A span","examples":["1m"],"type":"string"}`},
		{prop: "flat", want: `{"description":"Flattened from an embedded struct","examples":["f"],"type":"string"}`},
	}
	for _, tc := range cases {
		got, _ := json.Marshal(props[tc.prop])
		if string(got) != tc.want {
			t.Errorf("%s: %s, want %s", tc.prop, got, tc.want)
		}
	}
	if _, ok := props["Ignored"]; ok {
		t.Error(`a json:"-" field is documented`)
	}
	required := dig(schemas, "docThing", "required")
	if got, _ := json.Marshal(required); string(got) != `["child","count","flat","id","kids","kind","note","on","span","tags","when"]` {
		t.Errorf("required %s: every field without omitempty", got)
	}
	// The component's example is its properties'; the Go type accepts it.
	ex, _ := json.Marshal(dig(schemas, "docThing", "examples").([]any)[0])
	var back docThing
	if err := json.Unmarshal(ex, &back); err != nil || back.Kids[0].Name != "Ana" || back.Child.Name != "Ana" || *back.Note != "hi" {
		t.Errorf("example %s: %v", ex, err)
	}
	// A request body: its component named with Input, required as tagged,
	// pointers nullable (null clears), an enum that admits null.
	in, _ := json.Marshal(schemas["docInputInput"])
	want := `{"examples":[{"kind":"a","name":"Ana"}],"properties":{"kind":{"description":"The kind; null clears","enum":["a","b",null],"examples":["a"],"type":["string","null"]},` +
		`"name":{"description":"The name","examples":["Ana"],"type":["string","null"]}},"required":["name"],"type":"object"}`
	if string(in) != want {
		t.Errorf("request schema %s\nwant %s", in, want)
	}
	for _, name := range []string{"FieldError", "HttpxFieldError"} {
		if schemas[name] == nil {
			t.Errorf("component %s is missing: two types named FieldError need two names (%v)", name, slices.Sorted(func(yield func(string) bool) {
				for k := range schemas {
					if !yield(k) {
						return
					}
				}
			}))
		}
	}
	if got := dig(doc, "paths", "/api/v1/things/{id}", "patch", "responses", "422", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/HttpxFieldError" {
		t.Errorf("422 schema %v", got)
	}
	// A body without an example gets its schema's.
	if got := dig(doc, "paths", "/api/v1/things/{id}", "get", "responses", "200", "content", "application/json", "example", "kind"); got != "b" {
		t.Errorf("the body's example: kind %v", got)
	}
}

// TestOpenAPIOperations: 3.1 with info, servers, tags and security
// schemes; each operation its errors (401/403 when authenticated, 404
// with a path parameter, 400/413/415 with a body), its redirects' Location,
// its security by scope (none when public), and non-JSON bodies with their
// examples.
func TestOpenAPIOperations(t *testing.T) {
	doc, problems := buildDoc(t, []Entry{
		entry("things", "POST", "/api/v1/things/{id}/import", platform.ScopeAdmin, platform.Operation{Summary: "Import",
			Params:  []platform.Param{{Name: "id", In: "path", Description: "The id", Example: "t1"}},
			Request: &platform.Body{ContentType: "text/csv", Example: "a,b\n"},
			Responses: map[int]platform.Body{200: {ContentType: "text/csv", Example: "a,b\n", Alternatives: []platform.Body{{ContentType: "application/json", Schema: docChild{}}}},
				409: {Description: "already there", Schema: platform.ErrorBody{}}}}),
		entry("things", "GET", "/go", platform.ScopePublic, platform.Operation{Summary: "Go elsewhere",
			Responses: map[int]platform.Body{303: {Description: "elsewhere"}}}),
	}, docInfo)
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
	if doc["openapi"] != "3.1.0" || dig(doc, "info", "version") != "1.2.3" || dig(doc, "info", "license", "identifier") != "Apache-2.0" {
		t.Errorf("head: %v %v", doc["openapi"], doc["info"])
	}
	if got, _ := json.Marshal(doc["tags"]); string(got) != `[{"description":"Things.","name":"things"}]` {
		t.Errorf("tags %s", got)
	}
	if dig(doc, "components", "securitySchemes", "cookieAuth", "name") != "sid" ||
		dig(doc, "components", "securitySchemes", "oauth2", "flows", "authorizationCode", "scopes", "admin") != "everything" {
		t.Errorf("security schemes %v", dig(doc, "components", "securitySchemes"))
	}
	op := dig(doc, "paths", "/api/v1/things/{id}/import", "post").(map[string]any)
	var codes []string
	for c := range op["responses"].(map[string]any) {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	if got := strings.Join(codes, " "); got != "200 400 401 403 404 409 413 415 default" {
		t.Errorf("responses %s", got)
	}
	if got := dig(op, "responses", "409", "description"); got != "already there" {
		t.Errorf("409 description %v", got)
	}
	if got := dig(op, "responses", "404", "content", "application/json", "example", "error", "code"); got != platform.CodeNotFound {
		t.Errorf("404 example code %v", got)
	}
	if got := dig(op, "responses", "200", "content", "text/csv", "example"); got != "a,b\n" {
		t.Errorf("CSV example %v", got)
	}
	if got := dig(op, "responses", "200", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/docChild" {
		t.Errorf("the JSON alternative %v", got)
	}
	if got, _ := json.Marshal(op["security"]); string(got) != `[{"bearer":["admin"]},{"cookieAuth":["admin"]},{"oauth2":["admin"]}]` {
		t.Errorf("security %s", got)
	}
	public := dig(doc, "paths", "/go", "get").(map[string]any)
	if got, _ := json.Marshal(public["security"]); string(got) != `[]` {
		t.Errorf("public security %s", got)
	}
	if dig(public, "responses", "303", "headers", "Location") == nil {
		t.Error("a redirect without its Location header")
	}
}

// TestLintOpenAPI names what the document lacks or gets wrong.
func TestLintOpenAPI(t *testing.T) {
	_, problems := build([]Entry{
		entry("nameless", "POST", "/api/v1/bad/{id}", platform.ScopeAdmin, platform.Operation{
			Request:   &platform.Body{ContentType: "application/json", Schema: docBad{}},
			Responses: map[int]platform.Body{200: {ContentType: "text/plain"}}}),
		entry("nameless", "GET", "/api/v1/bad", platform.ScopeAdmin, platform.Operation{ID: "postBadById", Summary: "x",
			Params:    []platform.Param{{Name: "q", In: "query"}},
			Responses: map[int]platform.Body{200: {Description: "ok"}}}),
	}, DocInfo{})
	for _, want := range []string{
		"POST /api/v1/bad/{id} has no summary",
		"POST /api/v1/bad/{id}: parameter id has no description",
		"POST /api/v1/bad/{id}: parameter id has no example",
		"POST /api/v1/bad/{id} 200: text/plain body has no example",
		"GET /api/v1/bad: parameter q has no description",
		"operationId postBadById of GET /api/v1/bad is also POST /api/v1/bad/{id}'s",
		"component nameless has no tag description",
		"docBad.no_doc (github.com/pbxagent/pbxagent/agent/httpx): no doc tag",
		"docBad.no_example (github.com/pbxagent/pbxagent/agent/httpx): no example tag",
		`docBad.bad_json: example "three": not JSON`,
		"httpx.docSelfMarshal marshals itself but does not implement httpx.SchemaProvider",
		"component docBadInput: its example does not decode into httpx.docBad",
	} {
		found := false
		for _, p := range problems {
			found = found || strings.HasPrefix(p, want)
		}
		if !found {
			t.Errorf("no problem %q in\n%s", want, strings.Join(problems, "\n"))
		}
	}
}

// TestOperationIDIsStable: the JavaScript client's method names.
func TestOperationIDIsStable(t *testing.T) {
	cases := []struct{ method, path, want string }{
		{method: "GET", path: "/api/v1/contacts/{id}", want: "getContactsById"},
		{method: "POST", path: "/api/v1/sources/{id}/sync", want: "postSourcesByIdSync"},
		{method: "GET", path: "/api/openapi.json", want: "getApiOpenapiJson"},
		{method: "GET", path: "/phonebook/{file...}", want: "getPhonebookByFile"},
		{method: "GET", path: "/api/v1/phones/{$}", want: "getPhones"},
	}
	for _, tc := range cases {
		if got := OperationID(tc.method, tc.path); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}
