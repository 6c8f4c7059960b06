package callgroups

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// minRetry is the shortest pause between two rounds, whatever
// retry_delay says, so that members whose phones refuse at once are not
// rung in a loop.
const minRetry = time.Second

// settleLocked finishes a decision: callers leave the groups that came
// to be empty (leave_when_empty), waiting callers are offered to free
// members, and member_state goes out for the members whose state
// changed.
func (a *ACD) settleLocked(f *fx) {
	now := a.clk.Now()
	for first := true; first || len(f.touched) > 0 || len(f.dirty) > 0; first = false {
		for id := range f.dirty {
			for _, g := range a.groupsOfLocked(id) {
				f.touch(g)
			}
		}
		touched := make([]*group, 0, len(f.touched))
		for g := range f.touched {
			touched = append(touched, g)
		}
		f.touched = nil
		sort.Slice(touched, func(i, j int) bool { return touched[i].cfg.ID < touched[j].cfg.ID })
		for _, g := range touched {
			if a.groups[g.cfg.ID] == g && len(g.queue) > 0 && len(g.cfg.LeaveWhenEmpty) > 0 && a.emptyLocked(g, g.cfg.LeaveWhenEmpty, now) {
				for len(g.queue) > 0 {
					a.leaveLocked(f, g.queue[0], ExitLeaveEmpty, now)
				}
			}
		}
		a.dispatchLocked(f, now)
		a.flushStatesLocked(f, now)
	}
}

// dispatchLocked offers waiting callers to free members, the groups
// whose first caller waits longest first.
func (a *ACD) dispatchLocked(f *fx, now time.Time) {
	if a.tel == nil {
		return
	}
	var gs []*group
	for _, g := range a.groups {
		if len(g.queue) > 0 {
			gs = append(gs, g)
		}
	}
	sort.Slice(gs, func(i, j int) bool {
		x, y := gs[i].queue[0].entered, gs[j].queue[0].entered
		if !x.Equal(y) {
			return x.Before(y)
		}
		return gs[i].cfg.ID < gs[j].cfg.ID
	})
	for _, g := range gs {
		a.dispatchGroupLocked(f, g, now)
	}
}

// freeLocked returns the indexes of g's members who may be offered a
// call now, in the group's order.
func (a *ACD) freeLocked(g *group, now time.Time) []int {
	var free []int
	for i, m := range g.cfg.Members {
		if a.condLocked(g, m.UserID, now).eligible(g) {
			free = append(free, i)
		}
	}
	return free
}

// dispatchGroupLocked offers g's waiting callers, in order, to its free
// members (autofill: as many callers are offered at once as there are
// free members).
func (a *ACD) dispatchGroupLocked(f *fx, g *group, now time.Time) {
	free := a.freeLocked(g, now)
	var buf []int
	for _, c := range g.queue {
		if len(free) == 0 {
			return
		}
		if len(c.offers) > 0 || c.retrying {
			continue
		}
		cands := candidatesLocked(g, free, c, buf)
		if len(cands) == 0 {
			// Every free member was tried in this round: a new round
			// after retry_delay.
			if len(c.tried) > 0 {
				a.retryLocked(c)
			}
			continue
		}
		chosen := a.pickLocked(g, cands, now)
		for _, i := range chosen {
			a.offerLocked(f, c, g.cfg.Members[i].UserID, now)
			free = slices.DeleteFunc(free, func(j int) bool { return j == i })
		}
		buf = cands
		a.publishWaitingLocked(f, c)
	}
}

// retryLocked starts a new round for c after the group's retry delay.
func (a *ACD) retryLocked(c *caller) {
	c.retrying = true
	d := max(time.Duration(c.g.cfg.RetryDelay)*time.Second, minRetry)
	c.retryT = a.clk.AfterFunc(d, func() {
		a.locked(context.Background(), func(f *fx) {
			if a.callers[c.c.ID] != c || !c.retrying {
				return
			}
			c.retrying = false
			clear(c.tried)
		})
	})
}

