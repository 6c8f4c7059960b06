package platform

import (
	"context"
	"net/http"
	"slices"
)

// Scope is what a route needs; OAuth2 access tokens carry scopes by these
// names.
type Scope string

// Scopes. ScopePublic needs nothing; ScopeSignedIn needs any principal;
// the others follow the OAuth2 scopes apps ask for.
const (
	ScopePublic        Scope = "public"
	ScopeSignedIn      Scope = "signed_in"
	ScopeAdmin         Scope = "admin"
	ScopeContactsRead  Scope = "contacts:read"
	ScopeContactsWrite Scope = "contacts:write"
	ScopeCalls         Scope = "calls"
	ScopePresence      Scope = "presence"
	ScopeChat          Scope = "chat"
	ScopeCallGroups    Scope = "callgroups"
	ScopeHotel         Scope = "hotel"
	ScopeDialer        Scope = "dialer"
	// ScopeWallboard reads call groups' live state and statistics: the
	// wallboard's routes. Wallboard tokens (KindWallboard) hold only it.
	ScopeWallboard Scope = "wallboard"
)

// AppScopes are the scopes an OAuth2 app may ask for.
var AppScopes = []Scope{ScopeContactsRead, ScopeContactsWrite, ScopeCalls, ScopePresence, ScopeChat, ScopeCallGroups, ScopeHotel, ScopeDialer, ScopeAdmin}

// Role is a user's role.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleUser       Role = "user"
)

// Ability is a right a user is granted on top of their role (denied by
// default for users).
type Ability string

// Abilities.
const (
	AbilityManageCallCenter Ability = "manage_callcenter"
	AbilityChangePresence   Ability = "change_presence"
	AbilityHotelAdmin       Ability = "hotel_admin"
	AbilityDialer           Ability = "dialer"
	AbilityRecordings       Ability = "recordings"
)

// Kind says how a principal authenticated.
type Kind string

// Kinds.
const (
	KindAdminToken Kind = "admin_token" // the daemon's admin token (scripts)
	KindSession    Kind = "session"     // a person signed in to the web console
	KindAppUser    Kind = "app_user"    // an OAuth2 app acting for a user
	KindApp        Kind = "app"         // an OAuth2 app acting for itself (client credentials)
	KindWallboard  Kind = "wallboard"   // a wall TV showing one wallboard (read-only wallboard token)
)

// Principal is who a request acts for.
type Principal struct {
	Kind Kind
	// UserID and Username name the user (empty for the admin token and
	// client-credentials apps).
	UserID, Username string
	Role             Role
	Abilities        []Ability
	// AppID names the OAuth2 app (KindAppUser, KindApp).
	AppID string
	// Granted are the scopes of an OAuth2 token; nil for sessions and the
	// admin token, whose rights come from the role.
	Granted []Scope
	// Credential names the session or OAuth2 access token the request was
	// authenticated with (an opaque handle, not the secret itself), so that
	// a long-lived connection can ask later whether it is still live
	// (CredentialChecker); empty for the admin token.
	Credential string `json:"-"`
	// Wallboard and Groups, for KindWallboard: the wallboard the token
	// opens and the call groups it shows (nothing else is visible to it).
	Wallboard string
	Groups    []string
}

// CredentialChecker reports whether the credential a principal was
// authenticated with (Principal.Credential) is still live: nil when it
// is, an error when the session ended (logout, password change, expiry)
// or the token was revoked or expired. A principal of a kind it does not
// issue is not its business (nil).
type CredentialChecker interface {
	CheckCredential(ctx context.Context, p Principal) error
}

// Has reports whether p holds ability a (admins hold all).
func (p Principal) Has(a Ability) bool {
	return p.Kind == KindAdminToken || p.Role == RoleAdmin || slices.Contains(p.Abilities, a)
}

// RoleScopes are the scopes a role grants a person signed in.
func RoleScopes(r Role, abilities []Ability) []Scope {
	switch r {
	case RoleAdmin:
		return append(append([]Scope(nil), AppScopes...), ScopeWallboard)
	case RoleSupervisor, RoleUser:
		s := []Scope{ScopeContactsRead, ScopeContactsWrite, ScopeCalls, ScopePresence, ScopeChat, ScopeCallGroups}
		if slices.Contains(abilities, AbilityManageCallCenter) {
			s = append(s, ScopeWallboard) // wallboards show every member's figures
		}
		if slices.Contains(abilities, AbilityDialer) || r == RoleSupervisor {
			s = append(s, ScopeDialer)
		}
		if slices.Contains(abilities, AbilityHotelAdmin) {
			s = append(s, ScopeHotel)
		}
		return s
	}
	return nil
}

// Allows reports whether p may use a route that needs s. An OAuth2 token
// never grants more than its user holds now: its scopes are intersected
// with the user's current role and abilities.
func (p Principal) Allows(s Scope) bool {
	switch {
	case s == ScopePublic:
		return true
	case p.Kind == KindAdminToken:
		return true
	case s == ScopeSignedIn:
		return p.Kind != ""
	}
	// An app granted admin may do whatever its grant's owner may.
	granted := slices.Contains(p.Granted, s) || slices.Contains(p.Granted, ScopeAdmin)
	switch p.Kind {
	case KindSession:
		return slices.Contains(RoleScopes(p.Role, p.Abilities), s)
	case KindAppUser:
		return granted && slices.Contains(RoleScopes(p.Role, p.Abilities), s)
	case KindApp:
		return granted
	case KindWallboard:
		return s == ScopeWallboard
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of a request's context.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Authenticator turns a request's credentials into a principal. ok is
// false when the request carries none of the credentials it knows; err is
// set when it carries some and they are wrong (expired, revoked, forged).
type Authenticator interface {
	Authenticate(r *http.Request) (p Principal, ok bool, err error)
}
