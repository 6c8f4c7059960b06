package callgroups

import (
	"context"
	"slices"
	"sort"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// sortedGroupsLocked returns the groups by id.
func (a *ACD) sortedGroupsLocked() []*group {
	out := make([]*group, 0, len(a.groups))
	for _, g := range a.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.ID < out[j].cfg.ID })
	return out
}

// copyGroup returns g with its own slices.
func copyGroup(g Group) Group {
	g.Numbers = slices.Clone(g.Numbers)
	g.JoinEmpty = slices.Clone(g.JoinEmpty)
	g.LeaveWhenEmpty = slices.Clone(g.LeaveWhenEmpty)
	g.Members = slices.Clone(g.Members)
	return g
}

// Groups implements Service.
func (a *ACD) Groups(ctx context.Context) []Group {
	a.mu.Lock()
	defer a.mu.Unlock()
	gs := a.sortedGroupsLocked()
	out := make([]Group, len(gs))
	for i, g := range gs {
		out[i] = copyGroup(g.cfg)
	}
	return out
}

// Group implements Service.
func (a *ACD) Group(ctx context.Context, id string) (Group, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.groups[id]
	if g == nil {
		return Group{}, false
	}
	return copyGroup(g.cfg), true
}

// CreateGroup implements Service: the fields are checked (errors name
// them), the defaults applied, and the group kept.
func (a *ACD) CreateGroup(ctx context.Context, in Group) (Group, error) {
	g := copyGroup(in)
	if err := normalize(&g, a.dir); err != nil {
		return Group{}, err
	}
	var out Group
	err := a.lockedErr(ctx, func(f *fx) error {
		if a.groups[g.ID] != nil {
			return conflict("id", "a call group with this id exists")
		}
		now := a.clk.Now()
		g.UpdatedAt = now.UTC()
		for i := range g.Members {
			g.Members[i].JoinedAt = now.UTC()
		}
		gs := newGroupState(g)
		if err := a.saveGroupLocked(ctx, &gs.cfg); err != nil {
			return err
		}
		a.groups[g.ID] = gs
		for _, m := range gs.cfg.Members {
			gs.marks[m.UserID] = mark{state: a.condLocked(gs, m.UserID, now).state(), since: now}
			a.reconcileDNDLocked(f, gs, m.UserID, now)
		}
		out = copyGroup(gs.cfg)
		a.publishGroupLocked(f, gs, EventGroupUpdated, copyGroup(gs.cfg))
		return nil
	})
	return out, err
}

// UpdateGroup implements Service: the configuration and static members
// are replaced; dynamic members stay (a dynamic member now configured
// as static becomes static). Members who leave lose their pause.
func (a *ACD) UpdateGroup(ctx context.Context, id string, in Group) (Group, error) {
	g := copyGroup(in)
	if g.ID == "" {
		g.ID = id
	}
	if g.ID != id {
		return Group{}, platform.Invalid("bad call group", platform.FieldError{Field: "id", Message: "cannot be changed"})
	}
	if err := normalize(&g, a.dir); err != nil {
		return Group{}, err
	}
	var out Group
	err := a.lockedErr(ctx, func(f *fx) error {
		gs := a.groups[id]
		if gs == nil {
			return ErrNotFound
		}
		now := a.clk.Now()
		g.UpdatedAt = now.UTC()
		static := map[string]bool{}
		for i, m := range g.Members {
			static[m.UserID] = true
			if old, ok := gs.member(m.UserID); ok {
				g.Members[i].JoinedAt = old.JoinedAt
			} else {
				g.Members[i].JoinedAt = now.UTC()
			}
		}
		for _, m := range gs.cfg.Members {
			if m.Dynamic && !static[m.UserID] {
				g.Members = append(g.Members, m)
			}
		}
		if err := a.saveGroupLocked(ctx, &g); err != nil {
			return err
		}
		old := gs.cfg.Members
		gs.cfg = g
		gs.reindex()
		for _, m := range old {
			if _, ok := gs.idx[m.UserID]; !ok {
				if gs.pauses[m.UserID] != nil {
					delete(gs.pauses, m.UserID)
					if err := a.savePauseLocked(ctx, id, m.UserID, nil); err != nil {
						a.log.Warn("callgroups: forget pause", "err", err)
					}
				}
				delete(gs.marks, m.UserID)
				v := MemberView{Member: m, State: StateOffline, StateSince: now}
				a.publishRemovedLocked(f, gs, MemberEvent{GroupID: id, MemberView: v, Removed: true})
			}
		}
		for _, m := range gs.cfg.Members {
			if _, ok := gs.marks[m.UserID]; !ok {
				a.refreshMemberLocked(f, gs, m.UserID, now, true)
			}
			a.reconcileDNDLocked(f, gs, m.UserID, now)
		}
		f.touch(gs)
		out = copyGroup(gs.cfg)
		a.publishGroupLocked(f, gs, EventGroupUpdated, copyGroup(gs.cfg))
		return nil
	})
	return out, err
}

// DeleteGroup implements Service: the group's waiting callers leave
// (FAILED) to the overflow destination; answered calls go on.
func (a *ACD) DeleteGroup(ctx context.Context, id string) error {
	return a.lockedErr(ctx, func(f *fx) error {
		g := a.groups[id]
		if g == nil {
			return ErrNotFound
		}
		if err := a.forgetGroupLocked(ctx, g); err != nil {
			return err
		}
		now := a.clk.Now()
		aud := a.audienceLocked(g)
		for len(g.queue) > 0 {
			a.leaveLocked(f, g.queue[0], ExitFailed, now)
		}
		delete(a.groups, id)
		if a.hub != nil {
			a.publish(f, eventOf(EventGroupDeleted, map[string]string{"id": id}, aud))
		}
		return nil
	})
}

// GroupsOf implements Service.
func (a *ACD) GroupsOf(userID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	gs := a.groupsOfLocked(userID)
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.cfg.ID
	}
	return out
}

// Waiting implements Service.
func (a *ACD) Waiting(ctx context.Context, groupID string) []WaitingCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []WaitingCall{}
	for _, g := range a.sortedGroupsLocked() {
		if groupID != "" && g.cfg.ID != groupID {
			continue
		}
		for i, c := range g.queue {
			out = append(out, waitingLocked(c, i+1))
		}
	}
	return out
}

// Active implements Service: ordered by answer time.
func (a *ACD) Active(ctx context.Context, groupID string) []ActiveCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []ActiveCall{}
	for _, o := range a.offers {
		if o.answered.IsZero() || (groupID != "" && o.g.cfg.ID != groupID) {
			continue
		}
		out = append(out, activeLocked(o))
	}
	slices.SortFunc(out, func(x, y ActiveCall) int {
		if c := x.AnsweredAt.Compare(y.AnsweredAt); c != 0 {
			return c
		}
		return cmpString(x.ID, y.ID)
	})
	return out
}

func cmpString(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