// offerLocked rings userID for c.
func (a *ACD) offerLocked(f *fx, c *caller, userID string, now time.Time) {
	a.seq++
	o := &offer{id: fmt.Sprintf("cg-%s-%s-%d", c.g.cfg.ID, a.epoch, a.seq), c: c, g: c.g, user: userID, started: now}
	a.offers[o.id] = o
	c.offers[o.id] = o
	a.userLocked(userID).ringing[o.id] = o
	if c.g.cfg.Strategy != RingAll {
		c.g.memory.RRLast = userID
		if c.g.cfg.Strategy == RRMemory {
			a.saveRRLocked(c.g)
		}
	}
	f.mark(userID)
	req := Offer{ID: o.id, Caller: c.c.ID, GroupID: c.g.cfg.ID, GroupName: c.g.cfg.Name, UserID: userID,
		Timeout: time.Duration(c.g.cfg.RingTimeout) * time.Second, CallerNumber: c.c.Number, CallerName: c.c.Name}
	tel := a.tel
	f.do(func(ctx context.Context) {
		if err := tel.Offer(ctx, req); err != nil {
			a.log.Warn("callgroups: offer", "group", req.GroupID, "caller", req.Caller, "user", req.UserID, "err", err)
			a.OfferFailed(ctx, req.ID, OutcomeFailed)
		}
	})
}

// dropOfferLocked forgets a ringing offer.
func (a *ACD) dropOfferLocked(o *offer) {
	delete(a.offers, o.id)
	delete(o.c.offers, o.id)
	if u := a.users[o.user]; u != nil {
		delete(u.ringing, o.id)
	}
}

