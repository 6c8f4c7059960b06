package stats

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

func TestGroupCounters(t *testing.T) {
	t0 := at(7, 10, 0, 0)
	s := time.Second
	tests := []struct {
		name    string
		entries []callgroups.Entry
		want    callgroups.GroupStats
	}{
		{name: "nothing recorded: zeros, no division by zero", want: callgroups.GroupStats{}},
		{name: "a caller joins: received",
			entries: []callgroups.Entry{enter(t0, "sales", "c1")},
			want:    callgroups.GroupStats{Received: 1}},
		{name: "FULL and JOINEMPTY: received and refused",
			entries: []callgroups.Entry{left(t0, callgroups.VerbFull, "sales", "c1", 0), left(t0, callgroups.VerbJoinEmpty, "sales", "c2", 0)},
			want:    callgroups.GroupStats{Received: 2, Refused: 2}},
		{name: "answered exactly at the threshold is within the SLA",
			entries: []callgroups.Entry{enter(t0, "sales", "c1"), connect(t0.Add(sla), "sales", "c1", "ann", sla)},
			want: callgroups.GroupStats{Received: 1, Answered: 1, AnsweredInSLA: 1, ServiceLevel: 100, ServiceLevelAbandons: 100,
				WaitSeconds: 20, AverageWaitSeconds: 20, LongestWaitSeconds: 20}},
		{name: "answered a nanosecond after the threshold is not",
			entries: []callgroups.Entry{enter(t0, "sales", "c1"), connect(t0.Add(sla+1), "sales", "c1", "ann", sla+1)},
			want: callgroups.GroupStats{Received: 1, Answered: 1, ServiceLevel: 0, ServiceLevelAbandons: 0,
				WaitSeconds: (sla + 1).Seconds(), AverageWaitSeconds: (sla + 1).Seconds(), LongestWaitSeconds: (sla + 1).Seconds()}},
		{name: "an abandon under the short-abandon time is short, and within the SLA",
			entries: []callgroups.Entry{enter(t0, "sales", "c1"), left(t0.Add(short-1), callgroups.VerbAbandon, "sales", "c1", short-1)},
			want: callgroups.GroupStats{Received: 1, Abandoned: 1, ShortAbandoned: 1, AbandonedInSLA: 1, ServiceLevelAbandons: 100,
				LongestWaitSeconds: (short - 1).Seconds()}},
		{name: "an abandon exactly at the short-abandon time is not short",
			entries: []callgroups.Entry{left(t0.Add(short), callgroups.VerbAbandon, "sales", "c1", short)},
			want:    callgroups.GroupStats{Abandoned: 1, AbandonedInSLA: 1, ServiceLevelAbandons: 100, LongestWaitSeconds: 5}},
		{name: "an abandon exactly at the threshold is within the SLA, a second later not",
			entries: []callgroups.Entry{left(t0.Add(sla), callgroups.VerbAbandon, "sales", "c1", sla), left(t0.Add(sla+s), callgroups.VerbAbandon, "sales", "c2", sla+s)},
			want:    callgroups.GroupStats{Abandoned: 2, AbandonedInSLA: 1, ServiceLevelAbandons: 50, LongestWaitSeconds: 21}},
		{name: "EXITWITHTIMEOUT and EXITEMPTY count apart and in the longest wait",
			entries: []callgroups.Entry{left(t0.Add(300*s), callgroups.VerbExitTimeout, "sales", "c1", 300*s), left(t0.Add(7*s), callgroups.VerbExitEmpty, "sales", "c2", 7*s)},
			want:    callgroups.GroupStats{TimedOut: 1, LeftEmpty: 1, LongestWaitSeconds: 300}},
		{name: "COMPLETECALLER, COMPLETEAGENT and BLINDTRANSFER complete a call with its talk time",
			entries: []callgroups.Entry{
				complete(t0.Add(100*s), "sales", "c1", "ann", 10*s, 90*s),
				{Time: t0.Add(200 * s), Verb: callgroups.VerbCompleteAgent, GroupID: "sales", Caller: "c2", UserID: "ann", Wait: 0, Talk: 200 * s},
				{Time: t0.Add(40 * s), Verb: callgroups.VerbTransfer, GroupID: "sales", Caller: "c3", UserID: "bob", Wait: 10 * s, Talk: 10 * s},
			},
			want: callgroups.GroupStats{Completed: 3, TalkSeconds: 300, AverageTalkSeconds: 100}},
		{name: "member entries leave the group's counters alone",
			entries: []callgroups.Entry{member(t0, callgroups.VerbAddMember, "sales", "ann", ""), member(t0, callgroups.VerbPause, "sales", "ann", "lunch"),
				member(t0, callgroups.VerbUnpause, "sales", "ann", ""), member(t0, callgroups.VerbRemoveMember, "sales", "ann", ""),
				{Time: t0, Verb: callgroups.VerbRingNoAnswer, GroupID: "sales", Caller: "c1", UserID: "ann", Ring: 15 * s}},
			want: callgroups.GroupStats{}},
		{name: "a day: SL = in SLA ÷ answered, SL2 counts abandons, averages are arithmetic means",
			entries: []callgroups.Entry{
				enter(t0, "sales", "c1"), enter(t0, "sales", "c2"), enter(t0, "sales", "c3"), enter(t0, "sales", "c4"), enter(t0, "sales", "c5"),
				connect(t0.Add(10*s), "sales", "c1", "ann", 10*s),
				connect(t0.Add(30*s), "sales", "c2", "bob", 30*s),
				connect(t0.Add(2*s), "sales", "c3", "ann", 2*s),
				left(t0.Add(3*s), callgroups.VerbAbandon, "sales", "c4", 3*s),
				left(t0.Add(60*s), callgroups.VerbAbandon, "sales", "c5", 60*s),
				enter(t0, "other", "c6"), connect(t0.Add(99*s), "other", "c6", "ann", 99*s),
			},
			want: callgroups.GroupStats{Received: 5, Answered: 3, AnsweredInSLA: 2, Abandoned: 2, ShortAbandoned: 1, AbandonedInSLA: 1,
				ServiceLevel: 100 * 2.0 / 3, ServiceLevelAbandons: 100 * 3.0 / 5, WaitSeconds: 42, AverageWaitSeconds: 14, LongestWaitSeconds: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, t0.Add(time.Hour))
			r.record(tt.entries...)
			want := tt.want
			want.GroupID, want.Day = "sales", "2026-12-07"
			if got := r.group(t, "sales", t0); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestAgentCounters(t *testing.T) {
	t0 := at(7, 10, 0, 0)
	s := time.Second
	rna := func(tm time.Time, g, user string) callgroups.Entry {
		return callgroups.Entry{Time: tm, Verb: callgroups.VerbRingNoAnswer, GroupID: g, Caller: "c9", UserID: user, Ring: 15 * s}
	}
	end1, end2 := t0.Add(100*s), t0.Add(300*s)
	entries := []callgroups.Entry{
		connect(t0.Add(10*s), "sales", "c1", "ann", 10*s),
		complete(end1, "sales", "c1", "ann", 10*s, 90*s),
		rna(t0, "sales", "ann"),
		rna(t0, "support", "ann"),
		connect(t0.Add(20*s), "support", "c2", "ann", 20*s),
		complete(end2, "support", "c2", "ann", 20*s, 280*s),
		connect(t0.Add(5*s), "sales", "c3", "bob", 5*s),
	}
	tests := []struct {
		name, user, group string
		want              callgroups.AgentStats
	}{
		{name: "in one group", user: "ann", group: "sales",
			want: callgroups.AgentStats{Calls: 1, Missed: 1, TalkSeconds: 90, LastCallAt: &end1}},
		{name: "in another", user: "ann", group: "support",
			want: callgroups.AgentStats{Calls: 1, Missed: 1, TalkSeconds: 280, LastCallAt: &end2}},
		{name: "in all groups: sums, the latest call", user: "ann",
			want: callgroups.AgentStats{Calls: 2, Missed: 2, TalkSeconds: 370, LastCallAt: &end2}},
		{name: "a call in progress counts as a call, without talk or last call", user: "bob", group: "sales",
			want: callgroups.AgentStats{Calls: 1}},
		{name: "a member of no group", user: "zed",
			want: callgroups.AgentStats{}},
		{name: "a group the member took no call in", user: "bob", group: "support",
			want: callgroups.AgentStats{}},
	}
	r := newRig(t, t0.Add(time.Hour))
	r.record(entries...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			want.UserID, want.GroupID, want.Day, want.PauseSecondsByReason = tt.user, tt.group, "2026-12-07", map[string]float64{}
			if got := r.agent(t, tt.user, tt.group, t0); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// pauseCase is a member's pause entries, then what each read shows at a
// time.
type pauseRead struct {
	now          time.Time // the clock at the read
	day          time.Time
	group        string
	total        float64
	byReason     map[string]float64
	listedInDays bool // Agents(group, day) lists the member
}

func TestPauses(t *testing.T) {
	h := 3600.0
	tests := []struct {
		name    string
		entries []callgroups.Entry
		reads   []pauseRead
	}{
		{name: "a pause in progress counts up to now, then stops at its end",
			entries: []callgroups.Entry{member(at(7, 10, 0, 0), callgroups.VerbPause, "sales", "ann", "lunch")},
			reads: []pauseRead{
				{now: at(7, 10, 30, 0), day: at(7, 12, 0, 0), group: "sales", total: h / 2, byReason: map[string]float64{"lunch": h / 2}},
				{now: at(7, 10, 30, 0), day: at(7, 12, 0, 0), total: h / 2, byReason: map[string]float64{"lunch": h / 2}},
				{now: at(7, 10, 30, 0), day: at(7, 12, 0, 0), group: "support", byReason: map[string]float64{}},
			}},
		{name: "a closed pause",
			entries: []callgroups.Entry{member(at(7, 10, 0, 0), callgroups.VerbPause, "sales", "ann", "lunch"), member(at(7, 11, 0, 0), callgroups.VerbUnpause, "sales", "ann", "")},
			reads:   []pauseRead{{now: at(7, 15, 0, 0), day: at(7, 0, 0, 0), group: "sales", total: h, byReason: map[string]float64{"lunch": h}}}},
		{name: "a pause across midnight is split between the days",
			entries: []callgroups.Entry{member(at(7, 23, 0, 0), callgroups.VerbPause, "sales", "ann", "break"), member(at(8, 1, 0, 0), callgroups.VerbUnpause, "sales", "ann", "")},
			reads: []pauseRead{
				{now: at(8, 9, 0, 0), day: at(7, 12, 0, 0), group: "sales", total: h, byReason: map[string]float64{"break": h}},
				{now: at(8, 9, 0, 0), day: at(8, 12, 0, 0), group: "sales", total: h, byReason: map[string]float64{"break": h}},
			}},
		{name: "a pause in progress across midnight: yesterday's part and today's up to now",
			entries: []callgroups.Entry{member(at(7, 23, 0, 0), callgroups.VerbPause, "sales", "ann", "break")},
			reads: []pauseRead{
				{now: at(8, 0, 30, 0), day: at(7, 12, 0, 0), group: "sales", total: h, byReason: map[string]float64{"break": h}, listedInDays: true},
				{now: at(8, 0, 30, 0), day: at(8, 12, 0, 0), group: "sales", total: h / 2, byReason: map[string]float64{"break": h / 2}, listedInDays: true},
				{now: at(8, 0, 30, 0), day: at(9, 12, 0, 0), group: "sales", byReason: map[string]float64{}},
			}},
		{name: "a pause over a whole day with no entry that day",
			entries: []callgroups.Entry{member(at(7, 18, 0, 0), callgroups.VerbPause, "sales", "ann", "sick"), member(at(9, 8, 0, 0), callgroups.VerbUnpause, "sales", "ann", "")},
			reads: []pauseRead{
				{now: at(9, 9, 0, 0), day: at(8, 12, 0, 0), group: "sales", total: 24 * h, byReason: map[string]float64{"sick": 24 * h}, listedInDays: true},
				{now: at(9, 9, 0, 0), day: at(9, 12, 0, 0), total: 8 * h, byReason: map[string]float64{"sick": 8 * h}, listedInDays: true},
			}},
		{name: "a new reason while paused ends the old one's time",
			entries: []callgroups.Entry{member(at(7, 10, 0, 0), callgroups.VerbPause, "sales", "ann", "lunch"), member(at(7, 10, 30, 0), callgroups.VerbPause, "sales", "ann", "meeting"),
				member(at(7, 10, 40, 0), callgroups.VerbPause, "sales", "ann", "meeting"), member(at(7, 11, 0, 0), callgroups.VerbUnpause, "sales", "ann", "")},
			reads: []pauseRead{{now: at(7, 12, 0, 0), day: at(7, 12, 0, 0), group: "sales", total: h, byReason: map[string]float64{"lunch": h / 2, "meeting": h / 2}}}},
		{name: "in all groups the time paused in at least one",
			entries: []callgroups.Entry{member(at(7, 10, 0, 0), callgroups.VerbPause, "sales", "ann", "lunch"), member(at(7, 10, 30, 0), callgroups.VerbPause, "support", "ann", "lunch"),
				member(at(7, 11, 0, 0), callgroups.VerbUnpause, "sales", "ann", ""), member(at(7, 11, 30, 0), callgroups.VerbUnpause, "support", "ann", "")},
			reads: []pauseRead{
				{now: at(7, 12, 0, 0), day: at(7, 12, 0, 0), group: "sales", total: h, byReason: map[string]float64{"lunch": h}},
				{now: at(7, 12, 0, 0), day: at(7, 12, 0, 0), group: "support", total: h, byReason: map[string]float64{"lunch": h}},
				{now: at(7, 12, 0, 0), day: at(7, 12, 0, 0), total: 1.5 * h, byReason: map[string]float64{"lunch": 1.5 * h}},
			}},
		{name: "added paused, removed: the pause ends",
			entries: []callgroups.Entry{{Time: at(7, 9, 0, 0), Verb: callgroups.VerbAddMember, GroupID: "sales", UserID: "ann", Paused: true, Reason: "training"},
				member(at(7, 9, 15, 0), callgroups.VerbRemoveMember, "sales", "ann", "")},
			reads: []pauseRead{{now: at(7, 12, 0, 0), day: at(7, 12, 0, 0), group: "sales", total: h / 4, byReason: map[string]float64{"training": h / 4}}}},
		{name: "an unpause without a pause, and a member added unpaused, count nothing",
			entries: []callgroups.Entry{member(at(7, 9, 0, 0), callgroups.VerbUnpause, "sales", "ann", ""), member(at(7, 9, 0, 0), callgroups.VerbAddMember, "sales", "ann", "")},
			reads:   []pauseRead{{now: at(7, 12, 0, 0), day: at(7, 12, 0, 0), group: "sales", byReason: map[string]float64{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.entries[0].Time)
			for _, e := range tt.entries {
				if e.Time.After(r.clk.Now()) {
					r.clk.AdvanceTo(e.Time)
				}
				r.record(e)
			}
			for i, rd := range tt.reads {
				if rd.now.After(r.clk.Now()) {
					r.clk.AdvanceTo(rd.now)
				}
				got := r.agent(t, "ann", rd.group, rd.day)
				if got.PauseSeconds != rd.total || !reflect.DeepEqual(got.PauseSecondsByReason, rd.byReason) {
					t.Errorf("read %d (%s, group %q): %v s %v, want %v s %v", i, rd.day.Format(DayLayout), rd.group, got.PauseSeconds, got.PauseSecondsByReason, rd.total, rd.byReason)
				}
				if rd.listedInDays {
					list, err := r.s.Agents(context.Background(), rd.group, rd.day)
					if err != nil {
						t.Fatal(err)
					}
					if len(list) != 1 || list[0].UserID != "ann" || list[0].PauseSeconds != rd.total {
						t.Errorf("read %d: Agents lists %+v", i, list)
					}
				}
			}
		})
	}
}

// TestDayChange: a caller's counters go to the day they joined; a member's
// to the day they happen.
func TestDayChange(t *testing.T) {
	r := newRig(t, at(7, 23, 59, 50))
	join := at(7, 23, 59, 50)
	r.record(enter(join, "sales", "c1"))
	r.clk.AdvanceTo(at(8, 0, 0, 10))
	r.record(connect(at(8, 0, 0, 10), "sales", "c1", "ann", 20*time.Second))
	r.clk.AdvanceTo(at(8, 0, 5, 0))
	r.record(complete(at(8, 0, 5, 0), "sales", "c1", "ann", 20*time.Second, 290*time.Second))
	r.record(enter(at(8, 0, 5, 0), "sales", "c2"))

	d7, d8 := r.group(t, "sales", at(7, 12, 0, 0)), r.group(t, "sales", at(8, 12, 0, 0))
	if d7.Received != 1 || d7.Answered != 1 || d7.AnsweredInSLA != 1 || d7.Completed != 1 || d7.TalkSeconds != 290 {
		t.Errorf("the day the caller joined: %+v", d7)
	}
	if d8.Received != 1 || d8.Answered != 0 || d8.Completed != 0 {
		t.Errorf("the next day: %+v", d8)
	}
	a7, a8 := r.agent(t, "ann", "sales", at(7, 12, 0, 0)), r.agent(t, "ann", "sales", at(8, 12, 0, 0))
	if a7.Calls != 0 || a8.Calls != 1 || a8.TalkSeconds != 290 || a8.LastCallAt == nil || !a8.LastCallAt.Equal(at(8, 0, 5, 0)) {
		t.Errorf("the member: day 7 %+v, day 8 %+v", a7, a8)
	}
	// Midnight is local: 23:30 UTC on the 7th is the 8th in CET.
	if g := r.group(t, "sales", time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)); g.Day != "2026-12-08" {
		t.Errorf("day of 23:30 UTC: %s", g.Day)
	}
}

// TestRestart: a new store on the same KV reads what the old one
// recorded, the pause in progress included.
func TestRestart(t *testing.T) {
	r := newRig(t, at(7, 9, 0, 0))
	t0 := at(7, 9, 0, 0)
	r.record(enter(t0, "sales", "c1"), connect(t0.Add(8*time.Second), "sales", "c1", "ann", 8*time.Second),
		complete(t0.Add(68*time.Second), "sales", "c1", "ann", 8*time.Second, time.Minute),
		enter(t0, "sales", "c2"), left(t0.Add(30*time.Second), callgroups.VerbAbandon, "sales", "c2", 30*time.Second),
		member(at(7, 22, 0, 0), callgroups.VerbPause, "sales", "bob", "break"),
		member(at(7, 22, 0, 0), callgroups.VerbPause, "support", "bob", "break"))
	r.clk.AdvanceTo(at(8, 1, 0, 0))
	r.record(enter(at(8, 1, 0, 0), "support", "c3"))

	type snapshot struct {
		Groups []callgroups.GroupStats
		Agents [][]callgroups.AgentStats
	}
	take := func(s *Store) snapshot {
		var out snapshot
		for _, day := range []time.Time{at(7, 12, 0, 0), at(8, 12, 0, 0)} {
			for _, g := range []string{"sales", "support"} {
				gs, err := s.GroupStats(context.Background(), g, day)
				if err != nil {
					t.Fatal(err)
				}
				out.Groups = append(out.Groups, gs)
			}
			for _, g := range []string{"", "sales", "support"} {
				as, err := s.Agents(context.Background(), g, day)
				if err != nil {
					t.Fatal(err)
				}
				out.Agents = append(out.Agents, as)
			}
		}
		return out
	}
	before := take(r.s)
	after := take(r.open(t))
	if !reflect.DeepEqual(before, after) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		t.Fatalf("after a restart:\n%s\nbefore:\n%s", a, b)
	}
	if before.Agents[3][0].UserID != "bob" || before.Agents[3][0].PauseSeconds != 3600 { // day 8, all groups
		t.Errorf("the pause in progress on day 8: %+v", before.Agents[3])
	}
	// The restarted store goes on: bob's pause ends.
	s2 := r.open(t)
	r.s = s2
	r.clk.AdvanceTo(at(8, 2, 0, 0))
	r.record(member(at(8, 2, 0, 0), callgroups.VerbUnpause, "sales", "bob", ""), member(at(8, 2, 0, 0), callgroups.VerbUnpause, "support", "bob", ""))
	r.clk.AdvanceTo(at(8, 5, 0, 0))
	if a := r.agent(t, "bob", "", at(8, 12, 0, 0)); a.PauseSeconds != 7200 {
		t.Errorf("bob on day 8 after the restart: %+v", a)
	}
	if keys := r.kv.Keys("p/"); len(keys) != 0 {
		t.Errorf("pauses left in the KV: %v", keys)
	}
}

func TestRetention(t *testing.T) {
	r := newRig(t, at(1, 12, 0, 0), WithRetention(3))
	for d := 1; d <= 6; d++ {
		r.clk.AdvanceTo(at(d, 12, 0, 0))
		r.record(enter(at(d, 12, 0, 0), "sales", "c"), connect(at(d, 12, 0, 1), "sales", "c", "ann", time.Second))
	}
	// Load at day 6 keeps days 4, 5 and 6.
	s := r.open(t, WithRetention(3))
	for d := 1; d <= 6; d++ {
		g, err := s.GroupStats(context.Background(), "sales", at(d, 12, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if kept := d >= 4; (g.Received == 1) != kept {
			t.Errorf("day %d: %+v, kept %v", d, g, kept)
		}
	}
	if keys := r.kv.Keys("a/2026-12-03"); len(keys) != 0 {
		t.Errorf("day 3's member records left: %v", keys)
	}

	// Run prunes after each midnight.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	eventually(t, func() bool { _, ok := r.clk.NextAt(); return ok })
	r.clk.AdvanceTo(at(7, 0, 1, 0))
	eventually(t, func() bool { return len(r.kv.Keys("g/2026-12-04")) == 0 })
	if len(r.kv.Keys("g/2026-12-05")) != 1 {
		t.Errorf("day 5 removed too")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// eventually waits (yielding, bounded by a deadline) until cond holds.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestConcurrent: Records and reads at once (run with -race) lose no
// count.
func TestConcurrent(t *testing.T) {
	r := newRig(t, at(7, 12, 0, 0))
	const goroutines, each = 8, 100
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				tm := at(7, 12, 0, i)
				r.s.Record(context.Background(), enter(tm, "sales", "c"))
				r.s.Record(context.Background(), connect(tm, "sales", "c", "ann", time.Second))
				if i%10 == 0 {
					_, _ = r.s.AgentStats(context.Background(), "ann", "", tm)
					_, _ = r.s.Agents(context.Background(), "sales", tm)
				}
				_ = g
			}
		})
	}
	wg.Wait()
	if g := r.group(t, "sales", at(7, 12, 0, 0)); g.Received != goroutines*each || g.Answered != goroutines*each {
		t.Errorf("%+v", g)
	}
	if a := r.open(t); a != nil {
		if got, _ := a.AgentStats(context.Background(), "ann", "sales", at(7, 12, 0, 0)); got.Calls != goroutines*each {
			t.Errorf("persisted calls %d", got.Calls)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		c       Config
		dataDir string
		path    string
		bad     bool
	}{
		{name: "the default is under the data directory", c: DefaultConfig(), dataDir: "/var/lib/pbxagent", path: "/var/lib/pbxagent/queue_log"},
		{name: "an absolute path", c: Config{QueueLog: "/var/log/asterisk/queue_log", StatsRetention: 1}, dataDir: "d", path: "/var/log/asterisk/queue_log"},
		{name: "empty: off", c: Config{StatsRetention: 30}, path: ""},
		{name: "no retention", c: Config{QueueLog: "q"}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Validate(); (err != nil) != tt.bad {
				t.Fatalf("Validate: %v", err)
			}
			if got := tt.c.QueueLogPath(tt.dataDir); !tt.bad && got != tt.path {
				t.Errorf("path %q, want %q", got, tt.path)
			}
		})
	}
}
