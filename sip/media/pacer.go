package media

import (
	"context"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// TickFunc is called by a Pacer for slot n (due at start + n×period). missed
// counts the slots passed over since the previous call because the pacer ran
// late. It returns false to stop the pacer.
type TickFunc func(slot, missed int64) bool

// Pacer calls a TickFunc on an absolute schedule: slot n is due at
// start + n×period, computed from the start time and never from the previous
// tick, so errors do not accumulate (no drift). It never bursts: when a tick
// runs late by one period or more, the slots already past are skipped (and
// reported as missed) and only the latest due slot is served, so at most one
// tick happens per wake-up. Timers come from a clock.Clock: on a
// clock.Virtual the ticks run synchronously while the test advances time.
type Pacer struct {
	clk    clock.Clock
	period time.Duration
	tick   TickFunc

	mu      sync.Mutex
	start   time.Time
	next    int64
	timer   clock.Timer
	stopped bool
	done    chan struct{}
	// unwatch deregisters the context callback so that a long-lived parent
	// context does not keep one per finished pacer.
	unwatch func() bool
}

// NewPacer returns a stopped Pacer calling tick every period.
func NewPacer(clk clock.Clock, period time.Duration, tick TickFunc) *Pacer {
	return &Pacer{clk: clk, period: period, tick: tick, done: make(chan struct{})}
}

// Start schedules slot 0 now. The pacer stops when ctx is done, Stop is
// called or the TickFunc returns false. Start must be called once.
func (p *Pacer) Start(ctx context.Context) {
	unwatch := context.AfterFunc(ctx, p.Stop)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unwatch = unwatch
	if p.stopped { // ctx was already done
		unwatch()
		return
	}
	p.start = p.clk.Now()
	p.timer = p.clk.AfterFunc(0, p.fire)
}

// slotTime is when slot is due: start + slot×period.
func (p *Pacer) slotTime(slot int64) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.start.Add(time.Duration(slot) * p.period)
}

// Done is closed when the pacer has stopped.
func (p *Pacer) Done() <-chan struct{} { return p.done }

// Stop cancels the next tick; a tick already running finishes.
func (p *Pacer) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *Pacer) stopLocked() {
	if p.stopped {
		return
	}
	p.stopped = true
	if p.timer != nil {
		p.timer.Stop()
	}
	if p.unwatch != nil {
		p.unwatch()
	}
	close(p.done)
}

func (p *Pacer) fire() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	now := p.clk.Now()
	slot := p.next
	if due := int64(now.Sub(p.start) / p.period); due > slot {
		slot = due
	}
	missed := slot - p.next
	p.mu.Unlock()

	more := p.tick(slot, missed)

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	if !more {
		p.stopLocked()
		return
	}
	p.next = slot + 1
	at := p.start.Add(time.Duration(p.next) * p.period)
	p.timer = p.clk.AfterFunc(at.Sub(p.clk.Now()), p.fire)
}

// Player plays a list of encoded frames through a Sender on a Pacer.
type Player struct {
	sender *Sender
	frames [][]byte
	loop   bool
	pos    int64
}

// NewPlayer returns a player of frames (one RTP payload each, 20 ms) that
// repeats them when loop is set (music on hold).
func NewPlayer(sender *Sender, frames [][]byte, loop bool) *Player {
	return &Player{sender: sender, frames: frames, loop: loop}
}

// Tick is the Player's TickFunc: frames of missed slots are skipped with
// their timestamps, then the slot's frame is sent. Send errors are not
// fatal (a UDP send failure is a lost packet).
func (pl *Player) Tick(slot, missed int64) bool {
	n := int64(len(pl.frames))
	if n == 0 {
		return false
	}
	if missed > 0 {
		pl.sender.Skip(uint32(missed) * FrameSamples)
		pl.pos += missed
	}
	if pl.pos >= n {
		if !pl.loop {
			return false
		}
		pl.pos %= n
	}
	_ = pl.sender.WriteFrame(pl.frames[pl.pos], FrameSamples)
	pl.pos++
	return pl.loop || pl.pos < n
}

// Play starts playing frames through sender on clk every 20 ms and returns
// the running pacer; wait on its Done channel for the end of the prompt.
func Play(ctx context.Context, clk clock.Clock, sender *Sender, frames [][]byte, loop bool) *Pacer {
	sender.StartTalkspurt()
	p := NewPacer(clk, FramePeriod, NewPlayer(sender, frames, loop).Tick)
	p.Start(ctx)
	return p
}
