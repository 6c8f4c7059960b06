package events

import (
	"slices"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Audience says who may see an event: the users it names, the holders of
// the abilities it names, or those a predicate accepts, evaluated at each
// delivery with the principal's current role and abilities (a user who
// loses an ability stops getting the events it gave). The topic's scope
// is checked as well (see Topics): an audience only narrows it. The zero
// Audience is refused by Publish.
//
// Its parts are kept apart rather than folded into one function so that
// the hub can find the connections an event is for without asking every
// connection: by user id, among the connections whose principal holds an
// ability, and only for a predicate by asking each connection of the
// topic.
type Audience struct {
	a *audience
}

// audience is the union of its parts.
type audience struct {
	anyone bool
	noUser bool // principals acting for no user (NoUser)
	users  []string
	// userSet holds users when they are many (a presence roster), so
	// that Match does not search a long list at every delivery.
	userSet   map[string]struct{}
	abilities []platform.Ability
	preds     []func(platform.Principal) bool
}

// Match reports whether p is in the audience.
func (a Audience) Match(p platform.Principal) bool {
	if a.a == nil {
		return false
	}
	if a.a.anyone {
		return true
	}
	if p.UserID != "" && a.a.hasUser(p.UserID) {
		return true
	}
	if p.UserID == "" && a.a.noUser {
		return true
	}
	for _, ab := range a.a.abilities {
		if p.Has(ab) {
			return true
		}
	}
	for _, f := range a.a.preds {
		if f(p) {
			return true
		}
	}
	return false
}

// setMin is the number of users from which an audience keeps them in a
// set as well as in a list.
const setMin = 16

// hasUser reports whether id is one of the audience's users.
func (a *audience) hasUser(id string) bool {
	if a.userSet != nil {
		_, ok := a.userSet[id]
		return ok
	}
	return slices.Contains(a.users, id)
}

// indexUsers makes the set of users once they are many.
func (a *audience) indexUsers() {
	if len(a.users) < setMin {
		return
	}
	a.userSet = make(map[string]struct{}, len(a.users))
	for _, id := range a.users {
		a.userSet[id] = struct{}{}
	}
}

// set reports whether a was made by one of the constructors (the zero
// Audience is not).
func (a Audience) set() bool { return a.a != nil }

// Anyone is every principal that may read the event's topic.
func Anyone() Audience { return Audience{&audience{anyone: true}} }

// Users is the users named by id (a user's own call, chat message).
func Users(ids ...string) Audience {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
	a := &audience{users: ids}
	a.indexUsers()
	return Audience{a}
}

// NoUser is the principals that act for no user: the admin token and
// client-credentials apps (the hub looks them up, as it does users by id).
func NoUser() Audience { return Audience{&audience{noUser: true}} }

// Holding is the principals holding ability a (admins and the admin token
// hold every ability).
func Holding(a platform.Ability) Audience {
	return Audience{&audience{abilities: []platform.Ability{a}}}
}

// Roles is the users with one of roles (the admin token counts as an
// admin).
func Roles(roles ...platform.Role) Audience {
	roles = slices.Clone(roles)
	return Func(func(p platform.Principal) bool {
		if p.Kind == platform.KindAdminToken {
			return slices.Contains(roles, platform.RoleAdmin)
		}
		return p.UserID != "" && slices.Contains(roles, p.Role)
	})
}

// Granted is the principals allowed scope s (platform.Principal.Allows).
func Granted(s platform.Scope) Audience {
	return Func(func(p platform.Principal) bool { return p.Allows(s) })
}

// Func is the principals f accepts. f is asked, at publish time, about
// every connection subscribed to the event's topic: prefer Users and
// Holding, which the hub looks up.
func Func(f func(p platform.Principal) bool) Audience {
	return Audience{&audience{preds: []func(platform.Principal) bool{f}}}
}

// Any is the union of audiences: a principal in one of them. Any() is
// no one.
func Any(as ...Audience) Audience {
	u := &audience{}
	seen := map[string]bool{}
	for _, a := range as {
		if a.a == nil {
			continue
		}
		u.anyone = u.anyone || a.a.anyone
		u.noUser = u.noUser || a.a.noUser
		for _, id := range a.a.users {
			if !seen[id] {
				seen[id] = true
				u.users = append(u.users, id)
			}
		}
		for _, ab := range a.a.abilities {
			if !slices.Contains(u.abilities, ab) {
				u.abilities = append(u.abilities, ab)
			}
		}
		u.preds = append(u.preds, a.a.preds...)
	}
	u.indexUsers()
	return Audience{u}
}

// UserAndSupervisors is the audience of an event about a user's own
// call: that user, and those holding manage_callcenter.
func UserAndSupervisors(userID string) Audience {
	return Any(Users(userID), Holding(platform.AbilityManageCallCenter))
}
