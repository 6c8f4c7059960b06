package dialsim

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// The SIP path's lockstep. Signalling runs in real time (sipgo's
// transactions on loopback, a few milliseconds), everything else — the
// dialer, siptel, the user agents' ring timeouts, media pacing and the
// simulated far ends' timers — on one virtual clock. Before the clock
// moves, the tracker waits until both ends of every leg agree: what the
// dialer asked for (through the probe) has reached the far end, and what
// the far end did has come back to the dialer as an event and been
// handled. The ring timer a Dial sets is tied to its leg (ringClock), so
// its CANCEL is waited for like the rest. The one piece of work that
// cannot be seen being started, siptel's BYE after the information
// message, has a deadline instead: the clock does not pass it until the
// leg has ended, giving the system a bounded real-time grace when it is
// late. Unanswered legs keep a deadline at the dial timeout as a backstop.

// legKind says which far end a leg goes to.
type legKind int

const (
	legCustomer legKind = iota + 1
	legAgent
)

// custPlan is what a simulated customer will do, drawn at originate (from
// the dial's own stream, draws.go), so a run is repeatable by seed however
// the INVITEs race on the wire.
type custPlan struct {
	answer bool
	ring   time.Duration
	talk   time.Duration
}

// sipLeg is one call leg as both ends see it.
type sipLeg struct {
	kind    legKind
	id      string // the dialer's call id, or the agent id
	user    string // the Request-URI user the far end sees
	plan    custPlan
	placed  time.Time
	removed bool

	// The dialer's side (through the probe).
	hangupAsked bool // Hangup or DisconnectAgent
	evRinging   bool // EventRinging seen
	evUp        bool // EventAnswered or EventAgentUp seen
	evEnded     bool // EventEnded or EventAgentDown seen

	// The far end's side.
	invited  bool // the INVITE arrived
	ringSent bool // 180 sent
	answered bool // 200 sent and ACKed
	byeSent  bool // the far end hung up (its BYE answered)
	gone     bool // the far end's call or INVITE is over (cancelled, BYE either way, failed)

	unstable bool      // counted in sipTracker.unstable
	deadline time.Time // the leg must have ended before the clock passes it (zero: none)
	lateTo   time.Time // the clock was let past the deadline up to here (it ran late)
	dialed   bool      // siptel's Dial returned (answered or failed)
	timedOut bool      // the user agent's ring timer fired (its CANCEL is on its way)
	msgDue   bool      // PlayMessage given, siptel has not started the prompt yet (counted in busy)
	wasLate  bool
}

// settled says whether nothing is in flight between the two ends.
func (l *sipLeg) settled() bool {
	switch {
	case !l.invited && !l.evEnded:
		return false // INVITE on its way
	case l.ringSent && !l.evRinging && !l.evEnded && l.kind == legCustomer:
		return false // 180 on its way
	case l.answered && !l.evUp && !l.evEnded:
		return false // 200 on its way
	case l.byeSent && !l.evEnded:
		return false // the far end's BYE on its way
	case l.hangupAsked && !l.evEnded:
		return false // our CANCEL or BYE on its way
	case l.evEnded && l.invited && !l.gone:
		return false // the far end has not seen the end yet
	case l.timedOut && !l.over():
		return false // the ring timeout's CANCEL on its way
	}
	return true
}

// over says whether the leg has ended at both ends.
func (l *sipLeg) over() bool { return l.evEnded && (l.gone || !l.invited) }

// sipTracker holds the legs and implements the lockstep.
type sipTracker struct {
	clk *clock.Virtual

	mu        sync.Mutex
	legs      map[string]*sipLeg // by "c:"+call id or "a:"+agent id
	byUser    map[string]*sipLeg // live legs by far-end user
	unstable  int
	busy      int       // far-end goroutines doing signalling
	due       []*sipLeg // legs with a deadline, not yet over
	kick      chan struct{}
	err       error // first lockstep failure inside a timer callback
	draws     *draws
	invites   int // customer INVITEs that reached the far end
	unknown   int // INVITEs for a user no leg expects
	grace     time.Duration
	quietWait time.Duration
	late      int     // deadlines passed with the leg still up (after the grace)
	dialing   *sipLeg // the leg whose Originate is under way (one at a time)
}

