package stats

import (
	"maps"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// groupRec is a group's counters on one day, as kept under g/DAY/GROUP.
// Durations are nanoseconds.
type groupRec struct {
	Received       int           `json:"received,omitempty"`
	Answered       int           `json:"answered,omitempty"`
	Abandoned      int           `json:"abandoned,omitempty"`
	ShortAbandoned int           `json:"short_abandoned,omitempty"`
	TimedOut       int           `json:"timed_out,omitempty"`
	LeftEmpty      int           `json:"left_empty,omitempty"`
	Refused        int           `json:"refused,omitempty"`
	AnsweredInSLA  int           `json:"answered_in_sla,omitempty"`
	AbandonedInSLA int           `json:"abandoned_in_sla,omitempty"`
	Completed      int           `json:"completed,omitempty"`
	Wait           time.Duration `json:"wait,omitempty"`
	LongestWait    time.Duration `json:"longest_wait,omitempty"`
	Talk           time.Duration `json:"talk,omitempty"`
}

func (g *groupRec) longest(d time.Duration) {
	if d > g.LongestWait {
		g.LongestWait = d
	}
}

// view is the API's GroupStats of the record.
func (g *groupRec) view(groupID, day string) callgroups.GroupStats {
	out := callgroups.GroupStats{
		GroupID: groupID, Day: day,
		Received: g.Received, Answered: g.Answered, Abandoned: g.Abandoned, ShortAbandoned: g.ShortAbandoned,
		TimedOut: g.TimedOut, LeftEmpty: g.LeftEmpty, Refused: g.Refused,
		AnsweredInSLA: g.AnsweredInSLA, AbandonedInSLA: g.AbandonedInSLA, Completed: g.Completed,
		WaitSeconds: g.Wait.Seconds(), LongestWaitSeconds: g.LongestWait.Seconds(), TalkSeconds: g.Talk.Seconds(),
	}
	if g.Answered > 0 {
		out.ServiceLevel = 100 * float64(g.AnsweredInSLA) / float64(g.Answered)
		out.AverageWaitSeconds = out.WaitSeconds / float64(g.Answered)
	}
	if n := g.Answered + g.Abandoned; n > 0 {
		out.ServiceLevelAbandons = 100 * float64(g.AnsweredInSLA+g.AbandonedInSLA) / float64(n)
	}
	if g.Completed > 0 {
		out.AverageTalkSeconds = out.TalkSeconds / float64(g.Completed)
	}
	return out
}

// agentCounters are a member's counters on one day in one group, or in
// every group.
type agentCounters struct {
	Calls  int                      `json:"calls,omitempty"`
	Missed int                      `json:"missed,omitempty"`
	Talk   time.Duration            `json:"talk,omitempty"`
	Pause  time.Duration            `json:"pause,omitempty"`
	Paused map[string]time.Duration `json:"paused,omitempty"` // by reason
	// LastCall is when the member's last group call of the day ended.
	LastCall time.Time `json:"last_call,omitzero"`
}

func (c *agentCounters) addPause(reason string, d time.Duration) {
	if c.Paused == nil {
		c.Paused = map[string]time.Duration{}
	}
	c.Paused[reason] += d
}

func (c agentCounters) clone() agentCounters {
	c.Paused = maps.Clone(c.Paused)
	return c
}

func (c agentCounters) view(userID, groupID, day string, loc *time.Location) callgroups.AgentStats {
	out := callgroups.AgentStats{UserID: userID, GroupID: groupID, Day: day, Calls: c.Calls, Missed: c.Missed,
		TalkSeconds: c.Talk.Seconds(), PauseSeconds: c.Pause.Seconds(), PauseSecondsByReason: map[string]float64{}}
	for r, d := range c.Paused {
		out.PauseSecondsByReason[r] = d.Seconds()
	}
	if !c.LastCall.IsZero() {
		t := c.LastCall.In(loc)
		out.LastCallAt = &t
	}
	return out
}

// agentRec is a member's day, as kept under a/DAY/USER: per group, and in
// every group (All: calls, missed and talk summed; the pause time is the
// time paused in at least one group, by reason the time paused with that
// reason in at least one group; the last call the latest).
type agentRec struct {
	Groups map[string]*agentCounters `json:"groups,omitempty"`
	All    agentCounters             `json:"all"`
}

func (a *agentRec) group(id string) *agentCounters {
	if a.Groups == nil {
		a.Groups = map[string]*agentCounters{}
	}
	c := a.Groups[id]
	if c == nil {
		c = &agentCounters{}
		a.Groups[id] = c
	}
	return c
}

// counters returns a copy of the counters in groupID ("" all).
func (a *agentRec) counters(groupID string) agentCounters {
	if groupID == "" {
		return a.All.clone()
	}
	if c := a.Groups[groupID]; c != nil {
		return c.clone()
	}
	return agentCounters{}
}

// openPause is a member's pauses in progress, as kept under p/USER: the
// reason in each group they are paused in, and Mark, the time up to which
// their pause time was credited to the days' records.
type openPause struct {
	Mark   time.Time         `json:"mark"`
	Groups map[string]string `json:"groups"`
}

// reasons are the distinct reasons of the pauses in progress.
func (o *openPause) reasons() map[string]bool {
	rs := make(map[string]bool, len(o.Groups))
	for _, r := range o.Groups {
		rs[r] = true
	}
	return rs
}
