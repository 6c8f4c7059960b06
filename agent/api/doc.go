// Package api is pbxagent's admin REST API under /api/v1 (contacts, search,
// reverse lookup, CSV import and export), with its JSON error shape, bearer
// authentication, request metrics and the OpenAPI document that describes
// every route. Other parts of the daemon (phones, sync sources, campaigns)
// mount their own handlers on the same Router.
package api