func newSIPTracker(clk *clock.Virtual, dr *draws) *sipTracker {
	return &sipTracker{clk: clk, legs: map[string]*sipLeg{}, byUser: map[string]*sipLeg{}, kick: make(chan struct{}, 1),
		draws: dr, grace: 200 * time.Millisecond, quietWait: quietTimeout}
}

func legKey(kind legKind, id string) string {
	if kind == legAgent {
		return "a:" + id
	}
	return "c:" + id
}

// change applies f to the leg under the lock and updates the counters.
func (t *sipTracker) change(l *sipLeg, f func(l *sipLeg)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l.removed {
		return
	}
	f(l)
	t.restateLocked(l)
}

func (t *sipTracker) restateLocked(l *sipLeg) {
	if u := !l.settled(); u != l.unstable {
		l.unstable = u
		if u {
			t.unstable++
		} else {
			t.unstable--
		}
	}
	if l.evEnded {
		t.clearMsgLocked(l)
	}
	if !l.unstable && l.over() {
		l.removed = true
		delete(t.legs, legKey(l.kind, l.id))
		if t.byUser[l.user] == l {
			delete(t.byUser, l.user)
		}
	}
	t.pokeLocked()
}

func (t *sipTracker) pokeLocked() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// placed records a customer call the dialer is about to originate and
// draws its customer's plan.
func (t *sipTracker) placed(id, user string, timeout time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clk.Now()
	l := &sipLeg{kind: legCustomer, id: id, user: user, placed: now}
	if d := t.draws.draw(user, now); d.Answer {
		l.plan = custPlan{answer: d.Ring < timeout, ring: d.Ring, talk: d.Talk}
	}
	if !l.plan.answer {
		l.deadline = now.Add(timeout) // the user agent's ring timeout cancels it
		t.due = append(t.due, l)
	}
	t.legs[legKey(legCustomer, id)] = l
	t.byUser[user] = l
	t.restateLocked(l)
}

// agentCalled records an agent leg the dialer is about to call.
func (t *sipTracker) agentCalled(agentID, user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := &sipLeg{kind: legAgent, id: agentID, user: user, placed: t.clk.Now()}
	t.legs[legKey(legAgent, agentID)] = l
	t.byUser[user] = l
	t.restateLocked(l)
}

// leg returns a live leg.
func (t *sipTracker) leg(kind legKind, id string) *sipLeg {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.legs[legKey(kind, id)]
}

// failed drops a leg whose originate or agent call failed at once (no
// INVITE, no event).
func (t *sipTracker) failed(kind legKind, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[legKey(kind, id)]; l != nil && !l.invited {
		l.evEnded = true
		t.restateLocked(l)
	}
}

// expect returns the leg an INVITE for user belongs to (nil: nobody
// expects it; counted).
func (t *sipTracker) expect(user string, kind legKind) *sipLeg {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.byUser[user]
	if l == nil || l.kind != kind || l.invited {
		t.unknown++
		return nil
	}
	return l
}

// arrived marks the leg's INVITE as taken in by the far end (its timers
// set, its 180 sent): the last step of the far end's INVITE handler, so
// the clock cannot move while the handler runs.
func (t *sipTracker) arrived(l *sipLeg) {
	t.change(l, func(l *sipLeg) {
		l.invited = true
		if l.kind == legCustomer {
			t.invites++
		}
	})
}

// originating marks l as the leg whose Originate is under way (nil: none).
func (t *sipTracker) originating(kind legKind, id string, on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !on {
		t.dialing = nil
		return
	}
	t.dialing = t.legs[legKey(kind, id)]
}

// dialReturned is told by the user agent probe that a Dial to user
// returned.
func (t *sipTracker) dialReturned(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.byUser[user]; l != nil && !l.dialed {
		l.dialed = true
		t.pokeLocked()
	}
}

