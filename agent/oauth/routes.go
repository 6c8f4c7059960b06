package oauth

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Routes are the authorization server's endpoints (public: they
// authenticate clients and people on their own) and the apps API (admin).
func (s *Server) Routes() []platform.Route {
	formBody := func(schema, example map[string]any) *platform.Body {
		return &platform.Body{ContentType: "application/x-www-form-urlencoded", Description: "the form's fields", Schema: schema, Example: example}
	}
	html := func(extra map[int]platform.Body) map[int]platform.Body {
		out := map[int]platform.Body{200: {ContentType: "text/html", Description: "the next page (consent), or the same again", Example: htmlPage},
			303: {Description: "back to the app's redirect URI, with code and state (or error)"},
			400: {ContentType: "text/html", Description: "a malformed form, or an unknown client (an error page)", Example: htmlPage},
			403: {ContentType: "text/html", Description: "the authorization expired or its CSRF token is wrong (an error page)", Example: htmlPage}}
		for code, b := range extra {
			out[code] = b
		}
		return out
	}
	tok := map[int]platform.Body{200: {ContentType: "application/json", Description: "the tokens (RFC 6749 §5.1)", Schema: tokenResponse{}},
		400: {ContentType: "application/json", Description: "an OAuth2 error (RFC 6749 §5.2)", Schema: tokenError{}},
		401: {ContentType: "application/json", Description: "the client's authentication failed (invalid_client)", Schema: tokenError{},
			Example: tokenError{Code: "invalid_client", Desc: "unknown client or wrong secret"}}}
	routes := []platform.Route{
		{Method: "GET", Path: "/oauth/authorize", Scope: platform.ScopePublic, OptionalAuth: true, Handler: http.HandlerFunc(s.authorize),
			Op: platform.Operation{Summary: "OAuth2 authorization endpoint (code + PKCE S256): the login or consent page", Params: authorizeParams,
				Responses: map[int]platform.Body{
					200: {ContentType: "text/html", Description: "the login or consent page", Example: htmlPage},
					302: {Description: "an error sent back to the app's redirect URI (error, error_description, state)"},
					400: {ContentType: "text/html", Description: "unknown client or redirect URI (an error page: nothing is sent to the app)", Example: htmlPage}}}},
		{Method: "POST", Path: "/oauth/authorize/login", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.login),
			Op: platform.Operation{Summary: "The login form of an authorization", Request: formBody(loginForm, map[string]any{"txn": "t_4kQ9wZ2mX7", "csrf_token": "f_8Lp3vN6cR1",
				"username": "jmueller", "password": "correct-horse-battery-staple"}),
				Responses: html(map[int]platform.Body{401: {ContentType: "text/html", Description: "wrong username or password: the login page again", Example: htmlPage}})}},
		{Method: "POST", Path: "/oauth/authorize/consent", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.consent),
			Op: platform.Operation{Summary: "The consent form of an authorization", Request: formBody(consentForm, map[string]any{"txn": "t_4kQ9wZ2mX7", "csrf_token": "f_8Lp3vN6cR1",
				"decision": "allow"}), Responses: html(nil)}},
		{Method: "POST", Path: "/oauth/token", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.token),
			Op: platform.Operation{Summary: "OAuth2 token endpoint: authorization_code, refresh_token, client_credentials", Request: formBody(tokenForm, tokenFormExample), Responses: tok}},
		{Method: "POST", Path: "/oauth/revoke", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.revoke),
			Op: platform.Operation{Summary: "OAuth2 token revocation (RFC 7009)", Request: formBody(revokeForm, map[string]any{"token": "rt_8Hq3nW6vX1zC4bM7kP0sL2dF5gJ9tR", "client_id": "app_3f2a9c"}), Responses: map[int]platform.Body{200: {Description: "revoked (or unknown)"},
				400: tok[400], 401: tok[401]}}},
		{Method: "GET", Path: "/.well-known/oauth-authorization-server", Scope: platform.ScopePublic, Handler: http.HandlerFunc(s.metadata),
			Op: platform.Operation{Summary: "OAuth2 authorization server metadata (RFC 8414)", Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "the metadata", Schema: Metadata{}}}}},
	}
	return append(routes, s.appRoutes()...)
}