// cancelOffersLocked cancels c's ringing offers (another member
// answered, the caller left).
func (a *ACD) cancelOffersLocked(f *fx, c *caller) {
	ids := make([]string, 0, len(c.offers))
	for id, o := range c.offers {
		o.canceled = true
		a.dropOfferLocked(o)
		f.mark(o.user)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if a.tel == nil {
		return
	}
	tel := a.tel
	for _, id := range ids {
		f.do(func(ctx context.Context) {
			if err := tel.Cancel(ctx, id); err != nil {
				a.log.Warn("callgroups: cancel offer", "offer", id, "err", err)
			}
		})
	}
}

// removeCallerLocked takes c out of its group's queue (the callers after
// it move up) and stops its timers.
func (a *ACD) removeCallerLocked(f *fx, c *caller) {
	g := c.g
	i := slices.Index(g.queue, c)
	if i >= 0 {
		g.queue = slices.Delete(g.queue, i, i+1)
		a.publishFromLocked(f, g, i)
	}
	delete(a.callers, c.c.ID)
	for _, t := range []clock.Timer{c.retryT, c.maxWaitT, c.annT} {
		if t != nil {
			t.Stop()
		}
	}
	c.retrying = false
}

// leaveLocked makes a waiting caller leave unanswered with exit: their
// offers are canceled, the journal and the events say so, and the
// telephony hands them to the overflow destination.
func (a *ACD) leaveLocked(f *fx, c *caller, exit Exit, now time.Time) {
	pos := c.position()
	a.cancelOffersLocked(f, c)
	a.removeCallerLocked(f, c)
	wait := now.Sub(c.entered)
	e := Entry{Time: now, Caller: c.c.ID, GroupID: c.g.cfg.ID, Wait: wait, Position: pos, OrigPosition: c.origPos}
	switch exit {
	case ExitTimeout:
		e.Verb = VerbExitTimeout
	case ExitLeaveEmpty:
		e.Verb = VerbExitEmpty
	}
	if e.Verb != "" {
		a.journal(f, e)
	}
	a.publishGroupLocked(f, c.g, EventCallLeft, LeftCall{WaitingCall: waitingLocked(c, pos), Exit: exit, WaitSeconds: wait.Seconds()})
	a.leaveTel(f, c.c.ID, exit, c.g.cfg.Overflow)
}

// leaveTel asks the telephony to hand the caller back to the dialplan.
func (a *ACD) leaveTel(f *fx, callerID string, exit Exit, dest Destination) {
	if a.tel == nil {
		return
	}
	tel := a.tel
	f.do(func(ctx context.Context) {
		if err := tel.Leave(ctx, callerID, exit, dest); err != nil {
			a.log.Warn("callgroups: leave", "caller", callerID, "exit", exit, "err", err)
		}
	})
}

// Enter implements Sink: a caller joins groupID, or is refused (no such
// group: FAILED; max_callers: FULL; join_empty: JOINEMPTY) and handed to
// the overflow destination.
func (a *ACD) Enter(ctx context.Context, cl Caller, groupID string) {
	var c *caller
	a.locked(ctx, func(f *fx) {
		now := a.clk.Now()
		if a.callers[cl.ID] != nil {
			return
		}
		g := a.groups[groupID]
		if g == nil {
			a.log.Warn("callgroups: a caller for no such group", "group", groupID, "caller", cl.ID)
			a.leaveTel(f, cl.ID, ExitFailed, Destination{})
			return
		}
		refuse := func(exit Exit, verb Verb) {
			pos := len(g.queue) + 1
			a.journal(f, Entry{Time: now, Verb: verb, Caller: cl.ID, GroupID: g.cfg.ID, CallerNumber: cl.Number, Position: pos, OrigPosition: pos})
			w := WaitingCall{ID: cl.ID, GroupID: g.cfg.ID, CallerNumber: cl.Number, CallerName: cl.Name, Position: pos, EnteredAt: now, Ringing: []string{}}
			a.publishGroupLocked(f, g, EventCallLeft, LeftCall{WaitingCall: w, Exit: exit})
			a.leaveTel(f, cl.ID, exit, g.cfg.Overflow)
		}
		switch {
		case g.cfg.MaxCallers > 0 && len(g.queue) >= g.cfg.MaxCallers:
			refuse(ExitFull, VerbFull)
			return
		case len(g.cfg.JoinEmpty) > 0 && a.emptyLocked(g, g.cfg.JoinEmpty, now):
			refuse(ExitJoinEmpty, VerbJoinEmpty)
			return
		}
		c = &caller{c: cl, g: g, entered: now, offers: map[string]*offer{}, tried: map[string]bool{}}
		g.queue = append(g.queue, c)
		c.origPos = len(g.queue)
		a.callers[cl.ID] = c
		a.journal(f, Entry{Time: now, Verb: VerbEnterQueue, Caller: cl.ID, GroupID: g.cfg.ID, CallerNumber: cl.Number,
			Position: c.origPos, OrigPosition: c.origPos})
		if a.tel != nil {
			tel, hold, moh := a.tel, g.cfg.Hold, g.cfg.MOHClass
			f.do(func(ctx context.Context) {
				if err := tel.Wait(ctx, cl.ID, hold, moh); err != nil {
					a.log.Warn("callgroups: wait", "caller", cl.ID, "err", err)
				}
			})
		}
		if g.cfg.MaxWait > 0 {
			c.maxWaitT = a.clk.AfterFunc(time.Duration(g.cfg.MaxWait)*time.Second, func() {
				a.locked(context.Background(), func(f *fx) {
					if a.callers[cl.ID] == c {
						a.leaveLocked(f, c, ExitTimeout, a.clk.Now())
					}
				})
			})
		}
		a.publishWaitingLocked(f, c)
	})
	if c != nil {
		a.announceEntry(ctx, c)
	}
}

// CallerGone implements Sink: a waiting caller hung up (ABANDON); a
// caller already answered is left to CallEnded.
func (a *ACD) CallerGone(ctx context.Context, callerID string) {
	a.locked(ctx, func(f *fx) {
		c := a.callers[callerID]
		if c == nil {
			return
		}
		now := a.clk.Now()
		pos := c.position()
		wait := now.Sub(c.entered)
		a.cancelOffersLocked(f, c)
		a.removeCallerLocked(f, c)
		g := c.g
		a.journal(f, Entry{Time: now, Verb: VerbAbandon, Caller: callerID, GroupID: g.cfg.ID, Wait: wait,
			Position: pos, OrigPosition: c.origPos,
			SLAThreshold: time.Duration(g.cfg.SLAThreshold) * time.Second, ShortAbandon: time.Duration(g.cfg.ShortAbandon) * time.Second})
		a.publishGroupLocked(f, g, EventCallAbandoned, LeftCall{WaitingCall: waitingLocked(c, pos), WaitSeconds: wait.Seconds()})
	})
}

// OfferAnswered implements Sink: the member answered and is bridged with
// the caller; the other members ringing for them stop.
func (a *ACD) OfferAnswered(ctx context.Context, offerID, callID string) {
	a.locked(ctx, func(f *fx) {
		o := a.offers[offerID]
		if o == nil || o.canceled || !o.answered.IsZero() {
			a.log.Warn("callgroups: an answer to no ringing offer", "offer", offerID)
			return
		}
		now := a.clk.Now()
		c, g := o.c, o.g
		pos := c.position()
		a.dropOfferLocked(o)
		a.offers[o.id] = o
		o.answered, o.callID = now, callID
		u := a.userLocked(o.user)
		u.active[o.id] = o
		f.mark(o.user)
		a.cancelOffersLocked(f, c)
		a.removeCallerLocked(f, c)
		day := a.today(now)
		t := a.tallyLocked(g, o.user, day)
		t.Calls++
		a.saveTallyLocked(g, o.user)
		wait := now.Sub(c.entered)
		if g.holdtime == 0 {
			g.holdtime = wait
		} else {
			g.holdtime = (3*g.holdtime + wait) / 4
		}
		a.journal(f, Entry{Time: now, Verb: VerbConnect, Caller: c.c.ID, GroupID: g.cfg.ID, UserID: o.user, Agent: a.agentName(o.user),
			Wait: wait, Ring: now.Sub(o.started), Position: pos, OrigPosition: c.origPos, CallID: callID,
			SLAThreshold: time.Duration(g.cfg.SLAThreshold) * time.Second, ShortAbandon: time.Duration(g.cfg.ShortAbandon) * time.Second})
		a.publishGroupLocked(f, g, EventCallAnswered, activeLocked(o))
	})
}

// OfferFailed implements Sink: the member did not answer (RINGNOANSWER)
// and the caller is offered to the next, or after a round to all again.
func (a *ACD) OfferFailed(ctx context.Context, offerID string, out Outcome) {
	a.locked(ctx, func(f *fx) {
		o := a.offers[offerID]
		if o == nil || !o.answered.IsZero() {
			return
		}
		now := a.clk.Now()
		a.dropOfferLocked(o)
		f.mark(o.user)
		if o.canceled || out == OutcomeCanceled {
			if a.callers[o.c.c.ID] == o.c {
				a.publishWaitingLocked(f, o.c)
			}
			return
		}
		c := o.c
		a.journal(f, Entry{Time: now, Verb: VerbRingNoAnswer, Caller: c.c.ID, GroupID: o.g.cfg.ID, UserID: o.user,
			Agent: a.agentName(o.user), Ring: now.Sub(o.started), Wait: now.Sub(c.entered), Position: c.position(), OrigPosition: c.origPos})
		if a.callers[c.c.ID] == c {
			c.tried[o.user] = true
			a.publishWaitingLocked(f, c)
		}
	})
}

// CallEnded implements Sink: an answered group call ended; the member's
// wrap-up starts.
func (a *ACD) CallEnded(ctx context.Context, offerID string, by Party) {
	a.locked(ctx, func(f *fx) {
		o := a.offers[offerID]
		if o == nil || o.answered.IsZero() {
			return
		}
		now := a.clk.Now()
		delete(a.offers, o.id)
		u := a.userLocked(o.user)
		delete(u.active, o.id)
		f.mark(o.user)
		g := o.g
		t := a.tallyLocked(g, o.user, a.today(now))
		end := now
		t.Last = &end
		t.Completed++
		a.saveTallyLocked(g, o.user)
		if g.cfg.WrapUp > 0 {
			a.wrapUpLocked(u, o.user, now.Add(time.Duration(g.cfg.WrapUp)*time.Second))
		}
		verb := VerbCompleteCaller
		switch by {
		case PartyAgent:
			verb = VerbCompleteAgent
		case PartyTransferred:
			verb = VerbTransfer
		}
		a.journal(f, Entry{Time: now, Verb: verb, Caller: o.c.c.ID, GroupID: g.cfg.ID, UserID: o.user, Agent: a.agentName(o.user),
			Wait: o.answered.Sub(o.c.entered), Talk: now.Sub(o.answered), OrigPosition: o.c.origPos, CallID: o.callID})
		a.publishGroupLocked(f, g, EventCallCompleted, activeLocked(o))
	})
}

// wrapUpLocked keeps userID from calls until until (in every group).
func (a *ACD) wrapUpLocked(u *userLive, userID string, until time.Time) {
	if !until.After(u.wrapUntil) {
		return
	}
	u.wrapUntil = until
	if u.wrapTimer != nil {
		u.wrapTimer.Stop()
	}
	u.wrapTimer = a.clk.AfterFunc(until.Sub(a.clk.Now()), func() {
		a.locked(context.Background(), func(f *fx) { f.mark(userID) })
	})
}

// tallyLocked returns userID's tally of g for day (reset on another day).
func (a *ACD) tallyLocked(g *group, userID, day string) *tally {
	if g.memory.Tally == nil {
		g.memory.Tally = map[string]*tally{}
	}
	t := g.memory.Tally[userID]
	if t == nil || t.Day != day {
		t = &tally{Day: day}
		g.memory.Tally[userID] = t
	}
	return t
}

// agentName is how queue_log names a member: their name, else their
// extension, else their id.
func (a *ACD) agentName(userID string) string {
	if u, ok := a.dir.User(userID); ok {
		if u.Name != "" {
			return u.Name
		}
		if u.Extension != "" {
			return u.Extension
		}
	}
	return userID
}
