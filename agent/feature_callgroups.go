package agent

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
)

// callGroupsFeature is the call groups' ACD (docs/callgroups.md): groups
// and members kept in the store, callers the calls engine sends with
// Stasis(pbxagent-calls,group,ID) offered to members.
type callGroupsFeature struct {
	acd *callgroups.ACD
}

func newCallGroups(b *build) (platform.Component, error) {
	if b.d.users == nil {
		return nil, nil
	}
	log := b.logger("callgroups")
	opts := []callgroups.Option{callgroups.WithLogger(log)}
	if b.d.events != nil {
		opts = append(opts, callgroups.WithHub(b.d.events))
	}
	// The journals (statistics, queue_log) are wired by their features
	// into b.d.cgJournals before this one is built.
	if len(b.d.cgJournals) > 0 {
		opts = append(opts, callgroups.WithJournal(callgroups.Journals(b.d.cgJournals)))
	}
	acd := callgroups.New(b.store.Meta("callgroups"), callGroupsDir{b.d.users}, opts...)
	if t := newGroupTelephony(b, acd); t != nil {
		callgroups.WithTelephony(t)(acd)
	}
	if err := acd.Load(b.ctx); err != nil {
		return nil, fmt.Errorf("callgroups: %w", err)
	}
	b.d.callgroups = acd
	return &callGroupsFeature{acd: acd}, nil
}

// Name implements platform.Component.
func (*callGroupsFeature) Name() string { return "callgroups" }

// Run keeps the ACD until ctx ends.
func (f *callGroupsFeature) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// callGroupsDir is the users service as the call groups see it.
type callGroupsDir struct{ users *users.Service }

// User implements callgroups.Directory.
func (d callGroupsDir) User(id string) (callgroups.User, bool) {
	u, ok := d.users.ByID(id)
	if !ok {
		return callgroups.User{}, false
	}
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	ext := ""
	if len(u.Extensions) > 0 {
		ext = u.Extensions[0]
	}
	return callgroups.User{ID: u.ID, Name: name, Extension: ext, Enabled: !u.Disabled}, true
}
