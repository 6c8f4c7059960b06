package dialsim

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// farEnd is the simulated far side of the SIP path: the customers behind
// the trunk (one ua.Agent taking every number) and the agents' phones
// (another ua.Agent taking every agent user). Customers play the model of
// FIGURES.md: ring, then answer after the planned ring time or never (the
// dialer's user agent cancels at the dial timeout); once answered they
// talk (sending audio) for the planned time and hang up, unless the
// dialer hangs up first. Agents' phones answer after answerAfter and stay
// up until the dialer hangs up. Every goroutine is owned by wg and ends
// with ctx.
type farEnd struct {
	clk         clock.Clock
	tr          *sipTracker
	ctx         context.Context
	wg          sync.WaitGroup
	voice       *media.Audio
	answerAfter time.Duration
	// RTP packets counted at the end of each answered call: sent and
	// received by the customers, received by the agents' phones.
	custSent, custRecv, phoneRecv atomic.Uint64
}

// busy runs f on an owned goroutine counted as signalling in flight.
func (f *farEnd) busy(fn func()) {
	f.tr.busyAdd(1)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer f.tr.busyAdd(-1)
		fn()
	}()
}

// watch runs f on an owned goroutine that waits for something.
func (f *farEnd) watch(fn func()) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
}

// wait waits up to d for the far ends' goroutines to end.
func (f *farEnd) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// onCustomer is the customers' Agent's OnInvite.
func (f *farEnd) onCustomer(in *ua.Incoming) { f.incoming(in, legCustomer) }

// onAgent is the agents' phones' Agent's OnInvite.
func (f *farEnd) onAgent(in *ua.Incoming) { f.incoming(in, legAgent) }

func (f *farEnd) incoming(in *ua.Incoming, kind legKind) {
	l := f.tr.expect(in.To(), kind)
	if l == nil {
		_ = in.Reject(404, "Not Found")
		return
	}
	answered := make(chan struct{})
	var timer clock.Timer
	switch {
	case kind == legAgent:
		timer = f.clk.AfterFunc(f.answerAfter, func() { f.answer(l, in, answered) })
	case l.plan.answer:
		timer = f.clk.AfterFunc(l.plan.ring, func() { f.answer(l, in, answered) })
	}
	if kind == legCustomer {
		f.tr.change(l, func(l *sipLeg) { l.ringSent = true })
		if err := in.Ringing(); err != nil {
			f.tr.change(l, func(l *sipLeg) { l.ringSent = false })
		}
	}
	f.watch(func() {
		select {
		case <-in.Cancelled():
			if timer != nil {
				timer.Stop()
			}
			f.tr.change(l, func(l *sipLeg) { l.gone = true })
		case <-answered:
		case <-f.ctx.Done():
		}
	})
	f.tr.arrived(l)
}

// answer answers (a timer callback); the customer then talks and hangs
// up at the end of the planned talk time.
func (f *farEnd) answer(l *sipLeg, in *ua.Incoming, answered chan struct{}) {
	f.busy(func() {
		call, err := in.Answer(f.ctx)
		if err != nil { // cancelled meanwhile
			f.tr.change(l, func(l *sipLeg) { l.gone = true })
			return
		}
		close(answered)
		var talk clock.Timer
		if l.kind == legCustomer {
			talk = f.clk.AfterFunc(l.plan.talk, func() { f.hangup(l, call) })
		}
		ctx, cancel := context.WithCancel(f.ctx)
		if l.kind == legCustomer && call.Media() != nil {
			f.watch(func() { _ = call.Media().Play(ctx, f.voice, true) })
		}
		f.watch(func() {
			select {
			case <-call.Done():
			case <-f.ctx.Done():
			}
			cancel()
			if talk != nil {
				talk.Stop()
			}
			if m := call.Media(); m != nil {
				st := m.Stats()
				if l.kind == legCustomer {
					f.custSent.Add(uint64(st.Sent.Packets))
					f.custRecv.Add(st.Received.Received)
				} else {
					f.phoneRecv.Add(st.Received.Received)
				}
			}
			f.tr.change(l, func(l *sipLeg) { l.gone = true })
		})
		f.tr.change(l, func(l *sipLeg) { l.answered = true })
	})
}

// hangup ends the customer's call (a timer callback).
func (f *farEnd) hangup(l *sipLeg, call *ua.Call) {
	f.busy(func() {
		if err := call.Hangup(f.ctx, 16); err == nil {
			f.tr.change(l, func(l *sipLeg) { l.byeSent = true })
		}
	})
}

// voiceAudio is what a simulated customer says, looped: one second of a
// 300 Hz tone under low noise (deterministic), so the media carry audio
// both ways and the dialer side's speech detection has something to hear.
func voiceAudio() *media.Audio {
	r := rand.New(rand.NewPCG(1, 2))
	a := &media.Audio{Samples: make([]int16, media.ClockRate)}
	for i := range a.Samples {
		v := 4000*math.Sin(2*math.Pi*300*float64(i)/media.ClockRate) + 300*r.NormFloat64()
		a.Samples[i] = int16(v)
	}
	return a
}
