package agent

import (
	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// callGroupRoutes are the call groups API (/api/v1/callgroups, scope
// callgroups; docs/callgroups.md) over svc: the call groups feature's
// routes.
func callGroupRoutes(svc callgroups.Service) []platform.Route {
	return callgroups.NewHandler(svc).Routes()
}
