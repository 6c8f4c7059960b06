package stats

import (
	"context"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Record implements callgroups.Journal. An entry without a time happened
// now (the store's clock).
//
// A caller's counters (received … talk) go to the day the caller joined
// (the entry's time less its Wait, and less its Talk for a completed
// call), so that a call across midnight counts once, on one day, as
// wazo-call-logd does; a member's counters go to the day they happen
// (calls at answer, talk at the call's end, pauses split at midnight).
func (s *Store) Record(ctx context.Context, e callgroups.Entry) {
	t := e.Time
	if t.IsZero() {
		t = s.clk.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(t)
	arrival := s.day(t.Add(-e.Wait))
	switch e.Verb {
	case callgroups.VerbEnterQueue:
		s.groupLocked(ctx, s.day(t), e.GroupID).Received++
	case callgroups.VerbFull, callgroups.VerbJoinEmpty:
		g := s.groupLocked(ctx, s.day(t), e.GroupID)
		g.Received++
		g.Refused++
	case callgroups.VerbConnect:
		g := s.groupLocked(ctx, arrival, e.GroupID)
		g.Answered++
		g.Wait += e.Wait
		g.longest(e.Wait)
		if e.Wait <= e.SLAThreshold {
			g.AnsweredInSLA++
		}
		if e.UserID != "" {
			a := s.agentLocked(ctx, s.day(t), e.UserID)
			a.group(e.GroupID).Calls++
			a.All.Calls++
		}
	case callgroups.VerbAbandon:
		g := s.groupLocked(ctx, arrival, e.GroupID)
		g.Abandoned++
		g.longest(e.Wait)
		if e.Wait < e.ShortAbandon {
			g.ShortAbandoned++
		}
		if e.Wait <= e.SLAThreshold {
			g.AbandonedInSLA++
		}
	case callgroups.VerbExitTimeout:
		g := s.groupLocked(ctx, arrival, e.GroupID)
		g.TimedOut++
		g.longest(e.Wait)
	case callgroups.VerbExitEmpty:
		g := s.groupLocked(ctx, arrival, e.GroupID)
		g.LeftEmpty++
		g.longest(e.Wait)
	case callgroups.VerbCompleteCaller, callgroups.VerbCompleteAgent, callgroups.VerbTransfer:
		g := s.groupLocked(ctx, s.day(t.Add(-e.Wait-e.Talk)), e.GroupID)
		g.Completed++
		g.Talk += e.Talk
		if e.UserID != "" {
			a := s.agentLocked(ctx, s.day(t), e.UserID)
			c := a.group(e.GroupID)
			c.Talk += e.Talk
			c.LastCall = t
			a.All.Talk += e.Talk
			if t.After(a.All.LastCall) {
				a.All.LastCall = t
			}
		}
	case callgroups.VerbRingNoAnswer:
		if e.UserID != "" {
			a := s.agentLocked(ctx, s.day(t), e.UserID)
			a.group(e.GroupID).Missed++
			a.All.Missed++
		}
	case callgroups.VerbPause:
		s.pauseLocked(ctx, e.UserID, e.GroupID, e.Reason, true, t)
	case callgroups.VerbAddMember:
		if e.Paused {
			s.pauseLocked(ctx, e.UserID, e.GroupID, e.Reason, true, t)
		}
	case callgroups.VerbUnpause, callgroups.VerbRemoveMember:
		s.pauseLocked(ctx, e.UserID, e.GroupID, "", false, t)
	}
	s.flushLocked(ctx)
}

// rollLocked notes the newest day and, when it changes, drops from memory
// the records older than the day before.
func (s *Store) rollLocked(t time.Time) {
	day := s.day(t)
	if day <= s.current {
		return
	}
	s.current = day
	start, _ := s.boundsOf(t)
	s.evictLocked(s.day(start.Add(-time.Hour)))
}

// pauseLocked pauses (on) or unpauses user in group at t, crediting the
// pause time up to t first. A pause while paused with another reason
// changes the reason from t.
func (s *Store) pauseLocked(ctx context.Context, user, group, reason string, on bool, t time.Time) {
	if user == "" {
		return
	}
	o := s.open[user]
	if o == nil {
		if !on {
			return
		}
		o = &openPause{Mark: t, Groups: map[string]string{}}
		s.open[user] = o
	}
	s.creditLocked(ctx, user, o, t)
	if on {
		if r, ok := o.Groups[group]; ok && r == reason {
			return
		}
		o.Groups[group] = reason
	} else {
		if _, ok := o.Groups[group]; !ok {
			return
		}
		delete(o.Groups, group)
	}
	if len(o.Groups) == 0 {
		delete(s.open, user)
		s.dirty["p/"+user] = nil
		return
	}
	s.dirty["p/"+user] = o
}

// creditLocked adds the pause time of o from its mark to t to the
// member's day records (split at midnight) and moves the mark to t. A t
// before the mark (an entry out of order) credits nothing.
func (s *Store) creditLocked(ctx context.Context, user string, o *openPause, t time.Time) {
	if !t.After(o.Mark) {
		return
	}
	if len(o.Groups) > 0 {
		reasons := o.reasons()
		s.split(o.Mark, t, func(day string, d time.Duration) {
			a := s.agentLocked(ctx, day, user)
			for g, r := range o.Groups {
				c := a.group(g)
				c.Pause += d
				c.addPause(r, d)
			}
			a.All.Pause += d
			for r := range reasons {
				a.All.addPause(r, d)
			}
		})
	}
	o.Mark = t
	s.dirty["p/"+user] = o
}
