package oauth

import "github.com/pbxagent/pbxagent/agent/platform"

// The OpenAPI document's schemas of the OAuth2 endpoints' form bodies and
// query parameters (RFC 6749, RFC 7636, RFC 7009), as the handlers read
// them.

func formField(desc string, example any) map[string]any {
	return map[string]any{"type": "string", "description": desc, "examples": []any{example}}
}

func form(required []any, props map[string]any) map[string]any {
	return map[string]any{"type": "object", "required": required, "properties": props}
}

var (
	tokenForm = form([]any{"grant_type"}, map[string]any{
		"grant_type": map[string]any{"type": "string", "enum": []any{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials},
			"description": "The grant", "examples": []any{GrantAuthorizationCode}},
		"code":          formField("authorization_code: the code the authorization returned", "c_Jx2m9QwLk8vR3nT7yB1cD4f"),
		"redirect_uri":  formField("authorization_code: the redirect URI of the authorization", "https://crm.example.com/oauth/callback"),
		"code_verifier": formField("authorization_code: the PKCE verifier of the code_challenge", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
		"refresh_token": formField("refresh_token: the refresh token", "rt_8Hq3nW6vX1zC4bM7kP0sL2dF5gJ9tR"),
		"scope":         formField("refresh_token, client_credentials: the scopes asked for, space-separated (default: all granted)", "contacts:read"),
		"client_id":     formField("The app's client id (or HTTP Basic authentication)", "app_3f2a9c"),
		"client_secret": formField("A confidential app's secret (or HTTP Basic authentication)", "9c2bqv0tHk3mL8xZ1pR4sW7yA6dF5gJ2"),
	})
	tokenFormExample = map[string]any{"grant_type": GrantAuthorizationCode, "code": "c_Jx2m9QwLk8vR3nT7yB1cD4f",
		"redirect_uri": "https://crm.example.com/oauth/callback", "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "client_id": "app_3f2a9c"}

	revokeForm = form([]any{"token"}, map[string]any{
		"token":         formField("The access or refresh token to revoke", "rt_8Hq3nW6vX1zC4bM7kP0sL2dF5gJ9tR"),
		"client_id":     formField("The app's client id (or HTTP Basic authentication)", "app_3f2a9c"),
		"client_secret": formField("A confidential app's secret (or HTTP Basic authentication)", "9c2bqv0tHk3mL8xZ1pR4sW7yA6dF5gJ2"),
	})

	loginForm = form([]any{"txn", "csrf_token", "username", "password"}, map[string]any{
		"txn":        formField("The authorization in progress (a hidden field of the page)", "t_4kQ9wZ2mX7"),
		"csrf_token": formField("The page's CSRF token (a hidden field)", "f_8Lp3vN6cR1"),
		"username":   formField("The user's username", "jmueller"),
		"password":   formField("The user's password", "correct-horse-battery-staple"),
	})

	consentForm = form([]any{"txn", "csrf_token", "decision"}, map[string]any{
		"txn":        formField("The authorization in progress (a hidden field of the page)", "t_4kQ9wZ2mX7"),
		"csrf_token": formField("The page's CSRF token (a hidden field)", "f_8Lp3vN6cR1"),
		"decision": map[string]any{"type": "string", "enum": []any{"allow", "deny"}, "description": "allow grants the scopes; anything else refuses",
			"examples": []any{"allow"}},
	})

	htmlPage = "<!doctype html>\n<html lang=\"en\"><head><title>Sign in</title></head><body><form method=\"post\">…</form></body></html>\n"

	authorizeParams = []platform.Param{
		{Name: "response_type", In: "query", Required: true, Description: "Always code", Example: "code", Schema: map[string]any{"type": "string", "enum": []any{"code"}}},
		{Name: "client_id", In: "query", Required: true, Description: "The app's client id", Example: "app_3f2a9c"},
		{Name: "redirect_uri", In: "query", Description: "One of the app's redirect URIs (may be left out when it has one)", Example: "https://crm.example.com/oauth/callback"},
		{Name: "scope", In: "query", Description: "The scopes asked for, space-separated (default: all the app may have)", Example: "contacts:read contacts:write"},
		{Name: "state", In: "query", Description: "Returned as is to the redirect URI", Example: "af0ifjsldkj"},
		{Name: "code_challenge", In: "query", Required: true, Description: "PKCE: BASE64URL(SHA256(code_verifier))", Example: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		{Name: "code_challenge_method", In: "query", Required: true, Description: "Always S256", Example: "S256", Schema: map[string]any{"type": "string", "enum": []any{"S256"}}},
	}
)
