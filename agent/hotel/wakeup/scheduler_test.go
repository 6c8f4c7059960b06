package wakeup

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func TestScheduler(t *testing.T) {
	const (
		answered = hotel.WakeOutcomeAnswered
		noanswer = hotel.WakeOutcomeNoAnswer
		busy     = hotel.WakeOutcomeBusy
		snoozed  = hotel.WakeOutcomeSnoozed
	)
	at := func(hms string) time.Time {
		tm, _ := time.Parse("15:04:05", hms)
		return time.Date(t0.Year(), t0.Month(), t0.Day(), tm.Hour(), tm.Minute(), tm.Second(), 0, time.UTC)
	}
	tests := []struct {
		name        string
		maxConc     int
		opts        []Option
		steps       func(e *env)
		wantCalls   []string
		wantTrails  map[string][]string
		wantAlerts  []string
		wantHangups []string
	}{
		{
			name: "cap respected, waiting ones placed by due time", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:10"))
				e.schedule("b", at("07:00:00"))
				e.schedule("c", at("07:00:00"))
				e.schedule("d", at("07:00:05"))
				e.at("07:00:15")
				if got := e.s.Stats(); got != (Stats{Live: 4, Waiting: 2, InProgress: 2}) {
					e.t.Errorf("stats %+v", got)
				}
				e.at("07:00:20")
				e.result("c", 1, answered)
				e.at("07:00:25")
				e.result("b", 1, answered)
			},
			wantCalls: []string{"b#1", "c#1", "d#1", "a#1"},
			wantTrails: map[string][]string{"a": {"calling/1"}, "b": {"calling/1", "answered/1"},
				"c": {"calling/1", "answered/1"}, "d": {"calling/1"}},
		},
		{
			name: "three retries 60 s apart, then unanswered and the reception rung", maxConc: 2, opts: []Option{WithReception("100")},
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				for i, end := range []string{"07:01:00", "07:03:00", "07:05:00", "07:07:00"} {
					e.at(end)
					e.result("a", i+1, noanswer)
				}
				e.at("08:00:00")
			},
			wantCalls: []string{"a#1", "a#2", "a#3", "a#4"},
			wantTrails: map[string][]string{"a": {"calling/1", "pending/1@07:02:00", "calling/2", "pending/2@07:04:00",
				"calling/3", "pending/3@07:06:00", "calling/4", "unanswered/4"}},
			wantAlerts: []string{"100:a"},
		},
		{
			name: "busy and no answer both retry; an answer ends it", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:02")
				e.result("a", 1, busy)
				e.at("07:01:02")
				e.at("07:01:20")
				e.result("a", 2, answered)
			},
			wantCalls:  []string{"a#1", "a#2"},
			wantTrails: map[string][]string{"a": {"calling/1", "pending/1@07:01:02", "calling/2", "answered/2"}},
		},
		{
			name: "snooze waits st.Snooze, then a new round of 1 + 3 attempts", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:30")
				e.result("a", 1, snoozed)
				for i, end := range []string{"07:06:30", "07:08:30", "07:10:30", "07:12:30"} {
					e.at(end)
					e.result("a", i+2, noanswer)
				}
				e.at("08:00:00")
			},
			wantCalls: []string{"a#1", "a#2", "a#3", "a#4", "a#5"},
			wantTrails: map[string][]string{"a": {"calling/1", "snoozed/1@07:05:30", "calling/2", "pending/2@07:07:30",
				"calling/3", "pending/3@07:09:30", "calling/4", "pending/4@07:11:30", "calling/5", "unanswered/5"}},
		},
		{
			name: "snooze for the delay the guest chose", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:30")
				e.tel.ended("a", 1)
				e.s.Result(context.Background(), "a", 1, snoozed, 10*time.Minute)
				e.at("07:10:30")
				e.result("a", 2, answered)
			},
			wantCalls:  []string{"a#1", "a#2"},
			wantTrails: map[string][]string{"a": {"calling/1", "snoozed/1@07:10:30", "calling/2", "answered/2"}},
		},
		{
			name: "cancel while calling: hung up, late result ignored, slot freed by it", maxConc: 1,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.schedule("b", at("07:00:00"))
				e.at("07:00:10")
				e.s.Cancel(context.Background(), "a")
				e.at("07:00:12")
				if n := len(e.tel.placedCalls()); n != 1 {
					e.t.Errorf("b placed before a's slot was free: %d calls", n)
				}
				e.result("a", 1, noanswer)
				e.at("07:00:20")
			},
			wantCalls:   []string{"a#1", "b#1"},
			wantTrails:  map[string][]string{"a": {"calling/1"}, "b": {"calling/1"}},
			wantHangups: []string{"a#1"},
		},
		{
			name: "canceled while ringing, set again: numbered on, waits for the slot, the old late result matches none", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:00")
				e.s.Cancel(context.Background(), "a")
				e.schedule("a", at("07:00:00"))
				e.result("a", 1, answered) // the hung-up call's late result frees its slot
				e.result("a", 2, answered)
			},
			wantCalls:   []string{"a#1", "a#2"},
			wantTrails:  map[string][]string{"a": {"calling/1", "calling/2", "answered/2"}},
			wantHangups: []string{"a#1"},
		},
		{
			name: "cancel before its time: never placed", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("06:30:00")
				e.s.Cancel(context.Background(), "a")
				e.at("08:00:00")
			},
		},
		{
			name: "cancel while waiting for a slot", maxConc: 1,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.schedule("b", at("07:00:00"))
				e.at("07:00:05")
				e.s.Cancel(context.Background(), "b")
				e.result("a", 1, answered)
				e.at("08:00:00")
			},
			wantCalls:  []string{"a#1"},
			wantTrails: map[string][]string{"a": {"calling/1", "answered/1"}},
		},
		{
			name: "a new time while calling: hung up, waits for its end, numbering goes on, a new round", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:10")
				e.schedule("a", at("07:00:05"))
				e.at("07:00:20")
				if n := len(e.tel.placedCalls()); n != 1 {
					e.t.Errorf("placed again while the first attempt rings: %d calls", n)
				}
				e.result("a", 1, answered) // the replaced one's: ignored, frees the slot
				e.at("07:00:40")
				e.result("a", 1, answered) // again: matches no attempt
				e.result("a", 2, noanswer)
				e.at("07:01:40")
				e.result("a", 3, noanswer)
				e.at("07:02:40")
				e.result("a", 4, noanswer)
				e.at("07:03:40")
				e.result("a", 5, noanswer)
			},
			wantCalls: []string{"a#1", "a#2", "a#3", "a#4", "a#5"},
			wantTrails: map[string][]string{"a": {"calling/1", "calling/2", "pending/2@07:01:40", "calling/3", "pending/3@07:02:40",
				"calling/4", "pending/4@07:03:40", "calling/5", "unanswered/5"}},
			wantHangups: []string{"a#1"},
		},
		{
			name: "the same time again only changes the room", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:10")
				w := wake("a", "2a", at("07:00:00"))
				e.s.Schedule(context.Background(), w, room("2a"))
				e.result("a", 1, noanswer)
				e.at("07:01:10")
			},
			wantCalls:  []string{"a#1", "a#2"},
			wantTrails: map[string][]string{"a": {"calling/1", "pending/1@07:01:10", "calling/2"}},
		},
		{
			name: "past due within the window: placed now; beyond: unanswered at once", maxConc: 2, opts: []Option{WithReception("100")},
			steps: func(e *env) {
				e.schedule("a", at("05:45:00"))
				e.schedule("b", at("05:29:59"))
				e.at("06:00:30")
				e.result("a", 1, noanswer)
				e.at("06:00:40")
			},
			wantCalls:  []string{"a#1"},
			wantTrails: map[string][]string{"a": {"calling/1", "pending/1@06:01:30"}, "b": {"unanswered/0"}},
			wantAlerts: []string{"100:b"},
		},
		{
			name: "a telephony error is a failed attempt", maxConc: 2,
			steps: func(e *env) {
				e.tel.fail["a"] = true
				e.schedule("a", at("07:00:00"))
				e.at("08:00:00")
			},
			wantCalls: []string{"a#1", "a#2", "a#3", "a#4"},
			wantTrails: map[string][]string{"a": {"calling/1", "pending/1@07:01:00", "calling/2", "pending/2@07:02:00",
				"calling/3", "pending/3@07:03:00", "calling/4", "unanswered/4"}},
		},
		{
			name: "no result within ring timeout and margin: hung up, failed; its late result ignored", maxConc: 2, opts: []Option{WithResultMargin(30 * time.Second)},
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:01:40")
				e.result("a", 1, answered)
				e.at("07:02:30")
				e.result("a", 2, answered)
			},
			wantCalls:   []string{"a#1", "a#2"},
			wantTrails:  map[string][]string{"a": {"calling/1", "pending/1@07:02:30", "calling/2", "answered/2"}},
			wantHangups: []string{"a#1"},
		},
		{
			name: "a result given inside WakeUpCall is reported after calling", maxConc: 2,
			steps: func(e *env) {
				e.tel.onCall = func(p placed) { e.result(p.id, p.attempt, answered) }
				e.schedule("a", at("07:00:00"))
				e.at("07:00:00")
			},
			wantCalls:  []string{"a#1"},
			wantTrails: map[string][]string{"a": {"calling/1", "answered/1"}},
		},
		{
			name: "a retry pending after a restart keeps its attempts", maxConc: 2,
			steps: func(e *env) {
				w := wake("a", "1a", at("06:00:00"))
				next := at("06:01:00")
				w.Attempts, w.Next = 2, &next
				e.s.Schedule(context.Background(), w, room("1a"))
				e.at("06:01:00")
				e.result("a", 3, noanswer)
				e.at("06:02:30")
				e.result("a", 4, noanswer)
			},
			wantCalls:  []string{"a#3", "a#4"},
			wantTrails: map[string][]string{"a": {"calling/3", "pending/3@06:02:00", "calling/4", "unanswered/4"}},
		},
		{
			name: "results for another attempt or an unknown wake-up are ignored", maxConc: 2,
			steps: func(e *env) {
				e.schedule("a", at("07:00:00"))
				e.at("07:00:05")
				e.s.Result(context.Background(), "a", 2, answered, 0)
				e.s.Result(context.Background(), "zz", 1, answered, 0)
				e.result("a", 1, answered)
				e.s.Result(context.Background(), "a", 1, answered, 0)
			},
			wantCalls:  []string{"a#1"},
			wantTrails: map[string][]string{"a": {"calling/1", "answered/1"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := settings()
			st.MaxConcurrent = tc.maxConc
			e := newEnv(t, st, tc.opts...)
			tc.steps(e)
			if got := e.ids(); !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("calls %v, want %v", got, tc.wantCalls)
			}
			ids := map[string]bool{}
			for _, w := range e.rep.all() {
				ids[w.ID] = true
			}
			for id := range tc.wantTrails {
				ids[id] = true
			}
			for id := range ids {
				if got := e.rep.trail(id); !reflect.DeepEqual(got, tc.wantTrails[id]) {
					t.Errorf("%s reported %v, want %v", id, got, tc.wantTrails[id])
				}
			}
			if !reflect.DeepEqual(e.tel.alerts, tc.wantAlerts) {
				t.Errorf("alerts %v, want %v", e.tel.alerts, tc.wantAlerts)
			}
			if !reflect.DeepEqual(e.tel.hangups, tc.wantHangups) {
				t.Errorf("hang-ups %v, want %v", e.tel.hangups, tc.wantHangups)
			}
			if e.tel.twice != 0 || e.tel.peak > tc.maxConc {
				t.Errorf("placed twice at once %d times; peak %d over cap %d", e.tel.twice, e.tel.peak, tc.maxConc)
			}
		})
	}
}

