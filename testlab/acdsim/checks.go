package acdsim

import (
	"slices"
	"sort"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Violations count offers made to a member who, by the simulation's
// truth, should have been skipped (each must be 0).
type Violations struct {
	Paused  int `json:"paused"`
	DND     int `json:"dnd"`
	Offline int `json:"offline"`
	Busy    int `json:"busy"`    // on a bridged call
	Ringing int `json:"ringing"` // another offer ringing
	WrapUp  int `json:"wrapup"`
}

// Total is the sum of the violations.
func (v Violations) Total() int { return v.Paused + v.DND + v.Offline + v.Busy + v.Ringing + v.WrapUp }

// Checks are what the simulated PBX saw, independently of the ACD.
type Checks struct {
	Entered, Answered, Completed, Abandoned int
	Offers, Cancels, NoAnswers              int
	Announcements                           int
	// Pauses made through the ACD's Pause, and those it refused.
	Pauses, PauseErrors int
	// Left counts callers the ACD handed back to the dialplan, by exit.
	Left map[callgroups.Exit]int
	// LeftRinging: offers still ringing when the ACD let their caller
	// leave (it should cancel them first).
	LeftRinging int
	// StaleAnswers: a member answered an offer whose caller was already
	// bridged with another (the ACD did not cancel it).
	StaleAnswers int
	// BadRequests: telephony requests naming an unknown or finished
	// caller or offer, a reused offer id or no ring timeout.
	BadRequests int
	// OfferBeforeWait: offers for a caller the ACD had not answered
	// (Telephony.Wait) yet.
	OfferBeforeWait int
	Violations      Violations
	// StrategyChecked and StrategyViolations: offers whose member the
	// strategy's definition did not allow (linear, rrmemory, leastrecent,
	// fewestcalls; see checkStrategy).
	StrategyChecked    int
	StrategyViolations int
	// PenaltyViolations: offers to a member while an eligible member of a
	// lower penalty had not been tried for the caller.
	PenaltyViolations int
	// RandomN offers of random checked, RandomUSum the sum of the chosen
	// member's place among the candidates, (i+½)/k.
	RandomN    int
	RandomUSum float64
	// IdleWhileWaiting is the time during which a caller waited with no
	// offer ringing while a member was eligible and had not been offered
	// that caller yet (an ACD that dispatches at once makes it 0).
	IdleWhileWaiting time.Duration
	truthWait        map[string]time.Duration
}

func (c *Checks) init() {
	c.Left = map[callgroups.Exit]int{}
	c.truthWait = map[string]time.Duration{}
}

// eligible: may be offered a call by the skip rules (paused, DND,
// offline, on a call, ringing, in wrap-up).
func (w *world) eligible(m *member, now time.Time) bool {
	return !m.paused && !m.dnd && !m.offline && m.call == nil && len(m.ringing) == 0 && !now.Before(m.wrapUntil)
}

// checkOffer checks an offer of c to m against the skip rules and the
// strategy, before the offer changes the truth.
func (w *world) checkOffer(c *caller, m *member) {
	now := w.clk.Now()
	v := &w.ck.Violations
	switch {
	case m.paused:
		v.Paused++
	case m.dnd:
		v.DND++
	case m.offline:
		v.Offline++
	case m.call != nil:
		v.Busy++
	case len(m.ringing) > 0:
		v.Ringing++
	case now.Before(m.wrapUntil):
		v.WrapUp++
	}
	w.checkStrategy(c, m, now)
	if w.cfg.Strategy == callgroups.RRMemory {
		w.rrLast = m.idx
	}
}

// candidates are the members the strategy may choose from for c: eligible,
// not yet offered c (after a member does not answer, the next is tried),
// of the lowest penalty among those (app_queue: a higher penalty is rung
// only when no lower one is available). Empty: a new round, not checked.
// untried reports whether m is eligible and untried at all.
func (w *world) candidates(c *caller, m *member, now time.Time) (cands []*member, untried bool) {
	best := 0
	for _, x := range w.members {
		if !w.eligible(x, now) || c.tried[x.id] {
			continue
		}
		untried = untried || x == m
		p := w.penalty(x)
		switch {
		case len(cands) == 0 || p < best:
			cands, best = append(cands[:0], x), p
		case p == best:
			cands = append(cands, x)
		}
	}
	return cands, untried
}

func (w *world) penalty(m *member) int {
	if m.idx < len(w.cfg.Penalties) {
		return w.cfg.Penalties[m.idx]
	}
	return 0
}

// checkStrategy checks the choice of m for c: the lowest penalty first,
// then the strategy's definition (agent/callgroups/model.go, app_queue's
// meanings), among the candidates:
//   - linear: the first candidate in the group's order;
//   - rrmemory: the first candidate after the member offered last, in
//     the group's order, wrapping around;
//   - leastrecent: the candidate whose last call from the group ended
//     longest ago today (none today: first);
//   - fewestcalls: the candidate with the fewest completed calls from the
//     group today;
//
// ties to the first in the group's order (docs/callgroups.md). A call
// counts for fewestcalls when it ends (the contract, app_queue); the ACD
// counts it when answered, which is the same while the member is busy
// with it (no candidate then) except for a call in progress at midnight
// (FIGURES.md).
//
// random: the chosen member's place among the candidates is accumulated
// (uniform: mean ½); ringall is checked by the skip rules and penalties.
func (w *world) checkStrategy(c *caller, m *member, now time.Time) {
	cands, untried := w.candidates(c, m, now)
	if !untried {
		return // a skip-rule violation, or a new round
	}
	if !slices.Contains(cands, m) {
		w.ck.PenaltyViolations++ // a lower penalty was eligible and untried
		return
	}
	ok := true
	switch w.cfg.Strategy {
	case callgroups.Linear:
		ok = cands[0] == m
	case callgroups.RRMemory:
		sort.SliceStable(cands, func(i, j int) bool { return w.rrKey(cands[i]) < w.rrKey(cands[j]) })
		ok = cands[0] == m
	case callgroups.LeastRecent:
		best := cands[0] // candidates are in the group's order: ties go to the first
		for _, x := range cands[1:] {
			if w.lastEndToday(x, now).Before(w.lastEndToday(best, now)) {
				best = x
			}
		}
		ok = best == m
	case callgroups.FewestCalls:
		best := cands[0]
		for _, x := range cands[1:] {
			if w.completedToday(x, now) < w.completedToday(best, now) {
				best = x
			}
		}
		ok = best == m
	case callgroups.Random:
		// The chosen member's place among the candidates, (i+½)/k, is
		// uniform on (0, 1) when the choice is: its mean is ½.
		i := slices.Index(cands, m)
		w.ck.RandomN++
		w.ck.RandomUSum += (float64(i) + 0.5) / float64(len(cands))
		return
	default:
		return
	}
	w.ck.StrategyChecked++
	if !ok {
		w.ck.StrategyViolations++
	}
}

// rrKey orders members after the one offered last.
func (w *world) rrKey(m *member) int {
	n := len(w.members)
	return (m.idx - w.rrLast - 1 + n) % n
}

// lastEndToday is when m's last group call ended, zero when not today
// (the ACD's strategy memory restarts at its midnight).
func (w *world) lastEndToday(m *member, now time.Time) time.Time {
	if m.lastEnd.IsZero() || w.day(m.lastEnd) != w.day(now) {
		return time.Time{}
	}
	return m.lastEnd
}

func (w *world) completedToday(m *member, now time.Time) int {
	if m.day != w.day(now) {
		return 0
	}
	return m.completed
}

// idleAccount integrates IdleWhileWaiting between the simulation's
// events (the truth changes only at them).
type idleAccount struct{ last time.Time }

// account adds the time since the last event to IdleWhileWaiting when,
// during it, a caller waited with nothing ringing while a member who had
// not been offered that caller was eligible. Called at the start of every
// event before the truth changes.
func (w *world) account() {
	now := w.clk.Now()
	dt := now.Sub(w.idleAcct.last)
	w.idleAcct.last = now
	if dt <= 0 || w.live == 0 {
		return
	}
	at := now.Add(-dt) // the state held since then
	var free []*member
	for _, m := range w.members {
		if w.eligible(m, at) {
			free = append(free, m)
		}
	}
	if len(free) == 0 {
		return
	}
	for _, c := range w.waiting {
		if len(c.offers) > 0 {
			continue
		}
		for _, m := range free {
			if !c.tried[m.id] {
				w.ck.IdleWhileWaiting += dt
				return
			}
		}
	}
}

func sortedOffers(m map[string]*offer) []*offer {
	out := make([]*offer, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].o.ID < out[j].o.ID })
	return out
}
