package wallboard

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/platform"
)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// TestData: one answer holds each group's counters, SLA colour, waiting
// callers with their waits (over SLA beyond the threshold), active calls
// and members, and each monitored agent's state (by precedence across the
// board's groups), pause, counters and time since the last call.
func TestData(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.groups.members["sales"] = []callgroups.MemberView{
		{Member: callgroups.Member{UserID: "ana"}, Name: "Ana", State: callgroups.StateAvailable, StateSince: t0.Add(-time.Minute), LastCallAt: at(-90 * time.Second)},
		{Member: callgroups.Member{UserID: "bob"}, Name: "Bob", State: callgroups.StateTalking, StateSince: t0.Add(-30 * time.Second)},
	}
	r.groups.members["support"] = []callgroups.MemberView{
		{Member: callgroups.Member{UserID: "ana"}, Name: "Ana", State: callgroups.StatePaused, Paused: true, PauseReason: "lunch", PausedAt: at(-5 * time.Minute), StateSince: t0.Add(-5 * time.Minute)},
		{Member: callgroups.Member{UserID: "cy"}, Name: "Cy", State: callgroups.StateRinging, StateSince: t0.Add(-2 * time.Second)},
	}
	r.groups.waiting["sales"] = []callgroups.WaitingCall{
		{ID: "c1", GroupID: "sales", CallerNumber: "+4144", Position: 1, EnteredAt: t0.Add(-25 * time.Second)},
		{ID: "c2", GroupID: "sales", CallerNumber: "+4145", Position: 2, EnteredAt: t0.Add(-20 * time.Second)},
	}
	r.groups.active["sales"] = []callgroups.ActiveCall{{ID: "c0", GroupID: "sales", UserID: "bob"}}
	r.stats.groups["sales"] = callgroups.GroupStats{Received: 10, Answered: 8, AnsweredInSLA: 6, ServiceLevel: 75}
	r.stats.agents["ana"] = callgroups.AgentStats{Calls: 4, TalkSeconds: 600, PauseSeconds: 300, PauseSecondsByReason: map[string]float64{"lunch": 300}, LastCallAt: at(-60 * time.Second)}
	w, err := r.s.Create(ctx, BoardSettings{Name: "Floor", Groups: []string{"sales", "support"}, Monitored: []string{"ana", "cy", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.s.Data(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !d.ServerTime.Equal(t0) || d.Day != "2026-12-07" || len(d.Groups) != 2 || len(d.Agents) != 3 {
		t.Fatalf("data %+v", d)
	}
	sales, support := d.Groups[0], d.Groups[1]
	if sales.Name != "Sales" || sales.SLAThreshold != 20 || sales.SLATarget != 80 || sales.SLAColour != ColourAmber || sales.Stats.Received != 10 || sales.Active != 1 || len(sales.Members) != 2 {
		t.Errorf("sales %+v", sales)
	}
	if len(sales.Waiting) != 2 || sales.Waiting[0].WaitSeconds != 25 || !sales.Waiting[0].OverSLA || sales.Waiting[1].WaitSeconds != 20 || sales.Waiting[1].OverSLA {
		t.Errorf("waiting %+v (20 s is not over a 20 s threshold; 25 s is)", sales.Waiting)
	}
	if support.SLAColour != ColourNone || support.SLATarget != 90 {
		t.Errorf("support with nothing answered: %+v", support)
	}
	ana, cy, bob := d.Agents[0], d.Agents[1], d.Agents[2]
	if ana.State != callgroups.StatePaused || !ana.Paused || ana.PauseReason != "lunch" || ana.Calls != 4 || ana.TalkSeconds != 600 ||
		ana.PauseSeconds != 300 || ana.SinceLastCallSeconds == nil || *ana.SinceLastCallSeconds != 60 || !ana.Member || ana.Name != "Ana" {
		t.Errorf("ana (paused in support beats available in sales; last call from the stats, newer) %+v", ana)
	}
	if cy.State != callgroups.StateRinging || cy.Extension != "103" || cy.SinceLastCallSeconds != nil {
		t.Errorf("cy %+v", cy)
	}
	if bob.State != callgroups.StateTalking || bob.StateSince == nil || !bob.StateSince.Equal(t0.Add(-30*time.Second)) {
		t.Errorf("bob %+v", bob)
	}
	// Agents' counters are over every group.
	for _, a := range r.stats.asked {
		if a == "agent:ana/sales" {
			t.Errorf("agent stats asked per group: %v", r.stats.asked)
		}
	}

	// The day is the statistics' (callgroups.time_zone may be ahead).
	r.stats.day = "2026-12-08"
	if d, _ = r.s.Data(ctx, w.ID); d.Day != "2026-12-08" {
		t.Errorf("day %s, want the statistics' 2026-12-08", d.Day)
	}
	r.stats.day = ""

	// The board's own threshold and target override the groups'.
	if _, err := r.s.Update(ctx, w.ID, BoardSettings{Name: "Floor", Groups: []string{"sales"}, SLAThreshold: 30, SLATarget: 75, Monitored: []string{"ana"}}); err != nil {
		t.Fatal(err)
	}
	d, _ = r.s.Data(ctx, w.ID)
	if g := d.Groups[0]; g.SLAThreshold != 30 || g.SLATarget != 75 || g.SLAColour != ColourGreen || g.Waiting[0].OverSLA {
		t.Errorf("overridden %+v", g)
	}
	// A group deleted after the board was made is shown missing.
	delete(r.groups.groups, "sales")
	d, _ = r.s.Data(ctx, w.ID)
	if g := d.Groups[0]; !g.Missing || g.SLAColour != ColourNone {
		t.Errorf("deleted group %+v", g)
	}
	// An agent in none of the board's groups: their state elsewhere.
	r.groups.groups["sales"] = callgroups.Group{ID: "sales", Name: "Sales", SLAThreshold: 20, SLATarget: 80}
	if _, err := r.s.AddMonitored(ctx, w.ID, "cy"); err != nil {
		t.Fatal(err)
	}
	d, _ = r.s.Data(ctx, w.ID)
	if a := d.Agents[1]; a.UserID != "cy" || a.Member || a.State != callgroups.StateRinging {
		t.Errorf("cy outside the board's groups %+v", a)
	}
}

// TestDataWithoutCallGroups: 503 while call groups are off.
func TestDataWithoutCallGroups(t *testing.T) {
	s := New(newMemKV(), dir{"ana": {ID: "ana"}})
	ctx := context.Background()
	w, err := s.Create(ctx, BoardSettings{Name: "a", Groups: []string{"sales"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Data(ctx, w.ID)
	var ae *platform.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable {
		t.Errorf("Data without groups: %v", err)
	}
}
