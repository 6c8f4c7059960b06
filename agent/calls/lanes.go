package calls

import (
	"context"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/ari"
)

// DefaultLanes is how many workers handle the ARI events of different
// calls in parallel.
const DefaultLanes = 32

// laneBarrier is the lane of an event that runs alone: once every event
// before it is handled, and before any after it.
const laneBarrier = -1

// lanes runs jobs on n workers: jobs of one lane in order, one at a time;
// jobs of different lanes in parallel. A barrier job runs once every
// worker is idle, before anything queued after it (the dispatcher, the
// only one queueing, waits for it). Queues are unbounded: a lane whose
// job waits on a slow request never stops the dispatcher.
type lanes struct {
	ls []*lane
	wg sync.WaitGroup // the workers

	mu      sync.Mutex
	pending int           // jobs queued or running
	idle    chan struct{} // closed when pending drops to 0
}

// lane is one worker's queue.
type lane struct {
	mu   sync.Mutex
	q    []func()
	wake chan struct{} // cap 1: work queued
}

func newLanes(n int) *lanes {
	l := &lanes{ls: make([]*lane, max(n, 1)), idle: make(chan struct{})}
	close(l.idle)
	for i := range l.ls {
		l.ls[i] = &lane{wake: make(chan struct{}, 1)}
	}
	return l
}

// start starts the workers; they stop when ctx ends (jobs still queued
// are dropped, as events still unread were before). wait waits for them.
func (l *lanes) start(ctx context.Context) {
	for _, ln := range l.ls {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.work(ctx, ln)
		}()
	}
}

// wait waits for the workers to stop (after start's ctx ended).
func (l *lanes) wait() { l.wg.Wait() }

func (l *lanes) work(ctx context.Context, ln *lane) {
	for {
		ln.mu.Lock()
		if len(ln.q) == 0 {
			ln.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-ln.wake:
			}
			continue
		}
		f := ln.q[0]
		ln.q[0] = nil
		ln.q = ln.q[1:]
		ln.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		f()
		l.done()
	}
}

func (l *lanes) done() {
	l.mu.Lock()
	l.pending--
	if l.pending == 0 {
		close(l.idle)
	}
	l.mu.Unlock()
}

// run queues f on lane i (laneBarrier: see barrier).
func (l *lanes) run(ctx context.Context, i int, f func()) {
	if i == laneBarrier {
		l.barrier(ctx, f)
		return
	}
	l.mu.Lock()
	if l.pending == 0 {
		l.idle = make(chan struct{})
	}
	l.pending++
	l.mu.Unlock()
	ln := l.ls[i%len(l.ls)]
	ln.mu.Lock()
	ln.q = append(ln.q, f)
	ln.mu.Unlock()
	select {
	case ln.wake <- struct{}{}:
	default:
	}
}

// barrier waits until every queued job is done, then runs f on the
// caller's goroutine. False (f not run) when ctx ended first.
func (l *lanes) barrier(ctx context.Context, f func()) bool {
	if !l.quiesce(ctx) {
		return false
	}
	f()
	return true
}

// quiesce waits until no job is queued or running; false when ctx ended
// first.
func (l *lanes) quiesce(ctx context.Context) bool {
	l.mu.Lock()
	idle := l.idle
	l.mu.Unlock()
	select {
	case <-idle:
		return true
	case <-ctx.Done():
		return false
	}
}

// laneOf is the lane of a key: a hash of it.
func (l *lanes) laneOf(key string) int { return laneIndex(key, len(l.ls)) }

func laneIndex(key string, n int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(max(n, 1)))
}

// callKey is the key of an id the engine made: the call id its channel,
// bridge or recording id starts with ("pbxcall-<16 hex>-u1" → the call
// id); any other id (a channel from the dialplan, a transfer's) is its
// own key. A call from the dialplan gets an id in its caller channel's
// lane (callIDFor), so that every leg of a call lands in one lane.
func callKey(id string) string {
	n := len(idPrefix) + 16
	if len(id) >= n && strings.HasPrefix(id, idPrefix) && !strings.HasPrefix(id, idPrefix+"xfer-") &&
		(len(id) == n || id[n] == '-') {
		return id[:n]
	}
	return id
}

// callIDFor returns a fresh call id in the lane of channel chanID (a
// channel from the dialplan, the call's caller): the id is drawn again
// until it hashes to that lane (n tries on average).
func (e *Engine) callIDFor(chanID string) string {
	want := laneIndex(callKey(chanID), e.nLanes)
	for {
		id := newCallID()
		if laneIndex(id, e.nLanes) == want {
			return id
		}
	}
}

// laneFor says which lane an ARI event is handled on, and false for an
// event the engine does not handle. Every event of one call goes to the
// lane of its call id, in arrival order; events that concern several
// calls or a transfer (whose channels move between a call and the
// transfer) run alone (laneBarrier): transfers' own events
// (BridgeBlindTransfer, ChannelTransfer, a recipient's or a Local
// channel's StasisStart), any event of a channel a transfer follows or
// that is not in its id's lane, and the reconciliation.
func (e *Engine) laneFor(ev ari.Event) (int, bool) {
	var ch string
	switch x := ev.(type) {
	case *ari.StasisStart:
		if x.Application != e.app {
			return 0, false
		}
		if x.ReplaceChannel != nil || (len(x.Args) > 0 && x.Args[0] == argXfer) {
			return laneBarrier, true
		}
		ch = x.Channel.ID
	case *ari.ChannelStateChange:
		ch = x.Channel.ID
	case *ari.Dial:
		if x.Dialstatus == "" || x.Peer.ID == "" {
			return 0, false
		}
		ch = x.Peer.ID
	case *ari.ChannelDestroyed:
		ch = x.Channel.ID
	case *ari.ChannelGoneEvent:
		if x.Alive {
			return 0, false
		}
		ch = x.ChannelID
	case *ari.ChannelHangupRequest: // stasisend.go
		if strings.HasPrefix(x.Channel.ID, idPrefix) {
			return 0, false
		}
		ch = x.Channel.ID
	case *ari.StasisEnd:
		if x.Application != "" && x.Application != e.app {
			return 0, false
		}
		ch = x.Channel.ID
	case *ari.RecordingFinished:
		return e.work.laneOf(callKey(x.Recording.Name)), true
	case *ari.RecordingFailed:
		return e.work.laneOf(callKey(x.Recording.Name)), true
	case *ari.PlaybackFinished: // an announcement to a group caller (group_telephony.go)
		if !strings.HasPrefix(x.Playback.ID, groupPlaybackPrefix) {
			return 0, false
		}
		ch = strings.TrimPrefix(x.Playback.TargetURI, "channel:")
	case *ari.ReconciledEvent, *ari.BridgeBlindTransfer, *ari.ChannelTransfer:
		return laneBarrier, true
	default:
		return 0, false
	}
	if strings.HasPrefix(ch, idPrefix+"xfer-") {
		return laneBarrier, true
	}
	i := e.work.laneOf(callKey(ch))
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.tx.chans[ch]; ok {
		return laneBarrier, true
	}
	if owner, ok := e.legs[ch]; ok && (e.calls[owner] == nil || e.work.laneOf(owner) != i) {
		return laneBarrier, true
	}
	return i, true
}