// waitInvited waits until the leg's INVITE has been taken in by the far
// end (or its Dial failed first). Originates given together thus reach
// the far end one after the other, in the dialer's order, and the user
// agent's ring timers and the far ends' timers are set in that order:
// timers due at the same instant fire in an order fixed by the seed.
// It needs nothing from the goroutine that delivers events, so it is
// safe in any of the dialer's goroutines.
func (t *sipTracker) waitInvited(kind legKind, id string) {
	t.mu.Lock()
	l := t.legs[legKey(kind, id)]
	t.mu.Unlock()
	if l == nil {
		return
	}
	err := t.wait(func() bool { return l.removed || l.invited || l.dialed }, t.quietWait, func() error {
		return fmt.Errorf("sim sip: the INVITE for %s did not reach the far end in %s", id, t.quietWait)
	})
	if err != nil {
		t.mu.Lock()
		if t.err == nil {
			t.err = err
		}
		t.mu.Unlock()
	}
}

// messageDeadline records a PlayMessage: the clock is held (busy) until
// siptel starts the prompt, and the call must be over by d after.
func (t *sipTracker) messageDeadline(id string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.legs[legKey(legCustomer, id)]
	if l == nil || l.evEnded {
		return
	}
	at := t.clk.Now().Add(d)
	if l.deadline.IsZero() {
		t.due = append(t.due, l)
	}
	if l.deadline.IsZero() || at.Before(l.deadline) {
		l.deadline = at
	}
	if !l.msgDue {
		l.msgDue = true
		t.busy++
	}
}

// messageStarting is told by the media probe that siptel starts playing a
// prompt once on user's call.
func (t *sipTracker) messageStarting(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.byUser[user]; l != nil {
		t.clearMsgLocked(l)
	}
}

// messageNotStarting: the PlayMessage failed.
func (t *sipTracker) messageNotStarting(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[legKey(legCustomer, id)]; l != nil {
		t.clearMsgLocked(l)
	}
}

func (t *sipTracker) clearMsgLocked(l *sipLeg) {
	if l.msgDue {
		l.msgDue = false
		t.busy--
		t.pokeLocked()
	}
}

// busyAdd counts a far-end goroutine doing signalling in (+1) or out (-1).
func (t *sipTracker) busyAdd(n int) {
	t.mu.Lock()
	t.busy += n
	t.pokeLocked()
	t.mu.Unlock()
}

// quietLocked says whether nothing is in flight.
func (t *sipTracker) quietLocked() bool { return t.unstable == 0 && t.busy == 0 }

// quiet waits until nothing is in flight.
func (t *sipTracker) quiet() error {
	return t.wait(t.quietLocked, t.quietWait, func() error {
		return fmt.Errorf("sim sip: not quiet after %s: %s", t.quietWait, t.describe())
	})
}

// wait waits (real time) until cond holds under the lock, or for d.
func (t *sipTracker) wait(cond func() bool, d time.Duration, timeout func() error) error {
	var deadline *time.Timer
	for {
		t.mu.Lock()
		ok := cond()
		t.mu.Unlock()
		if ok {
			if deadline != nil {
				deadline.Stop()
			}
			return nil
		}
		if deadline == nil {
			deadline = time.NewTimer(d)
		}
		select {
		case <-t.kick:
		case <-deadline.C:
			return timeout()
		}
	}
}

// settle waits for quiet before a timer callback; failures are kept.
func (t *sipTracker) settle() {
	t.mu.Lock()
	ok, failed := t.quietLocked(), t.err != nil
	t.mu.Unlock()
	if ok || failed {
		return
	}
	if err := t.quiet(); err != nil {
		t.mu.Lock()
		if t.err == nil {
			t.err = err
		}
		t.mu.Unlock()
	}
}

// overdueLocked says whether a leg with a deadline before next is still
// up; it drops the legs that are over from the list.
func (t *sipTracker) overdueLocked(next time.Time) bool {
	keep := t.due[:0]
	overdue := false
	for _, l := range t.due {
		if l.removed || l.over() {
			continue
		}
		keep = append(keep, l)
		if l.deadline.Before(next) && l.lateTo.Before(next) {
			overdue = true
		}
	}
	clear(t.due[len(keep):])
	t.due = keep
	return overdue
}

