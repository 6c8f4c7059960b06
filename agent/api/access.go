package api

import (
	"fmt"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/phonebook"
)

// access applies who-may-do-what to a contacts request: a
// user's personal contacts (owner = their user id, users.ContactOwner) are
// read and changed only by that user and by admins
// (users.MayAccessContacts); global contacts are read by everyone on the
// route and changed only by admins. Another user's personal contact is
// answered 404, as if it did not exist.
type access struct {
	p platform.Principal
	// admin: the admin token, an admin's session, an app token granted
	// the admin scope (for its admin user, or acting for itself).
	admin bool
}

// accessOf returns the rules for r's principal. A request without one
// (a route mounted without authentication) is treated as nobody: global
// contacts only.
func accessOf(r *http.Request) access {
	p, _ := platform.PrincipalFrom(r.Context())
	return access{p: p, admin: p.Allows(platform.ScopeAdmin)}
}

func forbidden(msg string) *platform.APIError {
	return &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden, Message: msg}
}

// sees reports whether a may read ct.
func (a access) sees(ct *phonebook.Contact) bool {
	return ct.Scope == phonebook.ScopeGlobal || users.MayAccessContacts(a.p, ct.Owner)
}

// mayChange is the phonebook.Check of a write to an existing contact: a
// contact a may not see is not found; a global one is for admins.
func (a access) mayChange(cur *phonebook.Contact) error {
	switch {
	case !a.sees(cur):
		return phonebook.ErrNotFound
	case a.admin:
		return nil
	case cur.Scope == phonebook.ScopeGlobal:
		return forbidden("only an admin may change a global contact")
	}
	return nil
}

// limitSearch narrows q to what a may read: for anyone but an admin, the
// global contacts and their own personal ones. Naming another owner (owner
// or visible_to) is 403, and so is asking for personal contacts without a
// user (an app acting for itself).
func (a access) limitSearch(q *phonebook.Query) error {
	if a.admin {
		return nil
	}
	me := users.ContactOwner(a.p)
	for _, f := range []struct{ name, v string }{{"owner", q.Owner}, {"visible_to", q.VisibleTo}} {
		if f.v != "" && f.v != me {
			return forbidden(fmt.Sprintf("%s: you may search only your own personal contacts", f.name))
		}
	}
	switch {
	case me == "" && q.Scope == phonebook.ScopePersonal:
		return forbidden("scope: personal contacts belong to users; this token acts for no user")
	case me == "" && q.Scope == "":
		q.Scope = phonebook.ScopeGlobal
	case me == "":
		// global, or not a scope (the store refuses it)
	case q.VisibleTo != "", q.Scope == phonebook.ScopeGlobal:
		// visible_to is me; global: nothing personal.
	case q.Scope == phonebook.ScopePersonal:
		q.Owner = me
	case q.Owner == "":
		q.VisibleTo = me // no scope: every global contact and mine
	}
	return nil
}

// vetInput checks the scope and owner of a contact a writes: anyone but
// an admin writes only personal contacts owned by themself. An empty scope
// or owner is filled in (personal, the caller's user id).
func (a access) vetInput(in *contactInput) error {
	if a.admin {
		return nil
	}
	me := users.ContactOwner(a.p)
	switch {
	case me == "":
		return forbidden("this token acts for no user: it may not write contacts")
	case in.Scope == phonebook.ScopeGlobal:
		return forbidden("scope: only an admin may write a global contact")
	case in.Owner != "" && in.Owner != me:
		return forbidden("owner: you may write only your own personal contacts")
	}
	if in.Scope == "" {
		in.Scope = phonebook.ScopePersonal
	}
	if in.Scope == phonebook.ScopePersonal {
		in.Owner = me
	}
	return nil
}
