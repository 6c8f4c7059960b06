package manager

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// access is what a request's principal may do with the hotel (every
// route needs scope hotel, which only administrators and holders of
// hotel_admin hold, and apps granted it): administrators configure rooms,
// groups and rates; administrators and holders of hotel_admin (Wildix's
// rule: only users of admin type check in and out, set wake-ups and the
// make-up status) operate the rooms; an app acting for itself, granted
// scope hotel by an administrator (a PMS integration), operates them too.
type access struct{ p platform.Principal }

func accessOf(r *http.Request) access {
	p, _ := platform.PrincipalFrom(r.Context())
	return access{p: p}
}

// admin: configuring rooms, groups and rates.
func (a access) admin() bool { return a.p.Allows(platform.ScopeAdmin) }

// operator: check-in and out, moves, wake-ups, housekeeping and status.
func (a access) operator() bool {
	return a.p.Has(platform.AbilityHotelAdmin) || (a.p.Kind == platform.KindApp && a.p.Allows(platform.ScopeHotel))
}

// actor is who the request acts for.
func (a access) actor() hotel.Actor { return hotel.Actor{Source: hotel.SourceAPI, UserID: a.p.UserID} }

func forbiddenAdmin(w http.ResponseWriter, r *http.Request) {
	platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "configuring the hotel (rooms, groups, rates) is for administrators",
		[]platform.FieldError{{Field: "role", Message: "admin is required"}})
}

func forbiddenOperator(w http.ResponseWriter, r *http.Request) {
	platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden,
		"checking guests in and out, moves, wake-ups and room status need the ability hotel_admin (or an administrator)",
		[]platform.FieldError{{Field: "ability", Message: "hotel_admin is required"}})
}

// notFound writes a 404 naming the parameter.
func notFound(w http.ResponseWriter, r *http.Request, field, what string) {
	platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, what, []platform.FieldError{{Field: field, Message: what}})
}
