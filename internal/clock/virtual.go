package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Virtual is a clock that moves only when told to. Timers fire in time order
// (ties in the order they were scheduled) while Advance, AdvanceTo or Next
// runs; AfterFunc callbacks run synchronously in the advancing goroutine, so a
// single-goroutine simulation is deterministic for a given seed.
type Virtual struct {
	mu   sync.Mutex
	now  time.Time
	seq  uint64
	heap timerHeap
}

// NewVirtual returns a virtual clock that reads start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc schedules f to run d after the current virtual time.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	t := &vtimer{v: v, fn: f}
	v.schedule(t, d)
	return t
}

// NewTimer returns a timer whose channel (buffered, size 1) receives the
// virtual time when it fires.
func (v *Virtual) NewTimer(d time.Duration) Timer {
	t := &vtimer{v: v, ch: make(chan time.Time, 1)}
	v.schedule(t, d)
	return t
}

// Pending returns how many timers are scheduled.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.heap)
}

// NextAt returns the time of the earliest pending timer.
func (v *Virtual) NextAt() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.heap) == 0 {
		return time.Time{}, false
	}
	return v.heap[0].at, true
}

// Next moves the clock to the earliest pending timer and fires every timer due
// then. It reports false when nothing is pending.
func (v *Virtual) Next() bool {
	at, ok := v.NextAt()
	if !ok {
		return false
	}
	v.AdvanceTo(at)
	return true
}

// Advance moves the clock forward by d, firing due timers in order.
func (v *Virtual) Advance(d time.Duration) { v.AdvanceTo(v.Now().Add(d)) }

// AdvanceTo moves the clock to t (never backwards), firing every timer due at
// or before t in time order; timers scheduled by callbacks that fall due
// before t fire too.
func (v *Virtual) AdvanceTo(t time.Time) {
	for {
		v.mu.Lock()
		if len(v.heap) == 0 || v.heap[0].at.After(t) {
			if t.After(v.now) {
				v.now = t
			}
			v.mu.Unlock()
			return
		}
		tm := heap.Pop(&v.heap).(*vtimer)
		tm.index = -1
		if tm.at.After(v.now) {
			v.now = tm.at
		}
		now := v.now
		v.mu.Unlock()
		if tm.fn != nil {
			tm.fn()
		} else {
			select {
			case tm.ch <- now:
			default:
			}
		}
	}
}

func (v *Virtual) schedule(t *vtimer, d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d < 0 {
		d = 0
	}
	v.seq++
	t.at = v.now.Add(d)
	t.seq = v.seq
	heap.Push(&v.heap, t)
}

type vtimer struct {
	v     *Virtual
	at    time.Time
	seq   uint64
	index int
	fn    func()
	ch    chan time.Time
}

func (t *vtimer) C() <-chan time.Time { return t.ch }

func (t *vtimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.v.heap, t.index)
	t.index = -1
	return true
}

func (t *vtimer) Reset(d time.Duration) bool {
	was := t.Stop()
	t.v.schedule(t, d)
	return was
}

type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return t
}
