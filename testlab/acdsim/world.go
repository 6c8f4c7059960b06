package acdsim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// groupID is the simulated group.
const groupID = "sim"

// member is the simulation's truth about a member.
type member struct {
	idx       int
	id        string
	paused    bool // as last set through the ACD's Pause
	dnd       bool
	offline   bool
	call      *offer            // the bridged group call
	ringing   map[string]*offer // offers ringing now
	wrapUntil time.Time
	lastEnd   time.Time // last group call ended (zero: never)
	completed int       // group calls completed on day (the ACD's "today")
	day       string
	answered  int
}

// caller is the truth about a caller.
type caller struct {
	id         string
	n          int
	enteredAt  time.Time
	answeredAt time.Time
	waitCalled bool
	state      callerState
	offers     map[string]*offer // offers ringing now
	tried      map[string]bool   // members offered this caller
	patience   clock.Timer
	// talk and byAgent are drawn when the caller arrives (from the
	// arrivals' stream): the call lasts talk once answered, whoever
	// answers, and the member ends it when byAgent.
	talk    time.Duration
	byAgent bool
}

type callerState int

const (
	callerWaiting callerState = iota
	callerBridged
	callerDone // hung up, left or completed
)

// offer is the truth about an offer.
type offer struct {
	o     callgroups.Offer
	m     *member
	c     *caller
	timer clock.Timer
	state offerState
}

type offerState int

const (
	offerRinging offerState = iota
	offerAnswered
	offerEnded
)

// world is the simulated PBX: callers, members, offers, presence. It is
// the ACD's Telephony and Presence; everything runs in the goroutine
// that advances the virtual clock.
type world struct {
	cfg      Config
	clk      *clock.Virtual
	rng      *rand.Rand
	acd      ACD
	ctx      context.Context
	members  []*member
	byID     map[string]*member
	callers  map[string]*caller
	waiting  map[string]*caller // callers waiting (not bridged, not gone)
	offers   map[string]*offer
	nCallers int
	live     int // callers not done
	measure  time.Time
	end      time.Time
	loc      *time.Location
	rrLast   int // index of the member offered last (rrmemory check)
	ck       Checks
	path     fcfsPath
	idleAcct idleAccount
}

func newWorld(cfg Config, clk *clock.Virtual, rng *rand.Rand) *world {
	w := &world{cfg: cfg, clk: clk, rng: rng, ctx: context.Background(), byID: map[string]*member{},
		callers: map[string]*caller{}, waiting: map[string]*caller{}, offers: map[string]*offer{}, loc: time.UTC, rrLast: -1}
	w.ck.init()
	for i := 0; i < cfg.Agents; i++ {
		m := &member{idx: i, id: memberID(i), ringing: map[string]*offer{}}
		w.members = append(w.members, m)
		w.byID[m.id] = m
	}
	w.idleAcct.last = clk.Now()
	w.path.init(cfg.Agents, clk.Now())
	return w
}

// later runs f on the clock at once, after what is running now: what the
// telephony reports never re-enters the ACD from inside its own call.
func (w *world) later(f func()) { w.clk.AfterFunc(0, f) }

// --- callers -------------------------------------------------------------

func (w *world) arrive(talk time.Duration, byAgent bool) {
	w.account()
	w.nCallers++
	c := &caller{id: fmt.Sprintf("sim-%06d", w.nCallers), n: w.nCallers, enteredAt: w.clk.Now(),
		offers: map[string]*offer{}, tried: map[string]bool{}, talk: talk, byAgent: byAgent}
	w.path.arrive(c.id, c.enteredAt, talk)
	w.callers[c.id] = c
	w.waiting[c.id] = c
	w.live++
	w.ck.Entered++
	if w.cfg.Patience > 0 {
		p := time.Duration(w.rng.ExpFloat64() * float64(w.cfg.Patience))
		c.patience = w.clk.AfterFunc(p, func() { w.hangUpWaiting(c) })
	}
	w.acd.Enter(w.ctx, callgroups.Caller{ID: c.id, Number: fmt.Sprintf("+4144555%04d", c.n%10000)}, groupID)
}

