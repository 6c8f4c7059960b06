package users

import (
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// User is a person who signs in to the web console and whose devices ring
// for their calls, as the API shows it. The password is never part of it.
type User struct {
	// ID is the user's stable id (a ULID); personal contacts, phones and
	// tokens refer to it.
	ID string `json:"id" doc:"The user's stable id (a ULID); personal contacts, phones and tokens refer to it" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	// Username signs in; unique regardless of case.
	Username string `json:"username" doc:"Signs in; unique regardless of case" example:"jmueller"`
	// DisplayName is shown to others; the username when empty.
	DisplayName string `json:"display_name" doc:"Shown to others; the username when empty" example:"Jürgen Müller"`
	Email       string `json:"email,omitempty" doc:"E-mail address" example:"j.mueller@example.com"`
	// Language is a BCP 47 tag ("en", "de-CH").
	Language string `json:"language,omitempty" doc:"The console's language, a BCP 47 tag" example:"en"`
	// Extensions are the numbers the user is reached at; each belongs to
	// one user.
	Extensions []string `json:"extensions" doc:"The numbers the user is reached at; each belongs to one user" example:"[\"101\"]"`
	// Role is admin, supervisor or user.
	Role platform.Role `json:"role" openapi:"enum=admin|supervisor|user" doc:"admin, supervisor or user" example:"user"`
	// Abilities are rights on top of the role (denied to users unless
	// listed).
	Abilities []platform.Ability `json:"abilities" doc:"Rights on top of the role: manage_callcenter, change_presence, hotel_admin, dialer, recordings" example:"[\"dialer\"]"`
	// Devices ring for the user.
	Devices Devices `json:"devices" doc:"What rings for the user"`
	// Disabled users cannot sign in; their sessions end at once.
	Disabled bool `json:"disabled" doc:"The user cannot sign in; their sessions end at once" example:"false"`
	// HasPassword says a password is set (web login possible).
	HasPassword bool      `json:"has_password" doc:"A password is set (web login possible)" example:"true"`
	CreatedAt   time.Time `json:"created_at" doc:"When the user was created" example:"2026-11-30T09:12:00Z"`
	UpdatedAt   time.Time `json:"updated_at" doc:"When the user last changed" example:"2026-12-01T10:00:00Z"`
}

// Devices are what rings for a user.
type Devices struct {
	// Endpoints are Asterisk endpoints ("PJSIP/101"); each belongs to one
	// user.
	Endpoints []string `json:"endpoints" doc:"Asterisk endpoints; each belongs to one user" example:"[\"PJSIP/101\"]"`
	// Phones are desk phones of the phones registry by MAC address (12
	// lower-case hex digits); each belongs to one user, and the registry's
	// owner of that phone is the user's id.
	Phones []string `json:"phones" doc:"Desk phones by MAC address (12 lower-case hex digits); each belongs to one user" example:"[\"0015654aa937\"]"`
}

// record is a user as stored: the public fields plus the password hash.
// Records are never changed in place once published: a write stores a new
// one, so readers may keep a pointer without a lock.
type record struct {
	User
	PasswordHash string `json:"password_hash,omitempty"`
}

// view returns the user as the API shows it.
func (r *record) view() User {
	u := r.User
	u.HasPassword = r.PasswordHash != ""
	u.Extensions = nonNil(u.Extensions)
	u.Abilities = nonNil(u.Abilities)
	u.Devices.Endpoints = nonNil(u.Devices.Endpoints)
	u.Devices.Phones = nonNil(u.Devices.Phones)
	return u
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// principal is the session principal of the user.
func (r *record) principal() platform.Principal {
	return platform.Principal{Kind: platform.KindSession, UserID: r.ID, Username: r.Username, Role: r.Role, Abilities: r.Abilities}
}
