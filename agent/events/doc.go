// Package events is the daemon's event hub and its WebSocket,
// GET /api/v1/events: features (the dialer today; calls, presence, chat,
// call groups and hotel later) publish events on topics, each with an
// audience, and every connected client subscribed to a topic gets the
// events of it that it may see, in order, with a sequence number. The hub
// keeps a bounded window of recent events so that a client that
// reconnects resumes from its last sequence number without a gap or a
// duplicate; past the window it is told to reload (resync_required).
// The protocol is described in docs/events.md.
package events