// hangUpWaiting: the caller's patience ran out before a member answered.
func (w *world) hangUpWaiting(c *caller) {
	if c.state != callerWaiting {
		return
	}
	w.account()
	ended := w.endOffersOf(c)
	w.done(c)
	w.ck.Abandoned++
	w.acd.CallerGone(w.ctx, c.id)
	for _, o := range ended {
		w.acd.OfferFailed(w.ctx, o.o.ID, callgroups.OutcomeCanceled)
	}
}

// endOffersOf stops every offer ringing for c (the caller left).
func (w *world) endOffersOf(c *caller) []*offer {
	var out []*offer
	for _, o := range sortedOffers(c.offers) {
		w.stopRinging(o)
		out = append(out, o)
	}
	return out
}

func (w *world) done(c *caller) {
	if c.state == callerDone {
		return
	}
	c.state = callerDone
	delete(w.waiting, c.id)
	w.live--
	if c.patience != nil {
		c.patience.Stop()
	}
}

// --- offers --------------------------------------------------------------

func (w *world) stopRinging(o *offer) {
	if o.state != offerRinging {
		return
	}
	o.state = offerEnded
	if o.timer != nil {
		o.timer.Stop()
	}
	delete(o.m.ringing, o.o.ID)
	delete(o.c.offers, o.o.ID)
}

func (w *world) ringFor(o *offer) {
	m := o.m
	switch {
	case m.offline:
		w.later(func() { w.fail(o, callgroups.OutcomeUnavailable) })
		return
	case m.dnd:
		w.later(func() { w.fail(o, callgroups.OutcomeBusy) })
		return
	}
	answers := m.call == nil && len(m.ringing) == 1 && w.rng.Float64() >= w.cfg.NoAnswer && !slices.Contains(w.cfg.Silent, m.idx)
	ring := w.cfg.RingMin
	if span := w.cfg.RingMax - w.cfg.RingMin; span > 0 {
		ring += time.Duration(w.rng.Float64() * float64(span))
	}
	if answers && ring < o.o.Timeout {
		o.timer = w.clk.AfterFunc(ring, func() { w.answer(o) })
		return
	}
	o.timer = w.clk.AfterFunc(o.o.Timeout, func() { w.fail(o, callgroups.OutcomeNoAnswer) })
}

// fail ends a ringing offer without a bridge and tells the ACD.
func (w *world) fail(o *offer, out callgroups.Outcome) {
	if o.state != offerRinging {
		return
	}
	w.account()
	w.stopRinging(o)
	if out == callgroups.OutcomeNoAnswer {
		w.ck.NoAnswers++
	}
	w.acd.OfferFailed(w.ctx, o.o.ID, out)
}

func (w *world) answer(o *offer) {
	if o.state != offerRinging {
		return
	}
	w.account()
	c, m := o.c, o.m
	if c.state != callerWaiting {
		// Another member has the caller and the ACD did not cancel this
		// offer: the member's answer finds nobody.
		w.ck.StaleAnswers++
		w.stopRinging(o)
		w.acd.OfferFailed(w.ctx, o.o.ID, callgroups.OutcomeCanceled)
		return
	}
	w.stopRinging(o)
	o.state = offerAnswered
	c.state, c.answeredAt = callerBridged, w.clk.Now()
	delete(w.waiting, c.id)
	if c.patience != nil {
		c.patience.Stop()
	}
	m.call = o
	m.answered++
	w.ck.Answered++
	w.ck.truthWait[c.id] = c.answeredAt.Sub(c.enteredAt)
	w.acd.OfferAnswered(w.ctx, o.o.ID, "call-"+o.o.ID)
	w.acd.PresenceChanged(w.ctx, m.id)
	w.clk.AfterFunc(c.talk, func() { w.hangUp(o, c.byAgent) })
}

func (w *world) hangUp(o *offer, byAgent bool) {
	w.account()
	now := w.clk.Now()
	m, c := o.m, o.c
	o.state = offerEnded
	m.call = nil
	m.lastEnd = now
	if d := w.day(now); d != m.day {
		m.day, m.completed = d, 0
	}
	m.completed++
	w.done(c)
	w.ck.Completed++
	if w.cfg.WrapUp > 0 {
		m.wrapUntil = now.Add(w.cfg.WrapUp)
		w.clk.AfterFunc(w.cfg.WrapUp, w.account) // eligibility changes then
	}
	party := callgroups.PartyCaller
	if byAgent {
		party = callgroups.PartyAgent
	}
	w.acd.CallEnded(w.ctx, o.o.ID, party)
	w.acd.PresenceChanged(w.ctx, m.id)
}

