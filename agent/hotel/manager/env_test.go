package manager

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/eventrec"
	"github.com/pbxagent/pbxagent/testlab/memkv"
)

// t0 is the tests' start: a Monday evening in Rome.
var t0 = time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)

// batchKV is memkv with WriteBatch; fail makes the next batch fail.
type batchKV struct {
	*memkv.KV
	mu      sync.Mutex
	fail    bool
	batches int
}

var errDisk = errors.New("disk full")

func (k *batchKV) WriteBatch(ctx context.Context, puts map[string][]byte, dels []string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail {
		k.fail = false
		return errDisk
	}
	k.batches++
	for key, v := range puts {
		_ = k.KV.Put(ctx, key, v)
	}
	for _, key := range dels {
		_ = k.KV.Delete(ctx, key)
	}
	return nil
}

// changes lists the room_updated events' changes of room n.
func changes(h *eventrec.Recorder, n string) []hotel.Change {
	var out []hotel.Change
	for _, ev := range h.Of(hotel.EventRoomUpdated) {
		if re := ev.Data.(hotel.RoomEvent); re.Number == n {
			out = append(out, re.Change)
		}
	}
	return out
}

// tel records what the PBX is asked.
type tel struct {
	mu      sync.Mutex
	applied []applied
	alerts  []string
	calls   []wakeCall
}

type applied struct {
	room    hotel.Room
	offline []hotel.Class
}

func (t *tel) ApplyRoom(_ context.Context, r hotel.Room, off []hotel.Class) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.applied = append(t.applied, applied{r, off})
	return nil
}

func (t *tel) WakeUpCall(_ context.Context, w hotel.WakeUp, r hotel.Room, attempt int, lang string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, wakeCall{id: w.ID, room: r.Number, attempt: attempt, lang: lang})
	return nil
}

// wakeCalls returns the wake-up calls placed so far.
func (t *tel) wakeCalls() []wakeCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]wakeCall(nil), t.calls...)
}

// wakeCall is a wake-up attempt the PBX was asked to place.
type wakeCall struct {
	id, room string
	attempt  int
	lang     string
}

func (t *tel) AlertReception(_ context.Context, ext string, w hotel.WakeUp) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.alerts = append(t.alerts, ext+"/"+w.Room)
	return nil
}

func (t *tel) last(n string) (applied, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.applied) - 1; i >= 0; i-- {
		if t.applied[i].room.Number == n {
			return t.applied[i], true
		}
	}
	return applied{}, false
}

// pms records what the PMS is told; posting numbers count from 100.
type pms struct {
	mu      sync.Mutex
	status  []hotel.StatusChange
	answers []hotel.WakeUp
	posts   []hotel.Charge
	onPost  func(seq int) // called before Post returns (an early PA)
}

func (p *pms) RoomStatus(_ context.Context, _ hotel.Room, ch hotel.StatusChange) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = append(p.status, ch)
	return nil
}

func (p *pms) WakeUpAnswer(_ context.Context, w hotel.WakeUp) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers = append(p.answers, w)
	return nil
}

func (p *pms) Post(_ context.Context, c hotel.Charge) (int, error) {
	p.mu.Lock()
	p.posts = append(p.posts, c)
	seq := 99 + len(p.posts)
	f := p.onPost
	p.mu.Unlock()
	if f != nil {
		f(seq)
	}
	return seq, nil
}

func (p *pms) statuses() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.status)
}

// sched records what the scheduler is asked.
type sched struct {
	mu        sync.Mutex
	scheduled map[string]hotel.WakeUp // live, by id
	rooms     map[string]hotel.Room
	canceled  []string
	results   int
	closed    bool
}

func newSched() *sched {
	return &sched{scheduled: map[string]hotel.WakeUp{}, rooms: map[string]hotel.Room{}}
}

func (s *sched) Schedule(_ context.Context, w hotel.WakeUp, r hotel.Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scheduled[w.ID] = w
	s.rooms[w.ID] = r
}

