package agent

import (
	"fmt"

	"github.com/pbxagent/pbxagent/agent/audit"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// newAudit builds the audit log: every change made through the API is
// recorded (who, what, which object, from where, the result) by a
// middleware around every route added after it, and listed at
// /api/v1/audit.
func newAudit(b *build) (platform.Component, error) {
	l, err := audit.New(b.store.MetaRange("audit"), audit.Config{Retention: b.cfg.Audit.Retention, PruneEvery: b.cfg.Audit.PruneEvery},
		b.logger("audit"), clock.Real{})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	b.d.mux.AddRouteMiddleware(l.Middleware)
	b.d.audit = l
	return l, nil
}
