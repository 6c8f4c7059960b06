package callgroups

import (
	"context"
	"net/http"
	"slices"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// access is what a request's principal may do with call groups, after
// Wildix's rule (docs/callgroups.md, "API"): administrators configure
// groups; holders of manage_callcenter (administrators hold every
// ability) see every group and act on any member; anyone else sees the
// groups they are a member of and joins, leaves and pauses only themself.
type access struct {
	p platform.Principal
}

func accessOf(r *http.Request) access {
	p, _ := platform.PrincipalFrom(r.Context())
	return access{p: p}
}

// admin reports whether the principal may create, change and delete
// groups: the admin token, an administrator signed in, an app granted
// admin (for an administrator, or for itself).
func (a access) admin() bool { return a.p.Allows(platform.ScopeAdmin) }

// supervisor reports whether the principal acts on other members and
// sees every group (ability manage_callcenter).
func (a access) supervisor() bool { return a.p.Has(platform.AbilityManageCallCenter) }

// sees reports whether the principal may see group id.
func (a access) sees(svc Service, id string) bool {
	if a.supervisor() {
		return true
	}
	return a.p.UserID != "" && slices.Contains(svc.GroupsOf(a.p.UserID), id)
}

// member resolves the {user} of a member route (or a body's user_id):
// "me" or "" is the caller; another user needs manage_callcenter. On
// false the error is written.
func (a access) member(w http.ResponseWriter, r *http.Request, user, field string) (string, bool) {
	if user == "" || user == "me" {
		if a.p.UserID == "" {
			platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden,
				"the caller acts for no user (the admin token and client-credentials apps): name the member", []platform.FieldError{{Field: field, Message: "me: the caller acts for no user"}})
			return "", false
		}
		return a.p.UserID, true
	}
	if user != a.p.UserID && !a.supervisor() {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden,
			"acting on another member needs the ability manage_callcenter", []platform.FieldError{{Field: field, Message: "is not the caller"}})
		return "", false
	}
	return user, true
}

// group answers the group of the request's {id} when the principal may
// see it; on false a 404 is written (a group the caller may not see is
// as missing as one that does not exist).
func (h *Handler) group(ctx context.Context, w http.ResponseWriter, r *http.Request, a access) (Group, bool) {
	id := r.PathValue("id")
	g, ok := h.svc.Group(ctx, id)
	if !ok || !a.sees(h.svc, id) {
		notFoundGroup(w, r)
		return Group{}, false
	}
	return g, true
}

func notFoundGroup(w http.ResponseWriter, r *http.Request) {
	platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such call group",
		[]platform.FieldError{{Field: "id", Message: "no such call group"}})
}

func notFoundMember(w http.ResponseWriter, r *http.Request) {
	platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such member in the call group",
		[]platform.FieldError{{Field: "user", Message: "is not a member of the group"}})
}

func forbiddenAdmin(w http.ResponseWriter, r *http.Request) {
	platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "configuring call groups is for administrators", nil)
}
