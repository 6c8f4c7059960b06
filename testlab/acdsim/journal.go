package acdsim

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Tally is a callgroups.Journal that keeps what the figures and the
// consistency check need: the service level and waits by the statistics'
// definitions (docs/callgroups.md; agent/callgroups/api.go GroupStats),
// counted over the callers who entered at or after From.
type Tally struct {
	// From: callers who entered earlier are left out of the figures
	// (still checked for consistency).
	From time.Time

	entries int
	callers map[string]*journalCaller
	verbs   map[callgroups.Verb]int

	// Measured callers: answered (CONNECT), answered within the SLA
	// threshold (Wait ≤ SLAThreshold), answered after any wait (Wait >
	// 0), the sum of their waits; abandoned.
	Answered, AnsweredInSLA, AnsweredWaited, Abandoned int
	WaitSum                                            time.Duration
	// Totals are over every caller, warm-up included.
	Totals Totals
	// Entries without a caller id among the caller verbs, or with a group
	// other than the simulated one.
	Malformed int
}

// Totals are journal counts over every caller with the statistics'
// definitions: received (ENTERQUEUE, FULL, JOINEMPTY), answered (CONNECT),
// answered within the threshold, abandoned (ABANDON), the answered
// callers' waits.
type Totals struct {
	Received      int     `json:"received"`
	Answered      int     `json:"answered"`
	AnsweredInSLA int     `json:"answered_in_sla"`
	Abandoned     int     `json:"abandoned"`
	WaitSeconds   float64 `json:"wait_seconds"`
}

type journalCaller struct {
	entered  int
	enterAt  time.Time
	terminal []callgroups.Verb
	connects int
	ends     int
	wait     time.Duration
}

// NewTally returns an empty tally.
func NewTally(from time.Time) *Tally {
	return &Tally{From: from, callers: map[string]*journalCaller{}, verbs: map[callgroups.Verb]int{}}
}

// Record implements callgroups.Journal.
func (t *Tally) Record(_ context.Context, e callgroups.Entry) {
	t.entries++
	t.verbs[e.Verb]++
	switch e.Verb {
	case callgroups.VerbEnterQueue, callgroups.VerbFull, callgroups.VerbJoinEmpty:
		t.Totals.Received++
	case callgroups.VerbConnect:
		t.Totals.Answered++
		t.Totals.WaitSeconds += e.Wait.Seconds()
		if e.Wait <= e.SLAThreshold {
			t.Totals.AnsweredInSLA++
		}
	case callgroups.VerbAbandon:
		t.Totals.Abandoned++
	}
	if e.GroupID != groupID {
		t.Malformed++
		return
	}
	switch e.Verb {
	case callgroups.VerbEnterQueue, callgroups.VerbConnect, callgroups.VerbAbandon, callgroups.VerbExitTimeout,
		callgroups.VerbExitEmpty, callgroups.VerbCompleteCaller, callgroups.VerbCompleteAgent, callgroups.VerbTransfer:
	default:
		return
	}
	if e.Caller == "" {
		t.Malformed++
		return
	}
	jc := t.callers[e.Caller]
	if jc == nil {
		jc = &journalCaller{}
		t.callers[e.Caller] = jc
	}
	measured := jc.entered > 0 && !jc.enterAt.Before(t.From)
	switch e.Verb {
	case callgroups.VerbEnterQueue:
		jc.entered++
		jc.enterAt = e.Time
	case callgroups.VerbConnect:
		jc.terminal = append(jc.terminal, e.Verb)
		jc.connects++
		jc.wait = e.Wait
		if measured {
			t.Answered++
			t.WaitSum += e.Wait
			if e.Wait <= e.SLAThreshold {
				t.AnsweredInSLA++
			}
			if e.Wait > 0 {
				t.AnsweredWaited++
			}
		}
	case callgroups.VerbAbandon, callgroups.VerbExitTimeout, callgroups.VerbExitEmpty:
		jc.terminal = append(jc.terminal, e.Verb)
		if measured && e.Verb == callgroups.VerbAbandon {
			t.Abandoned++
		}
	default: // COMPLETECALLER, COMPLETEAGENT, BLINDTRANSFER
		jc.ends++
	}
}

// ServiceLevel is answered within the threshold ÷ answered (0 with
// nothing answered).
func (t *Tally) ServiceLevel() float64 {
	if t.Answered == 0 {
		return 0
	}
	return float64(t.AnsweredInSLA) / float64(t.Answered)
}

// AverageWait is the mean wait of answered callers.
func (t *Tally) AverageWait() time.Duration {
	if t.Answered == 0 {
		return 0
	}
	return t.WaitSum / time.Duration(t.Answered)
}

// Verbs returns how many entries of each verb were recorded.
func (t *Tally) Verbs() map[callgroups.Verb]int {
	out := make(map[callgroups.Verb]int, len(t.verbs))
	for k, v := range t.verbs {
		out[k] = v
	}
	return out
}

// Problems checks the journal once every call has ended: every
// ENTERQUEUE ends in exactly one of CONNECT, ABANDON, EXITWITHTIMEOUT or
// EXITEMPTY; every CONNECT in exactly one COMPLETECALLER, COMPLETEAGENT or
// BLINDTRANSFER; nothing for a caller who never entered; no malformed
// entry. It returns the number of callers in error (malformed entries
// count as one) and up to five descriptions.
func (t *Tally) Problems() (int, []string) {
	ids := make([]string, 0, len(t.callers))
	for id := range t.callers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	n := 0
	var out []string
	if t.Malformed > 0 {
		n++
		out = append(out, fmt.Sprintf("%d entries without a caller id or of another group", t.Malformed))
	}
	for _, id := range ids {
		jc := t.callers[id]
		var p string
		switch {
		case jc.entered != 1:
			p = fmt.Sprintf("%s: %d ENTERQUEUE", id, jc.entered)
		case len(jc.terminal) != 1:
			p = fmt.Sprintf("%s: ends %v, want exactly one of CONNECT/ABANDON/EXIT*", id, jc.terminal)
		case jc.connects == 1 && jc.ends != 1:
			p = fmt.Sprintf("%s: CONNECT with %d COMPLETE*", id, jc.ends)
		case jc.connects == 0 && jc.ends != 0:
			p = fmt.Sprintf("%s: COMPLETE* without CONNECT", id)
		}
		if p != "" {
			n++
			if len(out) < 5 {
				out = append(out, p)
			}
		}
	}
	return n, out
}
