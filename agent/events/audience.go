package events

import (
	"slices"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Audience says who may see an event: a predicate over the principal of
// a connection, evaluated at each delivery with the principal's current
// role and abilities (a user who loses an ability stops getting the
// events it gave). The topic's scope is checked as well (see Topics): an
// audience only narrows it. A nil Audience is refused by Publish.
type Audience func(p platform.Principal) bool

// Anyone is every principal that may read the event's topic.
func Anyone() Audience { return func(platform.Principal) bool { return true } }

// Users is the users named by id (a user's own call, chat message).
func Users(ids ...string) Audience {
	ids = slices.Clone(ids)
	return func(p platform.Principal) bool { return p.UserID != "" && slices.Contains(ids, p.UserID) }
}

// Holding is the principals holding ability a (admins and the admin token
// hold every ability).
func Holding(a platform.Ability) Audience {
	return func(p platform.Principal) bool { return p.Has(a) }
}

// Roles is the users with one of roles (the admin token counts as an
// admin).
func Roles(roles ...platform.Role) Audience {
	roles = slices.Clone(roles)
	return func(p platform.Principal) bool {
		if p.Kind == platform.KindAdminToken {
			return slices.Contains(roles, platform.RoleAdmin)
		}
		return p.UserID != "" && slices.Contains(roles, p.Role)
	}
}

// Granted is the principals allowed scope s (platform.Principal.Allows).
func Granted(s platform.Scope) Audience {
	return func(p platform.Principal) bool { return p.Allows(s) }
}

// Any is the union of audiences: a principal in one of them. Any() is
// no one.
func Any(as ...Audience) Audience {
	as = slices.Clone(as)
	return func(p platform.Principal) bool {
		for _, a := range as {
			if a != nil && a(p) {
				return true
			}
		}
		return false
	}
}

// UserAndSupervisors is the audience of an event about a user's own
// call: that user, and those holding manage_callcenter.
func UserAndSupervisors(userID string) Audience {
	return Any(Users(userID), Holding(platform.AbilityManageCallCenter))
}
