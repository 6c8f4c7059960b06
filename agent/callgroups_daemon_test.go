package agent

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// TestCallGroupsThroughDaemon: the daemon builds the ACD; ana setting
// DND pauses her in her call group (reason dnd) and leaving DND unpauses
// her; sue, a member holding manage_callcenter, gets ana's
// presence_updated without ana in her roster; bob, a plain member, is no
// watcher.
func TestCallGroupsThroughDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, base := testDaemon(t, nil)
	if d.callgroups == nil {
		t.Fatal("no call groups in the daemon")
	}
	ana := signIn(t, base, "ana", nil, nil)
	bob := signIn(t, base, "bob", nil, nil)
	sue := signIn(t, base, "sue", []string{"manage_callcenter"}, nil)
	idOf := func(p person) string {
		code, me := p.do("GET", "/api/v1/users/me", "")
		if code != 200 {
			t.Fatalf("me: %d", code)
		}
		return me["id"].(string)
	}
	anaID, bobID, sueID := idOf(ana), idOf(bob), idOf(sue)
	g := callgroups.NewGroup()
	g.ID, g.Members = "sales", []callgroups.Member{{UserID: anaID}, {UserID: bobID}, {UserID: sueID}}
	if _, err := d.callgroups.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if w := groupWatchers(d, anaID); !slices.Contains(w, sueID) || slices.Contains(w, bobID) || slices.Contains(w, anaID) {
		t.Fatalf("watchers of ana %v: want sue, not bob nor ana", w)
	}
	sws := sue.events(ctx, "presence")

	if code, b := ana.do("PUT", "/api/v1/users/me/presence", `{"state":"dnd"}`); code != 200 {
		t.Fatalf("set DND: %d %v", code, b)
	}
	nextPresence(ctx, t, sws, func(d map[string]any) bool { return d["user_id"] == anaID && d["state"] == "dnd" })
	member := func() callgroups.MemberView {
		ms, err := d.callgroups.Members(ctx, "sales")
		if err != nil {
			t.Fatal(err)
		}
		return ms[0]
	}
	if m := member(); !m.Paused || m.PauseReason != callgroups.PauseDND {
		t.Fatalf("ana in DND: %+v, want paused with reason dnd", m)
	}
	if code, b := ana.do("PUT", "/api/v1/users/me/presence", `{"state":"available"}`); code != 200 {
		t.Fatalf("leave DND: %d %v", code, b)
	}
	nextPresence(ctx, t, sws, func(d map[string]any) bool { return d["user_id"] == anaID && d["state"] == "available" })
	if m := member(); m.Paused {
		t.Fatalf("ana out of DND still paused: %+v", m)
	}
	// The journal reaches the queue_log and the statistics.
	ql, err := os.ReadFile(filepath.Join(d.cfg.DataDir, "queue_log"))
	if err != nil || !strings.Contains(string(ql), "|sales|ana|PAUSE|") || !strings.Contains(string(ql), "|sales|ana|UNPAUSE|") {
		t.Fatalf("queue_log %q (%v): want ana's PAUSE and UNPAUSE", ql, err)
	}
}
