package wakeup

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// FuzzSchedulerOperations plays a random sequence of schedules,
// reschedules, cancels, results (right, stale and unknown) and clock
// moves, and checks what must always hold: never more attempts in
// progress than the cap, never a wake-up placed while one of its calls is
// in progress (a call the safety timeout gave up on counts as gone),
// never a report after a final one of the same wake-up (unless it was
// scheduled again), calling reports with an attempt, retries and snoozes
// with their next time.
func FuzzSchedulerOperations(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 42, 1 << 40} {
		f.Add(seed, uint8(3))
	}
	f.Fuzz(func(t *testing.T, seed uint64, capacity uint8) {
		rng := rand.New(rand.NewPCG(seed, 9))
		st := settings()
		st.MaxConcurrent = int(capacity%6) + 1
		e := newEnv(t, st, WithResultMargin(30*time.Second))
		e.tel.lostAfter = st.RingTimeout + 30*time.Second
		ids := []string{"a", "b", "c", "d", "e", "f"}
		scheduled := map[string]int{} // Schedule calls with a new time, per id
		for range 300 {
			id := ids[rng.IntN(len(ids))]
			switch rng.IntN(7) {
			case 0, 1:
				at := e.clk.Now().Add(time.Duration(rng.IntN(240)-60) * time.Second)
				e.s.Schedule(context.Background(), wake(id, "1"+id, at), room("1"+id))
				scheduled[id]++
			case 2:
				e.s.Cancel(context.Background(), id)
			case 3, 4:
				calls := e.tel.placedCalls()
				n := rng.IntN(3) + 1
				for i := len(calls) - 1; i >= 0; i-- {
					if calls[i].id == id {
						n = calls[i].attempt + rng.IntN(2) - rng.IntN(2)
						break
					}
				}
				o := []hotel.WakeOutcome{hotel.WakeOutcomeAnswered, hotel.WakeOutcomeNoAnswer, hotel.WakeOutcomeBusy,
					hotel.WakeOutcomeFailed, hotel.WakeOutcomeSnoozed, "bogus"}[rng.IntN(6)]
				e.result(id, n, o)
			default:
				e.clk.Advance(time.Duration(rng.IntN(90)) * time.Second)
			}
			if got := e.s.Stats(); got.InProgress > st.MaxConcurrent || got.Live > len(ids) {
				t.Fatalf("stats %+v over cap %d", got, st.MaxConcurrent)
			}
		}
		if e.tel.twice != 0 || e.tel.peak > st.MaxConcurrent {
			t.Fatalf("placed twice at once %d times; peak %d over cap %d", e.tel.twice, e.tel.peak, st.MaxConcurrent)
		}
		final := map[string]bool{}
		for _, w := range e.rep.all() {
			if final[w.ID] && scheduled[w.ID] <= 1 {
				t.Fatalf("%s reported %s after its final report", w.ID, w.Status)
			}
			if !w.Status.Live() {
				final[w.ID] = true
			}
			if w.Status == hotel.WakeCalling && w.Attempts < 1 {
				t.Fatalf("%s calling with %d attempts", w.ID, w.Attempts)
			}
			if (w.Status == hotel.WakePending || w.Status == hotel.WakeSnoozed) && w.Next == nil {
				t.Fatalf("%s %s without next", w.ID, w.Status)
			}
		}
	})
}
