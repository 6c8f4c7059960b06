package oauth

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// ErrInvalidToken is the error of Authenticate for an access token of
// this server that is unknown, expired or revoked (RFC 6750 §3.1
// invalid_token).
var ErrInvalidToken = errors.New("invalid, expired or revoked access token")

// Authenticate implements platform.Authenticator for
// "Authorization: Bearer pbxat_…": ok is false when the request carries no
// access token of this server (the admin token, a session cookie), so that
// other authenticators try; ok is true and err set when it carries one
// that is unknown, expired or revoked, or whose user is gone.
//
// An app acting for a user gets KindAppUser with the token's scopes (as
// far as the app is still allowed them) and the user's role and abilities
// read now through Accounts.Current, so that a lost ability takes effect
// at once; a client-credentials token gets KindApp.
func (s *Server) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	vals := r.Header.Values("Authorization")
	var tok string
	n := 0
	for _, v := range vals {
		if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") && strings.HasPrefix(v[7:], prefixAccess) {
			tok = strings.TrimSpace(v[7:])
			n++
		}
	}
	if n == 0 {
		return platform.Principal{}, false, nil
	}
	if len(vals) > 1 {
		return platform.Principal{}, true, fmt.Errorf("%w: more than one Authorization header", ErrInvalidToken)
	}
	h := hashOf(tok)
	now := s.clk.Now()
	s.mu.RLock()
	t := s.tokens[h]
	var app *appRec
	if t != nil {
		app = s.apps[t.AppID]
	}
	s.mu.RUnlock()
	if t == nil || t.Kind != kindAccess || app == nil || !now.Before(t.Expires) {
		return platform.Principal{}, true, ErrInvalidToken
	}
	granted := intersect(t.Scopes, app.Scopes)
	cred := hex.EncodeToString(h[:])
	if t.UserID == "" {
		return platform.Principal{Kind: platform.KindApp, AppID: t.AppID, Granted: granted, Credential: cred}, true, nil
	}
	u, err := s.acc.Current(r.Context(), t.UserID)
	if err != nil {
		return platform.Principal{}, true, fmt.Errorf("%w: the token's user: %w", ErrInvalidToken, err)
	}
	return platform.Principal{Kind: platform.KindAppUser, UserID: t.UserID, Username: u.Username, Role: u.Role,
		Abilities: u.Abilities, AppID: t.AppID, Granted: granted, Credential: cred}, true, nil
}

// CheckCredential implements platform.CredentialChecker for OAuth2
// principals (KindApp, KindAppUser): ErrInvalidToken when the access
// token p was authenticated with has been revoked or has expired, or its
// app deleted. Other principals are not its business (nil).
func (s *Server) CheckCredential(_ context.Context, p platform.Principal) error {
	if p.Kind != platform.KindApp && p.Kind != platform.KindAppUser {
		return nil
	}
	var h [32]byte
	b, err := hex.DecodeString(p.Credential)
	if err != nil || len(b) != len(h) {
		return ErrInvalidToken
	}
	copy(h[:], b)
	now := s.clk.Now()
	s.mu.RLock()
	t := s.tokens[h]
	ok := t != nil && t.Kind == kindAccess && s.apps[t.AppID] != nil && now.Before(t.Expires) && t.AppID == p.AppID && t.UserID == p.UserID
	s.mu.RUnlock()
	if !ok {
		return ErrInvalidToken
	}
	return nil
}
