package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pbxagent/pbxagent/agent/httpx"
)

// openAPIDoc fetches the OpenAPI document of a daemon with every optional
// component configured (ARI against the Asterisk stand-in, so that the
// dialer's routes are there) and returns it raw and decoded.
func openAPIDoc(t *testing.T) (*Daemon, string, []byte, map[string]any) {
	t.Helper()
	d, base := ariDaemon(t)
	code, body := client{t, base, "test-admin-token"}.do("GET", "/api/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi: %d %s", code, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi: %v", err)
	}
	return d, base, body, doc
}

// docSchemas compiles locations of the OpenAPI document (JSON pointers)
// as JSON Schema 2020-12, the dialect of OpenAPI 3.1, formats asserted.
type docSchemas struct {
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

const docURL = "https://pbxagent.test/openapi.json"

func newDocSchemas(t *testing.T, raw []byte) *docSchemas {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, v); err != nil {
		t.Fatal(err)
	}
	return &docSchemas{c: c, cache: map[string]*jsonschema.Schema{}}
}

// validate checks v (a value decoded by encoding/json) against the schema
// at pointer.
func (s *docSchemas) validate(pointer string, v any) error {
	sch, ok := s.cache[pointer]
	if !ok {
		var err error
		if sch, err = s.c.Compile(docURL + "#" + pointer); err != nil {
			return fmt.Errorf("compile %s: %w", pointer, err)
		}
		s.cache[pointer] = sch
	}
	raw, _ := json.Marshal(v)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// isSchema tells a JSON Schema object of the document from the OpenAPI
// objects around it.
func isSchema(m map[string]any) bool {
	for _, k := range []string{"type", "$ref", "properties", "anyOf", "enum", "items"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// TestOpenAPIDocumentsEveryField: the document is OpenAPI 3.1 with unique
// operationIds, every operation has a summary, responses and its errors,
// every parameter and every property of every schema has a description
// and an example, and every example (of a property, a schema, a
// parameter, a body) validates against its schema; the generator's own
// lint (fields without doc or example tags, examples the Go types refuse,
// components without a description) finds nothing.
func TestOpenAPIDocumentsEveryField(t *testing.T) {
	d, _, raw, doc := openAPIDoc(t)
	for _, p := range httpx.LintOpenAPI(d.Mux().Routes(), openAPIInfo()) {
		t.Errorf("lint: %s", p)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	for _, k := range []string{"title", "version", "description", "license"} {
		if info[k] == nil || info[k] == "" {
			t.Errorf("info.%s is missing", k)
		}
	}
	comps := doc["components"].(map[string]any)
	schemes := comps["securitySchemes"].(map[string]any)
	for _, k := range []string{"bearer", "cookieAuth", "oauth2"} {
		if schemes[k] == nil {
			t.Errorf("security scheme %s is missing", k)
		}
	}
	scopes := schemes["oauth2"].(map[string]any)["flows"].(map[string]any)["authorizationCode"].(map[string]any)["scopes"].(map[string]any)
	for _, want := range []string{"admin", "contacts:read", "contacts:write", "dialer"} {
		if d, _ := scopes[want].(string); d == "" {
			t.Errorf("oauth2 scope %s has no description", want)
		}
	}
	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tag := tg.(map[string]any)
		if tag["description"] == "" {
			t.Errorf("tag %v has no description", tag["name"])
		}
		tags[tag["name"].(string)] = true
	}

	ids := map[string]string{}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	paths := doc["paths"].(map[string]any)
	for _, path := range sortedKeys(paths) {
		for method, o := range paths[path].(map[string]any) {
			where := strings.ToUpper(method) + " " + path
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if other, dup := ids[id]; dup || id == "" {
				t.Errorf("%s: operationId %q empty or also %s's", where, id, other)
			}
			ids[id] = where
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s: no summary", where)
			}
			for _, tg := range op["tags"].([]any) {
				if !tags[tg.(string)] {
					t.Errorf("%s: tag %v is not declared", where, tg)
				}
			}
			resp := op["responses"].(map[string]any)
			var ok2xx, has4xx bool
			for code, r := range resp {
				ok2xx = ok2xx || code[0] == '2' || code[0] == '3' || code == "101" // 101: a WebSocket's upgrade
				has4xx = has4xx || code[0] == '4'
				if d, _ := r.(map[string]any)["description"].(string); d == "" {
					t.Errorf("%s: response %s has no description", where, code)
				}
			}
			if !ok2xx {
				t.Errorf("%s: no success response", where)
			}
			sec, _ := op["security"].([]any)
			if len(sec) > 0 && (resp["401"] == nil || resp["403"] == nil) {
				t.Errorf("%s: an authenticated operation without its 401 and 403", where)
			}
			for _, req := range sec {
				for name := range req.(map[string]any) {
					if schemes[name] == nil {
						t.Errorf("%s: security scheme %s is not defined", where, name)
					}
				}
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				pm := p.(map[string]any)
				switch pm["in"] {
				case "path":
					declared[pm["name"].(string)] = true
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v is not required", where, pm["name"])
					}
				case "query", "header", "cookie":
				default:
					t.Errorf("%s: parameter %v in %v", where, pm["name"], pm["in"])
				}
				if d, _ := pm["description"].(string); d == "" {
					t.Errorf("%s: parameter %v has no description", where, pm["name"])
				}
				if _, ok := pm["example"]; !ok {
					t.Errorf("%s: parameter %v has no example", where, pm["name"])
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s is not declared", where, m[1])
				}
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				for ct, mt := range rb["content"].(map[string]any) {
					if _, ok := mt.(map[string]any)["example"]; !ok {
						t.Errorf("%s: request body %s has no example", where, ct)
					}
				}
			}
		}
	}
	if len(ids) < 80 {
		t.Errorf("only %d operations documented", len(ids))
	}

	// Every property of every schema: a description, and an example unless
	// its schema is a component (or a list or map of one) with its own.
	var refers func(m map[string]any) bool
	refers = func(m map[string]any) bool {
		if _, ok := m["$ref"]; ok {
			return true
		}
		for _, k := range []string{"items", "additionalProperties"} {
			if sub, ok := m[k].(map[string]any); ok && refers(sub) {
				return true
			}
		}
		anyOf, _ := m["anyOf"].([]any)
		for _, a := range anyOf {
			if refers(a.(map[string]any)) {
				return true
			}
		}
		return false
	}
	defs := comps["schemas"].(map[string]any)
	for _, name := range sortedKeys(defs) {
		def := defs[name].(map[string]any)
		if _, ok := def["$ref"]; ok {
			continue // an alias (Error)
		}
		if exs, _ := def["examples"].([]any); len(exs) == 0 {
			t.Errorf("schema %s has no example", name)
		}
		props, _ := def["properties"].(map[string]any)
		for _, pn := range sortedKeys(props) {
			p := props[pn].(map[string]any)
			if d, _ := p["description"].(string); d == "" {
				t.Errorf("%s.%s has no description", name, pn)
			}
			if exs, _ := p["examples"].([]any); len(exs) == 0 && !refers(p) {
				t.Errorf("%s.%s has no example", name, pn)
			}
		}
	}

	// Every reference resolves.
	var refs func(v any)
	refs = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				name, found := strings.CutPrefix(r, "#/components/schemas/")
				if !found || defs[name] == nil {
					t.Errorf("$ref %s does not resolve", r)
				}
			}
			for _, sub := range x {
				refs(sub)
			}
		case []any:
			for _, sub := range x {
				refs(sub)
			}
		}
	}
	refs(doc)

	// Every example validates against its schema.
	s := newDocSchemas(t, raw)
	checked := 0
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if exs, ok := x["examples"].([]any); ok && isSchema(x) {
				for i, ex := range exs {
					checked++
					if err := s.validate(ptr, ex); err != nil {
						t.Errorf("example %d of %s: %v", i, ptr, err)
					}
				}
			}
			if ex, ok := x["example"]; ok {
				if _, ok := x["schema"]; ok {
					checked++
					if err := s.validate(ptr+"/schema", ex); err != nil {
						t.Errorf("example of %s: %v", ptr, err)
					}
				}
			}
			for k, sub := range x {
				if k == "examples" || k == "example" {
					continue
				}
				walk(ptr+"/"+escapePointer(k), sub)
			}
		case []any:
			for i, sub := range x {
				walk(fmt.Sprintf("%s/%d", ptr, i), sub)
			}
		}
	}
	walk("", doc)
	if checked < 500 {
		t.Errorf("only %d examples checked", checked)
	}
}

