package acdsim

import (
	"context"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// refACD is a minimal textbook ACD used only to test the harness itself
// (arrivals, members, the journal tally, Erlang C) independently of the
// real ACD: first come first served, each waiting caller offered to the
// eligible member whose last call ended longest ago.
type refACD struct {
	tel     callgroups.Telephony
	jr      callgroups.Journal
	pres    callgroups.Presence
	clk     clock.Clock
	g       callgroups.Group
	members map[string]*refMember
	queue   []*refCaller
	offers  map[string]*refOffer
	n       int
	// delay, when set, makes the ACD offer only delay after a caller
	// enters (a misbehaving ACD for TestChecksCatchAMisbehavingACD).
	delay time.Duration
}

type refMember struct {
	id                    string
	paused, ringing, busy bool
	wrapUntil, lastEnd    time.Time
}

type refCaller struct {
	id      string
	enterAt time.Time
	offer   *refOffer
	tried   map[string]bool
}

type refOffer struct {
	id string
	c  *refCaller
	m  *refMember
}

func newRefACD(e Env) (ACD, error) {
	return &refACD{tel: e.Telephony, jr: e.Journal, pres: e.Presence, clk: e.Clock,
		members: map[string]*refMember{}, offers: map[string]*refOffer{}}, nil
}

func (a *refACD) CreateGroup(_ context.Context, g callgroups.Group) (callgroups.Group, error) {
	a.g = g
	for _, m := range g.Members {
		a.members[m.UserID] = &refMember{id: m.UserID}
	}
	return g, nil
}

func (a *refACD) Pause(ctx context.Context, _, userID string, paused bool, _ string) ([]callgroups.MemberView, error) {
	a.members[userID].paused = paused
	a.dispatch(ctx)
	return nil, nil
}

func (a *refACD) PresenceChanged(ctx context.Context, _ string) { a.dispatch(ctx) }

func (a *refACD) record(ctx context.Context, v callgroups.Verb, c *refCaller, m *refMember) {
	e := callgroups.Entry{Time: a.clk.Now(), Verb: v, Caller: c.id, GroupID: a.g.ID,
		Wait: a.clk.Now().Sub(c.enterAt), SLAThreshold: time.Duration(a.g.SLAThreshold) * time.Second}
	if m != nil {
		e.UserID = m.id
	}
	a.jr.Record(ctx, e)
}

func (a *refACD) Enter(ctx context.Context, c callgroups.Caller, _ string) {
	rc := &refCaller{id: c.ID, enterAt: a.clk.Now(), tried: map[string]bool{}}
	_ = a.tel.Wait(ctx, c.ID, a.g.Hold, "")
	a.queue = append(a.queue, rc)
	a.record(ctx, callgroups.VerbEnterQueue, rc, nil)
	if a.delay > 0 {
		a.clk.AfterFunc(a.delay, func() { a.dispatch(ctx) })
		return
	}
	a.dispatch(ctx)
}

func (a *refACD) eligible(m *refMember) bool {
	p := a.pres.Presence(m.id)
	return !m.paused && !m.ringing && !m.busy && !p.DND && p.Registered && !p.OnCall && !a.clk.Now().Before(m.wrapUntil)
}

func (a *refACD) dispatch(ctx context.Context) {
	for _, c := range a.queue {
		if c.offer != nil || a.clk.Now().Sub(c.enterAt) < a.delay {
			continue
		}
		var best *refMember
		for _, gm := range a.g.Members {
			m := a.members[gm.UserID]
			if a.eligible(m) && !c.tried[m.id] && (best == nil || m.lastEnd.Before(best.lastEnd)) {
				best = m
			}
		}
		if best == nil {
			continue
		}
		a.n++
		o := &refOffer{id: "o" + time.Duration(a.n).String(), c: c, m: best}
		a.offers[o.id], c.offer, best.ringing, c.tried[best.id] = o, o, true, true
		_ = a.tel.Offer(ctx, callgroups.Offer{ID: o.id, Caller: c.id, GroupID: a.g.ID, UserID: best.id,
			Timeout: time.Duration(a.g.RingTimeout) * time.Second})
	}
}

func (a *refACD) remove(c *refCaller) {
	a.queue = slices.DeleteFunc(a.queue, func(x *refCaller) bool { return x == c })
}

func (a *refACD) OfferAnswered(ctx context.Context, offerID, _ string) {
	o := a.offers[offerID]
	o.m.ringing, o.m.busy, o.c.offer = false, true, nil
	a.remove(o.c)
	a.record(ctx, callgroups.VerbConnect, o.c, o.m)
	a.dispatch(ctx)
}

func (a *refACD) OfferFailed(ctx context.Context, offerID string, _ callgroups.Outcome) {
	o := a.offers[offerID]
	delete(a.offers, offerID)
	o.m.ringing = false
	if o.c.offer == o {
		o.c.offer = nil
	}
	if len(o.c.tried) >= len(a.members) {
		clear(o.c.tried)
	}
	a.dispatch(ctx)
}

func (a *refACD) CallEnded(ctx context.Context, offerID string, by callgroups.Party) {
	o := a.offers[offerID]
	delete(a.offers, offerID)
	now := a.clk.Now()
	o.m.busy, o.m.lastEnd, o.m.wrapUntil = false, now, now.Add(time.Duration(a.g.WrapUp)*time.Second)
	v := callgroups.VerbCompleteCaller
	if by == callgroups.PartyAgent {
		v = callgroups.VerbCompleteAgent
	}
	a.record(ctx, v, o.c, o.m)
	if a.g.WrapUp > 0 {
		a.clk.AfterFunc(time.Duration(a.g.WrapUp)*time.Second, func() { a.dispatch(ctx) })
	}
	a.dispatch(ctx)
}

func (a *refACD) CallerGone(ctx context.Context, caller string) {
	for _, c := range a.queue {
		if c.id == caller {
			a.remove(c)
			if c.offer != nil {
				_ = a.tel.Cancel(ctx, c.offer.id)
			}
			a.record(ctx, callgroups.VerbAbandon, c, nil)
			return
		}
	}
}
