package callgroups

import (
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// audienceLocked is who sees g's events: its members, the holders of
// manage_callcenter (admins included) and the wallboards showing g.
func (a *ACD) audienceLocked(g *group) events.Audience { return g.aud }

// groupAudience is the audience of group id's events with members ids.
func groupAudience(id string, ids []string) events.Audience {
	return events.Any(events.Users(ids...), events.Holding(platform.AbilityManageCallCenter),
		events.Func(func(p platform.Principal) bool {
			return p.Kind == platform.KindWallboard && slices.Contains(p.Groups, id)
		}))
}

// publishGroupLocked sends ev's type with data to g's audience.
func (a *ACD) publishGroupLocked(f *fx, g *group, typ string, data any) {
	if a.hub == nil {
		return
	}
	a.publish(f, events.Event{Topic: Topic, Type: typ, Data: data, Audience: a.audienceLocked(g)})
}

// waitingLocked is c as a WaitingCall at position pos (1-based).
func waitingLocked(c *caller, pos int) WaitingCall {
	w := WaitingCall{ID: c.c.ID, GroupID: c.g.cfg.ID, CallerNumber: c.c.Number, CallerName: c.c.Name,
		Position: pos, EnteredAt: c.entered, Ringing: make([]string, 0, len(c.offers))}
	for _, o := range c.offers {
		w.Ringing = append(w.Ringing, o.user)
	}
	slices.Sort(w.Ringing)
	return w
}

// position returns c's position in its group (1 is next), 0 when gone.
func (c *caller) position() int {
	if i := slices.Index(c.g.queue, c); i >= 0 {
		return i + 1
	}
	return 0
}

// publishWaitingLocked sends callgroup_call_waiting about c.
func (a *ACD) publishWaitingLocked(f *fx, c *caller) {
	if a.hub == nil {
		return
	}
	a.publishGroupLocked(f, c.g, EventCallWaiting, waitingLocked(c, c.position()))
}

// publishFromLocked sends callgroup_call_waiting for the callers of g
// from index i on (their position changed).
func (a *ACD) publishFromLocked(f *fx, g *group, i int) {
	if a.hub == nil {
		return
	}
	for j := i; j < len(g.queue); j++ {
		a.publishGroupLocked(f, g, EventCallWaiting, waitingLocked(g.queue[j], j+1))
	}
}

// activeLocked is an answered offer as an ActiveCall.
func activeLocked(o *offer) ActiveCall {
	return ActiveCall{ID: o.c.c.ID, CallID: o.callID, GroupID: o.g.cfg.ID, UserID: o.user,
		CallerNumber: o.c.c.Number, CallerName: o.c.c.Name, EnteredAt: o.c.entered, AnsweredAt: o.answered}
}

// flushStatesLocked publishes member_state for the dirty users whose
// state changed in one of their groups.
func (a *ACD) flushStatesLocked(f *fx, now time.Time) {
	if len(f.dirty) == 0 {
		return
	}
	ids := make([]string, 0, len(f.dirty))
	for id := range f.dirty {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, g := range a.groupsOfLocked(id) {
			a.refreshMemberLocked(f, g, id, now, false)
		}
	}
	f.dirty = nil
}

// refreshMemberLocked records the member's state and publishes
// member_state when it changed (or always, with force: a pause or
// membership change).
func (a *ACD) refreshMemberLocked(f *fx, g *group, userID string, now time.Time, force bool) {
	m, ok := g.member(userID)
	if !ok {
		return
	}
	v := a.viewLocked(g, m, now)
	old, had := g.marks[userID]
	if !had || old.state != v.State {
		g.marks[userID] = mark{state: v.State, since: now}
		v.StateSince = now
	} else if !force {
		return
	}
	a.publishGroupLocked(f, g, EventMemberState, MemberEvent{GroupID: g.cfg.ID, MemberView: v})
}

// eventOf is an event of the callgroups topic.
func eventOf(typ string, data any, aud events.Audience) events.Event {
	return events.Event{Topic: Topic, Type: typ, Data: data, Audience: aud}
}

// publishRemovedLocked sends member_state about a member who left g to
// g's audience and to them.
func (a *ACD) publishRemovedLocked(f *fx, g *group, ev MemberEvent) {
	if a.hub == nil {
		return
	}
	a.publish(f, eventOf(EventMemberState, ev, events.Any(g.aud, events.Users(ev.UserID))))
}