// TestOpenAPIMatchesAnswers: what the daemon really answers validates
// against the document's schema of that operation and status, for a
// sample of operations of each component (successes and errors), so
// that a Go type and its schema cannot part.
func TestOpenAPIMatchesAnswers(t *testing.T) {
	_, base, raw, doc := openAPIDoc(t)
	s := newDocSchemas(t, raw)
	adm := client{t, base, "test-admin-token"}
	as := adm
	check := func(method, docPath, path, ctype, body string, want int) []byte {
		t.Helper()
		code, got := as.do(method, path, ctype, []byte(body))
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, got, want)
		}
		ops, _ := doc["paths"].(map[string]any)[docPath].(map[string]any)
		op, _ := ops[strings.ToLower(method)].(map[string]any)
		if op == nil {
			t.Fatalf("%s %s is not documented", method, docPath)
		}
		status := fmt.Sprint(code)
		if op["responses"].(map[string]any)[status] == nil {
			t.Errorf("%s %s: status %s is not documented", method, docPath, status)
			status = "default"
		}
		ptr := "/paths/" + escapePointer(docPath) + "/" + strings.ToLower(method) + "/responses/" + status + "/content/application~1json/schema"
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, got)
		}
		if err := s.validate(ptr, v); err != nil {
			t.Errorf("%s %s answered %d with a body its schema refuses: %v\n%s", method, path, code, err, got)
		}
		return got
	}
	check("GET", "/healthz", "/healthz", "", "", 200)
	created := check("POST", "/api/v1/contacts", "/api/v1/contacts", "application/json",
		`{"first_name":"Jürgen","last_name":"Müller","company":"Ankunding","emails":[{"address":"j@example.com"}],"numbers":[{"type":"mobile","value":"061 111-111"}],"custom":{"crm":"1"}}`, 201)
	var c struct{ ID string }
	_ = json.Unmarshal(created, &c)
	check("GET", "/api/v1/contacts/{id}", "/api/v1/contacts/"+c.ID, "", "", 200)
	check("GET", "/api/v1/contacts", "/api/v1/contacts?q=muller", "", "", 200)
	check("GET", "/api/v1/contacts", "/api/v1/contacts?limit=x", "", "", 400)
	check("POST", "/api/v1/contacts", "/api/v1/contacts", "application/json", `{"numbers":[{"type":"pager","value":"1"}]}`, 400)
	check("GET", "/api/v1/contacts/{id}", "/api/v1/contacts/nope", "", "", 404)
	check("GET", "/api/v1/lookup", "/api/v1/lookup?number=%2B38761111111", "", "", 200)
	check("GET", "/api/v1/lookup", "/api/v1/lookup?number=1805", "", "", 404)
	// The documented examples of CSV bodies are accepted as they are.
	csvExample := func(docPath, ctype string) string {
		ops := doc["paths"].(map[string]any)[docPath].(map[string]any)
		ex, _ := ops["post"].(map[string]any)["requestBody"].(map[string]any)["content"].(map[string]any)[ctype].(map[string]any)["example"].(string)
		if ex == "" {
			t.Fatalf("POST %s: no %s example", docPath, ctype)
		}
		return ex
	}
	check("POST", "/api/v1/contacts/import", "/api/v1/contacts/import?mode=merge", "text/csv", csvExample("/api/v1/contacts/import", "text/csv"), 200)
	check("POST", "/api/v1/contacts/import", "/api/v1/contacts/import", "text/csv", csvExample("/api/v1/contacts/import", "text/csv"), 409)
	check("GET", "/api/v1/sources", "/api/v1/sources", "", "", 200)
	check("GET", "/api/v1/phones", "/api/v1/phones", "", "", 200)
	check("POST", "/api/v1/phones", "/api/v1/phones", "application/json", `{"mac":"00:15:65:4a:a9:37","vendor":"yealink"}`, 201)
	check("GET", "/api/v1/phones/{mac}", "/api/v1/phones/0015654aa937", "", "", 200)
	check("GET", "/api/v1/users", "/api/v1/users", "", "", 200)
	check("POST", "/api/v1/users", "/api/v1/users", "application/json", `{"username":"asmith","role":"user","password":"correct-horse-battery"}`, 201)
	check("GET", "/api/v1/apps", "/api/v1/apps", "", "", 200)
	check("POST", "/api/v1/apps", "/api/v1/apps", "application/json",
		`{"name":"CRM","type":"confidential","redirect_uris":["https://crm.example.com/cb"],"scopes":["contacts:read"],"grant_types":["authorization_code","refresh_token"]}`, 201)
	check("GET", "/api/v1/cors-origins", "/api/v1/cors-origins", "", "", 200)
	check("GET", "/api/v1/audit", "/api/v1/audit", "", "", 200)
	check("POST", "/api/v1/campaigns", "/api/v1/campaigns", "application/json",
		`{"id":"c1","name":"Spring","mode":"progressive","max_channels":2,"caller_id":"+38733123456","dial_string":"PJSIP/{number}@trunk","default_region":"BA","info_message":"sound:custom/info"}`, 201)
	check("GET", "/api/v1/campaigns", "/api/v1/campaigns", "", "", 200)
	check("GET", "/api/v1/campaigns/{id}/stats", "/api/v1/campaigns/c1/stats", "", "", 200)
	check("POST", "/api/v1/campaigns/{id}/leads", "/api/v1/campaigns/c1/leads", "text/csv", csvExample("/api/v1/campaigns/{id}/leads", "text/csv"), 200)
	check("POST", "/api/v1/dnc", "/api/v1/dnc?region=BA", "text/csv", csvExample("/api/v1/dnc", "text/csv"), 200)
	check("POST", "/api/v1/users/import", "/api/v1/users/import", "text/csv", csvExample("/api/v1/users/import", "text/csv"), 201)
	check("GET", "/api/v1/campaigns/{id}/leads", "/api/v1/campaigns/c1/leads", "", "", 200)
	check("GET", "/api/v1/agents", "/api/v1/agents", "", "", 200)
	check("GET", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server", "", "", 200)
	check("POST", "/api/v1/contacts", "/api/v1/contacts", "text/plain", `{}`, 415)
	check("GET", "/api/v1/agents/{id}", "/api/v1/agents/nobody", "", "", 404)
	as = client{t, base, ""}
	check("GET", "/api/v1/contacts", "/api/v1/contacts", "", "", 401)
	check("POST", "/api/v1/login", "/api/v1/login", "application/json", `{"username":"asmith","password":"correct-horse-battery"}`, 200)
	check("POST", "/api/v1/login", "/api/v1/login", "application/json", `{"username":"asmith","password":"wrong-horse-battery"}`, 401)
	as = client{t, base, "not-a-token"}
	check("GET", "/api/v1/users", "/api/v1/users", "", "", 401)
}

// TestOpenAPIRedoclyLint validates the document with an independent
// validator, Redocly CLI (npm @redocly/cli, pinned in testlab/openapi),
// with testlab/openapi/redocly.yaml: the recommended rules as errors.
func TestOpenAPIRedoclyLint(t *testing.T) {
	dir, err := filepath.Abs("../testlab/openapi")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err != nil {
		msg := "Redocly CLI is not installed: run npm ci --prefix testlab/openapi"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	_, _, raw, _ := openAPIDoc(t)
	work := t.TempDir()
	// The document, its configuration and ignore file side by side: the
	// ignore file names the document by its path relative to itself.
	for name, data := range map[string][]byte{"openapi.json": raw} {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"redocly.yaml", ".redocly.lint-ignore.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	cmd := exec.Command(bin, "lint", "--config", "redocly.yaml", "--format", "stylish", "openapi.json")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
	if regexp.MustCompile(`\d+:\d+\s+warning`).Match(out) {
		t.Errorf("redocly lint warns:\n%s", out)
	}
	t.Logf("redocly lint passed in %s", time.Since(start).Round(time.Millisecond))
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
