package oauth

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Routes are the authorization server's endpoints (public: they
// authenticate clients and people on their own) and the apps API (admin).
func (s *Server) Routes() []platform.Route {
	form := &platform.Body{ContentType: "application/x-www-form-urlencoded", Description: "RFC 6749 parameters"}
	html := map[int]platform.Body{200: {ContentType: "text/html", Description: "the login or consent page"}, 303: {Description: "back to the app's redirect URI"}}
	tok := map[int]platform.Body{200: {ContentType: "application/json", Description: "the tokens (RFC 6749 §5.1)", Schema: tokenResponse{}},
		400: {ContentType: "application/json", Description: "an OAuth2 error (RFC 6749 §5.2)", Schema: tokenError{}}}
	routes := []platform.Route{
		{Method: "GET", Path: "/oauth/authorize", Scope: platform.ScopePublic, OptionalAuth: true, Handler: http.HandlerFunc(s.authorize),
			Op: platform.Operation{Summary: "OAuth2 authorization endpoint (code + PKCE S256): the login or consent page", Responses: map[int]platform.Body{
				200: {ContentType: "text/html", Description: "the login or consent page"}, 302: {Description: "an error sent back to the app"}, 400: {ContentType: "text/html", Description: "unknown client or redirect URI"}}}},
		{Method: "POST", Path: "/oauth/authorize/login", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.login),
			Op: platform.Operation{Summary: "The login form of an authorization", Request: form, Responses: html}},
		{Method: "POST", Path: "/oauth/authorize/consent", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.consent),
			Op: platform.Operation{Summary: "The consent form of an authorization", Request: form, Responses: html}},
		{Method: "POST", Path: "/oauth/token", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.token),
			Op: platform.Operation{Summary: "OAuth2 token endpoint: authorization_code, refresh_token, client_credentials", Request: form, Responses: tok}},
		{Method: "POST", Path: "/oauth/revoke", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.revoke),
			Op: platform.Operation{Summary: "OAuth2 token revocation (RFC 7009)", Request: form, Responses: map[int]platform.Body{200: {Description: "revoked (or unknown)"}}}},
		{Method: "GET", Path: "/.well-known/oauth-authorization-server", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.metadata),
			Op: platform.Operation{Summary: "OAuth2 authorization server metadata (RFC 8414)", Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "the metadata", Schema: Metadata{}}}}},
	}
	return append(routes, s.appRoutes()...)
}
