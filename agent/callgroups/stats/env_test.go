package stats

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/memkv"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// zone is the daemon's time zone in the tests: not UTC, so that a day's
// bounds are local midnights.
var zone = time.FixedZone("CET", 3600)

// at is a time on 2026-12-DAY in zone.
func at(day, h, m, s int) time.Time { return time.Date(2026, 12, day, h, m, s, 0, zone) }

// memKV is the shared in-memory KV (testlab/memkv).
type memKV = memkv.KV

func newKV() *memKV { return memkv.New() }

// rig is a store on a virtual clock over a memory KV.
type rig struct {
	clk *clock.Virtual
	kv  *memKV
	s   *Store
}

func newRig(t testing.TB, now time.Time, opts ...Option) *rig {
	t.Helper()
	r := &rig{clk: clock.NewVirtual(now), kv: newKV()}
	r.s = r.open(t, opts...)
	return r
}

// open returns a new store on the rig's KV and clock, loaded.
func (r *rig) open(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s := New(r.kv, append([]Option{WithClock(r.clk), WithLocation(zone)}, opts...)...)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func (r *rig) record(es ...callgroups.Entry) {
	for _, e := range es {
		r.s.Record(context.Background(), e)
	}
}

func (r *rig) group(t testing.TB, id string, day time.Time) callgroups.GroupStats {
	t.Helper()
	g, err := r.s.GroupStats(context.Background(), id, day)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (r *rig) agent(t testing.TB, user, group string, day time.Time) callgroups.AgentStats {
	t.Helper()
	a, err := r.s.AgentStats(context.Background(), user, group, day)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const (
	sla   = 20 * time.Second
	short = 5 * time.Second
)

// Entry makers: a caller c of group g at time tm.
func enter(tm time.Time, g, c string) callgroups.Entry {
	return callgroups.Entry{Time: tm, Verb: callgroups.VerbEnterQueue, GroupID: g, Caller: c, CallerNumber: "100", Position: 1, OrigPosition: 1}
}

func connect(tm time.Time, g, c, user string, wait time.Duration) callgroups.Entry {
	return callgroups.Entry{Time: tm, Verb: callgroups.VerbConnect, GroupID: g, Caller: c, UserID: user, Agent: user, Wait: wait, SLAThreshold: sla, ShortAbandon: short}
}

func complete(tm time.Time, g, c, user string, wait, talk time.Duration) callgroups.Entry {
	return callgroups.Entry{Time: tm, Verb: callgroups.VerbCompleteCaller, GroupID: g, Caller: c, UserID: user, Agent: user, Wait: wait, Talk: talk}
}

func left(tm time.Time, v callgroups.Verb, g, c string, wait time.Duration) callgroups.Entry {
	return callgroups.Entry{Time: tm, Verb: v, GroupID: g, Caller: c, Wait: wait, SLAThreshold: sla, ShortAbandon: short}
}

func member(tm time.Time, v callgroups.Verb, g, user, reason string) callgroups.Entry {
	return callgroups.Entry{Time: tm, Verb: v, GroupID: g, UserID: user, Agent: user, Reason: reason}
}
