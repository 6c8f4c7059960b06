package events

import "github.com/pbxagent/pbxagent/agent/platform"

// ConnectHook is told when a socket opens (open true, once the upgrade
// succeeded) and when it ends (open false), with the principal it was
// opened with: presence counts a user's connected clients with it.
type ConnectHook func(p platform.Principal, open bool)

// WithConnectHook sets the hook told about each socket opening and
// ending. It must not block.
func WithConnectHook(f ConnectHook) HandlerOption { return func(h *Handler) { h.onConnect = f } }

// connected tells the hook, if any.
func (h *Handler) connected(p platform.Principal, open bool) {
	if h.onConnect != nil {
		h.onConnect(p, open)
	}
}
