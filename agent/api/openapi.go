package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// op describes one operation for the OpenAPI document.
type op struct {
	method, path, summary string
	params                []string // "q:query", "id:path", …
	body                  string   // request content type, "" for none
	ok                    string   // success status
	public                bool
}

// operations lists every route the daemon serves, including those of the
// handlers it mounts (phones, sources, caller-ID, phone endpoints).
var operations = []op{
	{"get", "/healthz", "Liveness and version", nil, "", "200", true},
	{"get", "/readyz", "Readiness of the HTTP listener (503 while saturated or failing accepts)", nil, "", "200", true},
	{"get", "/metrics", "Prometheus metrics", nil, "", "200", false},
	{"get", "/api/openapi.json", "This document", nil, "", "200", false},
	{"get", "/api/v1/contacts", "Search contacts (sorted by display name, paged)", []string{"q:query", "scope:query", "owner:query", "source:query", "visible_to:query", "limit:query", "cursor:query"}, "", "200", false},
	{"post", "/api/v1/contacts", "Create a contact", nil, "application/json", "201", false},
	{"get", "/api/v1/contacts/{id}", "Get a contact (with its locally edited fields)", []string{"id:path"}, "", "200", false},
	{"put", "/api/v1/contacts/{id}", "Replace a contact", []string{"id:path"}, "application/json", "200", false},
	{"patch", "/api/v1/contacts/{id}", "Change fields of a contact (JSON merge patch)", []string{"id:path"}, "application/merge-patch+json", "200", false},
	{"delete", "/api/v1/contacts/{id}", "Delete a contact (a synced one stays deleted through syncs)", []string{"id:path"}, "", "204", false},
	{"get", "/api/v1/contacts/{id}/local", "Which fields of a synced contact are local edits", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/contacts/{id}/revert", "Drop local edits of a synced contact", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/contacts/import", "Import a CSV (replace needs confirm=true)", []string{"mode:query", "confirm:query"}, "text/csv", "200", false},
	{"get", "/api/v1/contacts/export", "Export global contacts as Central Phone Book CSV (source=csv: only the CSV-managed ones, the file to edit and upload again)", []string{"source:query"}, "", "200", false},
	{"get", "/api/v1/contacts/template", "A CSV template", nil, "", "200", false},
	{"get", "/api/v1/lookup", "Reverse lookup of a number (404 on a miss)", []string{"number:query"}, "", "200", false},
	{"get", "/cid", "Caller name for Asterisk CURL() (text/plain, always 200)", []string{"number:query", "format:query", "token:query"}, "", "200", true},
	{"get", "/cid/{number}", "Caller name for Asterisk CURL()", []string{"number:path", "format:query", "token:query"}, "", "200", true},
	{"get", "/api/v1/phones", "List registered phones", nil, "", "200", false},
	{"post", "/api/v1/phones", "Register a phone (returns its token once)", nil, "application/json", "201", false},
	{"get", "/api/v1/phones/{mac}", "Get a phone", []string{"mac:path"}, "", "200", false},
	{"patch", "/api/v1/phones/{mac}", "Change a phone", []string{"mac:path"}, "application/json", "200", false},
	{"delete", "/api/v1/phones/{mac}", "Remove a phone", []string{"mac:path"}, "", "204", false},
	{"get", "/phonebook/{file}", "Vendor phonebook XML (yealink.xml, yealink-groups.xml, cisco.xml, grandstream.xml, snom.xml, fanvil.xml, …); phone auth", []string{"file:path", "q:query", "number:query", "page:query", "token:query"}, "", "200", true},
	{"get", "/provisioning/{file}", "Per-phone provisioning and directory files; phone auth", []string{"file:path", "token:query"}, "", "200", true},
	{"get", "/api/v1/sources", "List sync sources with status", nil, "", "200", false},
	{"post", "/api/v1/sources", "Create a sync source (m365, custom, sql, csv-url)", nil, "application/json", "201", false},
	{"get", "/api/v1/sources/{id}", "Get a source with its status and last runs", []string{"id:path"}, "", "200", false},
	{"patch", "/api/v1/sources/{id}", "Change a source", []string{"id:path"}, "application/json", "200", false},
	{"delete", "/api/v1/sources/{id}", "Erase a source: its configuration and contacts", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/sources/{id}/sync", "Trigger a sync (full the first time, then delta; wait=1 waits and returns the run with 200)", []string{"id:path", "wait:query"}, "", "202", false},
	{"post", "/api/v1/sources/{id}/erase", "Erase a source: its configuration and contacts", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/sources/{id}/test", "Return the first mapped rows without importing", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/sources/test", "Return the first mapped rows of an unsaved source (body as for create) without importing", nil, "application/json", "200", false},
	{"get", "/api/v1/campaigns", "List dialer campaigns", nil, "", "200", false},
	{"post", "/api/v1/campaigns", "Create a campaign (mode preview, progressive, spare or predictive)", nil, "application/json", "201", false},
	{"get", "/api/v1/campaigns/{id}", "Get a campaign", []string{"id:path"}, "", "200", false},
	{"put", "/api/v1/campaigns/{id}", "Replace a campaign's settings", []string{"id:path"}, "application/json", "200", false},
	{"patch", "/api/v1/campaigns/{id}", "Change a campaign's settings", []string{"id:path"}, "application/json", "200", false},
	{"post", "/api/v1/campaigns/{id}/start", "Start dialling", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/campaigns/{id}/pause", "Pause dialling", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/campaigns/{id}/stop", "Stop the campaign", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/campaigns/{id}/leads", "Upload leads (CSV: number, name, timezone, custom fields)", []string{"id:path"}, "text/csv", "200", false},
	{"post", "/api/v1/campaigns/{id}/leads/directory", "Add leads from a directory query", []string{"id:path"}, "application/json", "200", false},
	{"get", "/api/v1/campaigns/{id}/leads", "List a campaign's leads", []string{"id:path"}, "", "200", false},
	{"get", "/api/v1/campaigns/{id}/stats", "A campaign's real-time figures", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/dnc", "Add numbers to the do-not-call list", nil, "text/csv", "200", false},
	{"get", "/api/v1/agents", "List agents and their states", nil, "", "200", false},
	{"get", "/api/v1/agents/{id}", "Get an agent's state", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/agents/{id}/login", "Log an agent in (pbxagent calls the agent's endpoint)", []string{"id:path"}, "application/json", "200", false},
	{"post", "/api/v1/agents/{id}/logout", "Log an agent out", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/agents/{id}/pause", "Pause an agent with a reason", []string{"id:path"}, "application/json", "200", false},
	{"post", "/api/v1/agents/{id}/resume", "Make a paused agent ready", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/agents/{id}/next", "Preview mode: the agent asks for the next call", []string{"id:path"}, "", "200", false},
	{"post", "/api/v1/agents/{id}/disposition", "Set the call's disposition (and opt-out)", []string{"id:path"}, "application/json", "200", false},
	{"get", "/api/v1/dialer/stream", "Real-time agent and campaign state (server-sent events)", nil, "", "200", false},
}

// OpenAPIPaths returns the set of paths the document describes.
func OpenAPIPaths() map[string]bool {
	out := map[string]bool{}
	for _, o := range operations {
		out[strings.ToUpper(o.method)+" "+o.path] = true
	}
	return out
}

var openapiOnce = sync.OnceValue(func() []byte {
	paths := map[string]map[string]any{}
	for _, o := range operations {
		p := paths[o.path]
		if p == nil {
			p = map[string]any{}
			paths[o.path] = p
		}
		var params []map[string]any
		for _, s := range o.params {
			name, in, _ := strings.Cut(s, ":")
			params = append(params, map[string]any{"name": name, "in": in, "required": in == "path", "schema": map[string]string{"type": "string"}})
		}
		resp := map[string]any{
			o.ok:      map[string]any{"description": "success"},
			"default": map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Error"}}}},
		}
		operation := map[string]any{"summary": o.summary, "responses": resp}
		if len(params) > 0 {
			operation["parameters"] = params
		}
		if o.body != "" {
			operation["requestBody"] = map[string]any{"required": true, "content": map[string]any{o.body: map[string]any{}}}
		}
		if o.public {
			operation["security"] = []any{}
		}
		p[o.method] = operation
	}
	doc := map[string]any{
		"openapi":  "3.0.3",
		"info":     map[string]any{"title": "pbxagent", "version": "1"},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{
					"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
						"code": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"}, "details": map[string]any{},
					}},
				}},
			},
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
})

// OpenAPIHandler serves the OpenAPI 3 document.
func OpenAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapiOnce())
	})
}
