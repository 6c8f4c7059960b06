package presence

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/memkv"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// dir is the users of the tests.
type dir struct {
	mu    sync.Mutex
	users map[string]User
}

func newDir(us ...User) *dir {
	d := &dir{users: map[string]User{}}
	for _, u := range us {
		d.users[u.ID] = u
	}
	return d
}

func (d *dir) User(id string) (User, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[id]
	return u, ok
}

func (d *dir) Users() []User {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]User, 0, len(d.users))
	for _, u := range d.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (d *dir) remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.users, id)
}

// memKV is the shared in-memory KV (testlab/memkv).
type memKV = memkv.KV

func newKV() *memKV { return memkv.New() }

// hub records the events published.
type hub struct {
	mu     sync.Mutex
	evs    []events.Event
	change chan struct{}
}

func newHub() *hub { return &hub{change: make(chan struct{})} }

func (h *hub) Publish(_ context.Context, ev events.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.evs = append(h.evs, ev)
	close(h.change)
	h.change = make(chan struct{})
	return nil
}

// seen returns the presence_updated data p would be delivered, in order.
func (h *hub) seen(p platform.Principal) []Presence {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Presence
	for _, ev := range h.evs {
		if ev.Topic == Topic && ev.Type == EventUpdated && ev.Audience.Match(p) {
			out = append(out, ev.Data.(Presence))
		}
	}
	return out
}

// await waits until cond holds over the events (10 s at most).
func (h *hub) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		ch := h.change
		h.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%s: not after 10 s", what)
		}
	}
}

func user(id string) platform.Principal {
	return platform.Principal{Kind: platform.KindSession, UserID: id, Role: platform.RoleUser}
}

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// rig is a Service over the test users: ana (101, PJSIP/101), bob (102),
// cid (103).
type rig struct {
	s   *Service
	clk *clock.Virtual
	kv  *memKV
	hub *hub
	dir *dir
}

func newRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	r := &rig{clk: clock.NewVirtual(t0), kv: newKV(), hub: newHub(), dir: newDir(
		User{ID: "ana", Role: platform.RoleUser, Extensions: []string{"101"}, Endpoints: []string{"PJSIP/101"}},
		User{ID: "bob", Role: platform.RoleUser, Extensions: []string{"102"}, Endpoints: []string{"PJSIP/102"}},
		User{ID: "cid", Role: platform.RoleUser, Extensions: []string{"103"}},
	)}
	r.s = New(r.kv, r.dir, append([]Option{WithClock(r.clk), WithHub(r.hub)}, opts...)...)
	if err := r.s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) get(t *testing.T, viewer, id string) Presence {
	t.Helper()
	ps, err := r.s.Get(viewer, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	return ps[0]
}

func fieldOf(err error) string {
	var fields []string
	if ae, ok := err.(*platform.APIError); ok {
		for _, d := range ae.Details {
			fields = append(fields, d.Field)
		}
	}
	return strings.Join(fields, ",")
}
