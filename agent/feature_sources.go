package agent

import (
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/sources"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	srctypes "github.com/pbxagent/pbxagent/phonebook/source/sources"
)

func newSources(b *build) (platform.Component, error) {
	e, err := dirsync.NewEngine(dirsync.PhonebookStore(b.store), dirsync.WithDataDir(b.cfg.DataDir),
		dirsync.WithTypes(srctypes.All()...), dirsync.WithLogger(b.logger("sync")),
		dirsync.WithGate(b.store.Writable)) // on a cluster follower, scheduled syncs wait for the lease
	if err != nil {
		return nil, err
	}
	b.d.sync = e // the contacts search resolves source ids with it
	return sources.New(e, sources.Config{Disabled: b.cfg.Sync.Disabled}), nil
}
