package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/config"
)

// TestCallGroupStatsWiring: the statistics are kept in the daemon's store
// (a second build reads them), the queue_log is written under the data
// directory and reopened by Reload (SIGHUP) after a rotation.
func TestCallGroupStatsWiring(t *testing.T) {
	d, _ := testDaemon(t, nil)
	ctx := context.Background()
	b := &build{ctx: ctx, cfg: d.cfg, store: d.store, reg: d.reg, d: d}
	st, qlog, routes, err := newCallGroupStats(b)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- runCallGroupStats(runCtx, st, qlog) }()
	t.Cleanup(func() {
		stop()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	})
	if len(routes) != 2 {
		t.Errorf("%d routes", len(routes))
	}
	now := time.Now()
	j := callgroups.Journals{st, qlog}
	j.Record(ctx, callgroups.Entry{Time: now, Verb: callgroups.VerbEnterQueue, GroupID: "sales", Caller: "c1", CallerNumber: "100", Position: 1})
	path := filepath.Join(d.cfg.DataDir, "queue_log")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	j.Record(ctx, callgroups.Entry{Time: now, Verb: callgroups.VerbFull, GroupID: "sales", Caller: "c2"})
	for file, event := range map[string]string{path + ".1": "|c1|sales|NONE|ENTERQUEUE||100|1\n", path: "|c2|sales|NONE|FULL|\n"} {
		b, err := os.ReadFile(file)
		if err != nil || !strings.HasSuffix(string(b), event) || strings.Count(string(b), "\n") != 1 {
			t.Errorf("%s: %q (%v), want a line ending %q", file, b, err, event)
		}
	}

	again, _, _, err := newCallGroupStats(&build{ctx: ctx, cfg: func() config.Config { c := d.cfg; c.CallGroups.QueueLog = ""; return c }(), store: d.store, reg: d.reg, d: d})
	if err != nil {
		t.Fatal(err)
	}
	if g, err := again.GroupStats(ctx, "sales", now); err != nil || g.Received != 2 || g.Refused != 1 {
		t.Errorf("read back from the store: %+v %v", g, err)
	}
	stop()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	ran <- nil // for the cleanup
	qlog.Record(ctx, callgroups.Entry{Time: now, Verb: callgroups.VerbFull, GroupID: "sales", Caller: "c3"})
	if qlog.Failures() != 1 {
		t.Errorf("the queue_log is still open after Run: %d failures", qlog.Failures())
	}
}
