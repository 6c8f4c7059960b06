package oauth

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Metadata is the authorization server metadata (RFC 8414 §2).
type Metadata struct {
	Issuer                            string   `json:"issuer" doc:"The issuer: this server's public URL" example:"https://pbx.example.com"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint" doc:"The authorization endpoint" example:"https://pbx.example.com/oauth/authorize"`
	TokenEndpoint                     string   `json:"token_endpoint" doc:"The token endpoint" example:"https://pbx.example.com/oauth/token"`
	RevocationEndpoint                string   `json:"revocation_endpoint" doc:"The revocation endpoint (RFC 7009)" example:"https://pbx.example.com/oauth/revoke"`
	ScopesSupported                   []string `json:"scopes_supported" doc:"The scopes an app may ask for" example:"[\"contacts:read\",\"contacts:write\",\"dialer\",\"admin\"]"`
	ResponseTypesSupported            []string `json:"response_types_supported" doc:"Always code" example:"[\"code\"]"`
	ResponseModesSupported            []string `json:"response_modes_supported" doc:"Always query" example:"[\"query\"]"`
	GrantTypesSupported               []string `json:"grant_types_supported" doc:"The grants supported" example:"[\"authorization_code\",\"refresh_token\",\"client_credentials\"]"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported" doc:"How clients authenticate at the token endpoint" example:"[\"client_secret_basic\",\"client_secret_post\",\"none\"]"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported" doc:"How clients authenticate at the revocation endpoint" example:"[\"client_secret_basic\",\"client_secret_post\",\"none\"]"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported" doc:"PKCE methods: S256" example:"[\"S256\"]"`
	AuthorizationResponseIssParameter bool     `json:"authorization_response_iss_parameter_supported" doc:"The authorization response carries iss (RFC 9207)" example:"true"`
	ServiceDocumentation              string   `json:"service_documentation,omitempty" doc:"Where the API is documented" example:"https://pbx.example.com/docs/api"`
}

// metadata serves GET /.well-known/oauth-authorization-server.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	iss := s.issuer(r)
	scopes := make([]string, len(platform.AppScopes))
	for i, sc := range platform.AppScopes {
		scopes[i] = string(sc)
	}
	auth := []string{"client_secret_basic", "client_secret_post", "none"}
	w.Header().Set("Cache-Control", "max-age=300")
	platform.WriteJSON(w, http.StatusOK, Metadata{
		Issuer:                            iss,
		AuthorizationEndpoint:             iss + "/oauth/authorize",
		TokenEndpoint:                     iss + "/oauth/token",
		RevocationEndpoint:                iss + "/oauth/revoke",
		ScopesSupported:                   scopes,
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               grantTypes,
		TokenEndpointAuthMethodsSupported: auth,
		RevocationEndpointAuthMethods:     auth,
		CodeChallengeMethodsSupported:     []string{"S256"},
		AuthorizationResponseIssParameter: true,
	})
}
