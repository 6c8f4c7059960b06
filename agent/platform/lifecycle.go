package platform

import "context"

// Drainer is a Component with long-lived requests (event streams, CSV
// imports) that would hold the daemon's HTTP shutdown for its whole
// timeout. The daemon calls Drain once when it begins to stop, before the
// HTTP listener stops taking requests, in the reverse order of
// registration: end the streams, cancel the imports (ctx bounds the wait).
type Drainer interface {
	Drain(ctx context.Context) error
}

// Listener is a Component that binds sockets of its own (FastAGI, SIP).
// The daemon calls Listen for every Listener, in order, before it runs any
// Runner, so that a port already taken fails the start before anything
// serves; when the start fails, it calls Shutdown on the components whose
// Listen it called, the failed one included (a Listener is also a Shutdowner, and closes what
// Listen opened there).
type Listener interface {
	Listen(ctx context.Context) error
	Shutdowner
}

// Checks is a Component that reports the readiness of several parts
// under their own names ("agi", "sip"): nil when ready, else why not.
// /readyz lists each part.
type Checks interface {
	ReadyChecks(ctx context.Context) map[string]error
}
