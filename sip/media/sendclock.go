package media

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// SendClock is one 20 ms send schedule shared by many sessions (the sessions
// of a SIP user agent): slot n is due at start + n×20 ms, and each slot is
// one pass that sends the due frame of every registered session, in the
// order they registered. One timer and one pass replace a timer per session,
// so 200 calls wake the process once per 20 ms to send, not 200 times at
// unrelated instants, and no stream's send waits behind another stream's
// timer or receive work.
//
// The schedule is a Pacer's: absolute (no drift), and a pass that runs late
// by a whole period or more skips the slots already past instead of sending
// them in a burst. Every session then gets missed > 0 for that pass and
// advances its RTP timestamp by the skipped samples, so timestamps stay on
// the 160-sample grid of the slots and the receiver sees a loss, never two
// frames of one stream back to back. A pass less than a period late sends
// the slot's frames late, once.
//
// The timer runs only while sessions are registered: the first one starts
// the schedule (its slot 0 is due at once), the last one to leave stops it,
// so an idle SendClock holds no timer and no goroutine and needs no Close.
// On the real clock each pass runs in the timer's goroutine; on a
// clock.Virtual it runs synchronously inside Advance. A SendClock is safe
// for concurrent use.
type SendClock struct {
	clk clock.Clock

	mu sync.Mutex
	// members is replaced, never modified in place, so that a pass reads a
	// snapshot without holding mu while it sends.
	members []*sendMember
	pacer   *Pacer // nil while no member is registered
	stats   SendClockStats
}

// SendClockStats are a SendClock's figures since it was made: how late its
// passes started against their absolute slot times and how long they took,
// which tells scheduling delay (a pass that starts late) from send work (a
// pass that takes long) when the jitter on the wire is analysed.
type SendClockStats struct {
	// Passes counts the passes run; Ticks the member ticks they called.
	Passes, Ticks uint64
	// Skipped counts slots passed over because a pass ran a period or
	// more late (each skipped slot once, whatever the number of members).
	Skipped uint64
	// Late1ms and Late2ms count passes that started more than 1 ms and
	// 2 ms after their slot time (a pass that skipped slots: after the
	// first of them); MaxLate is the latest start.
	Late1ms, Late2ms uint64
	MaxLate          time.Duration
	// MaxPass is the longest pass, from its start to its last send tick's
	// end (the AddAfter ticks that follow are not counted).
	MaxPass time.Duration
	// MaxAfter is the longest run of the AddAfter ticks of one pass.
	MaxAfter time.Duration
}

// sendMember is one registration on a SendClock.
type sendMember struct {
	tick TickFunc
	// last is the last slot served, -1 before the first; only the pass
	// touches it (passes of one schedule never overlap).
	last  int64
	pacer *Pacer // the schedule it was served by
	gone  atomic.Bool
	after bool // registered by AddAfter
}

// NewSendClock returns an idle SendClock whose timers come from clk (nil is
// the wall clock).
func NewSendClock(clk clock.Clock) *SendClock {
	if clk == nil {
		clk = clock.Real{}
	}
	return &SendClock{clk: clk}
}

// Add registers tick to be called once per 20 ms slot from the next pass on
// (at once when the clock was idle), with the slot's number and the slots
// this registration missed since its previous call because a pass ran a
// period or more late (0 on the first call). It returns the function that
// unregisters it (idempotent): no later pass calls the tick, though a pass
// under way when it returns may still call it once. A tick that returns
// false is unregistered too.
func (c *SendClock) Add(tick TickFunc) (remove func()) {
	return c.add(&sendMember{tick: tick, last: -1})
}

// AddAfter is Add for work that must not delay any send: each pass calls
// the AddAfter ticks after every Add tick, in the order they registered
// (a session's playout and RTCP timing ride on the send clock this way
// instead of timers of their own).
func (c *SendClock) AddAfter(tick TickFunc) (remove func()) {
	return c.add(&sendMember{tick: tick, last: -1, after: true})
}

func (c *SendClock) add(m *sendMember) (remove func()) {
	c.mu.Lock()
	c.members = append(c.members[:len(c.members):len(c.members)], m)
	if c.pacer == nil {
		c.pacer = NewPacer(c.clk, FramePeriod, nil)
		p := c.pacer
		p.tick = func(slot, missed int64) bool { return c.pass(p, slot, missed) }
		p.Start(context.Background())
	}
	c.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { c.remove(m) }) }
}

// Stats returns the clock's figures.
func (c *SendClock) Stats() SendClockStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Len returns how many registrations the clock drives.
func (c *SendClock) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.members)
}

func (c *SendClock) remove(m *sendMember) {
	m.gone.Store(true)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.members {
		if x == m {
			ms := make([]*sendMember, 0, len(c.members)-1)
			ms = append(ms, c.members[:i]...)
			c.members = append(ms, c.members[i+1:]...)
			break
		}
	}
	if len(c.members) == 0 && c.pacer != nil {
		c.pacer.Stop()
		c.pacer = nil
	}
}

// pass is the schedule's TickFunc: one frame for every registered member.
// It reports false (the pacer stops) when p is no longer the clock's
// schedule.
func (c *SendClock) pass(p *Pacer, slot, missed int64) bool {
	begin := c.clk.Now()
	// Late against the first slot due and not served (the pass serves the
	// latest one after skipping the others).
	late := begin.Sub(p.slotTime(slot - missed))
	c.mu.Lock()
	if c.pacer != p {
		c.mu.Unlock()
		return false
	}
	ms := c.members
	c.mu.Unlock()
	ticks := c.passPhase(p, ms, slot, false)
	took := c.clk.Now().Sub(begin)
	var afterTook time.Duration
	if hasAfter(ms) {
		ticks += c.passPhase(p, ms, slot, true)
		afterTook = c.clk.Now().Sub(begin) - took
	}
	c.mu.Lock()
	st := &c.stats
	st.Passes++
	st.Ticks += ticks
	st.Skipped += uint64(missed)
	if late > time.Millisecond {
		st.Late1ms++
	}
	if late > 2*time.Millisecond {
		st.Late2ms++
	}
	st.MaxLate = max(st.MaxLate, late)
	st.MaxPass = max(st.MaxPass, took)
	st.MaxAfter = max(st.MaxAfter, afterTook)
	c.mu.Unlock()
	return true
}

// passPhase calls the ticks of the members of one phase (Add or AddAfter)
// and returns how many it called.
func (c *SendClock) passPhase(p *Pacer, ms []*sendMember, slot int64, after bool) uint64 {
	ticks := uint64(0)
	for _, m := range ms {
		if m.after != after || m.gone.Load() {
			continue
		}
		var own int64 // slots this member missed
		if m.pacer == p && m.last >= 0 {
			own = slot - m.last - 1
		}
		m.pacer, m.last = p, slot
		ticks++
		if !m.tick(slot, own) {
			c.remove(m)
		}
	}
	return ticks
}

func hasAfter(ms []*sendMember) bool {
	for _, m := range ms {
		if m.after {
			return true
		}
	}
	return false
}
