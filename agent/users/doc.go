// Package users holds the people who use pbxagent: their accounts, roles,
// abilities and devices, web login with argon2id passwords and a
// failed-login throttle, sessions in cookies with CSRF protection, the
// users admin API, /api/v1/users/me, and imports from CSV and from
// Asterisk's endpoint list.
//
// The Service is a platform.Component (Router, Runner, Shutdowner) and a
// platform.Authenticator for the session cookie. Users and sessions live
// in one key-value namespace of the phonebook store (MetaBatch("users"));
// writes that touch several keys are one atomic batch. docs/users.md
// describes the model, the API and the limits.
//
// Personal contacts belong to a user: their owner is the user's id
// (ContactOwner), and only that user and admins read and change them.
package users
