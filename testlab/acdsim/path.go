package acdsim

import (
	"container/heap"
	"time"
)

// fcfsPath is the ideal M/M/c first-come-first-served queue on the run's
// own sample (arrival and talk times): the waits an ACD that adds no
// delay of its own must reproduce exactly when members answer at once,
// nobody abandons, pauses or wraps up (the Kiefer–Wolfowitz recursion:
// a caller starts when they arrive or when the earliest of the c agents
// frees, whichever is later). Which agent takes the call does not change
// the waits, so every strategy must give the same ones.
type fcfsPath struct {
	free  timeHeap // when each agent frees
	waits map[string]time.Duration
}

func (p *fcfsPath) init(agents int, at time.Time) {
	p.free = make(timeHeap, agents)
	for i := range p.free {
		p.free[i] = at
	}
	p.waits = map[string]time.Duration{}
}

// arrive records caller id's ideal wait.
func (p *fcfsPath) arrive(id string, at time.Time, talk time.Duration) {
	p.waits[id] = p.next(at, talk)
}

// next returns the ideal wait of a caller arriving at at whose call lasts
// talk, and takes the agent who frees first.
func (p *fcfsPath) next(at time.Time, talk time.Duration) time.Duration {
	start := p.free[0]
	if at.After(start) {
		start = at
	}
	p.free[0] = start.Add(talk)
	heap.Fix(&p.free, 0)
	return start.Sub(at)
}

type timeHeap []time.Time

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h timeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)        { *h = append(*h, x.(time.Time)) }
func (h *timeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
