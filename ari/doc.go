// Package ari is pbxagent's client for the Asterisk REST Interface (ARI):
// typed REST calls for every resource pbxagent drives and the events
// WebSocket, with pings, reconnect with backoff and jitter, reconciliation
// after a reconnect and an event router that never drops silently.
//
// Models and events are generated from the ARI Swagger specification
// (go generate runs ari/internal/gen over testlab/ari/spec); a test keeps
// them equal to the JSON. Unknown events and fields are kept: an event type
// this package does not know decodes to *UnknownEvent and every event keeps
// its raw JSON.
//
// The Client interface and its small sub-interfaces (Channels, Bridges,
// Playbacks, ...) let higher layers run against the testlab stand-in or a
// fake; *Conn is the implementation that talks to Asterisk.
package ari

//go:generate go run ./internal/gen -spec ../testlab/ari/spec -models models_gen.go -events events_gen.go