func TestSchedulerLanguage(t *testing.T) {
	st := settings()
	st.MaxConcurrent = 0 // no cap
	e := newEnv(t, st, WithLanguage("de"))
	at := t0.Add(time.Hour)
	e.s.Schedule(context.Background(), wake("guest", "101", at), room("101"))
	w := wake("own", "102", at)
	w.Language = "fr"
	e.s.Schedule(context.Background(), w, room("102"))
	e.clk.AdvanceTo(at)
	bare := room("103")
	bare.Guest = nil
	e.s.Schedule(context.Background(), wake("none", "103", at), bare)
	got := map[string]string{}
	for _, p := range e.tel.placedCalls() {
		got[p.id] = p.language
	}
	want := map[string]string{"guest": "it", "own": "fr", "none": "de"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("languages %v, want %v", got, want)
	}
}

func TestSchedulerCloseStopsTimers(t *testing.T) {
	e := newEnv(t, settings())
	e.schedule("a", t0.Add(time.Minute))
	e.schedule("b", t0.Add(time.Hour))
	e.clk.Advance(time.Minute) // a calling: its safety timer is pending
	if e.clk.Pending() != 2 {
		t.Fatalf("pending timers %d, want 2", e.clk.Pending())
	}
	e.s.Close()
	if e.clk.Pending() != 0 {
		t.Fatalf("timers left after Close: %d", e.clk.Pending())
	}
	n := len(e.rep.all())
	e.schedule("c", t0)
	e.s.Result(context.Background(), "a", 1, hotel.WakeOutcomeNoAnswer, 0)
	e.clk.Advance(24 * time.Hour)
	if len(e.rep.all()) != n || len(e.tel.placedCalls()) != 1 {
		t.Fatalf("work after Close: %d reports, %d calls", len(e.rep.all())-n, len(e.tel.placedCalls()))
	}
	e.s.Close() // twice is fine
}

