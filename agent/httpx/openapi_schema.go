package httpx

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// SchemaProvider is a type that marshals itself (a json.Marshaler) and
// says the JSON Schema of what it marshals; the reflector uses it instead
// of the type's Go shape. OpenAPISchema must include an example
// ("examples": [...]).
type SchemaProvider interface {
	OpenAPISchema() map[string]any
}

// schemas reflects Go types into JSON Schemas (OpenAPI 3.1, JSON Schema
// 2020-12), named struct types into components/schemas:
//   - json tags name the properties; embedded structs are flattened;
//   - a field without omitempty is required in a response, a field tagged
//     `openapi:"required"` in a request, and `openapi:"enum=a|b"` lists
//     its values;
//   - `doc:"…"` is the property's description and `example:"…"` its
//     example: the text itself for a string, else JSON (42, true,
//     ["a","b"], {"k":"v"}); a property whose schema is a component
//     needs neither example (the component's own is used);
//   - a pointer is nullable (type ["string","null"], or anyOf with
//     {"type":"null"}) in a request, and in a response unless omitempty;
//   - a type that implements SchemaProvider gives its own schema.
//
// Each object component gets an example built from its properties'; a
// body without an Example gets its schema's.
type schemas struct {
	defs     map[string]any
	types    map[string]reflect.Type // component → the Go type it reflects
	names    map[typeKey]string      // Go type and direction → component
	examples map[string]any          // component → its example, once built
	pending  []pendingExample
	problems []string
}

// pendingExample is a media type waiting for its schema's example.
type pendingExample struct {
	media, schema map[string]any
}

func newSchemas() *schemas {
	return &schemas{defs: map[string]any{}, types: map[string]reflect.Type{}, names: map[typeKey]string{}, examples: map[string]any{}}
}

func (s *schemas) problem(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

var (
	timeType        = reflect.TypeOf(time.Time{})
	durationType    = reflect.TypeOf(time.Duration(0))
	rawType         = reflect.TypeOf(json.RawMessage{})
	errorBodyType   = reflect.TypeOf(platform.ErrorBody{})
	providerType    = reflect.TypeOf((*SchemaProvider)(nil)).Elem()
	marshalerType   = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshalType = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

func isErrorBody(v any) bool { return v != nil && reflect.TypeOf(v) == errorBodyType }

// typeKey is a Go type as a response (in false) or request body: the
// request's component is named with "Input" after the Go name.
type typeKey struct {
	t  reflect.Type
	in bool
}

// of is the schema of t; in: as a request body (required fields are those
// tagged openapi:"required").
func (s *schemas) of(t reflect.Type, in bool) map[string]any {
	if t.Implements(providerType) {
		return clone(reflect.Zero(t).Interface().(SchemaProvider).OpenAPISchema())
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t.Kind() != reflect.Pointer && (t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) ||
		t.Implements(textMarshalType)):
		s.problem("%s marshals itself but does not implement httpx.SchemaProvider", t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(s.of(t.Elem(), in))
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t == durationType {
			return map[string]any{"type": "integer", "description": "nanoseconds"}
		}
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": s.of(t.Elem(), in)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem(), in)}
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t, in)
		}
		key := typeKey{t, in}
		if name, ok := s.names[key]; ok {
			return ref(name)
		}
		name := s.componentName(t, in)
		s.names[key] = name
		s.types[name] = t
		s.defs[name] = map[string]any{} // breaks cycles
		s.defs[name] = s.object(t, in)
		return ref(name)
	}
	s.problem("%s: no JSON Schema for kind %s", t, t.Kind())
	return map[string]any{}
}

// componentName is t's name ("Input" after it as a request body), or,
// when another type already has that name, the name after its package's
// ("UsersPage").
func (s *schemas) componentName(t reflect.Type, in bool) string {
	suffix := ""
	if in {
		suffix = "Input"
	}
	name := t.Name() + suffix
	if _, taken := s.types[name]; !taken {
		return name
	}
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndex(pkg, "/")+1:]
	return strings.ToUpper(pkg[:1]) + pkg[1:] + t.Name() + suffix
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
			omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
			var schema map[string]any
			if ft.Kind() == reflect.Pointer && !in && omit {
				schema = s.of(ft.Elem(), in) // never null: omitted instead
			} else {
				schema = s.of(ft, in)
			}
			ot := f.Tag.Get("openapi")
			for _, o := range strings.Split(ot, ",") {
				if vals, ok := strings.CutPrefix(o, "enum="); ok {
					schema = withEnum(schema, strings.Split(vals, "|"))
				}
			}
			where := t.Name() + "." + name
			if d := f.Tag.Get("doc"); d != "" {
				schema = withDescription(schema, d)
			} else if _, ok := schema["description"]; !ok {
				s.problem("%s (%s): no doc tag", where, t.PkgPath())
			}
			if raw, ok := f.Tag.Lookup("example"); ok {
				ex, err := parseExample(raw, schema)
				if err != nil {
					s.problem("%s: example %q: %v", where, raw, err)
				} else {
					schema["examples"] = []any{ex}
				}
			} else if _, own := schema["examples"]; !own && !refersToComponent(schema) {
				s.problem("%s (%s): no example tag", where, t.PkgPath())
			}
			props[name] = schema
			if (in && strings.Contains(ot, "required")) || (!in && !omit) {
				required = append(required, name)
			}
		}
	}
	walk(t)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = sortStrings(required)
	}
	return out
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// nullable adds null to schema's types.
func nullable(schema map[string]any) map[string]any {
	out := clone(schema)
	switch t := out["type"].(type) {
	case string:
		out["type"] = []any{t, "null"}
		if e, ok := out["enum"].([]any); ok {
			out["enum"] = append(append([]any(nil), e...), nil)
		}
		return out
	case []any:
		for _, x := range t {
			if x == "null" {
				return out
			}
		}
		out["type"] = append(append([]any(nil), t...), "null")
		return out
	}
	if _, ok := out["$ref"]; ok {
		return map[string]any{"anyOf": []any{out, map[string]any{"type": "null"}}}
	}
	return out // {} accepts null already
}

