// Package httpx is the daemon's one HTTP layer: a mux built from every
// component's routes (platform.Route) that, per request, sets X-Request-Id,
// authenticates with a pluggable list of platform.Authenticator, checks
// the route's scope (401 without a principal, 403 without the scope), puts
// the principal in the context, caps the body (413), counts requests and
// latencies per route, logs the cause of every 500 with the request id,
// and answers unknown paths and wrong methods in the API's error
// envelope. It also builds the OpenAPI document from the routes.
package httpx
