package dialer

import (
	"container/heap"
	"time"
)

// LeadStatus is where a lead stands.
type LeadStatus string

// Lead statuses.
const (
	LeadPending LeadStatus = "pending" // waiting for an attempt
	LeadDialing LeadStatus = "dialing" // an attempt is in progress
	LeadDone    LeadStatus = "done"    // reached (connected) or gave up
	LeadDNC     LeadStatus = "dnc"     // on the do-not-call list
	LeadBad     LeadStatus = "bad"     // invalid number
)

// Lead is one customer to call.
type Lead struct {
	ID     string `json:"id" doc:"The lead's id within its campaign" example:"17"`
	Number string `json:"number" doc:"The number, E.164 where parseable" example:"+38761100004"` // canonical E.164 where parseable
	Name   string `json:"name,omitempty" doc:"The customer's name" example:"Amra Hodžić"`
	// TZ is the IANA zone given in the list; empty means derived from the number.
	TZ     string            `json:"tz,omitempty" doc:"The IANA zone given in the list; empty: derived from the number" example:"Europe/Sarajevo"`
	Fields map[string]string `json:"fields,omitempty" doc:"Custom fields from the list" example:"{\"contract\":\"C-2291\"}"`

	Status      LeadStatus `json:"status" openapi:"enum=pending|dialing|done|dnc|bad" doc:"pending, dialing, done, dnc (on the do-not-call list) or bad (invalid number)" example:"pending"`
	Attempts    int        `json:"attempts" doc:"Calls placed so far" example:"1"`
	LastOutcome Outcome    `json:"last_outcome,omitempty" doc:"The last attempt's outcome (connected, no_answer, busy, machine, …)" example:"no_answer"`
	NextAt      time.Time  `json:"next_at,omitzero" doc:"When the lead may be called again" example:"2026-12-07T10:30:00Z"`
	Disposition string     `json:"disposition,omitempty" doc:"The agent's disposition of the call" example:"callback"`

	zones   *zoneSet
	counts  map[Outcome]int
	heapIdx int
}

// leadQueue holds a campaign's callable leads: a FIFO of leads due now and a
// heap of leads due later.
type leadQueue struct {
	ready    []*Lead
	head     int
	deferred leadHeap
}

func (q *leadQueue) push(l *Lead, now time.Time) {
	if l.NextAt.After(now) {
		heap.Push(&q.deferred, l)
		return
	}
	q.ready = append(q.ready, l)
}

// promote moves deferred leads due by now to the ready FIFO.
func (q *leadQueue) promote(now time.Time) {
	for len(q.deferred) > 0 && !q.deferred[0].NextAt.After(now) {
		q.ready = append(q.ready, heap.Pop(&q.deferred).(*Lead))
	}
}

func (q *leadQueue) pop() *Lead {
	if q.head >= len(q.ready) {
		return nil
	}
	l := q.ready[q.head]
	q.ready[q.head] = nil
	q.head++
	if q.head > 1024 && q.head*2 > len(q.ready) {
		q.ready = append(q.ready[:0:0], q.ready[q.head:]...)
		q.head = 0
	}
	return l
}

func (q *leadQueue) readyLen() int { return len(q.ready) - q.head }

type leadHeap []*Lead

func (h leadHeap) Len() int { return len(h) }
func (h leadHeap) Less(i, j int) bool {
	if h[i].NextAt.Equal(h[j].NextAt) {
		return h[i].ID < h[j].ID
	}
	return h[i].NextAt.Before(h[j].NextAt)
}
func (h leadHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].heapIdx = i; h[j].heapIdx = j }
func (h *leadHeap) Push(x any)   { l := x.(*Lead); l.heapIdx = len(*h); *h = append(*h, l) }
func (h *leadHeap) Pop() any {
	old := *h
	l := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	l.heapIdx = -1
	return l
}
