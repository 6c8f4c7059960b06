package callgroups

import (
	"time"
)

// candidatesLocked returns, among free (indexes into g.cfg.Members of the
// members who may be offered a call now, in the group's order), those c
// has not tried in this round with the lowest penalty among them
// (app_queue: a higher penalty is rung only when no lower one is
// available).
func candidatesLocked(g *group, free []int, c *caller, buf []int) []int {
	out := buf[:0]
	best := 0
	for _, i := range free {
		m := g.cfg.Members[i]
		if c.tried[m.UserID] {
			continue
		}
		switch {
		case len(out) == 0 || m.Penalty < best:
			out, best = append(out[:0], i), m.Penalty
		case m.Penalty == best:
			out = append(out, i)
		}
	}
	return out
}

// pickLocked chooses, by g's strategy, whom of cands (non-empty, in the
// group's order) to offer the call to: every one for ringall, else one.
func (a *ACD) pickLocked(g *group, cands []int, now time.Time) []int {
	ms := g.cfg.Members
	switch g.cfg.Strategy {
	case RingAll:
		return cands
	case Linear:
		return cands[:1]
	case RRMemory:
		// The first after the member last offered a call, wrapping.
		last, ok := g.idx[g.memory.RRLast]
		if !ok {
			return cands[:1]
		}
		for _, i := range cands {
			if i > last {
				return []int{i}
			}
		}
		return cands[:1]
	case LeastRecent:
		// The one whose last call of this group ended longest ago today
		// (none today: first), the group's order between equals.
		day := a.today(now)
		best, bestAt := -1, time.Time{}
		for _, i := range cands {
			var at time.Time // zero: no call today
			if t := g.memory.Tally[ms[i].UserID]; t != nil && t.Day == day && t.Last != nil {
				at = *t.Last
			}
			if best < 0 || at.Before(bestAt) {
				best, bestAt = i, at
			}
		}
		return []int{best}
	case FewestCalls:
		day := a.today(now)
		best, bestN := -1, 0
		for _, i := range cands {
			n := 0
			if t := g.memory.Tally[ms[i].UserID]; t != nil && t.Day == day {
				n = t.Completed
			}
			if best < 0 || n < bestN {
				best, bestN = i, n
			}
		}
		return []int{best}
	case Random:
		return []int{cands[a.rnd.IntN(len(cands))]}
	}
	return cands[:1]
}
