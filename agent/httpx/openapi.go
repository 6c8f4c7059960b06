package httpx

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// OpenAPI builds the OpenAPI 3 document of entries from their
// Operations: parameters, request and response bodies (a Go value's type
// is reflected into a JSON Schema: json tags name the properties, a field
// without omitempty is required in a response, a field tagged
// `openapi:"required"` in a request, and `openapi:"enum=a|b"` lists its
// values), and security: none on a public route, else bearer with the
// route's scope.
func OpenAPI(entries []Entry) []byte {
	s := &schemas{defs: map[string]any{}}
	s.defs["Error"] = s.of(reflect.TypeOf(platform.ErrorBody{}), false)
	paths := map[string]map[string]any{}
	for _, e := range entries {
		path := docPath(e.Path)
		p := paths[path]
		if p == nil {
			p = map[string]any{}
			paths[path] = p
		}
		p[strings.ToLower(e.Method)] = s.operation(e)
	}
	doc := map[string]any{
		"openapi":  "3.0.3",
		"info":     map[string]any{"title": "pbxagent", "version": "1"},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         s.defs,
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}

// OpenAPIHandler serves the document of the routes added so far, built
// on first use.
func (m *Mux) OpenAPIHandler() http.Handler {
	doc := sync.OnceValue(func() []byte { return OpenAPI(m.Routes()) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc())
	})
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

func (s *schemas) operation(e Entry) map[string]any {
	op := e.Op
	resp := map[string]any{
		"default": map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}},
	}
	for code, b := range op.Responses {
		resp[strconv.Itoa(code)] = s.body(b, false)
	}
	if len(op.Responses) == 0 {
		resp["200"] = map[string]any{"description": "success"}
	}
	id := op.ID
	if id == "" {
		id = OperationID(e.Method, e.Path)
	}
	out := map[string]any{"operationId": id, "summary": op.Summary, "responses": resp, "x-component": e.Component}
	var params []map[string]any
	seen := map[string]bool{}
	for _, p := range op.Params {
		schema := p.Schema
		if schema == nil {
			schema = map[string]any{"type": "string"}
		}
		seen[p.In+":"+p.Name] = true
		params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path", "description": p.Description, "schema": schema})
	}
	for _, m := range wildcard.FindAllStringSubmatch(e.Path, -1) {
		if !seen["path:"+m[1]] {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	if len(params) > 0 {
		out["parameters"] = params
	}
	if op.Request != nil {
		rb := s.body(*op.Request, true)
		rb["required"] = true
		out["requestBody"] = rb
	}
	if e.Scope == platform.ScopePublic {
		out["security"] = []any{}
	} else {
		out["security"] = []any{map[string]any{"bearer": []any{string(e.Scope)}}}
	}
	return out
}

// body documents a request (in) or response body.
func (s *schemas) body(b platform.Body, in bool) map[string]any {
	desc := b.Description
	if desc == "" {
		desc = "success"
	}
	out := map[string]any{"description": desc}
	if b.ContentType == "" {
		return out
	}
	media := map[string]any{}
	switch v := b.Schema.(type) {
	case nil:
	case map[string]any:
		media["schema"] = v
	default:
		media["schema"] = s.of(reflect.TypeOf(v), in)
	}
	out["content"] = map[string]any{b.ContentType: media}
	return out
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

// schemas reflects Go types into JSON Schemas, named struct types into
// components/schemas.
type schemas struct {
	defs map[string]any
}

var timeType = reflect.TypeOf(time.Time{})

var rawType = reflect.TypeOf(json.RawMessage{})

// of is the schema of t; in: as a request body (required fields are those
// tagged openapi:"required").
func (s *schemas) of(t reflect.Type, in bool) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return s.of(t.Elem(), in)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t == reflect.TypeOf(time.Duration(0)) {
			return map[string]any{"type": "integer", "description": "nanoseconds"}
		}
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": s.of(t.Elem(), in)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem(), in)}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return s.object(t, in)
		}
		if in {
			name += "Input"
		}
		if _, ok := s.defs[name]; !ok {
			s.defs[name] = map[string]any{} // breaks cycles
			s.defs[name] = s.object(t, in)
		}
		return ref(name)
	}
	return map[string]any{}
}

// object is the schema of a struct's JSON fields (embedded structs
// flattened, as encoding/json does).
func (s *schemas) object(t reflect.Type, in bool) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if name == "" {
				name = f.Name
			}
			schema := s.of(ft, in)
			ot := f.Tag.Get("openapi")
			for _, o := range strings.Split(ot, ",") {
				if vals, ok := strings.CutPrefix(o, "enum="); ok {
					schema = map[string]any{"type": "string", "enum": strings.Split(vals, "|")}
				}
			}
			if d := f.Tag.Get("doc"); d != "" {
				schema = withDescription(schema, d)
			}
			props[name] = schema
			omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
			if (in && strings.Contains(ot, "required")) || (!in && !omit) {
				required = append(required, name)
			}
		}
	}
	walk(t)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

func withDescription(schema map[string]any, d string) map[string]any {
	if _, isRef := schema["$ref"]; isRef {
		return map[string]any{"allOf": []any{schema}, "description": d}
	}
	out := map[string]any{"description": d}
	for k, v := range schema {
		out[k] = v
	}
	return out
}
