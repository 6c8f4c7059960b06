package agent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/callgroups/queuelog"
	"github.com/pbxagent/pbxagent/agent/callgroups/stats"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/presence"
	"github.com/pbxagent/pbxagent/agent/users"
)

// callGroupsFeature is the call groups' ACD (docs/callgroups.md): groups
// and members kept in the store, callers the calls engine sends with
// Stasis(pbxagent-calls,group,ID) offered to members.
type callGroupsFeature struct {
	acd    *callgroups.ACD
	st     *stats.Store
	qlog   *queuelog.Writer // nil: no queue_log
	routes []platform.Route
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
	if b.d.presence != nil {
		opts = append(opts, callgroups.WithPresence(groupPresence{b.d.presence}))
	}
	loc, err := callGroupsLocation(b.cfg.CallGroups.TimeZone)
	if err != nil {
		return nil, err
	}
	opts = append(opts, callgroups.WithLocation(loc))
	// The journal goes to the statistics, the queue_log and whatever
	// else was put in b.d.cgJournals before this feature is built.
	st, qlog, routes, err := newCallGroupStats(b)
	if err != nil {
		return nil, err
	}
	journals := callgroups.Journals{st}
	if qlog != nil {
		journals = append(journals, qlog)
	}
	journals = append(journals, b.d.cgJournals...)
	opts = append(opts, callgroups.WithJournal(journals))
	acd := callgroups.New(b.store.Meta("callgroups"), callGroupsDir{b.d.users}, opts...)
	if err := acd.Load(b.ctx); err != nil {
		return nil, fmt.Errorf("callgroups: %w", err)
	}
	// The telephony hands callers to the ACD as soon as it has it: after
	// Load, and before any caller can come (the daemon has not started).
	if t := newGroupTelephony(b, acd); t != nil {
		callgroups.WithTelephony(t)(acd)
	}
	b.d.callgroups = acd
	return &callGroupsFeature{acd: acd, st: st, qlog: qlog, routes: routes}, nil
}

// callGroupsLocation is the time zone of the call groups' day
// (callgroups.time_zone; empty: the system's).
func callGroupsLocation(tz string) (*time.Location, error) {
	if tz == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("callgroups.time_zone: %w", err)
	}
	return loc, nil
}

// Name implements platform.Component.
func (*callGroupsFeature) Name() string { return "callgroups" }

// Routes implements platform.Router: the call groups API and the
// statistics' routes.
func (f *callGroupsFeature) Routes() []platform.Route {
	return append(callGroupRoutes(f.acd), f.routes...)
}

// Run keeps the ACD (its timers need no loop) and the statistics'
// retention until ctx ends; then the ACD stops (its timers, what the
// telephony still reports) before the queue_log is closed.
func (f *callGroupsFeature) Run(ctx context.Context) error {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runCallGroupStats(sctx, f.st, f.qlog) }()
	<-ctx.Done()
	f.acd.Close()
	cancel()
	return <-done
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

// groupPresence is presence as the call groups see it.
type groupPresence struct{ s *presence.Service }

// Presence implements callgroups.Presence.
func (p groupPresence) Presence(userID string) callgroups.MemberPresence {
	ps, err := p.s.Get("", []string{userID})
	if err != nil || len(ps) == 0 {
		return callgroups.MemberPresence{}
	}
	x := ps[0]
	return callgroups.MemberPresence{DND: x.State == presence.DND, Away: x.State == presence.Away,
		Registered: reachable(x.Devices), OnCall: x.Call != presence.CallIdle}
}

// reachable reports whether a call may reach one of the devices: one is
// online, or one's state is not known yet (ARI reports endpoints' states
// at connection and on changes: a user's endpoint added since has none).
// A member whose devices are all offline, or who has none, is skipped.
func reachable(ds []presence.Device) bool {
	for _, d := range ds {
		if d.State != "offline" {
			return true
		}
	}
	return false
}

// callGroupsPresenceOptions are presence's hooks to the call groups
// (built after presence): each presence change re-evaluates the member
// in the ACD, and supervisors see the presence of their groups' members.
func callGroupsPresenceOptions(d *Daemon) []presence.Option {
	return []presence.Option{
		presence.WithChanged(func(ctx context.Context, userID string) {
			if acd := d.callgroups; acd != nil {
				acd.PresenceChanged(ctx, userID)
			}
		}),
		presence.WithWatchers(func(userID string) []string { return groupWatchers(d, userID) }),
	}
}

// groupWatchers are the users who see userID's presence because of the
// call groups: the members of userID's groups who are supervisors (role
// supervisor or ability manage_callcenter), and the admins, who
// supervise every group.
func groupWatchers(d *Daemon, userID string) []string {
	acd := d.callgroups
	if acd == nil || d.users == nil {
		return nil
	}
	colleagues := acd.Colleagues(userID)
	if len(colleagues) == 0 {
		return nil
	}
	var out []string
	for _, id := range colleagues {
		if u, ok := d.users.ByID(id); ok && id != userID &&
			(u.Role == platform.RoleSupervisor || slices.Contains(u.Abilities, platform.AbilityManageCallCenter)) {
			out = append(out, id)
		}
	}
	for _, u := range d.users.Enabled() {
		if u.Role == platform.RoleAdmin && u.ID != userID && !slices.Contains(out, u.ID) {
			out = append(out, u.ID)
		}
	}
	return out
}