// lateStep is how much virtual time a late leg is given at once.
const lateStep = 100 * time.Millisecond

// maxLate is how far past its deadline a leg may still be up before the
// run fails.
const maxLate = 5 * time.Second

// beforeAdvance is called before the clock moves to next: it waits for
// quiet, then for legs whose deadline falls before next to end. Those are
// ended by a timer inside the user agent or siptel; when that work runs
// late (it was started in real time after the clock had moved on), the
// clock is let go one step after a short grace, and the lateness counted.
func (t *sipTracker) beforeAdvance(next time.Time) error {
	if err := t.quiet(); err != nil {
		return err
	}
	t.mu.Lock()
	overdue := t.overdueLocked(next)
	t.mu.Unlock()
	if !overdue {
		return nil
	}
	_ = t.wait(func() bool { return !t.overdueLocked(next) && t.quietLocked() }, t.grace, func() error { return nil })
	if err := t.quiet(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.overdueLocked(next) {
		return nil
	}
	for _, l := range t.due {
		if !l.deadline.Before(next) || !l.lateTo.Before(next) {
			continue
		}
		if next.Sub(l.deadline) > maxLate {
			return fmt.Errorf("sim sip: %s still up %s after its deadline %s: %+v", l.id, next.Sub(l.deadline), l.deadline.Format(time.TimeOnly), *l)
		}
		if !l.wasLate {
			l.wasLate = true
			t.late++
		}
		l.lateTo = next.Add(lateStep)
	}
	return nil
}

// advanceTo moves the clock to at, one timer time at a time.
func (t *sipTracker) advanceTo(at time.Time) error {
	for {
		next, ok := t.clk.NextAt()
		if !ok || next.After(at) {
			next = at
		}
		if err := t.beforeAdvance(next); err != nil {
			return err
		}
		t.clk.AdvanceTo(next)
		if err := t.failure(); err != nil {
			return err
		}
		if !next.Before(at) {
			return t.quiet()
		}
	}
}

func (t *sipTracker) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// describe lists the legs in flight, for an error.
func (t *sipTracker) describe() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, l := range t.legs {
		if l.unstable {
			out = append(out, fmt.Sprintf("%s %s %+v", map[legKind]string{legCustomer: "customer", legAgent: "agent"}[l.kind], l.id, *l))
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… %d more", len(out)-5))
	}
	return fmt.Sprintf("%d far-end goroutines busy, %d legs in flight: %s", t.busy, t.unstable, strings.Join(out, "; "))
}

// counts returns the customer INVITEs seen, unexpected INVITEs, late
// deadlines and legs still tracked.
func (t *sipTracker) counts() (invites, unknown, late, legs int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.invites, t.unknown, t.late, len(t.legs)
}

// ringClock is the clock of the dialer's user agent: the ring timer a
// Dial sets (the dial timeout, set while the Originate is under way) is
// tied to that leg, so once it has fired nothing else runs until the
// CANCEL it sends has ended the leg at both ends.
type ringClock struct {
	sipClock
	ring time.Duration
}

// AfterFunc implements clock.Clock.
func (c ringClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	if d != c.ring {
		return c.sipClock.AfterFunc(d, f)
	}
	c.tr.mu.Lock()
	l := c.tr.dialing
	c.tr.mu.Unlock()
	if l == nil {
		return c.sipClock.AfterFunc(d, f)
	}
	return c.sipClock.AfterFunc(d, func() {
		f()
		c.tr.change(l, func(l *sipLeg) { l.timedOut = true })
	})
}

// sipClock is the clock given to the dialer, siptel, the user agents and
// the far ends: before any timer callback runs, it waits until nothing is
// in flight, so callbacks and signalling never overlap.
type sipClock struct {
	*clock.Virtual
	tr *sipTracker
}

// AfterFunc implements clock.Clock.
func (c sipClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.Virtual.AfterFunc(d, func() {
		c.tr.settle()
		f()
	})
}