func (s *sched) Cancel(_ context.Context, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.scheduled, id)
	s.canceled = append(s.canceled, id)
}

func (s *sched) Result(context.Context, string, int, hotel.WakeOutcome, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results++
}

func (s *sched) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

func (s *sched) live() map[string]hotel.WakeUp {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]hotel.WakeUp{}
	for k, v := range s.scheduled {
		out[k] = v
	}
	return out
}

// dirRec records the directory's entries: room → name.
type dirRec struct {
	mu    sync.Mutex
	names map[string]string
}

func (d *dirRec) SetRoomName(_ context.Context, r hotel.Room, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.names[r.Number] = name
	return nil
}

func (d *dirRec) ClearRoomName(_ context.Context, r hotel.Room) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.names, r.Number)
	return nil
}

func (d *dirRec) get(n string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.names[n]
}

// flatRater costs every call 0.10 a started minute in EUR.
type flatRater struct{}

func (flatRater) Rate(_ []hotel.RateTable, c hotel.CallRecord) hotel.Charge {
	mins := (c.Seconds + 59) / 60
	return hotel.Charge{CallRecord: c, Table: "t", Prefix: "0", BilledSeconds: mins * 60, Cost: hotel.Money(mins * 1000), Currency: "EUR"}
}

// rig is a manager with recording peers over a KV, on a virtual clock.
type rig struct {
	t     *testing.T
	kv    *batchKV
	clk   *clock.Virtual
	hub   *eventrec.Recorder
	tel   *tel
	pms   *pms
	sched *sched
	dir   *dirRec
	m     *Manager
	st    hotel.Settings
}

func rome(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skipf("no tz data: %v", err)
	}
	return loc
}

func newRig(t *testing.T) *rig {
	t.Helper()
	st := hotel.DefaultSettings()
	st.Location = rome(t)
	st.Reception = "900"
	r := &rig{t: t, kv: &batchKV{KV: memkv.New()}, clk: clock.NewVirtual(t0), st: st}
	r.build()
	return r
}

// build makes a manager over the rig's KV with fresh peers and loads it
// (a restart).
func (r *rig) build() {
	r.t.Helper()
	r.hub, r.tel, r.pms, r.sched, r.dir = &eventrec.Recorder{}, &tel{}, &pms{}, newSched(), &dirRec{names: map[string]string{}}
	r.m = New(r.kv, r.st, WithClock(r.clk), WithHub(r.hub), WithTelephony(r.tel), WithPMS(r.pms),
		WithScheduler(r.sched), WithDirectory(r.dir), WithRater(flatRater{}))
	if err := r.m.Load(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

var api = hotel.Actor{Source: hotel.SourceAPI, UserID: "u1"}

// room adds a room n (extension n, device PJSIP/n).
func (r *rig) room(n string, mod ...func(*hotel.Room)) hotel.Room {
	r.t.Helper()
	in := hotel.Room{Number: n, Devices: []string{"PJSIP/" + n}}
	for _, f := range mod {
		f(&in)
	}
	out, err := r.m.PutRoom(context.Background(), in)
	if err != nil {
		r.t.Fatalf("put room %s: %v", n, err)
	}
	return out
}

func (r *rig) checkIn(n, name string) hotel.Room {
	r.t.Helper()
	out, err := r.m.CheckIn(context.Background(), n, hotel.Guest{Name: name, Reservation: "R" + n}, api)
	if err != nil {
		r.t.Fatalf("check in %s: %v", n, err)
	}
	return out
}

// wakeUp sets a wake-up of room n at at (lang "": the guest's language)
// through the API's actor, failing the test on an error.
func (r *rig) wakeUp(n string, at time.Time, lang string) hotel.WakeUp {
	r.t.Helper()
	w, err := r.m.SetWakeUp(context.Background(), n, at, lang, api)
	if err != nil {
		r.t.Fatalf("wake-up of %s at %s: %v", n, at, err)
	}
	return w
}

func ptr[T any](v T) *T { return &v }
