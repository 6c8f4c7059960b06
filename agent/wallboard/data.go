package wallboard

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// statePrecedence orders the member states as callgroups.MemberState
// documents them: an agent in several of a board's groups shows the first
// that applies in one of them.
var statePrecedence = []callgroups.MemberState{
	callgroups.StateOffline, callgroups.StatePaused, callgroups.StateDND, callgroups.StateTalking,
	callgroups.StateRinging, callgroups.StateWrapUp, callgroups.StateAway, callgroups.StateAvailable,
}

func rank(s callgroups.MemberState) int {
	if i := slices.Index(statePrecedence, s); i >= 0 {
		return i
	}
	return len(statePrecedence)
}

// errNoGroups answers a board's data while the call groups are off.
var errNoGroups = &platform.APIError{Status: http.StatusServiceUnavailable, Code: platform.CodeUnavailable,
	Message: "call groups are not running on this server: a wallboard has nothing to show"}

// Data returns everything wallboard id shows, now.
func (s *Service) Data(ctx context.Context, id string) (Board, error) {
	w, err := s.Get(id)
	if err != nil {
		return Board{}, err
	}
	if s.groups == nil {
		return Board{}, errNoGroups
	}
	now := s.now()
	w.Token = nil
	d := Board{Wallboard: w, ServerTime: now.UTC(), Day: now.Format(time.DateOnly), Groups: make([]BoardGroup, 0, len(w.Groups)), Agents: make([]BoardAgent, 0, len(w.Monitored))}
	views := map[string][]callgroups.MemberView{} // user id → their views in the board's groups
	for _, gid := range w.Groups {
		gd := s.groupData(ctx, w, gid, now)
		for _, m := range gd.Members {
			views[m.UserID] = append(views[m.UserID], m)
		}
		// The statistics' day is in the call groups' time zone
		// (callgroups.time_zone), which may not be the daemon's.
		if !gd.Missing && gd.Stats.Day != "" {
			d.Day = gd.Stats.Day
		}
		d.Groups = append(d.Groups, gd)
	}
	for _, uid := range w.Monitored {
		d.Agents = append(d.Agents, s.agentData(ctx, uid, views[uid], now))
	}
	return d, nil
}

// groupData is group gid on board w at now.
func (s *Service) groupData(ctx context.Context, w Wallboard, gid string, now time.Time) BoardGroup {
	g, ok := s.groups.Group(ctx, gid)
	if !ok {
		return BoardGroup{ID: gid, Missing: true, SLAColour: ColourNone, Waiting: []BoardCaller{}, Members: []callgroups.MemberView{},
			Stats: callgroups.GroupStats{GroupID: gid, Day: now.Format(time.DateOnly)}}
	}
	gd := BoardGroup{ID: gid, Name: g.Name, SLAThreshold: cmp.Or(w.SLAThreshold, g.SLAThreshold), SLATarget: cmp.Or(w.SLATarget, g.SLATarget),
		AmberMargin: w.AmberMargin, Stats: callgroups.GroupStats{GroupID: gid, Day: now.Format(time.DateOnly)}}
	if s.stats != nil {
		st, err := s.stats.GroupStats(ctx, gid, now)
		if err != nil {
			s.log.Warn("wallboard: group statistics", "group", gid, "err", err)
		} else {
			gd.Stats = st
		}
	}
	gd.SLAColour = Colour(gd.Stats.ServiceLevel, gd.SLATarget, gd.AmberMargin, gd.Stats.Answered)
	gd.Waiting = []BoardCaller{}
	for _, c := range s.groups.Waiting(ctx, gid) {
		wait := max(now.Sub(c.EnteredAt).Seconds(), 0)
		gd.Waiting = append(gd.Waiting, BoardCaller{WaitingCall: c, WaitSeconds: wait, OverSLA: wait > float64(gd.SLAThreshold)})
	}
	gd.Active = len(s.groups.Active(ctx, gid))
	ms, err := s.groups.Members(ctx, gid)
	if err != nil {
		s.log.Warn("wallboard: group members", "group", gid, "err", err)
	}
	gd.Members = append([]callgroups.MemberView{}, ms...)
	return gd
}

// agentData is monitored agent uid, whose views in the board's groups
// are views.
func (s *Service) agentData(ctx context.Context, uid string, views []callgroups.MemberView, now time.Time) BoardAgent {
	a := BoardAgent{UserID: uid, Member: len(views) > 0, State: callgroups.StateOffline, PauseSecondsByReason: map[string]float64{}}
	if p, ok := s.dir.Person(uid); ok {
		a.Name, a.Extension = p.Name, p.Extension
	} else {
		a.Missing = true
	}
	if len(views) == 0 {
		// Not in the board's groups: their state in another group of theirs.
		for _, gid := range s.groups.GroupsOf(uid) {
			ms, err := s.groups.Members(ctx, gid)
			if err != nil {
				continue
			}
			for _, m := range ms {
				if m.UserID == uid {
					views = append(views, m)
				}
			}
		}
	}
	var last *time.Time
	for i, v := range views {
		if i == 0 || rank(v.State) < rank(a.State) {
			a.State = v.State
			since := v.StateSince
			a.StateSince = &since
			if a.Name == "" {
				a.Name, a.Extension = v.Name, v.Extension
			}
		}
		if v.Paused && !a.Paused {
			a.Paused, a.PauseReason, a.PausedAt = true, v.PauseReason, v.PausedAt
		}
		if v.LastCallAt != nil && (last == nil || v.LastCallAt.After(*last)) {
			last = v.LastCallAt
		}
	}
	if s.stats != nil {
		st, err := s.stats.AgentStats(ctx, uid, "", now)
		if err != nil {
			s.log.Warn("wallboard: agent statistics", "user", uid, "err", err)
		} else {
			a.Calls, a.Missed, a.TalkSeconds, a.PauseSeconds = st.Calls, st.Missed, st.TalkSeconds, st.PauseSeconds
			for k, v := range st.PauseSecondsByReason {
				a.PauseSecondsByReason[k] = v
			}
			if st.LastCallAt != nil && (last == nil || st.LastCallAt.After(*last)) {
				last = st.LastCallAt
			}
		}
	} else {
		for _, v := range views {
			a.Calls += v.CallsTaken
		}
	}
	if last != nil {
		t := last.UTC()
		a.LastCallAt = &t
		since := max(now.Sub(t).Seconds(), 0)
		a.SinceLastCallSeconds = &since
	}
	return a
}
