// Package wallboard is the call-centre wallboard (docs/callgroups.md,
// "Wallboard"): wallboards kept in the store (the call groups they show,
// the agents they monitor, SLA threshold and target overrides, the amber
// margin, the counters' default span), their routes under
// /api/v1/wallboards, the one answer GET /api/v1/wallboards/{id}/data
// that a board draws from, and the read-only wallboard tokens ("wb_…")
// a wall TV opens its board with: an Authenticator giving
// platform.KindWallboard principals that may read their own wallboard's
// data and the callgroups events of its groups, nothing else.
package wallboard