// withEnum restricts a string schema (or a nullable one) to vals.
func withEnum(schema map[string]any, vals []string) map[string]any {
	out := clone(schema)
	enum := make([]any, 0, len(vals)+1)
	for _, v := range vals {
		enum = append(enum, v)
	}
	if t, ok := out["type"].([]any); ok && len(t) == 2 && t[1] == "null" {
		enum = append(enum, nil)
	} else {
		out["type"] = "string"
	}
	out["enum"] = enum
	return out
}

// refersToComponent: schema is a component, or an array, map or nullable
// of one (its example comes from there).
func refersToComponent(schema map[string]any) bool {
	if _, ok := schema["$ref"]; ok {
		return true
	}
	if items, ok := schema["items"].(map[string]any); ok {
		return refersToComponent(items)
	}
	if ap, ok := schema["additionalProperties"].(map[string]any); ok && len(ap) > 0 {
		return refersToComponent(ap)
	}
	if anyOf, ok := schema["anyOf"].([]any); ok {
		for _, a := range anyOf {
			if m, ok := a.(map[string]any); ok && refersToComponent(m) {
				return true
			}
		}
	}
	return false
}

// parseExample reads an example tag: the text itself where schema is a
// string, else JSON.
func parseExample(raw string, schema map[string]any) (any, error) {
	if isString(schema) {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return v, nil
}

func isString(schema map[string]any) bool {
	switch t := schema["type"].(type) {
	case string:
		return t == "string"
	case []any:
		return len(t) > 0 && t[0] == "string"
	}
	return false
}

func withDescription(schema map[string]any, d string) map[string]any {
	out := clone(schema)
	out["description"] = d
	return out
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// finish gives each object component its example, built from its
// properties', checks that the component's Go type accepts it, and fills
// the bodies that wait for their schema's example.
func (s *schemas) finish() {
	for _, name := range sortedKeys(s.defs) {
		ex, ok := s.componentExample(name, map[string]bool{})
		if !ok {
			continue
		}
		def := s.defs[name].(map[string]any)
		if _, own := def["examples"]; !own {
			def["examples"] = []any{ex}
		}
		if t, ok := s.types[name]; ok {
			raw, _ := json.Marshal(ex)
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(reflect.New(t).Interface()); err != nil {
				s.problem("component %s: its example does not decode into %s: %v", name, t, err)
			}
		}
	}
	for _, p := range s.pending {
		if ex, ok := s.exampleOf(p.schema, map[string]bool{}); ok {
			p.media["example"] = ex
		}
	}
}

func (s *schemas) componentExample(name string, visiting map[string]bool) (any, bool) {
	if ex, ok := s.examples[name]; ok {
		return ex, true
	}
	if visiting[name] {
		return nil, false
	}
	visiting[name] = true
	defer delete(visiting, name)
	def, _ := s.defs[name].(map[string]any)
	ex, ok := s.exampleOf(def, visiting)
	if ok {
		s.examples[name] = ex
	}
	return ex, ok
}

// exampleOf is an example of schema: its own, its component's, or one
// built from its items or properties.
func (s *schemas) exampleOf(schema map[string]any, visiting map[string]bool) (any, bool) {
	if exs, ok := schema["examples"].([]any); ok && len(exs) > 0 {
		return exs[0], true
	}
	if r, ok := schema["$ref"].(string); ok {
		return s.componentExample(strings.TrimPrefix(r, "#/components/schemas/"), visiting)
	}
	if anyOf, ok := schema["anyOf"].([]any); ok {
		for _, a := range anyOf {
			if m, ok := a.(map[string]any); ok && m["type"] != "null" {
				return s.exampleOf(m, visiting)
			}
		}
	}
	if items, ok := schema["items"].(map[string]any); ok {
		ex, ok := s.exampleOf(items, visiting)
		if !ok {
			return []any{}, true
		}
		return []any{ex}, true
	}
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		if ap, ok := schema["additionalProperties"].(map[string]any); ok {
			if ex, ok := s.exampleOf(ap, visiting); ok {
				return map[string]any{"key": ex}, true
			}
		}
		return nil, false
	}
	out := map[string]any{}
	for _, name := range sortedKeys(props) {
		if ex, ok := s.exampleOf(props[name].(map[string]any), visiting); ok {
			out[name] = ex
		}
	}
	return out, true
}
