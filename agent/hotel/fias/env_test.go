package fias_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/fias"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
	"github.com/pbxagent/pbxagent/testlab/memkv"
	"github.com/pbxagent/pbxagent/testlab/pmssim"
)

// fakeTel tells when each room is applied to the PBX.
type fakeTel struct {
	mu sync.Mutex
	// notify, when set, gets every ApplyRoom (the benchmark's clock).
	notify chan applied
}

// applied is one ApplyRoom call.
type applied struct {
	room string
	at   time.Time
	occ  hotel.Occupancy
}

func (f *fakeTel) ApplyRoom(_ context.Context, r hotel.Room, _ []hotel.Class) error {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.notify != nil {
		f.notify <- applied{room: r.Number, at: now, occ: r.Occupancy}
	}
	return nil
}

func (f *fakeTel) WakeUpCall(context.Context, hotel.WakeUp, hotel.Room, int, string) error {
	return nil
}
func (f *fakeTel) AlertReception(context.Context, string, hotel.WakeUp) error { return nil }

// flatRater costs every call 1.25.
type flatRater struct{}

func (flatRater) Rate(_ []hotel.RateTable, c hotel.CallRecord) hotel.Charge {
	return hotel.Charge{CallRecord: c, Cost: 12500, Currency: "EUR", Prefix: "0", BilledSeconds: c.Seconds}
}

// env is a manager with rooms, linked over FIAS to the simulator.
type env struct {
	t     testing.TB
	ctx   context.Context
	sim   *pmssim.Sim
	mgr   *manager.Manager
	tel   *fakeTel
	kv    fias.Store // the link's
	mgrKV manager.KV // the manager's
	link  *fias.Link
	stop  func() // stops the link's Run and waits for it
	loc   *time.Location
	cfg   fias.Config
}

func quiet() *slog.Logger {
	if os.Getenv("FIAS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newEnv starts a simulator, a manager with rooms 101..100+rooms and a
// link to the simulator, and waits for the link start.
func newEnv(t testing.TB, rooms int, tune func(*fias.Config)) *env {
	t.Helper()
	return newEnvOn(t, rooms, tune, memkv.New(), memkv.New(), nil)
}

// newEnvOn is newEnv on the given stores, with tel's notify channel.
func newEnvOn(t testing.TB, rooms int, tune func(*fias.Config), linkKV fias.Store, mgrKV manager.KV, notify chan applied) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	sim, err := pmssim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	loc := time.UTC
	e := &env{t: t, ctx: ctx, sim: sim, tel: &fakeTel{notify: notify}, kv: linkKV, mgrKV: mgrKV, loc: loc,
		cfg: fias.Config{Addr: sim.Addr(), KeepAlive: 10 * time.Second, Location: loc}}
	if tune != nil {
		tune(&e.cfg)
	}
	e.build()
	for i := 1; i <= rooms; i++ {
		n := fmt.Sprint(100 + i)
		if _, err := e.mgr.PutRoom(ctx, hotel.Room{Number: n, Extensions: []string{n}, Devices: []string{"PJSIP/" + n}}); err != nil {
			t.Fatal(err)
		}
	}
	e.run()
	if err := sim.WaitLinked(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) newLink() *fias.Link {
	l, err := fias.New(e.ctx, e.kv, e.cfg, fias.WithLogger(quiet()))
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// run starts the link's Run; stop ends it and waits for it.
func (e *env) run() {
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	var runErr error
	go func() { defer close(done); runErr = e.link.Run(ctx, e.mgr) }()
	e.stop = func() {
		cancel()
		<-done
		if runErr != nil {
			e.t.Errorf("Run: %v", runErr)
		}
	}
	e.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// restart stops the link and builds a new link and a new manager on the
// same stores (a daemon restart), linked again.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.mgr.Close()
	_, links := e.sim.Linked()
	e.build()
	e.run()
	if err := e.sim.WaitLinked(e.ctx, links+1); err != nil {
		e.t.Fatal(err)
	}
}

// build makes the link and the manager (loading what mgrKV keeps).
func (e *env) build() {
	e.t.Helper()
	e.link = e.newLink()
	st := hotel.DefaultSettings()
	st.Location = e.loc
	e.mgr = manager.New(e.mgrKV, st, manager.WithTelephony(e.tel), manager.WithPMS(e.link),
		manager.WithRater(flatRater{}), manager.WithLogger(quiet()))
	if err := e.mgr.Load(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(e.mgr.Close)
}

// eventually checks cond until it holds or 10 s pass.
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not after 10 s", what)
		}
		<-tick.C
	}
}

func (e *env) room(n string) hotel.Room {
	r, ok := e.mgr.Room(e.ctx, n)
	if !ok {
		e.t.Fatalf("room %s missing", n)
	}
	return r
}
