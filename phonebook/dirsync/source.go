package dirsync

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// ErrResync is returned (wrapped) by a source whose delta state was rejected
// by the remote (Graph 410 or syncStateNotFound, …); the engine drops the
// state and runs a full sync.
var ErrResync = errors.New("delta state rejected by the source; full sync required")

// Sink receives a run's changes in stream order. Upserts are idempotent and
// the last change of an external id wins.
type Sink interface {
	// Upsert writes one contact; c.ExternalID must be set (Source and Scope
	// are filled by the engine).
	Upsert(ctx context.Context, c *phonebook.Contact) error
	// Delete removes the contact with that external id (absent is fine).
	Delete(ctx context.Context, externalID string) error
}

// Request tells a source what kind of run to do.
type Request struct {
	// Full asks for every contact; the engine sweeps what is not seen.
	Full bool
	// State is the delta state the source returned from the last committed
	// run (nil on the first run or after a reset). A source may use it in a
	// full run too (e.g. an ETag).
	State []byte
}

// Result is what a run returns besides the contacts.
type Result struct {
	// State is the delta state to persist with the round.
	State []byte
	// NotModified reports that a full source had nothing new (e.g. HTTP 304):
	// the engine applies nothing and does not sweep.
	NotModified bool
}

// Source is one configured contact source.
type Source interface {
	// Sync streams a full listing (req.Full) or the changes since req.State
	// into sink. It must not return before the sink calls complete.
	Sync(ctx context.Context, req Request, sink Sink) (Result, error)
}

// Tester is implemented by sources offering a dry run: the first n mapped
// contacts without importing anything. Test returns a *CredentialsError
// when the remote refuses the credentials.
type Tester interface {
	Test(ctx context.Context, n int) ([]*phonebook.Contact, error)
}

// Closer is implemented by sources holding resources (database pools).
type Closer interface {
	Close() error
}

// Env is what the engine hands a source when building it.
type Env struct {
	// HTTPClient is the client for remote calls (never nil).
	HTTPClient *http.Client
	// Clock drives back-offs.
	Clock Clock
	// Logger is the engine's logger with the source's name and id.
	Logger *slog.Logger
	// DryRun is set for a test (Tester): the source tries each request
	// once (no back-off) so that the test's answer names the first
	// failure within its time bound.
	DryRun bool
}

// Attempts is the Retry.Attempts of a source built with env: 1 for a dry
// run, the default otherwise.
func (env Env) Attempts() int {
	if env.DryRun {
		return 1
	}
	return 0
}

// Type describes one kind of source ("m365", "custom", "sql", "csv-url").
type Type struct {
	// Name is the API's "type" value.
	Name string
	// Secrets names the top-level settings keys that are secret: write-only
	// in the API and encrypted at rest.
	Secrets []string
	// Destinations names the settings keys that decide where the secrets
	// are sent (a URL, a token URL, a tenant, a database host…). A PATCH
	// that changes one must send every stored secret again (or "" to drop
	// it): a secret is only ever sent to the place it was entered for.
	Destinations []string
	// Delta reports whether the source supports delta runs; sources without
	// it run full every time.
	Delta bool
	// StateMaxAge is how long the remote keeps a delta state (Graph: 7
	// days); the status warns when the last success is getting close to it.
	StateMaxAge time.Duration
	// New builds a source from its settings (secrets merged in). It must
	// validate the settings and name the offending field on error.
	New func(settings json.RawMessage, env Env) (Source, error)
}
