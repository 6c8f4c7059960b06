package queuelog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Writer appends the journal's entries to a queue_log file. It implements
// callgroups.Journal and is safe for concurrent use.
//
// Each line is one write(2) on a file opened O_APPEND, so lines from
// concurrent Records never interleave and another process appending to
// the same file (Asterisk's own app_queue) does not tear them. By
// default the writer does not fsync — as app_queue, which fflushes each
// line (main/logger.c ast_queue_log): a line is in the kernel once Record
// returns and survives the daemon's crash, not the machine's; WithSync
// fsyncs every line. Reopen (after log rotation) and Close sync.
type Writer struct {
	path string
	sync bool
	log  *slog.Logger

	mu  sync.Mutex
	f   *os.File
	buf []byte

	failures atomic.Int64
}

// Option configures a Writer.
type Option func(*Writer)

// WithSync makes every line fsynced before Record returns.
func WithSync(on bool) Option { return func(w *Writer) { w.sync = on } }

// WithLogger sets where write failures are logged.
func WithLogger(l *slog.Logger) Option { return func(w *Writer) { w.log = l } }

// Open opens (creating it, mode 0640) the queue_log file at path for
// appending.
func Open(path string, opts ...Option) (*Writer, error) {
	w := &Writer{path: path, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(w)
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	w.f = f
	return w, nil
}

func openFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("queue_log: open: %w", err)
	}
	return f, nil
}

// Path is the file's path.
func (w *Writer) Path() string { return w.path }

// Failures counts the lines that could not be written.
func (w *Writer) Failures() int64 { return w.failures.Load() }

// ErrClosed: the writer was closed.
var ErrClosed = errors.New("queue_log: closed")

// Record implements callgroups.Journal: it appends the entry's line. A
// failure is logged (the first, then every 1000th) and counted, not
// returned: the journal must not stop the calls.
func (w *Writer) Record(_ context.Context, e callgroups.Entry) {
	if err := w.WriteLine(FromEntry(e)); err != nil {
		if n := w.failures.Add(1); n == 1 || n%1000 == 0 {
			w.log.Warn("queue_log: a line was not written", "path", w.path, "failures", n, "err", err)
		}
	}
}

// WriteLine appends one line.
func (w *Writer) WriteLine(l Line) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return ErrClosed
	}
	w.buf = append(l.Append(w.buf[:0]), '\n')
	if _, err := w.f.Write(w.buf); err != nil {
		return fmt.Errorf("queue_log: write: %w", err)
	}
	if w.sync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("queue_log: sync: %w", err)
		}
	}
	return nil
}

// Reopen syncs and closes the file and opens the path again: after a log
// rotation moved the file away, lines go to a new file at the path. On an
// error the old file stays in use.
func (w *Writer) Reopen() error {
	f, err := openFile(w.path)
	if err != nil {
		return err
	}
	w.mu.Lock()
	old := w.f
	if old == nil {
		w.mu.Unlock()
		_ = f.Close()
		return ErrClosed
	}
	w.f = f
	w.mu.Unlock()
	return closeFile(old)
}

// Close syncs and closes the file; later Records fail (counted).
func (w *Writer) Close() error {
	w.mu.Lock()
	f := w.f
	w.f = nil
	w.mu.Unlock()
	if f == nil {
		return nil
	}
	return closeFile(f)
}

func closeFile(f *os.File) error {
	serr := f.Sync()
	if err := f.Close(); err != nil {
		return fmt.Errorf("queue_log: close: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("queue_log: sync: %w", serr)
	}
	return nil
}
