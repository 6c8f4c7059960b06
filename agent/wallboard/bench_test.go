package wallboard

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// BenchmarkData is one read of a large board: 10 groups of 50 members
// with 20 callers waiting each, and 100 monitored agents (the answer a
// wall screen reads after each event and every 30 s).
func BenchmarkData(b *testing.B) {
	r := newRig(b)
	people := dir{}
	var groups, monitored []string
	for g := range 10 {
		id := fmt.Sprintf("g%d", g)
		groups = append(groups, id)
		r.groups.groups[id] = callgroups.Group{ID: id, Name: id, SLAThreshold: 20, SLATarget: 80}
		for m := range 50 {
			uid := fmt.Sprintf("u%d", g*50+m)
			people[uid] = Person{ID: uid, Name: uid}
			r.groups.members[id] = append(r.groups.members[id], callgroups.MemberView{Member: callgroups.Member{UserID: uid},
				State: callgroups.StateAvailable, StateSince: t0})
			if len(monitored) < 100 && m < 10 {
				monitored = append(monitored, uid)
			}
		}
		for c := range 20 {
			r.groups.waiting[id] = append(r.groups.waiting[id], callgroups.WaitingCall{ID: fmt.Sprintf("%s-c%d", id, c), GroupID: id,
				Position: c + 1, EnteredAt: t0.Add(-time.Duration(c) * time.Second)})
		}
	}
	r.s.dir = people
	r.s.stats = fixedStats{}
	ctx := context.Background()
	w, err := r.s.Create(ctx, BoardSettings{Name: "big", Groups: groups, Monitored: monitored})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d, err := r.s.Data(ctx, w.ID)
		if err != nil || len(d.Agents) != 100 || len(d.Groups) != 10 {
			b.Fatalf("%v %d %d", err, len(d.Agents), len(d.Groups))
		}
	}
}

// fixedStats answers the same counters every time (no recording).
type fixedStats struct{}

func (fixedStats) GroupStats(_ context.Context, id string, day time.Time) (callgroups.GroupStats, error) {
	return callgroups.GroupStats{GroupID: id, Day: day.Format(time.DateOnly), Received: 100, Answered: 90, AnsweredInSLA: 80, ServiceLevel: 88.9}, nil
}

func (fixedStats) AgentStats(_ context.Context, user, group string, day time.Time) (callgroups.AgentStats, error) {
	last := day.Add(-time.Minute)
	return callgroups.AgentStats{UserID: user, GroupID: group, Day: day.Format(time.DateOnly), Calls: 12, TalkSeconds: 2000,
		PauseSecondsByReason: map[string]float64{"lunch": 600}, PauseSeconds: 600, LastCallAt: &last}, nil
}
