package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// SpoolPattern names the files an import spools its upload in (in the
// directory given to NewImports); os.CreateTemp replaces the star.
const SpoolPattern = "import-*.csv"

// CodeTooManyImports comes with 429 when the import slots are taken.
const CodeTooManyImports = "too_many_imports"

// DefaultMaxImports is how many CSV imports run at once when NewImports is
// given no WithMaxImports.
const DefaultMaxImports = 1

// importRetryAfter is the Retry-After of a 429 for a full set of import
// slots, in seconds: a 50 000-row import takes a few seconds.
const importRetryAfter = 5

// ErrStopping is the cause of an import cancelled because the daemon
// stops: it is answered with 503 and nothing of it is applied.
var ErrStopping = errors.New("the daemon is stopping")

// ImportStage names a point an import passes; see WithImportHook.
type ImportStage string

// The stages an import passes, in order.
const (
	// StageSpooled: the upload is in its spool file, not yet validated.
	StageSpooled ImportStage = "spooled"
	// StageValidated: the file is valid; it is about to be applied.
	StageValidated ImportStage = "validated"
	// StageChunkWritten: a chunk of rows (up to 1024) was written; the
	// import holds the directory. Reached once per chunk.
	StageChunkWritten ImportStage = "chunk-written"
)

// ImportsOption configures NewImports.
type ImportsOption func(*Imports)

// WithMaxImports bounds the CSV imports in progress at once (receiving,
// validating or applying); one more is refused at once with 429 and a
// Retry-After header, before its body is read. n < 1 means
// DefaultMaxImports.
func WithMaxImports(n int) ImportsOption {
	return func(im *Imports) {
		if n >= 1 {
			im.slots = make(chan struct{}, n)
		}
	}
}

// WithImportsLogger sets the logger (slog.Default() otherwise).
func WithImportsLogger(l *slog.Logger) ImportsOption {
	return func(im *Imports) {
		if l != nil {
			im.log = l
		}
	}
}

// WithImportsClock sets the clock of the imports' progress and estimates
// (clock.Real otherwise).
func WithImportsClock(c clock.Clock) ImportsOption {
	return func(im *Imports) {
		if c != nil {
			im.clock = c
		}
	}
}

// WithImportHook makes every import call hook with its request's context
// as it reaches each ImportStage. Tests use it to hold an import at a
// known point; the hook runs in the handler's goroutine.
func WithImportHook(hook func(ctx context.Context, stage ImportStage)) ImportsOption {
	return func(im *Imports) { im.hook = hook }
}

// WithAfterImports makes the last import in progress call fn when it
// ends (whatever its outcome), after it answered its client. The daemon
// passes debug.FreeOSMemory: an import allocates hundreds of MB that are
// garbage once it ends, and a daemon that then idles runs no collection
// to give them back.
func WithAfterImports(fn func()) ImportsOption {
	return func(im *Imports) { im.after = fn }
}

// settle calls the WithAfterImports function when no import is in
// progress, once w's answer is on its way to the client.
func (im *Imports) settle(w http.ResponseWriter) {
	if im.after != nil && len(im.slots) == 0 {
		_ = http.NewResponseController(w).Flush()
		im.after()
	}
}

// Stop cancels every import in progress and refuses those that start
// later: each answers 503 (ErrStopping), with nothing of it applied, as
// soon as it notices (a body still arriving stops at once: its read
// deadline is set to now). Stop then waits until every import in progress
// has written its answer, or ctx ends (it then says how many still run).
func (im *Imports) Stop(ctx context.Context) error {
	im.mu.Lock()
	im.stop()
	if im.running == 0 {
		im.mu.Unlock()
		return nil
	}
	if im.idle == nil {
		im.idle = make(chan struct{})
	}
	idle := im.idle
	im.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		im.mu.Lock()
		n := im.running
		im.mu.Unlock()
		return fmt.Errorf("%d imports still running after being cancelled: %w", n, ctx.Err())
	}
}

// enter counts an import in progress; false once Stop was called.
func (im *Imports) enter() bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.stopCtx.Err() != nil {
		return false
	}
	im.running++
	return true
}

// leave ends what enter began.
func (im *Imports) leave() {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.running--; im.running == 0 && im.idle != nil {
		close(im.idle)
		im.idle = nil
	}
}

// acquire takes an import slot; false when all are taken.
func (im *Imports) acquire() (release func(), ok bool) {
	select {
	case im.slots <- struct{}{}:
		return func() { <-im.slots }, true
	default:
		return nil, false
	}
}

// cancelOnStop returns a context of r that Stop cancels with ErrStopping,
// setting the request's read deadline to now so a body read in progress
// returns at once. done releases it; once done returns, Stop no longer
// touches the request.
func (im *Imports) cancelOnStop(w http.ResponseWriter, r *http.Request) (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancelCause(r.Context())
	rc := http.NewResponseController(w)
	fired := make(chan struct{})
	stop := context.AfterFunc(im.stopCtx, func() {
		defer close(fired)
		cancel(ErrStopping)
		_ = rc.SetReadDeadline(time.Now())
	})
	return ctx, func() {
		if !stop() {
			<-fired
		}
		cancel(nil)
	}
}

// stoppedBy reports whether ctx ended because the daemon stops.
func stoppedBy(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrStopping)
}

// writeStopping answers an import cancelled by Stop, whole (with its
// length) and flushed: Stop closes the connection once the import has
// returned, and the client must have the whole answer by then.
func writeStopping(w http.ResponseWriter, r *http.Request) {
	body, _ := json.Marshal(platform.ErrorBody{Error: platform.ErrorDetail{Code: platform.CodeUnavailable,
		Message:   "the daemon is stopping: the import was cancelled and nothing of it was imported; upload the file again once the daemon is back",
		Details:   []platform.FieldError{},
		RequestID: platform.RequestID(r.Context())}})
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	h.Set("Retry-After", "10")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(body)
	_ = http.NewResponseController(w).Flush()
}

// writeTooManyImports answers an import refused for want of a slot; the
// Retry-After is the estimated time left of the imports holding the
// directory when there is an estimate.
func (im *Imports) writeTooManyImports(w http.ResponseWriter, r *http.Request, limit int) {
	ra := strconv.Itoa(importRetryAfter)
	if d, _, ok := im.runs.busyFor(im.now()); ok {
		ra = retryAfter(d)
	}
	w.Header().Set("Retry-After", ra)
	platform.WriteError(w, r, http.StatusTooManyRequests, CodeTooManyImports,
		fmt.Sprintf("%d CSV import(s) already in progress, the most store.max_imports allows; retry when it has finished", limit),
		[]platform.FieldError{{Field: "max_imports", Message: strconv.Itoa(limit)}})
}

// ctxReader reads r until ctx ends, then fails with ctx's cause: parsing
// and applying a spooled file stop when the import is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read implements io.Reader.
func (c ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

// RemoveSpoolFiles deletes every import spool file in dir (files named
// after SpoolPattern) and returns how many it removed. The daemon calls it
// when it starts (files of a process that died mid-import) and when it
// stops (files of imports that did not end); a file still open is only
// unlinked, so an import that still reads it is not disturbed.
func RemoveSpoolFiles(dir string) (int, error) {
	names, err := filepath.Glob(filepath.Join(dir, SpoolPattern))
	if err != nil {
		return 0, fmt.Errorf("list spool files in %s: %w", dir, err)
	}
	n := 0
	var errs []error
	for _, name := range names {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove spool file: %w", err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
