// Package platform is the contract between the daemon and its features,
// and the HTTP basics every handler uses.
//
// A feature is a Component: it names itself and may also list its HTTP
// routes (Router), run in the background (Runner), stop cleanly (Shutdowner)
// and report readiness (Checker). The daemon mounts every route through
// one HTTP layer that authenticates the request (admin token, a user's
// session, an OAuth2 access token), checks the route's Scope against the
// Principal, caps bodies, sets X-Request-Id and writes errors in one
// envelope; it builds the OpenAPI document from the routes' Operations.
package platform
