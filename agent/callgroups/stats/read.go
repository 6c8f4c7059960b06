package stats

import (
	"context"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// GroupStats implements callgroups.Stats: the group's counters on the
// local day holding day (zeros for a day with nothing recorded).
func (s *Store) GroupStats(ctx context.Context, groupID string, day time.Time) (callgroups.GroupStats, error) {
	d := s.day(day)
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[dayID{d, groupID}]
	if g == nil {
		g = &groupRec{}
		if _, err := s.get(ctx, "g/"+d+"/"+groupID, g); err != nil {
			return callgroups.GroupStats{}, err
		}
	}
	return g.view(groupID, d), nil
}

// AgentStats implements callgroups.Stats: a member's counters on the
// local day holding day, in groupID ("" every group), the pause in
// progress counted up to now.
func (s *Store) AgentStats(ctx context.Context, userID, groupID string, day time.Time) (callgroups.AgentStats, error) {
	d := s.day(day)
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.readAgentLocked(ctx, d, userID)
	if err != nil {
		return callgroups.AgentStats{}, err
	}
	return s.agentViewLocked(a, userID, groupID, d), nil
}

// Agents returns the counters of every member with something recorded on
// the local day holding day (or paused during it), in groupID ("" every
// group: then each member's counters are over all groups), ordered by
// user id.
func (s *Store) Agents(ctx context.Context, groupID string, day time.Time) ([]callgroups.AgentStats, error) {
	d := s.day(day)
	now := s.clk.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	idx, err := s.indexLocked(ctx, d)
	if err != nil {
		return nil, err
	}
	users := make(map[string]bool, len(idx))
	for id := range idx {
		users[id] = true
	}
	for id, o := range s.open {
		if _, in := o.Groups[groupID]; (groupID == "" || in) && s.overlap(o.Mark, now, d) > 0 {
			users[id] = true
		}
	}
	out := []callgroups.AgentStats{}
	for _, id := range sortedKeys(users) {
		a, err := s.readAgentLocked(ctx, d, id)
		if err != nil {
			return nil, err
		}
		if _, member := a.Groups[groupID]; groupID != "" && !member {
			o := s.open[id]
			if o == nil {
				continue
			}
			if _, paused := o.Groups[groupID]; !paused || s.overlap(o.Mark, now, d) == 0 {
				continue
			}
		}
		out = append(out, s.agentViewLocked(a, id, groupID, d))
	}
	return out, nil
}

// readAgentLocked returns the member's record of day, from memory or the
// KV (not cached).
func (s *Store) readAgentLocked(ctx context.Context, day, userID string) (*agentRec, error) {
	if a := s.agents[dayID{day, userID}]; a != nil {
		return a, nil
	}
	a := &agentRec{}
	if _, err := s.get(ctx, "a/"+day+"/"+userID, a); err != nil {
		return nil, err
	}
	return a, nil
}

// agentViewLocked is the member's counters in groupID ("" all) on day,
// with the part of the pauses in progress not credited yet that falls on
// day, up to now.
func (s *Store) agentViewLocked(a *agentRec, userID, groupID, day string) callgroups.AgentStats {
	c := a.counters(groupID)
	if o := s.open[userID]; o != nil {
		if d := s.overlap(o.Mark, s.clk.Now(), day); d > 0 {
			if groupID == "" {
				c.Pause += d
				for r := range o.reasons() {
					c.addPause(r, d)
				}
			} else if r, ok := o.Groups[groupID]; ok {
				c.Pause += d
				c.addPause(r, d)
			}
		}
	}
	return c.view(userID, groupID, day, s.loc)
}
