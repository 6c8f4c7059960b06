package callgroups

import (
	"context"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// PauseDND is the pause reason of a member paused because they are in
// DND (ended when they leave DND).
const PauseDND = "dnd"

// Members implements Service: in the group's order.
func (a *ACD) Members(ctx context.Context, groupID string) ([]MemberView, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.groups[groupID]
	if g == nil {
		return nil, ErrNotFound
	}
	now := a.clk.Now()
	out := make([]MemberView, len(g.cfg.Members))
	for i, m := range g.cfg.Members {
		out[i] = a.viewLocked(g, m, now)
	}
	return out, nil
}

// AddMember implements Service: a dynamic member, kept across restarts
// (ADDMEMBER; paused when paused is set).
func (a *ACD) AddMember(ctx context.Context, groupID string, m Member, paused bool, reason string) (MemberView, error) {
	if fe := checkMember("", m, a.dir); fe != nil {
		return MemberView{}, platform.Invalid("bad member", *fe)
	}
	if paused {
		if err := checkReason(reason); err != nil {
			return MemberView{}, err
		}
	}
	var out MemberView
	err := a.lockedErr(ctx, func(f *fx) error {
		g := a.groups[groupID]
		if g == nil {
			return ErrNotFound
		}
		if _, ok := g.idx[m.UserID]; ok {
			return conflict("user_id", "the user is a member of the call group already")
		}
		now := a.clk.Now()
		m.Dynamic, m.JoinedAt = true, now.UTC()
		cfg := copyGroup(g.cfg)
		cfg.Members = append(cfg.Members, m)
		if err := a.saveGroupLocked(ctx, &cfg); err != nil {
			return err
		}
		if paused {
			p := &pauseRec{Reason: reason, At: now.UTC()}
			if err := a.savePauseLocked(ctx, groupID, m.UserID, p); err != nil {
				return err
			}
			g.pauses[m.UserID] = p
		}
		g.cfg = cfg
		g.reindex()
		a.journal(f, Entry{Time: now, Verb: VerbAddMember, GroupID: groupID, UserID: m.UserID, Agent: a.agentName(m.UserID), Paused: paused, Reason: reason})
		a.refreshMemberLocked(f, g, m.UserID, now, true)
		a.reconcileDNDLocked(f, g, m.UserID, now)
		f.touch(g)
		out = a.viewLocked(g, m, now)
		return nil
	})
	return out, err
}

// RemoveMember implements Service: a dynamic member leaves
// (REMOVEMEMBER); a static one is an error naming user_id. Offers still
// ringing them go on.
func (a *ACD) RemoveMember(ctx context.Context, groupID, userID string) error {
	return a.lockedErr(ctx, func(f *fx) error {
		g := a.groups[groupID]
		if g == nil {
			return ErrNotFound
		}
		m, ok := g.member(userID)
		if !ok {
			return ErrNotFound
		}
		if !m.Dynamic {
			return platform.Invalid("a static member", platform.FieldError{Field: "user_id",
				Message: "is a static member of the call group: change the group's members instead"})
		}
		now := a.clk.Now()
		cfg := copyGroup(g.cfg)
		cfg.Members = append(cfg.Members[:g.idx[userID]:g.idx[userID]], cfg.Members[g.idx[userID]+1:]...)
		if err := a.saveGroupLocked(ctx, &cfg); err != nil {
			return err
		}
		if g.pauses[userID] != nil {
			if err := a.savePauseLocked(ctx, groupID, userID, nil); err != nil {
				a.log.Warn("callgroups: forget pause", "err", err)
			}
			delete(g.pauses, userID)
		}
		g.cfg = cfg
		g.reindex()
		delete(g.marks, userID)
		a.journal(f, Entry{Time: now, Verb: VerbRemoveMember, GroupID: groupID, UserID: userID, Agent: a.agentName(userID)})
		v := MemberView{Member: m, State: StateOffline, StateSince: now}
		if u, ok := a.dir.User(userID); ok {
			v.Name, v.Extension = u.Name, u.Extension
		}
		a.publishRemovedLocked(f, g, MemberEvent{GroupID: groupID, MemberView: v, Removed: true})
		f.touch(g)
		return nil
	})
}

// Pause implements Service: pauses (PAUSE, with the reason) or unpauses
// (UNPAUSE) userID in groupID, or in each of their groups when groupID
// is "". Pausing a paused member with another reason ends the old pause
// and starts the new one; pausing with the same reason or unpausing a
// member not paused changes nothing.
func (a *ACD) Pause(ctx context.Context, groupID, userID string, paused bool, reason string) ([]MemberView, error) {
	if !paused {
		reason = ""
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	var out []MemberView
	err := a.lockedErr(ctx, func(f *fx) error {
		var gs []*group
		if groupID == "" {
			gs = a.groupsOfLocked(userID)
		} else if g := a.groups[groupID]; g != nil {
			if _, ok := g.idx[userID]; ok {
				gs = []*group{g}
			}
		}
		if len(gs) == 0 {
			return ErrNotFound
		}
		now := a.clk.Now()
		for _, g := range gs {
			var err error
			if paused {
				err = a.pauseLocked(ctx, f, g, userID, reason, now)
			} else {
				err = a.unpauseLocked(ctx, f, g, userID, now)
			}
			if err != nil {
				return err
			}
		}
		for _, g := range gs {
			m, _ := g.member(userID)
			out = append(out, a.viewLocked(g, m, now))
		}
		return nil
	})
	return out, err
}

// pauseLocked pauses userID in g with reason.
func (a *ACD) pauseLocked(ctx context.Context, f *fx, g *group, userID, reason string, now time.Time) error {
	old := g.pauses[userID]
	if old != nil && old.Reason == reason {
		return nil
	}
	p := &pauseRec{Reason: reason, At: now.UTC()}
	if err := a.savePauseLocked(ctx, g.cfg.ID, userID, p); err != nil {
		return err
	}
	if old != nil {
		a.journal(f, Entry{Time: now, Verb: VerbUnpause, GroupID: g.cfg.ID, UserID: userID, Agent: a.agentName(userID), Reason: old.Reason})
	}
	g.pauses[userID] = p
	a.journal(f, Entry{Time: now, Verb: VerbPause, GroupID: g.cfg.ID, UserID: userID, Agent: a.agentName(userID), Reason: reason})
	a.refreshMemberLocked(f, g, userID, now, true)
	f.touch(g)
	return nil
}

// unpauseLocked ends userID's pause in g.
func (a *ACD) unpauseLocked(ctx context.Context, f *fx, g *group, userID string, now time.Time) error {
	old := g.pauses[userID]
	if old == nil {
		return nil
	}
	if err := a.savePauseLocked(ctx, g.cfg.ID, userID, nil); err != nil {
		return err
	}
	delete(g.pauses, userID)
	a.journal(f, Entry{Time: now, Verb: VerbUnpause, GroupID: g.cfg.ID, UserID: userID, Agent: a.agentName(userID), Reason: old.Reason})
	a.refreshMemberLocked(f, g, userID, now, true)
	f.touch(g)
	return nil
}
