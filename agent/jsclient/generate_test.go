package jsclient

import (
	"strings"
	"testing"
)

// doc31 uses what OpenAPI 3.1 and the api-doc work may bring: type lists,
// const, examples, nullable (3.0), allOf/oneOf, a schema named like a
// global type, path-level parameters, $ref parameters.
const doc31 = `{
  "openapi": "3.1.0",
  "paths": {
    "/api/v1/things/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {"operationId": "getThingsById", "summary": "Get a thing */ with a comment end",
        "parameters": [{"$ref": "#/components/parameters/Verbose"}, {"name": "X-CSRF-Token", "in": "header"}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                      "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}},
      "patch": {"operationId": "patchThingsById", "requestBody": {"required": true, "content": {"application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
      "delete": {"operationId": "deleteThingsById", "responses": {"204": {"description": "gone"}}}
    },
    "/api/v1/things": {
      "post": {"operationId": "request", "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}},
        "parameters": [{"name": "mode", "in": "query", "required": true, "schema": {"type": "string", "enum": ["replace", "merge"]}}],
        "responses": {"200": {"description": "ok", "content": {"text/csv": {}}}}}
    },
    "/x/y": {"get": {"responses": {"200": {"description": "ok"}}}}
  },
  "components": {
    "parameters": {"Verbose": {"name": "verbose", "in": "query", "schema": {"type": "boolean"}}},
    "schemas": {
      "Thing": {"type": "object", "description": "A thing.", "required": ["id"], "properties": {
        "id": {"type": "string", "examples": ["t1"]},
        "note": {"type": ["string", "null"]},
        "old": {"type": "string", "nullable": true},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "fixed": {"const": 3},
        "tags": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
        "more": {"allOf": [{"$ref": "#/components/schemas/Error"}], "description": "described ref"},
        "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "x-y": {"type": "boolean"},
        "open": {}
      }},
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}}}}},
      "Names": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    }
  }
}`

func TestGenerateTypes(t *testing.T) {
	js, dts, err := Generate([]byte(doc31))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string // "js" or "dts"
		want string
	}{
		{name: "interface per schema", in: "dts", want: "export interface Thing {"},
		{name: "schema named like a global type is renamed", in: "dts", want: "export interface ErrorSchema {"},
		{name: "non-object schema is a type alias", in: "dts", want: "export type Names = Thing[];"},
		{name: "required property", in: "dts", want: "  id: string;"},
		{name: "3.1 type list", in: "dts", want: "  note?: string | null;"},
		{name: "3.0 nullable", in: "dts", want: "  old?: string | null;"},
		{name: "enum", in: "dts", want: `  kind?: "a" | "b";`},
		{name: "const", in: "dts", want: "  fixed?: 3;"},
		{name: "array", in: "dts", want: "  tags?: string[];"},
		{name: "map", in: "dts", want: "  meta?: Record<string, number>;"},
		{name: "described ref", in: "dts", want: "  more?: ErrorSchema;"},
		{name: "oneOf", in: "dts", want: "  either?: string | number;"},
		{name: "quoted property", in: "dts", want: `  "x-y"?: boolean;`},
		{name: "empty schema", in: "dts", want: "  open?: unknown;"},
		{name: "description as JSDoc", in: "dts", want: "/** A thing. */"},
		{name: "path and $ref query parameters, CSRF header left to the runtime", in: "dts",
			want: "getThingsById(params: { id: string; verbose?: boolean; }, body?: undefined, init?: RequestInit): Promise<Thing>;"},
		{name: "merge patch body is partial", in: "dts", want: "patchThingsById(params: { id: string; }, body: Partial<Thing>, init?: RequestInit): Promise<Thing>;"},
		{name: "204 is void", in: "dts", want: "deleteThingsById(params: { id: string; }, body?: undefined, init?: RequestInit): Promise<void>;"},
		{name: "reserved name renamed, CSV body, text result", in: "dts",
			want: `requestOp(params: { mode: "replace" | "merge"; }, body: string | Blob, init?: RequestInit): Promise<string>;`},
		{name: "no operationId: named from method and path", in: "dts", want: "getXY(params?: Record<string, never>"},
		{name: "comment end escaped", in: "js", want: "Get a thing *\\/ with a comment end"},
		{name: "method calls the runtime", in: "js",
			want: `getThingsById(params = {}, body = undefined, init = undefined) {` + "\n" + `    return this.call("getThingsById", "GET", "/api/v1/things/{id}", { p: ["id"], q: ["verbose"] }, params, body, init);`},
		{name: "required query parameter and content type", in: "js", want: `{ q: ["mode"], r: ["mode"], ct: "text/csv" }`},
		{name: "runtime first", in: "js", want: "export class PbxAgentError extends Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := string(dts)
			if tc.in == "js" {
				out = string(js)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("%s has no %q:\n%s", tc.in, tc.want, out)
			}
		})
	}
	if strings.Count(string(js), "*/") != strings.Count(string(js), "/*") {
		t.Errorf("unbalanced comments in the module")
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	js1, dts1, _ := Generate([]byte(doc31))
	for range 5 {
		js2, dts2, _ := Generate([]byte(doc31))
		if string(js1) != string(js2) || string(dts1) != string(dts2) {
			t.Fatal("two runs gave different output")
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{name: "not JSON", doc: "openapi: 3.1.0", want: "openapi document"},
		{name: "operation not an object", doc: `{"paths": {"/a": {"get": 3}}}`, want: "GET /a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Generate([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestIdentifier(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "getContactsById", want: "getContactsById"},
		{in: "get//x/y", want: "getXY"}, {in: "get_x", want: "get_x"},
		{in: "9lives", want: "_9lives"},
		{in: "", want: "_"},
		{in: "a-b.c", want: "aBC"},
	}
	for _, tc := range tests {
		if got := identifier(tc.in); got != tc.want {
			t.Errorf("identifier(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzGenerate(f *testing.F) {
	f.Add([]byte(doc31))
	f.Add([]byte(`{"paths":{"/a/{b}":{"get":{"operationId":"x y","parameters":[{"name":"b","in":"path"}]}}},"components":{"schemas":{"A":{"allOf":[{"$ref":"#/components/schemas/A"}]}}}}`))
	f.Add([]byte(`{"components":{"schemas":{"A":{"type":["object","array"],"items":{"items":{"items":{}}},"properties":{"*/":{}}}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		js, dts, err := Generate(doc)
		if err != nil {
			return
		}
		// A comment never ends early: every "*/" closes a "/**" the generator opened.
		for _, out := range []string{string(js), string(dts)} {
			if strings.Count(out, "*/") != strings.Count(out, "/*") {
				t.Fatalf("unbalanced comments for %q", doc)
			}
		}
	})
}
