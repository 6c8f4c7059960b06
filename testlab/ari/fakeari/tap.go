package fakeari

import "time"

// WithEventTap calls f with every event the stand-in sends to an
// application's events WebSocket (its JSON text, application filled in)
// and the wall-clock time it was queued to the socket: benchmarks stamp
// "Asterisk's event" with it. f is called with the server's lock held: it
// must be quick and must not call the Server.
func WithEventTap(f func(ev []byte, at time.Time)) Option { return func(s *Server) { s.tap = f } }

// tapped hands b to the event tap, if any. Called with s.mu held.
func (s *Server) tapped(b []byte) {
	if s.tap != nil {
		s.tap(b, time.Now())
	}
}
