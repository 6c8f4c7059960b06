package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// handlerGrace bounds how long Stop waits, after closing the connections of
// requests that outlived http.shutdown_timeout, for their handlers to
// return (a handler whose connection is closed sees its request context
// end and its writes fail, and should return at once).
const handlerGrace = 5 * time.Second

// inflight is the handler the HTTP server serves: it runs next and counts
// the calls in progress, so that Stop closes the store only after the last
// handler has returned. http.Server.Shutdown gives up on active requests
// when its context ends, and http.Server.Close closes their connections
// without waiting for their handlers.
type inflight struct {
	next http.Handler

	mu      sync.Mutex
	n       int
	closing bool          // set by drain: requests arriving later are refused
	idle    chan struct{} // closed when n drops to 0; nil while nobody waits
}

// ServeHTTP runs next, counted, or refuses the request once drain began.
func (t *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !t.enter() {
		// Only a request read before its connection was closed gets here.
		w.Header().Set("Connection", "close")
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer t.leave()
	t.next.ServeHTTP(w, r)
}

func (t *inflight) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return false
	}
	t.n++
	return true
}

func (t *inflight) leave() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n--; t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

// running is the number of handlers in progress.
func (t *inflight) running() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// drain refuses new requests and waits until no handler runs, or ctx ends
// (then it returns an error naming how many still run).
func (t *inflight) drain(ctx context.Context) error {
	t.mu.Lock()
	t.closing = true
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%d http handlers still running: %w", t.running(), ctx.Err())
	}
}

// handlers is the tracker Start put in front of the router (nil before
// Start).
func (d *Daemon) handlers() *inflight {
	if d.httpSrv == nil {
		return nil
	}
	t, _ := d.httpSrv.Handler.(*inflight)
	return t
}

// stopHTTP shuts the HTTP front down: it stops accepting and lets the
// requests in flight finish within http.shutdown_timeout (and ctx); those
// that do not have their connections closed, and it then waits, at most
// handlerGrace more (and within ctx), for every handler to return. It
// reports whether none still runs: only then may the store be closed.
func (d *Daemon) stopHTTP(ctx context.Context) (idle bool, errs []error) {
	if d.lane == nil {
		return true, nil
	}
	sctx, cancel := context.WithTimeout(ctx, d.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if d.tlsSrv != nil {
		if err := d.tlsSrv.Shutdown(sctx); err != nil {
			_ = d.tlsSrv.Close()
		}
	}
	if err := d.lane.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		running := 0
		if t := d.handlers(); t != nil {
			running = t.running()
		}
		d.log.Warn("http requests outlived the shutdown timeout; closing their connections",
			"shutdown_timeout", d.cfg.HTTP.ShutdownTimeout, "handlers_running", running, "err", err)
		if err := d.httpSrv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("http close: %w", err))
		}
	}
	t := d.handlers()
	if t == nil {
		return true, errs
	}
	gctx, gcancel := context.WithTimeout(ctx, handlerGrace)
	defer gcancel()
	start := time.Now()
	if err := t.drain(gctx); err != nil {
		d.log.Error("gave up waiting for http handlers after closing their connections; leaving the store open rather than closing it under them",
			"handlers_running", t.running(), "waited", time.Since(start).Round(time.Millisecond), "err", err)
		return false, append(errs, fmt.Errorf("http handlers: %w; store left open", err))
	}
	return true, errs
}
