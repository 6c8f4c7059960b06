package acdsim

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/callgroups/queuelog"
	"github.com/pbxagent/pbxagent/agent/callgroups/stats"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// The statistics (agent/callgroups/stats) and the queue_log file
// (agent/callgroups/queuelog) fed by the ACD through a day and two hours (across midnight) with
// churn, ringing, offers that ring out, wrap-up and abandons agree with
// the simulation's own tally of the journal: received, answered, answered
// within the SLA, abandoned and waits summed over the days, calls per
// member; and the queue_log file, read back, is consistent (every
// ENTERQUEUE ends in exactly one CONNECT/ABANDON/EXIT*, every CONNECT in
// one COMPLETE*).
func TestStatisticsAndQueueLogAgreeWithTheJournal(t *testing.T) {
	var st *stats.Store
	path := filepath.Join(t.TempDir(), "queue_log")
	qlog, err := queuelog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Strategy: callgroups.FewestCalls, Duration: 26 * time.Hour, Seed: 21, Churn: true,
		RingMin: 2 * time.Second, RingMax: 8 * time.Second, NoAnswer: 0.1, WrapUp: 10 * time.Second, Patience: 2 * time.Minute,
		Journal: func(clk clock.Clock) callgroups.Journal {
			st = stats.New(newMemKV(), stats.WithClock(clk), stats.WithLocation(time.UTC))
			return callgroups.Journals{st, qlog}
		}}
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := qlog.Close(); err != nil {
		t.Fatal(err)
	}
	checkClean(t, r)
	ctx := context.Background()
	var got Totals
	calls := make([]int, r.Agents)
	days := 0
	for d := start; !d.After(start.Add(time.Duration(r.SimulatedEnd) * time.Second)); d = d.Add(24 * time.Hour) {
		days++
		g, err := st.GroupStats(ctx, groupID, d)
		if err != nil {
			t.Fatal(err)
		}
		got.Received += g.Received
		got.Answered += g.Answered
		got.AnsweredInSLA += g.AnsweredInSLA
		got.Abandoned += g.Abandoned
		got.WaitSeconds += g.WaitSeconds
		for i := range calls {
			a, err := st.AgentStats(ctx, memberID(i), groupID, d)
			if err != nil {
				t.Fatal(err)
			}
			calls[i] += a.Calls
		}
	}
	want := r.Totals
	if got.Received != want.Received || got.Answered != want.Answered || got.AnsweredInSLA != want.AnsweredInSLA ||
		got.Abandoned != want.Abandoned || got.WaitSeconds-want.WaitSeconds > 0.01 || want.WaitSeconds-got.WaitSeconds > 0.01 {
		t.Errorf("statistics over %d days %+v, journal %+v", days, got, want)
	}
	for i, n := range calls {
		if n != r.MemberCalls[i] {
			t.Errorf("%s: statistics %d calls, the PBX saw %d", memberID(i), n, r.MemberCalls[i])
		}
	}
	t.Logf("%d days: %+v; calls per member %v", days, got, calls)

	// The queue_log file read back.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back := NewTally(start)
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		l, err := queuelog.Parse(sc.Text())
		if err != nil {
			t.Fatalf("line %d %q: %v", lines+1, sc.Text(), err)
		}
		lines++
		if e, ok := queuelog.ToEntry(l); ok {
			back.Record(ctx, e)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n, ex := back.Problems(); n != 0 {
		t.Errorf("queue_log: %d callers inconsistent, e.g. %v", n, ex)
	}
	if back.Totals.Received != want.Received || back.Totals.Answered != want.Answered || back.Totals.Abandoned != want.Abandoned {
		t.Errorf("queue_log: %+v, journal %+v", back.Totals, want)
	}
	t.Logf("queue_log: %d lines", lines)
}
