package manager

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/wakeup"
)

// withScheduler replaces the rig's recording scheduler by the real one
// (agent/hotel/wakeup) on the rig's clock, reporting to the manager, as
// the daemon wires them.
func (r *rig) withScheduler() {
	r.t.Helper()
	r.m = New(r.kv, r.st, WithClock(r.clk), WithHub(r.hub), WithTelephony(r.tel), WithPMS(r.pms), WithDirectory(r.dir), WithRater(flatRater{}))
	WithScheduler(wakeup.New(r.clk, r.tel, r.st.WakeUp, r.m.WakeUpChanged))(r.m)
	if err := r.m.Load(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// TestWakeUpThroughScheduler: the manager and the real scheduler on a
// virtual clock: a wake-up rings at its time; unanswered, it is retried
// hotel.wakeup.retries times retry_interval apart, then reported to
// reception (a call, an event) and to the PMS; answered, it ends there;
// canceled by the check-out, it never rings.
func TestWakeUpThroughScheduler(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		outcomes []hotel.WakeOutcome // what each attempt gets
		calls    int
		final    hotel.WakeUpStatus
		alerts   int
	}{
		{name: "answered at once", outcomes: []hotel.WakeOutcome{hotel.WakeOutcomeAnswered}, calls: 1, final: hotel.WakeAnswered},
		{name: "answered at the third", outcomes: []hotel.WakeOutcome{hotel.WakeOutcomeNoAnswer, hotel.WakeOutcomeBusy, hotel.WakeOutcomeAnswered}, calls: 3, final: hotel.WakeAnswered},
		{name: "never answered", outcomes: []hotel.WakeOutcome{hotel.WakeOutcomeNoAnswer, hotel.WakeOutcomeNoAnswer, hotel.WakeOutcomeFailed, hotel.WakeOutcomeNoAnswer}, calls: 4, final: hotel.WakeUnanswered, alerts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.withScheduler()
			r.room("101")
			if _, err := r.m.CheckIn(ctx, "101", hotel.Guest{Name: "Anna", Language: "it"}, api); err != nil {
				t.Fatal(err)
			}
			w := r.wakeUp("101", t0.Add(time.Hour), "")
			r.clk.Advance(time.Hour)
			for i, o := range tc.outcomes {
				calls := r.tel.wakeCalls()
				if len(calls) != i+1 {
					t.Fatalf("after %d results: %d calls placed, want %d", i, len(calls), i+1)
				}
				c := calls[i]
				if c.id != w.ID || c.room != "101" || c.attempt != i+1 || c.lang != "it" {
					t.Fatalf("call %d: %+v", i, c)
				}
				r.m.WakeUpResult(ctx, w.ID, c.attempt, o, 0)
				r.clk.Advance(r.st.WakeUp.RetryInterval)
			}
			r.clk.Advance(time.Hour)
			if n := len(r.tel.wakeCalls()); n != tc.calls {
				t.Fatalf("%d calls placed, want %d", n, tc.calls)
			}
			got := r.m.WakeUps(ctx, "101")
			if len(got) != 1 || got[0].Status != tc.final || got[0].Attempts != tc.calls {
				t.Fatalf("wake-up %+v, want %s after %d attempts", got, tc.final, tc.calls)
			}
			if len(r.tel.alerts) != tc.alerts || len(r.hub.Of(hotel.EventWakeUpUnanswered)) != tc.alerts {
				t.Errorf("reception alerts %v, events %d; want %d", r.tel.alerts, len(r.hub.Of(hotel.EventWakeUpUnanswered)), tc.alerts)
			}
			if len(r.pms.answers) != 1 || r.pms.answers[0].Status != tc.final {
				t.Errorf("PMS answers %+v, want one %s", r.pms.answers, tc.final)
			}
		})
	}
	t.Run("check-out cancels", func(t *testing.T) {
		r := newRig(t)
		r.withScheduler()
		r.room("101")
		r.checkIn("101", "Anna")
		r.wakeUp("101", t0.Add(time.Hour), "")
		if _, _, err := r.m.CheckOut(ctx, "101", api); err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(2 * time.Hour)
		if n := len(r.tel.wakeCalls()); n != 0 {
			t.Fatalf("%d calls placed after check-out", n)
		}
	})
	t.Run("a restart places a live one", func(t *testing.T) {
		r := newRig(t)
		r.withScheduler()
		r.room("101")
		r.checkIn("101", "Anna")
		r.wakeUp("101", t0.Add(time.Hour), "")
		r.m.Close()
		r.withScheduler()
		r.clk.Advance(time.Hour)
		if n := len(r.tel.wakeCalls()); n != 1 {
			t.Fatalf("%d calls placed after the restart, want 1", n)
		}
	})
}
