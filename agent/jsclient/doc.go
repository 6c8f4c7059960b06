// Package jsclient generates the JavaScript client of the daemon's API
// from its OpenAPI document: an ES module (pbxagent.js) with one async
// method per operationId on class PbxAgent, and its TypeScript
// declarations (pbxagent.d.ts) with an interface per components/schemas
// entry and typed parameters, bodies and results. The hand-written part
// (runtime.js: requests, the session's CSRF token, errors, subscribe
// for server-sent event streams, events() for the events socket, and the
// calls module with its live view of the calls) is embedded and copied
// first, with its declarations (runtime.d.ts, which use the generated
// schema types: Call, Transfer...).
//
// It reads OpenAPI 3.0 and 3.1 alike: $ref to #/components/schemas, type
// as a string or a list (["string","null"]), nullable, enum and const,
// allOf/oneOf/anyOf; what it does not know becomes unknown. The daemon's
// committed copy (web/public) is kept equal to Generate's output by a
// test in package agent; `make client` rewrites it.
package jsclient
