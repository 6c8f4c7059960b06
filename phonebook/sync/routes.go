package sync

import (
	"net/http"
	"slices"
)

// routeMux is a ServeMux that remembers its patterns, so that the daemon's
// router can register, answer errors for and document each route. It is
// agent/api.RouteMux again: phonebook imports nothing of agent.
type routeMux struct {
	*http.ServeMux
	routes []string
}

// HandleFunc registers h for pattern and remembers the pattern.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.routes = append(m.routes, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Routes lists the patterns ("GET /api/v1/sources/{id}") in registration order.
func (m *routeMux) Routes() []string { return slices.Clone(m.routes) }
