package callgroups

import (
	"context"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// state is the ACD's memory (guarded by ACD.mu).
type state struct {
	groups  map[string]*group
	users   map[string]*userLive
	callers map[string]*caller
	offers  map[string]*offer
	seq     uint64
	closed  bool // Close was called
}

func (s *state) init() {
	s.groups = map[string]*group{}
	s.users = map[string]*userLive{}
	s.callers = map[string]*caller{}
	s.offers = map[string]*offer{}
}

// group is a group's configuration and what happens in it.
type group struct {
	// cfg.Members: static members as configured, then dynamic ones in
	// the order they joined (linear's order).
	cfg   Group
	idx   map[string]int // user id -> index in cfg.Members
	queue []*caller
	// memory is the strategies' memory (kept in the KV).
	memory memory
	pauses map[string]*pauseRec
	// marks are the members' states as last published.
	marks map[string]mark
	// aud is the audience of the group's events (set by reindex).
	aud events.Audience
	// holdtime is app_queue's exponential average of the waits of
	// answered callers, (3·old + new)/4, for the hold-time announcement.
	holdtime time.Duration
}

// memory is what rrmemory, leastrecent and fewestcalls remember (kept
// under "r/<group>" and "t/<group>/<user>").
type memory struct {
	// RRLast is the member the last call was offered to (rrmemory).
	RRLast string
	// Tally counts, per member, today's calls of the group.
	Tally map[string]*tally
}

// tally is a member's calls of a group on Day (local date): Calls
// answered (calls_taken), Completed ended (fewestcalls, as app_queue counts
// calls when they end), Last ended (leastrecent). Another day reads as zero
// and never.
type tally struct {
	Day       string     `json:"day"`
	Calls     int        `json:"calls"`
	Completed int        `json:"completed,omitempty"`
	Last      *time.Time `json:"last,omitempty"`
}

// pauseRec is a member's pause in a group, kept under "p/<group>/<user>".
type pauseRec struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// mark is a member's state as last published, and since when.
type mark struct {
	state MemberState
	since time.Time
}

// userLive is what a user does across the groups.
type userLive struct {
	ringing   map[string]*offer // offers ringing them, by id
	active    map[string]*offer // group calls they answered, by offer id
	wrapUntil time.Time
	wrapTimer clock.Timer
}

// caller is a caller waiting in a group.
type caller struct {
	c        Caller
	g        *group
	entered  time.Time
	origPos  int
	offers   map[string]*offer // ringing now
	tried    map[string]bool   // members tried in this round
	retrying bool
	retryT   clock.Timer
	maxWaitT clock.Timer
	annT     clock.Timer
}

// offer is a member rung for a caller, and once answered the group call
// until it ends.
type offer struct {
	id       string
	c        *caller
	g        *group
	user     string
	started  time.Time
	answered time.Time
	callID   string
	canceled bool
}

// fx is what a decision asks of the outside world, done after the mutex
// is released, in order; dirty are the users whose member state may have
// changed.
type fx struct {
	acts  []func(ctx context.Context)
	dirty map[string]bool
	// touched are the groups whose members changed (leave_when_empty is
	// checked in them).
	touched map[*group]bool
}

func (f *fx) do(act func(ctx context.Context)) { f.acts = append(f.acts, act) }

func (f *fx) mark(userIDs ...string) {
	if f.dirty == nil {
		f.dirty = map[string]bool{}
	}
	for _, id := range userIDs {
		f.dirty[id] = true
	}
}

func (f *fx) touch(g *group) {
	if f.touched == nil {
		f.touched = map[*group]bool{}
	}
	f.touched[g] = true
}

// journal records e after the mutex is released.
func (a *ACD) journal(f *fx, e Entry) {
	if a.jr == nil {
		return
	}
	f.do(func(ctx context.Context) { a.jr.Record(ctx, e) })
}

// publish sends an event after the mutex is released.
func (a *ACD) publish(f *fx, ev events.Event) {
	if a.hub == nil {
		return
	}
	f.do(func(ctx context.Context) {
		if err := a.hub.Publish(ctx, ev); err != nil {
			a.log.Warn("callgroups: publish", "type", ev.Type, "err", err)
		}
	})
}

// locked runs decide under the mutex, settles (leave_when_empty,
// dispatch, member states), then does what was collected.
func (a *ACD) locked(ctx context.Context, decide func(f *fx)) {
	var f fx
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	decide(&f)
	a.settleLocked(&f)
	a.mu.Unlock()
	for _, act := range f.acts {
		act(ctx)
	}
}

// lockedErr is locked for a decision that may fail: on error nothing
// collected is done and nothing settles.
func (a *ACD) lockedErr(ctx context.Context, decide func(f *fx) error) error {
	var f fx
	a.mu.Lock()
	if err := decide(&f); err != nil {
		a.mu.Unlock()
		return err
	}
	a.settleLocked(&f)
	a.mu.Unlock()
	for _, act := range f.acts {
		act(ctx)
	}
	return nil
}

// userLocked returns the user's live record, made if missing.
func (a *ACD) userLocked(id string) *userLive {
	u := a.users[id]
	if u == nil {
		u = &userLive{ringing: map[string]*offer{}, active: map[string]*offer{}}
		a.users[id] = u
	}
	return u
}

// today is the local date of t.
func (a *ACD) today(t time.Time) string { return t.In(a.loc).Format(time.DateOnly) }
