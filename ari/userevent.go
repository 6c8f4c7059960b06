package ari

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// UserEvents is POST /events/user/{eventName}: a ChannelUserevent sent to
// an application, optionally naming event sources.
type UserEvents interface {
	UserEvent(ctx context.Context, name, app string, sources []Key, vars map[string]string) error
}

// UserEvent raises a user event for app (see UserEvents).
func (c *Conn) UserEvent(ctx context.Context, name, app string, sources []Key, vars map[string]string) error {
	q := url.Values{}
	q.Set("application", app)
	if len(sources) > 0 {
		names := make([]string, len(sources))
		for i, s := range sources {
			names[i] = s.String()
		}
		q.Set("source", strings.Join(names, ","))
	}
	return c.call(ctx, "events.userEvent", http.MethodPost, "/events/user"+seg(name), q, varsBody(vars), nil)
}
