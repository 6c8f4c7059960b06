package httpx

import (
	"context"
	"log/slog"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// LogHandler is a slog.Handler that adds the request id of the record's
// context (platform.RequestID) to every record logged with one, so that
// every line a request logs through a *Context method
// (log.InfoContext(r.Context(), …)) names the request.
type LogHandler struct{ next slog.Handler }

// NewLogHandler wraps next.
func NewLogHandler(next slog.Handler) *LogHandler {
	if lh, ok := next.(*LogHandler); ok {
		return lh
	}
	return &LogHandler{next: next}
}

// Enabled reports whether next handles level.
func (h *LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle adds request_id and passes the record on.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := platform.RequestID(ctx); id != "" {
			r = r.Clone()
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a LogHandler over next.WithAttrs.
func (h *LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &LogHandler{next: h.next.WithAttrs(as)}
}

// WithGroup returns a LogHandler over next.WithGroup.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	return &LogHandler{next: h.next.WithGroup(name)}
}

// Logger returns log whose records carry the request id of the context
// they are logged with.
func Logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		log = slog.Default()
	}
	if _, ok := log.Handler().(*LogHandler); ok {
		return log
	}
	return slog.New(NewLogHandler(log.Handler()))
}
