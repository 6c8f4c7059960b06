package callhistory

import (
	"context"
	"log/slog"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
)

// writeTimeout bounds writing one record when a call ends.
const writeTimeout = 5 * time.Second

// Tee is a calls.Publisher that stores every ended call (call_ended) in
// the history, then passes every event on to Next. The record is written
// before call_ended goes out, so that a client refreshing its history on
// that event finds the call. A failed write is logged; the event goes out
// all the same.
type Tee struct {
	History *History
	Next    calls.Publisher
	Log     *slog.Logger
}

// Publish implements calls.Publisher.
func (t Tee) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	if topic == calls.TopicCalls && typ == calls.EventEnded {
		if c, ok := data.(calls.Call); ok {
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
			if _, err := t.History.Add(wctx, c); err != nil {
				log := t.Log
				if log == nil {
					log = slog.Default()
				}
				log.WarnContext(ctx, "call history: call not recorded", "call", c.ID, "user", c.UserID, "err", err)
			}
			cancel()
		}
	}
	if t.Next != nil {
		t.Next.Publish(ctx, topic, typ, audience, data)
	}
}
