package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// contacts is the contacts component with the spool directory of its
// imports, cleaned at start and at stop.
type contacts struct {
	*api.Component
	spool string
	d     *Daemon
}

func newContacts(b *build) (platform.Component, error) {
	tmp := filepath.Join(b.cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", tmp, err)
	}
	// Spool files left by a process that died mid-import hold contact
	// data nobody will read: remove them.
	if n, err := api.RemoveSpoolFiles(tmp); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", tmp, err)
	} else if n > 0 {
		b.d.log.Info("removed the spool files of imports a previous run did not finish", "files", n, "dir", tmp)
	}
	im := api.NewImports(b.store, tmp, api.WithMaxImports(b.cfg.Store.MaxImports), api.WithImportsLogger(b.logger("import")),
		api.WithAfterImports(debug.FreeOSMemory))
	return &contacts{Component: api.NewComponent(api.NewContacts(b.store, b.reg, api.WithSourceNames(b.d.sourceName)), im), spool: tmp, d: b.d}, nil
}

// sourceName returns the name of sync source id, once the sources feature
// is built (it comes after contacts).
func (d *Daemon) sourceName(id string) (string, bool) {
	if d.sync == nil {
		return "", false
	}
	return d.sync.NameOf(id)
}

// Shutdown removes the spool files of imports whose handlers still run
// (the store was left open): they would outlive the process.
func (c *contacts) Shutdown(context.Context) error {
	n, err := api.RemoveSpoolFiles(c.spool)
	if n > 0 {
		c.d.log.Warn("removed the spool files of imports still running at stop", "files", n)
	}
	return err
}
