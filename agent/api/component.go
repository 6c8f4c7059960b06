package api

import (
	"context"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// Component is the contacts feature: the contacts API, reverse lookup and
// CSV import, export and template.
type Component struct {
	contacts *Contacts
	imports  *Imports
}

// NewComponent returns the contacts component of c and im.
func NewComponent(c *Contacts, im *Imports) *Component {
	c.imports = im
	return &Component{contacts: c, imports: im}
}

// Name implements platform.Component.
func (*Component) Name() string { return "contacts" }

// Drain cancels the imports in progress: they are atomic, lose nothing,
// and their clients are told at once instead of after the shutdown
// timeout (platform.Drainer).
func (c *Component) Drain(ctx context.Context) error { return c.imports.Stop(ctx) }

func jsonBody(v any) *platform.Body {
	return &platform.Body{ContentType: "application/json", Schema: v}
}

func ok(code int, desc string, v any) map[int]platform.Body {
	if v == nil {
		return map[int]platform.Body{code: {Description: desc}}
	}
	return map[int]platform.Body{code: {ContentType: "application/json", Description: desc, Schema: v}}
}

func csvOK(desc string) map[int]platform.Body {
	return map[int]platform.Body{200: {ContentType: "text/csv", Description: desc}}
}

// withError adds an error answer to rs.
func withError(rs map[int]platform.Body, code int, desc string) map[int]platform.Body {
	rs[code] = platform.Body{ContentType: "application/json", Description: desc, Schema: platform.ErrorBody{}}
	return rs
}

// importResponses are the import's answers.
func importResponses() map[int]platform.Body {
	r := ok(200, "what the import did", ImportResult{})
	withError(r, 400, "a malformed file: details name each bad line and column (the first 100) and count the rest")
	withError(r, 409, "a replace without confirm=true, or an import_id in use")
	withError(r, 429, "store.max_imports imports in progress; Retry-After says when to retry")
	withError(r, 503, "the daemon is stopping; nothing was imported")
	return r
}

// lookupResponses are the lookup's answers: a hit, or a miss with why.
func lookupResponses() map[int]platform.Body {
	r := ok(200, "the contact's name", LookupAnswer{})
	r[404] = platform.Body{ContentType: "application/json", Description: "no contact named: match none, skipped or ambiguous (with candidates)", Schema: LookupMiss{}}
	return r
}

// exportResponses are the export's answers: the file, or 404 for an
// unknown source.
func exportResponses() map[int]platform.Body {
	r := csvOK("the contacts")
	r[404] = platform.Body{ContentType: "application/json", Description: "no source of that name", Schema: platform.ErrorBody{}}
	return r
}

func q(name, desc string) platform.Param {
	return platform.Param{Name: name, In: "query", Description: desc}
}

// Routes implements platform.Router. Reads need contacts:read, changes to
// one contact contacts:write, and the handlers keep each principal to its
// rights (access); the CSV import, export and template act on the global
// book and need the admin scope.
func (c *Component) Routes() []platform.Route {
	ct, im := c.contacts, c.imports
	admin, read, write := platform.ScopeAdmin, platform.ScopeContactsRead, platform.ScopeContactsWrite
	hf := func(f http.HandlerFunc) http.Handler { return f }
	return []platform.Route{
		{Method: "GET", Path: "/api/v1/contacts", Scope: read, Handler: hf(ct.search), Op: platform.Operation{
			Summary: "Search contacts (sorted by display name, paged)",
			Params: []platform.Param{q("q", "words of the name, company or number"), q("scope", "global or personal"), q("owner", "owner of personal contacts"),
				q("source", "source id"), q("visible_to", "user whose view to search"), q("limit", "1 to 1000"), q("cursor", "next_cursor of the previous page")},
			Responses: ok(200, "a page of contacts", phonebook.Page{})}},
		{Method: "POST", Path: "/api/v1/contacts", Scope: write, Handler: hf(ct.create), Op: platform.Operation{
			Summary: "Create a contact", Request: jsonBody(contactInput{}), Responses: ok(201, "the contact", ContactView{})}},
		{Method: "GET", Path: "/api/v1/contacts/{id}", Scope: read, Handler: hf(ct.get), Op: platform.Operation{
			Summary: "Get a contact (with its locally edited fields)", Responses: ok(200, "the contact", ContactView{})}},
		{Method: "PUT", Path: "/api/v1/contacts/{id}", Scope: write, Handler: hf(ct.put), Op: platform.Operation{
			Summary: "Replace a contact", Request: jsonBody(contactInput{}), Responses: ok(200, "the contact", ContactView{})}},
		{Method: "PATCH", Path: "/api/v1/contacts/{id}", Scope: write, Handler: hf(ct.patch), Op: platform.Operation{
			Summary: "Change fields of a contact (JSON merge patch)", Request: &platform.Body{ContentType: "application/merge-patch+json", Schema: contactInput{}},
			Responses: ok(200, "the contact", ContactView{})}},
		{Method: "DELETE", Path: "/api/v1/contacts/{id}", Scope: write, Handler: hf(ct.delete), Op: platform.Operation{
			Summary: "Delete a contact (a synced one stays deleted through syncs)", Responses: ok(204, "deleted", nil)}},
		{Method: "POST", Path: "/api/v1/contacts/{id}/revert", Scope: write, Handler: hf(ct.revert), Op: platform.Operation{
			Summary: "Drop local edits of a synced contact", Responses: ok(200, "the contact as its source has it", ContactView{})}},
		{Method: "GET", Path: "/api/v1/lookup", Scope: read, Handler: hf(ct.lookup), Op: platform.Operation{
			Summary:   "Reverse lookup of a number (404 on a miss; an ambiguous number lists the contacts that share it)",
			Params:    []platform.Param{{Name: "number", In: "query", Required: true, Description: "the number, in any format (+387 61 111 111, 061111111, tel:…)"}},
			Responses: lookupResponses()}},
		{Method: "POST", Path: "/api/v1/contacts/import", Scope: admin, Handler: hf(im.importCSV), Op: platform.Operation{
			Summary: "Import a CSV (replace needs confirm=true); its progress is at /api/v1/contact-imports/{import_id} while it runs",
			Params: []platform.Param{q("mode", "replace (default) or merge"), q("confirm", "true to replace"),
				q("import_id", "an id the client chooses for this import (1 to 64 letters, digits, '.', '_', '-'), to poll GET /api/v1/contact-imports/{import_id} while the upload runs; the daemon makes one otherwise (the result's id)")},
			Request:   &platform.Body{ContentType: "text/csv", Description: "Central Phone Book, Google or Outlook CSV"},
			Responses: importResponses()}},
		{Method: "GET", Path: "/api/v1/contact-imports", Scope: admin, Handler: hf(im.listImports), Op: platform.Operation{
			Summary:   "CSV imports in progress and the last 20 finished, newest first, with their progress",
			Responses: ok(200, "the imports", ImportList{})}},
		{Method: "GET", Path: "/api/v1/contact-imports/{id}", Scope: admin, Handler: hf(im.getImport), Op: platform.Operation{
			Summary:   "One CSV import's progress (phase, bytes received, rows parsed and written of the total, seconds left) or, once ended, its result or error; poll it about once a second while the upload runs",
			Responses: withError(ok(200, "the import's status", ImportStatus{}), 404, "no import of that id in progress or among the last 20")}},
		{Method: "GET", Path: "/api/v1/contacts/export", Scope: admin, Handler: hf(im.export), Op: platform.Operation{
			Summary:   "Export global contacts as Central Phone Book CSV (source=csv: only the CSV-managed ones, the file to edit and upload again)",
			Params:    []platform.Param{q("source", "only this source's contacts: local, csv or a sync source's id")},
			Responses: exportResponses()}},
		{Method: "GET", Path: "/api/v1/contacts/template", Scope: admin, Handler: hf(im.template), Op: platform.Operation{
			Summary: "A CSV template", Responses: csvOK("the header and an example row")}},
	}
}
