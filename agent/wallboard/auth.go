package wallboard

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// ErrInvalidToken: a wallboard token that is unknown or revoked, or whose
// wallboard was deleted.
var ErrInvalidToken = errors.New("wallboard: invalid or revoked wallboard token")

// Authenticate implements platform.Authenticator for "Authorization:
// Bearer wb_…": ok is false when the request carries no wallboard token
// (other authenticators try); err is set when it carries one that opens
// no wallboard. The principal is platform.KindWallboard with the
// wallboard and its groups, and Credential the token's hash (for
// CheckCredential).
func (s *Service) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	vals := r.Header.Values("Authorization")
	var tok string
	n := 0
	for _, v := range vals {
		if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") && strings.HasPrefix(strings.TrimSpace(v[7:]), TokenPrefix) {
			tok = strings.TrimSpace(v[7:])
			n++
		}
	}
	if n == 0 {
		return platform.Principal{}, false, nil
	}
	if len(vals) > 1 {
		return platform.Principal{}, true, errors.Join(ErrInvalidToken, errors.New("more than one Authorization header"))
	}
	h := tokenHash(tok)
	rec, ok := s.lookup(h)
	if !ok {
		return platform.Principal{}, true, ErrInvalidToken
	}
	return platform.Principal{Kind: platform.KindWallboard, Wallboard: rec.ID, Groups: slices.Clone(rec.Groups),
		Credential: hex.EncodeToString(h[:])}, true, nil
}

// CheckCredential implements platform.CredentialChecker for wallboard
// principals: ErrInvalidToken once the token was revoked or replaced, or
// the wallboard deleted. Other principals are not its business (nil). A
// socket opened before the wallboard's groups changed keeps getting the
// events of the groups it was opened with (the board reloads its data
// regularly, and the page opens it again after a change).
func (s *Service) CheckCredential(_ context.Context, p platform.Principal) error {
	if p.Kind != platform.KindWallboard {
		return nil
	}
	h, ok := decodeHash(p.Credential)
	if !ok {
		return ErrInvalidToken
	}
	rec, ok := s.lookup(h)
	if !ok || rec.ID != p.Wallboard {
		return ErrInvalidToken
	}
	return nil
}
