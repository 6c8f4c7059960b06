package callgroups

import (
	"slices"
	"sort"
	"time"
)

// presenceOf is what presence says of a user; without a Presence every
// member is registered, idle and available.
func (a *ACD) presenceOf(userID string) MemberPresence {
	if a.pres == nil {
		return MemberPresence{Registered: true}
	}
	return a.pres.Presence(userID)
}

// cond is a member's conditions at a moment, for the skip rules, the
// join-empty and leave-when-empty factors and the state.
type cond struct {
	known     bool // an enabled user
	p         MemberPresence
	paused    bool
	ringing   bool // an offer of any group rings them
	groupCall bool // they are on a group call (any group)
	wrapUp    bool
}

// inUse: on a call, a group's or any other; a ringing offer of ours is
// not a call (presence reports it as one).
func (c cond) inUse() bool { return c.groupCall || (c.p.OnCall && !c.ringing) }

// condLocked returns a member's conditions in g.
func (a *ACD) condLocked(g *group, userID string, now time.Time) cond {
	c := cond{p: a.presenceOf(userID), paused: g.pauses[userID] != nil}
	if u, ok := a.dir.User(userID); ok && u.Enabled {
		c.known = true
	}
	if u := a.users[userID]; u != nil {
		c.ringing = len(u.ringing) > 0
		c.groupCall = len(u.active) > 0
		c.wrapUp = now.Before(u.wrapUntil)
	}
	return c
}

// eligible reports whether a member with conditions c may be offered a
// call of g: not paused, not in DND, registered, not ringing, not in
// wrap-up, and not on a call unless ring_in_use.
func (c cond) eligible(g *group) bool {
	switch {
	case !c.known, c.paused, c.p.DND, !c.p.Registered, c.ringing, c.wrapUp:
		return false
	case c.inUse() && !g.cfg.RingInUse:
		return false
	}
	return true
}

// has reports whether the member is in condition f.
func (c cond) has(f Factor) bool {
	switch f {
	case FactorPaused:
		return c.paused
	case FactorInUse:
		return c.inUse()
	case FactorRinging:
		return c.ringing
	case FactorUnavailable:
		return !c.known || !c.p.Registered
	case FactorWrapUp:
		return c.wrapUp
	case FactorDND:
		return c.p.DND
	}
	return false
}

// state is the member's state with model.go's precedence: offline,
// paused, dnd, talking, ringing, wrapup, away, available.
func (c cond) state() MemberState {
	switch {
	case !c.known || !c.p.Registered:
		return StateOffline
	case c.paused:
		return StatePaused
	case c.p.DND:
		return StateDND
	case c.inUse():
		return StateTalking
	case c.ringing:
		return StateRinging
	case c.wrapUp:
		return StateWrapUp
	case c.p.Away:
		return StateAway
	}
	return StateAvailable
}

// emptyLocked reports whether every member of g is in one of factors (a
// group without members is empty).
func (a *ACD) emptyLocked(g *group, factors []Factor, now time.Time) bool {
	for _, m := range g.cfg.Members {
		c := a.condLocked(g, m.UserID, now)
		if !slices.ContainsFunc(factors, c.has) {
			return false
		}
	}
	return true
}

// viewLocked is member m of g with its live state.
func (a *ACD) viewLocked(g *group, m Member, now time.Time) MemberView {
	v := MemberView{Member: m}
	if u, ok := a.dir.User(m.UserID); ok {
		v.Name, v.Extension = u.Name, u.Extension
	}
	c := a.condLocked(g, m.UserID, now)
	v.State = c.state()
	if mk, ok := g.marks[m.UserID]; ok && mk.state == v.State {
		v.StateSince = mk.since
	} else {
		v.StateSince = now
	}
	if p := g.pauses[m.UserID]; p != nil {
		at := p.At
		v.Paused, v.PauseReason, v.PausedAt = true, p.Reason, &at
	}
	if t := g.memory.Tally[m.UserID]; t != nil && t.Day == a.today(now) {
		v.CallsTaken = t.Calls
		if t.Last != nil {
			l := *t.Last
			v.LastCallAt = &l
		}
	}
	return v
}

// groupsOfLocked returns the groups userID is a member of, by id.
func (a *ACD) groupsOfLocked(userID string) []*group {
	var out []*group
	for _, g := range a.groups {
		if _, ok := g.idx[userID]; ok {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.ID < out[j].cfg.ID })
	return out
}

// reindex orders g's members (static as configured, then dynamic by
// joining time) and rebuilds the index.
func (g *group) reindex() {
	var static, dynamic []Member
	for _, m := range g.cfg.Members {
		if m.Dynamic {
			dynamic = append(dynamic, m)
		} else {
			static = append(static, m)
		}
	}
	slices.SortStableFunc(dynamic, func(x, y Member) int { return x.JoinedAt.Compare(y.JoinedAt) })
	g.cfg.Members = append(static, dynamic...)
	if g.cfg.Members == nil {
		g.cfg.Members = []Member{}
	}
	g.idx = make(map[string]int, len(g.cfg.Members))
	ids := make([]string, len(g.cfg.Members))
	for i, m := range g.cfg.Members {
		g.idx[m.UserID] = i
		ids[i] = m.UserID
	}
	g.aud = groupAudience(g.cfg.ID, ids)
}

// member returns g's member userID.
func (g *group) member(userID string) (Member, bool) {
	i, ok := g.idx[userID]
	if !ok {
		return Member{}, false
	}
	return g.cfg.Members[i], true
}
