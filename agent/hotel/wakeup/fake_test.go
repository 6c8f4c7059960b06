package wakeup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/clock"
)

var t0 = time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC)

// placed is one WakeUpCall.
type placed struct {
	id       string
	attempt  int
	at       time.Time
	room     string
	language string
}

// fakeTel is a Telephony that records what it is asked and answers as
// scripted.
type fakeTel struct {
	clk *clock.Virtual

	mu       sync.Mutex
	calls    []placed
	hangups  []string
	alerts   []string
	fail     map[string]bool              // WakeUpCall errors for these ids
	active   map[string]map[int]time.Time // calls in progress per id and attempt, placed when
	inflight int
	peak     int
	twice    int
	// lostAfter, when set, forgets calls placed that long ago (the
	// scheduler's safety timeout has given up on them).
	lostAfter time.Duration
	// onCall, when set, runs inside WakeUpCall (a synchronous result).
	onCall func(p placed)
}

func newFakeTel(clk *clock.Virtual) *fakeTel {
	return &fakeTel{clk: clk, fail: map[string]bool{}, active: map[string]map[int]time.Time{}}
}

func (f *fakeTel) ApplyRoom(context.Context, hotel.Room, []hotel.Class) error { return nil }

func (f *fakeTel) WakeUpCall(ctx context.Context, w hotel.WakeUp, r hotel.Room, attempt int, language string) error {
	p := placed{id: w.ID, attempt: attempt, at: f.clk.Now(), room: r.Number, language: language}
	f.mu.Lock()
	f.calls = append(f.calls, p)
	if f.fail[w.ID] {
		f.mu.Unlock()
		return errors.New("originate refused")
	}
	if f.lostAfter > 0 {
		for id, calls := range f.active {
			for n, at := range calls {
				if !p.at.Before(at.Add(f.lostAfter)) {
					delete(calls, n)
					f.inflight--
				}
			}
			if len(calls) == 0 {
				delete(f.active, id)
			}
		}
	}
	if len(f.active[w.ID]) > 0 {
		f.twice++
	}
	if f.active[w.ID] == nil {
		f.active[w.ID] = map[int]time.Time{}
	}
	f.active[w.ID][attempt] = p.at
	f.inflight++
	f.peak = max(f.peak, f.inflight)
	on := f.onCall
	f.mu.Unlock()
	if on != nil {
		on(p)
	}
	return nil
}

func (f *fakeTel) AlertReception(ctx context.Context, ext string, w hotel.WakeUp) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts = append(f.alerts, ext+":"+w.ID)
	return nil
}

func (f *fakeTel) HangUpWakeUp(ctx context.Context, id string, attempt int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangups = append(f.hangups, fmt.Sprintf("%s#%d", id, attempt))
	// A call hung up is over, as on a PBX.
	if _, ok := f.active[id][attempt]; ok {
		delete(f.active[id], attempt)
		f.inflight--
	}
	return nil
}

// ended marks attempt n of id over (before its result is passed on).
func (f *fakeTel) ended(id string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.active[id][n]; ok {
		delete(f.active[id], n)
		f.inflight--
	}
}

// up returns the attempts of id still up (placed, not ended nor hung
// up): the calls a telephony can still report on.
func (f *fakeTel) up(id string) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for n := range f.active[id] {
		out = append(out, n)
	}
	return out
}

func (f *fakeTel) placedCalls() []placed {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]placed(nil), f.calls...)
}

// reports records what the scheduler reports.
type reports struct {
	mu  sync.Mutex
	got []hotel.WakeUp
}

func (r *reports) add(_ context.Context, w hotel.WakeUp) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, w)
}

func (r *reports) all() []hotel.WakeUp {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hotel.WakeUp(nil), r.got...)
}

// trail renders the reports of id as "status/attempts[@next]" steps.
func (r *reports) trail(id string) []string {
	var out []string
	for _, w := range r.all() {
		if w.ID != id {
			continue
		}
		s := fmt.Sprintf("%s/%d", w.Status, w.Attempts)
		if w.Next != nil {
			s += "@" + w.Next.Format("15:04:05")
		}
		out = append(out, s)
	}
	return out
}

// env is a scheduler on a virtual clock with a fake telephony.
type env struct {
	t   *testing.T
	clk *clock.Virtual
	tel *fakeTel
	rep *reports
	s   *Scheduler
}

func settings() hotel.WakeUpSettings {
	return hotel.WakeUpSettings{Retries: 3, RetryInterval: 60 * time.Second, RingTimeout: 60 * time.Second,
		Snooze: 5 * time.Minute, MaxConcurrent: 2, Window: 30 * time.Minute}
}

func newEnv(t *testing.T, st hotel.WakeUpSettings, opts ...Option) *env {
	t.Helper()
	clk := clock.NewVirtual(t0)
	e := &env{t: t, clk: clk, tel: newFakeTel(clk), rep: &reports{}}
	e.s = New(clk, e.tel, st, e.rep.add, opts...)
	t.Cleanup(e.s.Close)
	return e
}

func room(n string) hotel.Room {
	return hotel.Room{Number: n, Extensions: []string{n}, Devices: []string{"PJSIP/" + n}, Occupancy: hotel.Occupied,
		Guest: &hotel.Guest{Name: "Guest " + n, Language: "it"}}
}

func wake(id, rm string, at time.Time) hotel.WakeUp {
	return hotel.WakeUp{ID: id, Room: rm, At: at, Status: hotel.WakePending, Source: hotel.SourceAPI, CreatedAt: t0}
}

func (e *env) schedule(id string, at time.Time) {
	e.s.Schedule(context.Background(), wake(id, "1"+id, at), room("1"+id))
}

// result ends the call of id's attempt n with o.
func (e *env) result(id string, n int, o hotel.WakeOutcome) {
	e.tel.ended(id, n)
	e.s.Result(context.Background(), id, n, o, 0)
}

// at moves the clock to hh:mm:ss of the test day.
func (e *env) at(hms string) {
	tm, err := time.Parse("15:04:05", hms)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clk.AdvanceTo(time.Date(t0.Year(), t0.Month(), t0.Day(), tm.Hour(), tm.Minute(), tm.Second(), 0, time.UTC))
}

// ids lists the placed calls as id#attempt.
func (e *env) ids() []string {
	var out []string
	for _, p := range e.tel.placedCalls() {
		out = append(out, fmt.Sprintf("%s#%d", p.id, p.attempt))
	}
	return out
}
