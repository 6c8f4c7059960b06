package wakeup

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// chanTel passes each placed call to a channel.
type chanTel struct {
	fakeTel
	placed chan placed
}

func (c *chanTel) WakeUpCall(ctx context.Context, w hotel.WakeUp, r hotel.Room, attempt int, language string) error {
	c.placed <- placed{id: w.ID, attempt: attempt, room: r.Number, language: language}
	return nil
}

// TestSchedulerOnTheRealClock: on the wall clock the timers fire in
// their own goroutines; a wake-up due in a few milliseconds is placed and
// its result reported.
func TestSchedulerOnTheRealClock(t *testing.T) {
	tel := &chanTel{placed: make(chan placed, 4)}
	got := make(chan hotel.WakeUp, 8)
	s := New(clock.Real{}, tel, settings(), func(_ context.Context, w hotel.WakeUp) { got <- w })
	defer s.Close()
	s.Schedule(context.Background(), wake("a", "101", time.Now().Add(5*time.Millisecond)), room("101"))
	deadline := time.After(10 * time.Second)
	select {
	case p := <-tel.placed:
		if p.id != "a" || p.attempt != 1 {
			t.Fatalf("placed %+v", p)
		}
	case <-deadline:
		t.Fatal("not placed")
	}
	s.Result(context.Background(), "a", 1, hotel.WakeOutcomeAnswered, 0)
	var trail []hotel.WakeUpStatus
	for len(trail) < 2 {
		select {
		case w := <-got:
			trail = append(trail, w.Status)
		case <-deadline:
			t.Fatalf("reports %v", trail)
		}
	}
	if trail[0] != hotel.WakeCalling || trail[1] != hotel.WakeAnswered {
		t.Fatalf("reports %v", trail)
	}
}
