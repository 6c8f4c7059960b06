// Package callhistory keeps the users' call history: every call the calls
// engine ends (its call_ended event) becomes one Record in the store's
// key-value namespace "callhistory", with the parties' names from the
// phone book where the call did not carry them. Records are keyed by the
// call's start time twice: per user ("u/<user>/<time>-<id>") for a user's
// history newest first, and across users ("t/<time>-<id>") for
// supervisors and for retention, so that listing a page or pruning old
// records reads only what it returns. Both keys of a record are written
// (and deleted) in one batch: a crash leaves a record whole or absent.
//
// The package serves GET /api/v1/calls/history (filters and cursor paging)
// and GET /api/v1/calls/history/export (the same as CSV).
package callhistory
