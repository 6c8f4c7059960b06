package users

import (
	"context"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// errUserGone answers Current for a user who is deleted or disabled.
var errUserGone = &platform.APIError{Status: http.StatusUnauthorized, Code: platform.CodeUnauthorized, Message: "the user is deleted or disabled"}

// Current returns the user's principal as it is now (role and abilities
// read at the call), or an error when the user is deleted or disabled. An
// OAuth2 access token is checked against it on every request, so a lost
// ability takes effect at once.
func (s *Service) Current(_ context.Context, userID string) (platform.Principal, error) {
	rec, ok := s.user(userID)
	if !ok || rec.Disabled {
		return platform.Principal{}, errUserGone
	}
	return rec.principal(), nil
}

// Endpoints returns the Asterisk endpoints of a user's devices
// (devices.endpoints, "PJSIP/101"): what rings for their calls. A deleted
// or disabled user has none (errUserGone).
func (s *Service) Endpoints(_ context.Context, userID string) ([]string, error) {
	rec, ok := s.user(userID)
	if !ok || rec.Disabled {
		return nil, errUserGone
	}
	return append([]string(nil), rec.Devices.Endpoints...), nil
}

// Phones returns the MAC addresses of a user's desk phones
// (devices.phones). A deleted or disabled user has none (errUserGone).
func (s *Service) Phones(_ context.Context, userID string) ([]string, error) {
	rec, ok := s.user(userID)
	if !ok || rec.Disabled {
		return nil, errUserGone
	}
	return append([]string(nil), rec.Devices.Phones...), nil
}
