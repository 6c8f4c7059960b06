package agent

import (
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/sources"
	srctypes "github.com/pbxagent/pbxagent/phonebook/source/sources"
	pbsync "github.com/pbxagent/pbxagent/phonebook/sync"
)

func newSources(b *build) (platform.Component, error) {
	e, err := pbsync.NewEngine(pbsync.PhonebookStore(b.store), pbsync.WithDataDir(b.cfg.DataDir),
		pbsync.WithTypes(srctypes.All()...), pbsync.WithLogger(b.logger("sync")))
	if err != nil {
		return nil, err
	}
	return sources.New(e, sources.Config{Disabled: b.cfg.Sync.Disabled}), nil
}
