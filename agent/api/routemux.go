package api

import (
	"net/http"
	"slices"
)

// RouteMux is a ServeMux that remembers the patterns registered with
// HandleFunc: a handler built on it is a RouteLister, so that Router.Mount
// registers, answers errors for and documents each of its routes.
type RouteMux struct {
	*http.ServeMux
	routes []string
}

// NewRouteMux returns an empty RouteMux.
func NewRouteMux() *RouteMux { return &RouteMux{ServeMux: http.NewServeMux()} }

// HandleFunc registers h for pattern and remembers the pattern.
func (m *RouteMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.routes = append(m.routes, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Routes lists the patterns ("GET /api/v1/phones/{mac}") in registration
// order.
func (m *RouteMux) Routes() []string { return slices.Clone(m.routes) }
