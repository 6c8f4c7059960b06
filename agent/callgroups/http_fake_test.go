package callgroups

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// httpFake is an in-memory Service for the HTTP tests: groups with
// members, waiting and active calls set by the test, and a log of the
// changes asked of it.
type httpFake struct {
	mu      sync.Mutex
	groups  map[string]Group
	members map[string][]MemberView
	waiting map[string][]WaitingCall
	active  map[string][]ActiveCall
	log     []string
}

func newHTTPFake() *httpFake {
	return &httpFake{groups: map[string]Group{}, members: map[string][]MemberView{},
		waiting: map[string][]WaitingCall{}, active: map[string][]ActiveCall{}}
}

func (f *httpFake) logf(format string, a ...any) { f.log = append(f.log, fmt.Sprintf(format, a...)) }

// Groups implements Service.
func (f *httpFake) Groups(context.Context) []Group {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Group, 0, len(f.groups))
	for _, g := range f.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Group implements Service.
func (f *httpFake) Group(_ context.Context, id string) (Group, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[id]
	return g, ok
}

func (f *httpFake) check(g Group) error {
	if g.ID == "" {
		return platform.Invalid("invalid call group", platform.FieldError{Field: "id", Message: "is required"})
	}
	if g.Strategy != "" && !slices.Contains(Strategies, g.Strategy) {
		return platform.Invalid("invalid call group", platform.FieldError{Field: "strategy", Message: "unknown strategy"})
	}
	return nil
}

// CreateGroup implements Service.
func (f *httpFake) CreateGroup(_ context.Context, g Group) (Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(g); err != nil {
		return Group{}, err
	}
	if _, ok := f.groups[g.ID]; ok {
		return Group{}, &platform.APIError{Status: 409, Code: platform.CodeConflict, Message: "exists", Details: []platform.FieldError{{Field: "id", Message: "is taken"}}}
	}
	if g.Strategy == "" {
		g.Strategy = RingAll
	}
	f.groups[g.ID] = g
	f.logf("create %s", g.ID)
	return g, nil
}

// UpdateGroup implements Service.
func (f *httpFake) UpdateGroup(_ context.Context, id string, g Group) (Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[id]; !ok {
		return Group{}, ErrNotFound
	}
	if err := f.check(g); err != nil {
		return Group{}, err
	}
	f.groups[id] = g
	f.logf("update %s %s", id, g.Name)
	return g, nil
}

// DeleteGroup implements Service.
func (f *httpFake) DeleteGroup(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[id]; !ok {
		return ErrNotFound
	}
	delete(f.groups, id)
	delete(f.members, id)
	f.logf("delete %s", id)
	return nil
}

// Members implements Service.
func (f *httpFake) Members(_ context.Context, id string) ([]MemberView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[id]; !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(f.members[id]), nil
}

// AddMember implements Service.
func (f *httpFake) AddMember(_ context.Context, id string, m Member, paused bool, reason string) (MemberView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[id]; !ok {
		return MemberView{}, ErrNotFound
	}
	for _, x := range f.members[id] {
		if x.UserID == m.UserID {
			return MemberView{}, &platform.APIError{Status: 409, Code: platform.CodeConflict, Message: "already a member", Details: []platform.FieldError{{Field: "user_id", Message: "is a member"}}}
		}
	}
	v := MemberView{Member: m, Name: m.UserID, State: StateAvailable, Paused: paused, PauseReason: reason}
	if paused {
		v.State = StatePaused
	}
	f.members[id] = append(f.members[id], v)
	f.logf("add %s %s penalty=%d paused=%v reason=%q", id, m.UserID, m.Penalty, paused, reason)
	return v, nil
}

// RemoveMember implements Service.
func (f *httpFake) RemoveMember(_ context.Context, id, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[id]; !ok {
		return ErrNotFound
	}
	ms := f.members[id]
	for i, m := range ms {
		if m.UserID == user {
			if !m.Dynamic {
				return platform.Invalid("static member", platform.FieldError{Field: "user_id", Message: "is a static member"})
			}
			f.members[id] = slices.Delete(ms, i, i+1)
			f.logf("remove %s %s", id, user)
			return nil
		}
	}
	return ErrNotFound
}

// Pause implements Service.
func (f *httpFake) Pause(_ context.Context, id, user string, paused bool, reason string) ([]MemberView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []MemberView
	for gid, ms := range f.members {
		if id != "" && gid != id {
			continue
		}
		for i := range ms {
			if ms[i].UserID != user {
				continue
			}
			ms[i].Paused, ms[i].PauseReason, ms[i].State = paused, reason, StateAvailable
			if paused {
				ms[i].State = StatePaused
			}
			out = append(out, ms[i])
		}
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	f.logf("pause %q %s %v %q", id, user, paused, reason)
	return out, nil
}

// Waiting implements Service.
func (f *httpFake) Waiting(_ context.Context, id string) []WaitingCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waiting[id])
}

// Active implements Service.
func (f *httpFake) Active(_ context.Context, id string) []ActiveCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.active[id])
}

// GroupsOf implements Service.
func (f *httpFake) GroupsOf(user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, ms := range f.members {
		for _, m := range ms {
			if m.UserID == user {
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

var _ Service = (*httpFake)(nil)