// TestSchedulerConcurrentUse drives the scheduler from several goroutines
// at once (run with -race): the cap and "never twice at once" hold.
func TestSchedulerConcurrentUse(t *testing.T) {
	st := settings()
	st.MaxConcurrent = 5
	e := newEnv(t, st)
	var wg sync.WaitGroup
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := ids[(g*7+i)%len(ids)]
				switch i % 4 {
				case 0:
					e.schedule(id, t0.Add(time.Duration(i%5)*time.Second))
				case 1:
					// A telephony reports once on a call still up.
					for _, n := range e.tel.up(id) {
						e.result(id, n, hotel.WakeOutcomeNoAnswer)
					}
				case 2:
					e.s.Cancel(context.Background(), id)
				default:
					e.clk.Advance(time.Second)
				}
			}
		}()
	}
	wg.Wait()
	if e.tel.twice != 0 || e.tel.peak > st.MaxConcurrent {
		t.Fatalf("placed twice at once %d times; peak %d over cap %d", e.tel.twice, e.tel.peak, st.MaxConcurrent)
	}
	if got := e.s.Stats(); got.InProgress > st.MaxConcurrent {
		t.Fatalf("stats %+v", got)
	}
}

func TestScheduleWithAFinalStatusDrops(t *testing.T) {
	e := newEnv(t, settings())
	e.schedule("a", t0.Add(time.Minute))
	w := wake("a", "1a", t0.Add(time.Minute))
	w.Status = hotel.WakeCanceled
	e.s.Schedule(context.Background(), w, room("1a"))
	e.clk.Advance(time.Hour)
	if n := len(e.tel.placedCalls()); n != 0 || e.s.Stats().Live != 0 {
		t.Fatalf("%d calls, stats %+v", n, e.s.Stats())
	}
}
