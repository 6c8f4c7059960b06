package callgroups

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/eventrec"
	"github.com/pbxagent/pbxagent/testlab/memkv"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// memKV is the shared in-memory KV (testlab/memkv).
type memKV = memkv.KV

func newKV() *memKV { return memkv.New() }

// dir is a fixed directory: users u1…uN named "User N", extension 10N.
type dir map[string]User

func newDir(n int) dir {
	d := dir{}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("u%d", i)
		d[id] = User{ID: id, Name: fmt.Sprintf("User %d", i), Extension: fmt.Sprintf("%d", 100+i), Enabled: true}
	}
	return d
}

func (d dir) User(id string) (User, bool) { u, ok := d[id]; return u, ok }

// pres is a presence that tests change: every user is registered, idle
// and available unless set.
type pres struct {
	mu sync.Mutex
	m  map[string]MemberPresence
}

func newPres() *pres { return &pres{m: map[string]MemberPresence{}} }

func (p *pres) Presence(id string) MemberPresence {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mp, ok := p.m[id]; ok {
		return mp
	}
	return MemberPresence{Registered: true}
}

func (p *pres) set(id string, f func(*MemberPresence)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mp, ok := p.m[id]
	if !ok {
		mp = MemberPresence{Registered: true}
	}
	f(&mp)
	p.m[id] = mp
}

// tel records what the ACD asks; onOffer, when set, is called (outside
// tel's lock) for each offer, as a synchronous telephony would.
type tel struct {
	mu      sync.Mutex
	calls   []string // "wait c1", "offer c1 u2", "cancel <id>", "leave c1 TIMEOUT", "announce c1 a,b"
	offers  []Offer
	leaves  []Destination
	onOffer func(o Offer)
}

func (t *tel) rec(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, s)
}

func (t *tel) Wait(_ context.Context, c string, h Hold, moh string) error {
	t.rec("wait " + c + " " + string(h))
	return nil
}

func (t *tel) Announce(_ context.Context, c string, media []string) error {
	t.rec("announce " + c + " " + strings.Join(media, ","))
	return nil
}

func (t *tel) Offer(_ context.Context, o Offer) error {
	t.mu.Lock()
	t.calls = append(t.calls, "offer "+o.Caller+" "+o.UserID)
	t.offers = append(t.offers, o)
	f := t.onOffer
	t.mu.Unlock()
	if f != nil {
		f(o)
	}
	return nil
}

func (t *tel) Cancel(_ context.Context, id string) error {
	t.rec("cancel " + id)
	return nil
}

func (t *tel) Leave(_ context.Context, c string, exit Exit, dest Destination) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, "leave "+c+" "+string(exit))
	t.leaves = append(t.leaves, dest)
	return nil
}

// take returns the calls recorded since the last take.
func (t *tel) take() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.calls
	t.calls = nil
	return out
}

// offered returns the users of the "offer" calls among calls.
func offered(calls []string) []string {
	var out []string
	for _, c := range calls {
		if f := strings.Fields(c); len(f) == 3 && f[0] == "offer" {
			out = append(out, f[2])
		}
	}
	return out
}

// lastOffer returns the last offer made to userID for caller.
func (t *tel) lastOffer(tb testing.TB, caller, userID string) string {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.offers) - 1; i >= 0; i-- {
		if o := t.offers[i]; o.Caller == caller && o.UserID == userID {
			return o.ID
		}
	}
	tb.Fatalf("no offer of %s to %s", caller, userID)
	return ""
}

// journal records the entries.
type journal struct {
	mu sync.Mutex
	es []Entry
}

func (j *journal) Record(_ context.Context, e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.es = append(j.es, e)
}

// verbs returns the verbs recorded, in order.
func (j *journal) verbs() []Verb {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Verb, len(j.es))
	for i, e := range j.es {
		out[i] = e.Verb
	}
	return out
}

// find returns the last entry with verb.
func (j *journal) find(tb testing.TB, v Verb) Entry {
	tb.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := len(j.es) - 1; i >= 0; i-- {
		if j.es[i].Verb == v {
			return j.es[i]
		}
	}
	tb.Fatalf("no %s in the journal", v)
	return Entry{}
}

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// rig is an ACD with fakes around it.
type rig struct {
	t    *testing.T
	kv   *memKV
	dir  dir
	pres *pres
	tel  *tel
	jr   *journal
	hub  *eventrec.Recorder
	clk  *clock.Virtual
	acd  *ACD
}

func newRig(t *testing.T) *rig {
	r := &rig{t: t, kv: newKV(), dir: newDir(12), pres: newPres(), tel: &tel{}, jr: &journal{}, hub: &eventrec.Recorder{}, clk: clock.NewVirtual(t0)}
	r.acd = r.build()
	return r
}

// build makes an ACD over the rig's KV and loads it.
func (r *rig) build() *ACD {
	r.t.Helper()
	a := New(r.kv, r.dir, WithTelephony(r.tel), WithJournal(r.jr), WithHub(r.hub), WithPresence(r.pres),
		WithClock(r.clk), WithRand(rand.New(rand.NewPCG(1, 2))), WithLocation(time.UTC))
	if err := a.Load(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// group creates a group of members (user ids, penalty 0) with change
// applied to the defaults.
func (r *rig) group(id string, strategy Strategy, members []string, change func(*Group)) Group {
	r.t.Helper()
	g := NewGroup()
	g.ID, g.Strategy = id, strategy
	for _, m := range members {
		g.Members = append(g.Members, Member{UserID: m})
	}
	if change != nil {
		change(&g)
	}
	out, err := r.acd.CreateGroup(context.Background(), g)
	if err != nil {
		r.t.Fatalf("create %s: %v", id, err)
	}
	return out
}

var ctx = context.Background()

// enter sends caller c to group g.
func (r *rig) enter(c, g string) { r.acd.Enter(ctx, Caller{ID: c, Number: "+4144555" + c}, g) }

// answer answers the last offer of caller to user.
func (r *rig) answer(caller, user string) string {
	id := r.tel.lastOffer(r.t, caller, user)
	r.acd.OfferAnswered(ctx, id, "call-"+id)
	return id
}

// noAnswer fails the last offer of caller to user with noanswer.
func (r *rig) noAnswer(caller, user string) {
	r.acd.OfferFailed(ctx, r.tel.lastOffer(r.t, caller, user), OutcomeNoAnswer)
}

// states returns the members' states in group g as "u1=available".
func (r *rig) states(g string) map[string]MemberState {
	r.t.Helper()
	ms, err := r.acd.Members(ctx, g)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]MemberState{}
	for _, m := range ms {
		out[m.UserID] = m.State
	}
	return out
}
