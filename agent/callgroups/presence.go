package callgroups

import (
	"context"
	"slices"
	"time"
)

// PresenceChanged tells the ACD that what presence says of userID
// changed: DND pauses them in each of their groups (reason dnd) and
// leaving DND ends those pauses only; their state is re-evaluated
// (member_state for each group where it changed), callers leave the
// groups that came to be empty (leave_when_empty), and waiting callers
// are offered to whoever came free.
func (a *ACD) PresenceChanged(ctx context.Context, userID string) {
	a.locked(ctx, func(f *fx) {
		now := a.clk.Now()
		for _, g := range a.groupsOfLocked(userID) {
			a.reconcileDNDLocked(f, g, userID, now)
		}
		f.mark(userID)
	})
}

// reconcileDNDLocked pauses userID in g when in DND and not paused, and
// ends a dnd pause when no longer in DND.
func (a *ACD) reconcileDNDLocked(f *fx, g *group, userID string, now time.Time) {
	dnd := a.presenceOf(userID).DND
	p := g.pauses[userID]
	var err error
	switch {
	case dnd && p == nil:
		err = a.pauseLocked(context.Background(), f, g, userID, PauseDND, now)
	case !dnd && p != nil && p.Reason == PauseDND:
		err = a.unpauseLocked(context.Background(), f, g, userID, now)
	}
	if err != nil {
		a.log.Warn("callgroups: DND pause", "group", g.cfg.ID, "user", userID, "err", err)
	}
}

// Colleagues returns the members of the groups userID is a member of
// (userID included when a member), sorted: presence's supervisors see
// the presence of their groups' members.
func (a *ACD) Colleagues(userID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, g := range a.groupsOfLocked(userID) {
		for _, m := range g.cfg.Members {
			out = append(out, m.UserID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
