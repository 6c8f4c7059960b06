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
	im.sourceName = c.sourceName
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
	return map[int]platform.Body{200: {ContentType: "text/csv", Description: desc, Schema: map[string]any{"type": "string"}, Example: templateCSV()}}
}

// withError adds an error answer to rs.
func withError(rs map[int]platform.Body, code int, desc string) map[int]platform.Body {
	rs[code] = platform.Body{ContentType: "application/json", Description: desc, Schema: platform.ErrorBody{}}
	return rs
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
			Summary:     "Search contacts (sorted by display name, paged)",
			Description: "Words match the start of name parts, company and e-mail (case and accents ignored); digits and `+` match numbers in any notation.",
			Params: []platform.Param{qx("q", "Words of the name, company or number", "+387 61"),
				{Name: "scope", In: "query", Description: "Only global or only personal contacts", Example: "global", Schema: enumSchema("global", "personal")},
				qx("owner", "Only the personal contacts of this user id", "01JEQ7H2B3C4D5E6F7G8H9J0K1"),
				qx("source", "Only this source's contacts: a sync source's id or name, local (made here) or csv (CSV uploads)", "local"),
				qx("visible_to", "Search as this user id sees the book: global contacts and their personal ones", "01JEQ7H2B3C4D5E6F7G8H9J0K1"),
				qx("limit", "Page size, 1 to 1000 (default 100)", 100), qx("cursor", "next_cursor of the previous page", "MDFKRVE3RzhaSzRNMk41UDZSN1M4VDlWMFc")},
			Responses: ok(200, "a page of contacts", phonebook.Page{})}},
		{Method: "POST", Path: "/api/v1/contacts", Scope: write, Handler: hf(ct.create), Op: platform.Operation{
			Summary: "Create a contact", Request: jsonBody(contactInput{}), Responses: ok(201, "the contact", ContactView{})}},
		{Method: "GET", Path: "/api/v1/contacts/{id}", Scope: read, Handler: hf(ct.get), Op: platform.Operation{
			Summary: "Get a contact (with its locally edited fields)", Params: []platform.Param{contactIDParam}, Responses: ok(200, "the contact", ContactView{})}},
		{Method: "PUT", Path: "/api/v1/contacts/{id}", Scope: write, Handler: hf(ct.put), Op: platform.Operation{
			Summary: "Replace a contact", Params: []platform.Param{contactIDParam}, Request: jsonBody(contactInput{}), Responses: ok(200, "the contact", ContactView{})}},
		{Method: "PATCH", Path: "/api/v1/contacts/{id}", Scope: write, Handler: hf(ct.patch), Op: platform.Operation{
			Summary: "Change fields of a contact (JSON merge patch)", Params: []platform.Param{contactIDParam},
			Description: "RFC 7396: the fields sent replace the contact's, null clears one, lists (numbers, emails) are replaced whole. " +
				"On a synced contact the changed fields become local edits, kept through syncs until reverted.", Request: &platform.Body{ContentType: "application/merge-patch+json", Schema: contactInput{}},
			Responses: ok(200, "the contact", ContactView{})}},
		{Method: "DELETE", Path: "/api/v1/contacts/{id}", Scope: write, Handler: hf(ct.delete), Op: platform.Operation{
			Summary: "Delete a contact (a synced one stays deleted through syncs)", Params: []platform.Param{contactIDParam}, Responses: ok(204, "deleted", nil)}},
		{Method: "POST", Path: "/api/v1/contacts/{id}/revert", Scope: write, Handler: hf(ct.revert), Op: platform.Operation{
			Summary: "Drop local edits of a synced contact", Params: []platform.Param{contactIDParam}, Responses: ok(200, "the contact as its source has it", ContactView{})}},
		{Method: "GET", Path: "/api/v1/lookup", Scope: read, Handler: hf(ct.lookup), Op: platform.Operation{
			Summary: "Reverse lookup of a number (404 on a miss; an ambiguous number lists the contacts that share it)", Params: []platform.Param{{Name: "number", In: "query", Required: true,
				Description: "The number in any notation: E.164, national in numbers.default_region, 00-prefixed, tel: URI, an extension", Example: "+38761111111"}},
			Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "the contact's name", Schema: LookupAnswer{}},
				404: {ContentType: "application/json", Description: "no contact has the number (match none), several have it (match ambiguous, with candidates), or it is no number (match skipped)", Schema: lookupMiss{},
					Example: lookupMiss{LookupAnswer{Match: "ambiguous", E164: "+38761111111", CandidatesTotal: 2, Candidates: []phonebook.Candidate{
						{ContactID: "01JEQ7G8ZK4M2N5P6R7S8T9V0W", Name: "Jürgen Müller", Source: "local"}, {ContactID: "01JEQ7H2B3C4D5E6F7G8H9J0K1", Name: "Ankunding d.o.o.", Source: "csv"}}},
						platform.ErrorDetail{Code: platform.CodeNotFound, Message: "2 contacts have this number, so caller ID names none of them; candidates lists them",
							Details: []platform.FieldError{}, RequestID: "b3f1c2a4d5e6f708"}}}}}},
		{Method: "POST", Path: "/api/v1/contacts/import", Scope: admin, Handler: hf(im.importCSV), Op: platform.Operation{
			Summary: "Import a CSV (replace needs confirm=true)", Description: "replace makes the CSV-managed contacts exactly the file's (deleting those it lacks) and needs confirm=true; merge only adds and updates. " +
				"The format (Central Phone Book without header, Google or Outlook with one) is detected and named in the answer, with the header columns skipped. " +
				"While it runs, GET /api/v1/contact-imports/{import_id} gives its progress (poll it about once a second).",
			Params: []platform.Param{{Name: "mode", In: "query", Description: "replace (default) or merge", Example: "replace", Schema: enumSchema("replace", "merge")},
				qx("confirm", "true to confirm a replace (it deletes the CSV-managed contacts the file lacks)", true),
				qx("import_id", "An id the client chooses for this import (1 to 64 letters, digits, '.', '_', '-'), to poll GET /api/v1/contact-imports/{import_id} while the upload runs; the daemon makes one otherwise (the answer's id)", "console-3f2a9c1d")},
			Request: &platform.Body{ContentType: "text/csv", Description: "Central Phone Book, Google or Outlook CSV", Example: templateCSV()},
			Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "what the import did", Schema: ImportResult{}},
				400: {ContentType: "application/json", Description: "a malformed file: details name each bad line and column (the first 100) and a last body entry counts the rest", Schema: platform.ErrorBody{}},
				409: {ContentType: "application/json", Description: "a replace without confirm=true (" + ConfirmReplaceMessage + "), or an import_id in use", Schema: platform.ErrorBody{}},
				429: {ContentType: "application/json", Description: "too many imports at once (too_many_imports): retry after Retry-After (the estimated time left of the import in progress)", Schema: platform.ErrorBody{}},
				503: {ContentType: "application/json", Description: "the daemon is stopping: nothing was imported", Schema: platform.ErrorBody{}}}}},
		{Method: "GET", Path: "/api/v1/contact-imports", Scope: admin, Handler: hf(im.listImports), Op: platform.Operation{
			Summary:   "CSV imports in progress and the last 20 finished, newest first, with their progress",
			Responses: ok(200, "the imports", ImportList{})}},
		{Method: "GET", Path: "/api/v1/contact-imports/{id}", Scope: admin, Handler: hf(im.getImport), Op: platform.Operation{
			Summary: "One CSV import's progress, or its result once it ended",
			Description: "phase (receiving, validating, applying, publishing, done, failed), bytes_received of bytes_total, rows_parsed, rows_written of rows_total, " +
				"seconds_left (estimated while applying and publishing); once ended, result (the import's answer) or error. Poll it about once a second while the upload runs.",
			Params:    []platform.Param{{Name: "id", In: "path", Required: true, Description: "The import's id (import_id, or the id of its answer)", Example: "console-3f2a9c1d"}},
			Responses: withError(ok(200, "the import's status", ImportStatus{}), 404, "no import of that id in progress or among the last 20")}},
		{Method: "GET", Path: "/api/v1/contacts/import", Scope: admin, Handler: hf(im.importInfo), Op: platform.Operation{
			Summary:   "What a replacing CSV import would replace: the number of contacts from earlier CSV imports (those the new file lacks are deleted)",
			Responses: ok(200, "the count", ImportInfo{})}},
		{Method: "GET", Path: "/api/v1/contacts/export", Scope: admin, Handler: hf(im.export), Op: platform.Operation{
			Summary:   "Export global contacts as Central Phone Book CSV (source=csv: only the CSV-managed ones, the file to edit and upload again)",
			Params:    []platform.Param{qx("source", "Only this source's contacts: local, csv (the CSV-managed ones) or a sync source's id", "csv")},
			Responses: withError(csvOK("the contacts, one a line, no header (the template's format)"), 404, "no source of that name")}},
		{Method: "GET", Path: "/api/v1/contacts/template", Scope: admin, Handler: hf(im.template), Op: platform.Operation{
			Summary:   "A CSV template: " + templateSummary,
			Responses: csvOK(templateSummary + "; no header row, which this format does not have (a header would be read as a contact)")}},
	}
}
