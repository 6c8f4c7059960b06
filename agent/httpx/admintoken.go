package httpx

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// AdminToken authenticates the daemon's admin token, sent as
// "Authorization: Bearer <token>" (scripts and the CLI).
type AdminToken struct {
	want []byte // "Bearer <token>"
}

// NewAdminToken returns the authenticator of token; an empty token
// authenticates nobody.
func NewAdminToken(token string) *AdminToken {
	if token == "" {
		return &AdminToken{}
	}
	return &AdminToken{want: []byte("Bearer " + token)}
}

// errAuthorizationFields: a second Authorization field is a credential
// nobody checked.
var errAuthorizationFields = errors.New("more than one Authorization field")

// Authenticate implements platform.Authenticator: the token compared in
// constant time, in the request's only Authorization field (a second
// field, even a valid one, is refused). A bearer that is not the token is
// left to the other authenticators (an OAuth2 access token).
func (a *AdminToken) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	auth := r.Header["Authorization"]
	switch {
	case len(auth) == 0:
		return platform.Principal{}, false, nil
	case len(auth) > 1:
		return platform.Principal{}, false, errAuthorizationFields
	case len(a.want) == 0 || subtle.ConstantTimeCompare([]byte(auth[0]), a.want) != 1:
		return platform.Principal{}, false, nil
	}
	return platform.Principal{Kind: platform.KindAdminToken, Role: platform.RoleAdmin}, true, nil
}
