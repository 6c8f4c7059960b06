package wakeup

import (
	"container/heap"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Scheduler places wake-up calls (hotel.WakeUpScheduler). Its work runs
// on the clock's timers and in the goroutines that call it; it starts no
// goroutine of its own. What it tells the outside (reports, calls to the
// Telephony) runs outside its lock, in the order it was decided, in
// whichever calling goroutine finds the queue of such effects idle.
type Scheduler struct {
	clk         clock.Clock
	tel         hotel.Telephony
	st          hotel.WakeUpSettings
	report      func(ctx context.Context, w hotel.WakeUp)
	log         *slog.Logger
	margin      time.Duration
	callTimeout time.Duration
	lang        string
	reception   string

	// ctx is the scheduler's lifetime: the context of its reports and
	// Telephony calls, canceled by Close.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	items    map[string]*item    // live wake-ups by id
	ready    readyQueue          // due wake-ups waiting for a slot
	calls    map[string]*attempt // attempts holding a slot, by wake-up id
	seq      uint64              // order of becoming due
	gen      uint64              // identity of an item (a replaced wake-up is a new one)
	effects  []func()            // to run outside the lock, in order
	draining bool                // a goroutine is running effects
}

// item is a live wake-up.
type item struct {
	w     hotel.WakeUp
	room  hotel.Room
	gen   uint64
	base  int // attempts made before the current round (the last snooze)
	due   time.Time
	seq   uint64
	index int // in ready; -1 when not queued
	timer clock.Timer
	arm   uint64 // which arming of timer is current
}

// attempt is a call in progress for a wake-up: it holds a slot until its
// result, the safety timeout or, when it was never placed, its cancel.
type attempt struct {
	gen    uint64
	n      int
	placed bool
	safety clock.Timer
}

var _ hotel.WakeUpScheduler = (*Scheduler)(nil)

// New returns a scheduler placing calls through tel with the settings st
// and telling report about every change it makes to a wake-up: calling
// (an attempt is placed), pending with Next (a retry is due), snoozed
// with Next, answered and unanswered. st.MaxConcurrent ≤ 0 places
// without a cap; st.Window ≤ 0 places late wake-ups however late.
func New(clk clock.Clock, tel hotel.Telephony, st hotel.WakeUpSettings, report func(ctx context.Context, w hotel.WakeUp), opts ...Option) *Scheduler {
	s := &Scheduler{clk: clk, tel: tel, st: st, report: report, log: slog.New(slog.DiscardHandler),
		margin: DefaultResultMargin, callTimeout: DefaultCallTimeout, lang: DefaultLanguage,
		items: make(map[string]*item), calls: make(map[string]*attempt)}
	for _, o := range opts {
		o(s)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Stats is a snapshot of the scheduler's load.
type Stats struct {
	// Live wake-ups known (waiting, due or calling).
	Live int
	// Waiting are due and wait for a slot.
	Waiting int
	// InProgress attempts hold a slot.
	InProgress int
}

// Stats returns the scheduler's load now.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Live: len(s.items), Waiting: s.ready.Len(), InProgress: len(s.calls)}
}

// Schedule adds a live wake-up, or changes one known by its ID. The same
// wake-up at the same At only takes the new room and language (a room
// move, a language change) and keeps where it stands, an attempt in
// progress included; a new At replaces it: an attempt in progress is hung
// up (hotel.WakeUpHangUp) and its result ignored, the new one is not
// placed before that attempt's slot is free, and its attempts go on from
// the replaced one's (a new round of retries, attempt numbers unique). A wake-up whose time (At, or Next while pending
// or snoozed) has come is placed now, unless it is later than st.Window:
// then it ends unanswered at once (the daemon was down) and is reported.
// A wake-up given with a final status is dropped, as by Cancel.
func (s *Scheduler) Schedule(ctx context.Context, w hotel.WakeUp, r hotel.Room) {
	s.mu.Lock()
	s.schedule(w, r)
	s.mu.Unlock()
	s.drain()
}

func (s *Scheduler) schedule(w hotel.WakeUp, r hotel.Room) {
	if s.closed {
		return
	}
	carry := 0 // attempts made under the time being replaced
	if old := s.items[w.ID]; old != nil {
		if w.Status.Live() && old.w.At.Equal(w.At) {
			old.room = r
			old.w.Room, old.w.Language = w.Room, w.Language
			return
		}
		s.hangUp(old)
		s.drop(old)
		carry = old.w.Attempts
	}
	if !w.Status.Live() {
		return
	}
	if a := s.calls[w.ID]; a != nil && a.n > carry {
		// A canceled self's attempt still holds its slot: number on
		// after it, so that its late result matches none of ours.
		carry = a.n
	}
	now := s.clk.Now()
	s.gen++
	it := &item{w: w, room: r, gen: s.gen, index: -1}
	due := w.At
	if w.Next != nil {
		due = *w.Next
	}
	switch w.Status {
	case hotel.WakeSnoozed:
		it.base = w.Attempts
	default:
		// A retry pending (or an attempt lost with the daemon) keeps its
		// attempts against the retries, with one attempt left at least.
		it.w.Status = hotel.WakePending
		it.base = max(0, w.Attempts-s.st.Retries)
	}
	if carry > it.w.Attempts {
		// A new time starts a new round; the numbering goes on, so that
		// a late result of the replaced time's attempt matches none.
		it.w.Attempts, it.base = carry, carry
	}
	late := now.Sub(due)
	if late > 0 && s.st.Window > 0 && late > s.st.Window {
		s.log.Warn("wake-up too late to place: unanswered", "id", w.ID, "room", w.Room, "due", due, "late", late)
		s.final(it, hotel.WakeUnanswered, now)
		return
	}
	s.items[w.ID] = it
	if late >= 0 {
		it.due = due
		s.enqueue(it)
		s.dispatch(now)
		return
	}
	s.arm(it, due, now)
}

// Cancel drops a wake-up. An attempt in progress is hung up when the
// Telephony can (hotel.WakeUpHangUp) and its result ignored; its slot is
// free when that result comes, or the safety timeout passes. Cancel
// reports nothing: the caller made the change.
func (s *Scheduler) Cancel(ctx context.Context, id string) {
	s.mu.Lock()
	if it := s.items[id]; it != nil && !s.closed {
		s.hangUp(it)
		s.drop(it)
	}
	s.mu.Unlock()
	s.drain()
}

// hangUp queues the hang-up of it's attempt in progress, when it was
// placed and the Telephony can.
func (s *Scheduler) hangUp(it *item) {
	if a := s.calls[it.w.ID]; a != nil && a.gen == it.gen {
		s.hangUpAttempt(it.w.ID, a)
	}
}

// hangUpAttempt queues the hang-up of attempt a of wake-up id when it was
// placed and the Telephony can.
func (s *Scheduler) hangUpAttempt(id string, a *attempt) {
	if !a.placed {
		return
	}
	hu, ok := s.tel.(hotel.WakeUpHangUp)
	if !ok {
		return
	}
	n := a.n
	s.effects = append(s.effects, func() {
		ctx, cancel := context.WithTimeout(s.ctx, s.callTimeout)
		defer cancel()
		if err := hu.HangUpWakeUp(ctx, id, n); err != nil {
			s.log.Warn("wake-up hang-up failed", "id", id, "attempt", n, "err", err)
		}
	})
}

// Result takes how attempt n of wake-up id ended: answered ends it;
// snoozed makes it snoozed until now + snooze (0: st.Snooze) with a new
// round of retries; noanswer, busy and failed (and any other outcome)
// retry after st.RetryInterval while the round has attempts left (1 +
// st.Retries), else end it unanswered. A result for another attempt than
// the one in progress, or for a wake-up canceled or replaced since, is
// ignored.
func (s *Scheduler) Result(ctx context.Context, id string, n int, o hotel.WakeOutcome, snooze time.Duration) {
	s.ended(id, n, o, snooze, "")
}

// Close stops the timers; later calls do nothing and reports stop.
func (s *Scheduler) Close() {
	s.mu.Lock()
	s.closed = true
	for _, it := range s.items {
		if it.timer != nil {
			it.timer.Stop()
		}
	}
	for _, a := range s.calls {
		a.safety.Stop()
	}
	s.items, s.calls, s.ready, s.effects = map[string]*item{}, map[string]*attempt{}, nil, nil
	s.mu.Unlock()
	s.cancel()
}

// ended ends attempt n of id with outcome o (why: a note for the log
// when the scheduler decided it itself).
func (s *Scheduler) ended(id string, n int, o hotel.WakeOutcome, snooze time.Duration, why string) {
	s.mu.Lock()
	a := s.calls[id]
	if s.closed || a == nil || a.n != n {
		s.mu.Unlock()
		s.log.Debug("wake-up result ignored: no such attempt in progress", "id", id, "attempt", n, "outcome", o)
		return
	}
	if why != "" {
		s.log.Warn("wake-up attempt failed", "id", id, "attempt", n, "why", why)
	}
	delete(s.calls, id)
	a.safety.Stop()
	now := s.clk.Now()
	if it := s.items[id]; it != nil && it.gen == a.gen {
		s.outcome(it, o, snooze, now)
	}
	s.dispatch(now)
	s.mu.Unlock()
	s.drain()
}

// outcome applies how the attempt of it ended.
func (s *Scheduler) outcome(it *item, o hotel.WakeOutcome, snooze time.Duration, now time.Time) {
	switch o {
	case hotel.WakeOutcomeAnswered:
		s.final(it, hotel.WakeAnswered, now)
	case hotel.WakeOutcomeSnoozed:
		if snooze <= 0 {
			snooze = s.st.Snooze
		}
		it.base = it.w.Attempts
		s.again(it, hotel.WakeSnoozed, now.Add(snooze), now)
	default:
		if it.w.Attempts-it.base < 1+s.st.Retries {
			s.again(it, hotel.WakePending, now.Add(s.st.RetryInterval), now)
			return
		}
		s.final(it, hotel.WakeUnanswered, now)
	}
}

// again makes it wait for its next attempt at next, and reports it.
func (s *Scheduler) again(it *item, st hotel.WakeUpStatus, next, now time.Time) {
	it.w.Status = st
	it.w.Next = &next
	it.w.UpdatedAt = now
	s.arm(it, next, now)
	s.tell(it.w)
}

// final ends it with status st, reports it, and for an unanswered one
// alerts the reception when asked to.
func (s *Scheduler) final(it *item, st hotel.WakeUpStatus, now time.Time) {
	if cur := s.items[it.w.ID]; cur == it {
		delete(s.items, it.w.ID)
	}
	it.w.Status = st
	it.w.Next = nil
	it.w.UpdatedAt = now
	w := it.w
	s.tell(w)
	if st == hotel.WakeUnanswered && s.reception != "" {
		s.effects = append(s.effects, func() {
			ctx, cancel := context.WithTimeout(s.ctx, s.callTimeout)
			defer cancel()
			if err := s.tel.AlertReception(ctx, s.reception, w); err != nil {
				s.log.Warn("wake-up: alerting the reception failed", "id", w.ID, "room", w.Room, "err", err)
			}
		})
	}
}

// tell queues a report of w.
func (s *Scheduler) tell(w hotel.WakeUp) {
	if s.report != nil {
		s.effects = append(s.effects, func() { s.report(s.ctx, w) })
	}
}

// arm sets it's timer to make it due at due.
func (s *Scheduler) arm(it *item, due, now time.Time) {
	if it.timer != nil {
		it.timer.Stop()
	}
	it.due = due
	it.arm++
	id, gen, token := it.w.ID, it.gen, it.arm
	it.timer = s.clk.AfterFunc(due.Sub(now), func() { s.fire(id, gen, token) })
}

// fire: it's time has come.
func (s *Scheduler) fire(id string, gen, token uint64) {
	s.mu.Lock()
	it := s.items[id]
	if s.closed || it == nil || it.gen != gen || it.arm != token || it.timer == nil {
		s.mu.Unlock()
		return
	}
	it.timer = nil
	s.enqueue(it)
	s.dispatch(s.clk.Now())
	s.mu.Unlock()
	s.drain()
}

// drop forgets it: its timer stopped, out of the queue.
func (s *Scheduler) drop(it *item) {
	if it.timer != nil {
		it.timer.Stop()
		it.timer = nil
	}
	if it.index >= 0 {
		heap.Remove(&s.ready, it.index)
	}
	delete(s.items, it.w.ID)
}

func (s *Scheduler) enqueue(it *item) {
	s.seq++
	it.seq = s.seq
	heap.Push(&s.ready, it)
}

// dispatch starts attempts while there are slots, earliest due first; a
// wake-up whose replaced self still holds a slot waits for it.
func (s *Scheduler) dispatch(now time.Time) {
	var held []*item
	for (s.st.MaxConcurrent <= 0 || len(s.calls) < s.st.MaxConcurrent) && s.ready.Len() > 0 {
		it := heap.Pop(&s.ready).(*item)
		if _, busy := s.calls[it.w.ID]; busy {
			held = append(held, it)
			continue
		}
		s.start(it, now)
	}
	for _, it := range held {
		heap.Push(&s.ready, it)
	}
}

// start begins attempt n of it: the slot is taken now, the call placed
// (outside the lock) after the calling report.
func (s *Scheduler) start(it *item, now time.Time) {
	it.w.Attempts++
	it.w.Status = hotel.WakeCalling
	it.w.Next = nil
	it.w.UpdatedAt = now
	id, n, gen := it.w.ID, it.w.Attempts, it.gen
	a := &attempt{gen: gen, n: n}
	s.calls[id] = a
	a.safety = s.clk.AfterFunc(s.st.RingTimeout+s.margin, func() {
		// The result was lost: the call may still be up; hang it up
		// before its slot is given to another.
		s.mu.Lock()
		if s.calls[id] == a && !s.closed {
			s.hangUpAttempt(id, a)
		}
		s.mu.Unlock()
		s.ended(id, n, hotel.WakeOutcomeFailed, 0, "no result within the ring timeout and the margin")
	})
	w, room, lang := it.w, it.room, s.language(it)
	s.tell(w)
	s.effects = append(s.effects, func() { s.place(id, gen, n, w, room, lang) })
}

// place rings the room for attempt n, unless the wake-up was canceled
// or replaced meanwhile (then the slot is freed). An error of the
// Telephony counts as a failed attempt.
func (s *Scheduler) place(id string, gen uint64, n int, w hotel.WakeUp, room hotel.Room, lang string) {
	s.mu.Lock()
	a := s.calls[id]
	if s.closed || a == nil || a.n != n || a.gen != gen {
		s.mu.Unlock()
		return
	}
	if it := s.items[id]; it == nil || it.gen != gen {
		delete(s.calls, id)
		a.safety.Stop()
		s.dispatch(s.clk.Now())
		s.mu.Unlock()
		return
	}
	a.placed = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, s.callTimeout)
	err := s.tel.WakeUpCall(ctx, w, room, n, lang)
	cancel()
	if err != nil {
		s.ended(id, n, hotel.WakeOutcomeFailed, 0, "telephony: "+err.Error())
	}
}

func (s *Scheduler) language(it *item) string {
	switch {
	case it.w.Language != "":
		return it.w.Language
	case it.room.Guest != nil && it.room.Guest.Language != "":
		return it.room.Guest.Language
	}
	return s.lang
}

// drain runs the queued effects in order, unless another goroutine is
// already doing so (it will run these too).
func (s *Scheduler) drain() {
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		return
	}
	s.draining = true
	for len(s.effects) > 0 {
		e := s.effects[0]
		s.effects[0] = nil
		s.effects = s.effects[1:]
		s.mu.Unlock()
		e()
		s.mu.Lock()
	}
	s.draining = false
	s.mu.Unlock()
}

// readyQueue orders due wake-ups by due time, then by when they became
// due.
type readyQueue []*item

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q readyQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *readyQueue) Push(x any) {
	it := x.(*item)
	it.index = len(*q)
	*q = append(*q, it)
}
func (q *readyQueue) Pop() any {
	old := *q
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	it.index = -1
	*q = old[:n-1]
	return it
}
