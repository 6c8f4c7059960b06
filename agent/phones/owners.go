package phones

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Owners is who may own a phone: it resolves the owner a request names
// to a user id and keeps each user's list of phones (their devices). The
// users service (agent/users) satisfies it.
type Owners interface {
	// ResolveOwner returns the id of the user that owner names (a user id
	// or a username); ok is false when none does.
	ResolveOwner(owner string) (id string, ok bool)
	// SetPhoneOwner lists the phone mac among the devices of the user
	// userID only, removing it from any other user's; an empty userID
	// removes it from everyone's.
	SetPhoneOwner(ctx context.Context, mac, userID string) error
}

// WithOwners makes the admin API resolve each phone's owner to a user,
// refuse an owner that names none (422), store the user's id, and keep
// the phone among that user's devices. Without it (labs) the owner is
// stored as given.
func WithOwners(o Owners) Option { return func(c *config) { c.owners = o } }

// resolveOwner turns the owner a request gave into the stored one: a
// user's id, or "" for none.
func (s *Service) resolveOwner(owner string) (string, error) {
	owner = strings.TrimSpace(owner)
	if owner == "" || s.cfg.owners == nil {
		return owner, nil
	}
	id, ok := s.cfg.owners.ResolveOwner(owner)
	if !ok {
		return "", &platform.APIError{Status: http.StatusUnprocessableEntity, Code: platform.CodeInvalid,
			Message: "owner: no user has this id or username",
			Details: []platform.FieldError{{Field: "owner", Message: "no user has the id or username " + quoteShort(owner)}}}
	}
	return id, nil
}

// setOwner lists mac among the devices of userID (none: of nobody).
func (s *Service) setOwner(ctx context.Context, mac, userID string) error {
	if s.cfg.owners == nil {
		return nil
	}
	err := s.cfg.owners.SetPhoneOwner(ctx, mac, userID)
	var ae *platform.APIError
	if errors.As(err, &ae) && ae.Status < 500 {
		// The user's devices refused the phone (too many phones, say):
		// the owner is what the client can change.
		msg := ae.Message
		for _, d := range ae.Details {
			msg += "; " + d.Field + ": " + d.Message
		}
		return &platform.APIError{Status: http.StatusUnprocessableEntity, Code: platform.CodeInvalid,
			Message: "owner: the user's devices cannot take this phone",
			Details: []platform.FieldError{{Field: "owner", Message: msg}}}
	}
	return err
}

// quoteShort quotes s for an error message, cut to 64 bytes.
func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
