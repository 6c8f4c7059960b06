package dialsim

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func TestSIPLegSettled(t *testing.T) {
	cases := []struct {
		name string
		leg  sipLeg
		want bool
	}{
		{name: "INVITE on its way", leg: sipLeg{kind: legCustomer}, want: false},
		{name: "ringing, 180 seen", leg: sipLeg{kind: legCustomer, invited: true, ringSent: true, evRinging: true}, want: true},
		{name: "180 on its way", leg: sipLeg{kind: legCustomer, invited: true, ringSent: true}, want: false},
		{name: "agent phones send no 180 event", leg: sipLeg{kind: legAgent, invited: true, ringSent: true}, want: true},
		{name: "200 on its way", leg: sipLeg{kind: legCustomer, invited: true, answered: true}, want: false},
		{name: "answered both ends", leg: sipLeg{kind: legCustomer, invited: true, answered: true, evUp: true}, want: true},
		{name: "customer's BYE on its way", leg: sipLeg{kind: legCustomer, invited: true, answered: true, evUp: true, byeSent: true, gone: true}, want: false},
		{name: "our CANCEL on its way", leg: sipLeg{kind: legCustomer, invited: true, hangupAsked: true}, want: false},
		{name: "our CANCEL answered, far end not told yet", leg: sipLeg{kind: legCustomer, invited: true, hangupAsked: true, evEnded: true}, want: false},
		{name: "cancelled at both ends", leg: sipLeg{kind: legCustomer, invited: true, hangupAsked: true, evEnded: true, gone: true}, want: true},
		{name: "failed before any INVITE", leg: sipLeg{kind: legCustomer, evEnded: true}, want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.leg.settled(); got != tc.want {
				t.Fatalf("settled() = %v, want %v", got, tc.want)
			}
		})
	}
}

// newTestTracker returns a tracker whose customers never answer.
func newTestTracker() (*sipTracker, sipClock) {
	v := clock.NewVirtual(start)
	tr := newSIPTracker(v, newDraws(1, func(time.Time) float64 { return 0 }, time.Minute))
	tr.quietWait, tr.grace = 2*time.Second, 20*time.Millisecond
	return tr, sipClock{v, tr}
}

// TestSIPTrackerHoldsClockForDeadline: the far end's CANCEL is sent by a
// timer but arrives asynchronously; the clock must not pass the deadline
// before the leg has ended at both ends, and then nothing is late.
func TestSIPTrackerHoldsClockForDeadline(t *testing.T) {
	tr, clk := newTestTracker()
	tr.placed("c1", "+1", 25*time.Second)
	l := tr.leg(legCustomer, "c1")
	tr.arrived(l)
	var wg sync.WaitGroup
	defer wg.Wait()
	var endedAt time.Time
	clk.AfterFunc(25*time.Second, func() { // the user agent's ring timeout
		wg.Add(1)
		go func() { // the CANCEL's round trip, in real time
			defer wg.Done()
			tr.change(l, func(l *sipLeg) { l.gone = true })
			endedAt = clk.Now()
			tr.change(l, func(l *sipLeg) { l.evEnded = true })
		}()
	})
	for i := 1; i <= 100; i++ { // media ticks that would race past the deadline
		clk.AfterFunc(time.Duration(i)*time.Second/2, func() {})
	}
	if err := tr.advanceTo(start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if want := start.Add(25 * time.Second); !endedAt.Equal(want) {
		t.Fatalf("leg ended at %v, want %v", endedAt, want)
	}
	if _, _, late, legs := tr.counts(); late != 0 || legs != 0 {
		t.Fatalf("late %d, legs left %d", late, legs)
	}
}

// TestSIPTrackerLateWork: work that only starts after the clock moved on
// (a prompt started a tick late) is given the clock step by step and
// counted as late; a leg that never ends fails the run.
func TestSIPTrackerLateWork(t *testing.T) {
	tr, clk := newTestTracker()
	tr.placed("c1", "+1", 25*time.Second)
	l := tr.leg(legCustomer, "c1")
	tr.arrived(l)
	clk.AfterFunc(25*time.Second+40*time.Millisecond, func() {
		tr.change(l, func(l *sipLeg) { l.gone, l.evEnded = true, true })
	})
	if err := tr.advanceTo(start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, late, legs := tr.counts(); late != 1 || legs != 0 {
		t.Fatalf("late %d (want 1), legs left %d", late, legs)
	}

	tr2, _ := newTestTracker()
	tr2.placed("c2", "+2", 25*time.Second)
	tr2.arrived(tr2.leg(legCustomer, "c2"))
	err := tr2.advanceTo(start.Add(time.Minute))
	if err == nil || !strings.Contains(err.Error(), "after its deadline") {
		t.Fatalf("a leg that never ends: err = %v", err)
	}
}

// TestSIPTrackerWaitsForEvents: a timer callback does not run while an
// answer is on its way to the dialer.
func TestSIPTrackerWaitsForEvents(t *testing.T) {
	tr, clk := newTestTracker()
	tr.placed("c1", "+1", 25*time.Second)
	l := tr.leg(legCustomer, "c1")
	tr.arrived(l)
	tr.change(l, func(l *sipLeg) { l.answered = true }) // 200 sent, event not yet handled
	called := make(chan bool, 1)
	clk.AfterFunc(time.Second, func() {
		tr.mu.Lock()
		called <- l.evUp
		tr.mu.Unlock()
	})
	advanced := make(chan error, 1)
	go func() { advanced <- tr.advanceTo(start.Add(2 * time.Second)) }()
	select {
	case <-called:
		t.Fatal("the timer ran before the answer was handled")
	case <-time.After(100 * time.Millisecond): // the clock is held
	}
	tr.change(l, func(l *sipLeg) { l.evUp = true })
	if err := <-advanced; err != nil {
		t.Fatal(err)
	}
	if !<-called {
		t.Fatal("the timer ran before the answer was handled")
	}
}
