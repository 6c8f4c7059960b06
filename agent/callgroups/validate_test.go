package callgroups

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestValidation: each bad field is refused with an error naming it.
func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Group)
		field  string
	}{
		{name: "id with capitals", change: func(g *Group) { g.ID = "Sales" }, field: "id"},
		{name: "id too long", change: func(g *Group) { g.ID = strings.Repeat("a", 33) }, field: "id"},
		{name: "empty id", change: func(g *Group) { g.ID = "" }, field: "id"},
		{name: "name with a control character", change: func(g *Group) { g.Name = "a\nb" }, field: "name"},
		{name: "bad number", change: func(g *Group) { g.Numbers = []string{"600", "6 01"} }, field: "numbers[1]"},
		{name: "duplicate number", change: func(g *Group) { g.Numbers = []string{"600", "600"} }, field: "numbers[1]"},
		{name: "unknown strategy", change: func(g *Group) { g.Strategy = "wrandom" }, field: "strategy"},
		{name: "ring timeout", change: func(g *Group) { g.RingTimeout = 601 }, field: "ring_timeout"},
		{name: "negative retry", change: func(g *Group) { g.RetryDelay = -1 }, field: "retry_delay"},
		{name: "wrap-up", change: func(g *Group) { g.WrapUp = 3601 }, field: "wrapup_time"},
		{name: "max wait", change: func(g *Group) { g.MaxWait = -5 }, field: "max_wait"},
		{name: "max callers", change: func(g *Group) { g.MaxCallers = MaxQueue + 1 }, field: "max_callers"},
		{name: "join empty factor", change: func(g *Group) { g.JoinEmpty = []Factor{"paused", "penalty"} }, field: "join_empty[1]"},
		{name: "leave empty factor", change: func(g *Group) { g.LeaveWhenEmpty = []Factor{"x"} }, field: "leave_when_empty[0]"},
		{name: "hold", change: func(g *Group) { g.Hold = "silence" }, field: "hold"},
		{name: "moh class", change: func(g *Group) { g.MOHClass = "a b" }, field: "moh_class"},
		{name: "announce frequency", change: func(g *Group) { g.AnnounceFrequency = 10 }, field: "announce_frequency"},
		{name: "overflow context", change: func(g *Group) { g.Overflow.Context = "a,b" }, field: "overflow.context"},
		{name: "overflow priority and label", change: func(g *Group) { g.Overflow.Priority, g.Overflow.Label = 2, "vm" }, field: "overflow.label"},
		{name: "sla threshold", change: func(g *Group) { g.SLAThreshold = -1 }, field: "sla_threshold"},
		{name: "sla target", change: func(g *Group) { g.SLATarget = 101 }, field: "sla_target"},
		{name: "short abandon", change: func(g *Group) { g.ShortAbandon = 601 }, field: "short_abandon"},
		{name: "unknown member", change: func(g *Group) { g.Members = []Member{{UserID: "u1"}, {UserID: "u1"}, {UserID: "nobody"}} }, field: "members[2].user_id"},
		{name: "duplicate member", change: func(g *Group) { g.Members = []Member{{UserID: "u1"}, {UserID: "u1"}} }, field: "members[1].user_id"},
		{name: "member penalty", change: func(g *Group) { g.Members = []Member{{UserID: "u1", Penalty: 101}} }, field: "members[0].penalty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			g := NewGroup()
			g.ID = "sales"
			tt.change(&g)
			_, err := r.acd.CreateGroup(ctx, g)
			var ae *platform.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				t.Fatalf("error %v, want a 400 APIError", err)
			}
			var fields []string
			for _, d := range ae.Details {
				fields = append(fields, d.Field)
			}
			if !slices.Contains(fields, tt.field) {
				t.Fatalf("fields %v, want %s", fields, tt.field)
			}
		})
	}
}

// TestDefaults: zero fields whose range excludes 0 take the documented
// defaults; NewGroup holds every default.
func TestDefaults(t *testing.T) {
	r := newRig(t)
	g, err := r.acd.CreateGroup(ctx, Group{ID: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "sales" || g.Strategy != RingAll || g.RingTimeout != 15 || g.RetryDelay != 5 || g.Hold != HoldMOH ||
		g.SLAThreshold != 20 || g.SLATarget != 80 || g.ShortAbandon != 0 || g.Members == nil || g.Numbers == nil {
		t.Fatalf("defaults %+v", g)
	}
	if n := NewGroup(); n.ShortAbandon != 5 || n.RetryDelay != 5 {
		t.Fatalf("NewGroup %+v", n)
	}
	_, err = r.acd.CreateGroup(ctx, Group{ID: "sales"})
	var ae *platform.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Details[0].Field != "id" {
		t.Fatalf("a second sales: %v", err)
	}
	if _, err := r.acd.UpdateGroup(ctx, "sales", Group{ID: "other"}); !errors.As(err, &ae) || ae.Details[0].Field != "id" {
		t.Fatalf("renaming: %v", err)
	}
	if _, err := r.acd.UpdateGroup(ctx, "nope", Group{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("updating no group: %v", err)
	}
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u1", Penalty: -1}, false, ""); !errors.As(err, &ae) || ae.Details[0].Field != "penalty" {
		t.Fatalf("bad penalty: %v", err)
	}
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u1"}, true, strings.Repeat("x", 65)); !errors.As(err, &ae) || ae.Details[0].Field != "reason" {
		t.Fatalf("long reason: %v", err)
	}
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u1"}, false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u1"}, false, ""); !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Fatalf("adding twice: %v", err)
	}
}
