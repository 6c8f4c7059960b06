package users

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func jsonBody(desc string, v any) *platform.Body {
	return &platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

func resp(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

var (
	idParam     = platform.Param{Name: "id", In: "path", Required: true, Description: "The user's id", Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1"}
	errResponse = resp("error", platform.ErrorBody{})
	noContent   = platform.Body{Description: "done"}
)

// Routes implements platform.Router.
func (s *Service) Routes() []platform.Route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	return []platform.Route{
		{Method: "POST", Path: "/api/v1/login", Scope: platform.ScopePublic, Handler: h(s.login), Op: platform.Operation{
			Summary: "Sign in with username and password: sets the session cookie, returns the CSRF token",
			Request: jsonBody("credentials", LoginRequest{}),
			Responses: map[int]platform.Body{200: resp("signed in", LoginResponse{}), 400: errResponse, 401: errResponse,
				415: errResponse, 429: errResponse, 503: errResponse}}},
		{Method: "POST", Path: "/api/v1/logout", Scope: platform.ScopePublic, Handler: h(s.logout), Op: platform.Operation{
			Summary:   "Sign out: ends the session of the cookie (X-CSRF-Token required) and clears the cookie",
			Params:    []platform.Param{{Name: CSRFHeader, In: "header", Description: "The session's CSRF token", Example: "7mQ2xV9kL4wR8tN3bY6cZ1pD"}},
			Responses: map[int]platform.Body{204: noContent, 403: errResponse}}},
		{Method: "GET", Path: "/api/v1/users/me", Scope: platform.ScopeSignedIn, Handler: h(s.getMe), Op: platform.Operation{
			Summary:   "The signed-in user, with the session's CSRF token",
			Responses: map[int]platform.Body{200: resp("the user", Me{}), 401: errResponse, 403: errResponse}}},
		{Method: "PATCH", Path: "/api/v1/users/me", Scope: platform.ScopeSignedIn, Handler: h(s.patchMe), Op: platform.Operation{
			Summary: "Change one's own display name, language or password (with the current one)",
			Request: jsonBody("fields to change", MePatch{}),
			Responses: map[int]platform.Body{200: resp("the user", Me{}), 400: errResponse, 401: errResponse, 403: errResponse,
				415: errResponse, 429: errResponse}}},
		{Method: "GET", Path: "/api/v1/users", Scope: platform.ScopeAdmin, Handler: h(s.list), Op: platform.Operation{
			Summary: "List users by username, paged; q searches username, name, e-mail, extensions and endpoints",
			Params: []platform.Param{{Name: "q", In: "query", Description: "Search text", Example: "muller"},
				{Name: "limit", In: "query", Description: "Page size, 1–1000 (default 100)", Schema: map[string]any{"type": "integer"}, Example: 100},
				{Name: "cursor", In: "query", Description: "next_cursor of the previous page", Example: "amlhbmE"}},
			Responses: map[int]platform.Body{200: resp("a page of users", Page{}), 400: errResponse}}},
		{Method: "POST", Path: "/api/v1/users", Scope: platform.ScopeAdmin, Handler: h(s.createOne), Op: platform.Operation{
			Summary:   "Create a user",
			Request:   jsonBody("the user", Input{}),
			Responses: map[int]platform.Body{201: resp("created", User{}), 400: errResponse, 409: errResponse, 415: errResponse}}},
		{Method: "GET", Path: "/api/v1/users/{id}", Scope: platform.ScopeAdmin, Handler: h(s.getOne), Op: platform.Operation{
			Summary: "Get a user", Params: []platform.Param{idParam},
			Responses: map[int]platform.Body{200: resp("the user", User{}), 404: errResponse}}},
		{Method: "PATCH", Path: "/api/v1/users/{id}", Scope: platform.ScopeAdmin, Handler: h(s.patchOne), Op: platform.Operation{
			Summary: "Change a user (JSON merge patch); a new password or disabling ends their sessions",
			Params:  []platform.Param{idParam},
			Request: &platform.Body{ContentType: "application/merge-patch+json", Description: "fields to change; null clears", Schema: Input{}},
			Responses: map[int]platform.Body{200: resp("the user", User{}), 400: errResponse, 404: errResponse, 409: errResponse,
				415: errResponse}}},
		{Method: "DELETE", Path: "/api/v1/users/{id}", Scope: platform.ScopeAdmin, Handler: h(s.deleteOne), Op: platform.Operation{
			Summary: "Delete a user and end their sessions", Params: []platform.Param{idParam},
			Responses: map[int]platform.Body{204: noContent, 404: errResponse}}},
		{Method: "POST", Path: "/api/v1/users/import", Scope: platform.ScopeAdmin, Handler: h(s.importCSV), Op: platform.Operation{
			Summary: "Create users from a CSV, all or none (header: username,display_name,email,language,role,abilities,extensions,endpoints,phones,disabled)",
			Request: &platform.Body{ContentType: "text/csv", Description: "a header line, then one user a line; lists separated by ';'",
				Schema: map[string]any{"type": "string"}, Example: "username,display_name,email,language,role,abilities,extensions,endpoints,phones,disabled\n" +
					"jmueller,Jürgen Müller,j.mueller@example.com,de,user,dialer,101,PJSIP/101,0015654aa937,false\n"},
			Responses: map[int]platform.Body{201: resp("created", ImportResult{}), 400: errResponse, 409: errResponse,
				413: errResponse, 415: errResponse}}},
		{Method: "POST", Path: "/api/v1/users/import-endpoints", Scope: platform.ScopeAdmin, Handler: h(s.importEndpoints), Op: platform.Operation{
			Summary:   "Create a user for each numeric Asterisk endpoint that no user has (PJSIP/101 → user 101)",
			Responses: map[int]platform.Body{200: resp("what was created and skipped", EndpointImport{}), 502: errResponse, 503: errResponse}}},
	}
}