func (w *world) day(t time.Time) string { return t.In(w.loc).Format("2006-01-02") }

// --- callgroups.Telephony ------------------------------------------------

// Wait implements callgroups.Telephony.
func (w *world) Wait(_ context.Context, id string, _ callgroups.Hold, _ string) error {
	c := w.callers[id]
	if c == nil || c.state != callerWaiting {
		w.ck.BadRequests++
		return fmt.Errorf("wait %s: no such waiting caller", id)
	}
	c.waitCalled = true
	return nil
}

// Announce implements callgroups.Telephony.
func (w *world) Announce(_ context.Context, id string, media []string) error {
	if c := w.callers[id]; c == nil || c.state != callerWaiting || len(media) == 0 {
		w.ck.BadRequests++
		return fmt.Errorf("announce %s: no such waiting caller or no media", id)
	}
	w.ck.Announcements++
	return nil
}

// Offer implements callgroups.Telephony: it checks the offer against the
// truth, then the member rings.
func (w *world) Offer(_ context.Context, o callgroups.Offer) error {
	w.account()
	c, m := w.callers[o.Caller], w.byID[o.UserID]
	switch {
	case w.offers[o.ID] != nil:
		w.ck.BadRequests++
		return fmt.Errorf("offer %s: id in use", o.ID)
	case c == nil || c.state != callerWaiting || m == nil || o.GroupID != groupID:
		w.ck.BadRequests++
		return fmt.Errorf("offer %s: no such waiting caller %q or member %q", o.ID, o.Caller, o.UserID)
	case o.Timeout <= 0:
		w.ck.BadRequests++
		return fmt.Errorf("offer %s: timeout %v", o.ID, o.Timeout)
	}
	w.ck.Offers++
	if !c.waitCalled {
		w.ck.OfferBeforeWait++ // the caller was not answered (Wait) first
	}
	w.checkOffer(c, m)
	of := &offer{o: o, m: m, c: c}
	w.offers[o.ID] = of
	c.offers[o.ID] = of
	c.tried[m.id] = true
	m.ringing[o.ID] = of
	w.ringFor(of)
	return nil
}

// Cancel implements callgroups.Telephony: the member's phone stops
// ringing now; OfferFailed(canceled) follows.
func (w *world) Cancel(_ context.Context, offerID string) error {
	o := w.offers[offerID]
	if o == nil {
		w.ck.BadRequests++
		return fmt.Errorf("cancel %s: no such offer", offerID)
	}
	if o.state != offerRinging {
		return nil
	}
	w.account()
	w.stopRinging(o)
	w.ck.Cancels++
	w.later(func() { w.acd.OfferFailed(w.ctx, offerID, callgroups.OutcomeCanceled) })
	return nil
}

// Leave implements callgroups.Telephony: the caller goes on in the
// dialplan (overflow); offers still ringing for them end.
func (w *world) Leave(_ context.Context, id string, exit callgroups.Exit, _ callgroups.Destination) error {
	c := w.callers[id]
	if c == nil || c.state != callerWaiting {
		w.ck.BadRequests++
		return fmt.Errorf("leave %s: no such waiting caller", id)
	}
	w.account()
	ended := w.endOffersOf(c)
	w.done(c)
	w.ck.Left[exit]++
	for _, o := range ended {
		w.ck.LeftRinging++
		w.later(func() { w.acd.OfferFailed(w.ctx, o.o.ID, callgroups.OutcomeCanceled) })
	}
	return nil
}

// --- callgroups.Presence -------------------------------------------------

// Presence implements callgroups.Presence from the truth: OnCall is a
// bridged call of the simulation (offers ringing are the ACD's own).
func (w *world) Presence(userID string) callgroups.MemberPresence {
	m := w.byID[userID]
	if m == nil {
		return callgroups.MemberPresence{}
	}
	return callgroups.MemberPresence{DND: m.dnd, Registered: !m.offline, OnCall: m.call != nil}
}
