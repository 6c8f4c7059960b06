package users

import "github.com/pbxagent/pbxagent/agent/platform"

// ContactOwner is the owner that personal contacts created by p carry: the
// user's id, or "" when p is not a user (the admin token, an app acting
// for itself), which then names the owner explicitly.
//
// The rule the contacts component applies: a personal contact whose owner
// is a user id is read and changed only by that user (sessions and OAuth2
// tokens acting for them) and by whoever holds the admin scope (the admin
// token, an admin's session, an app granted "admin"); everyone else gets
// 404, as if it did not exist.
func ContactOwner(p platform.Principal) string { return p.UserID }

// MayAccessContacts reports whether p may read and change the personal
// contacts of owner (a user id).
func MayAccessContacts(p platform.Principal, owner string) bool {
	if p.Allows(platform.ScopeAdmin) {
		return true
	}
	return owner != "" && p.UserID == owner
}
