package stats

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/callgroups/queuelog"
)

// TestRebuild: a day's queue_log, read back, makes the same statistics
// as the entries it was written from.
func TestRebuild(t *testing.T) {
	t0 := at(7, 10, 0, 0)
	s := time.Second
	entries := []callgroups.Entry{
		enter(t0, "sales", "c1"), enter(t0, "sales", "c2"), enter(t0, "sales", "c3"), enter(t0, "sales", "c4"),
		connect(t0.Add(20*s), "sales", "c1", "ann", 20*s),
		connect(t0.Add(31*s), "sales", "c2", "bob", 31*s),
		left(t0.Add(4*s), callgroups.VerbAbandon, "sales", "c3", 4*s),
		left(t0.Add(300*s), callgroups.VerbExitTimeout, "sales", "c4", 300*s),
		left(t0, callgroups.VerbFull, "sales", "c5", 0),
		complete(t0.Add(200*s), "sales", "c1", "ann", 20*s, 180*s),
		{Time: t0.Add(100 * s), Verb: callgroups.VerbCompleteAgent, GroupID: "sales", Caller: "c2", UserID: "bob", Agent: "bob", Wait: 31 * s, Talk: 69 * s},
		{Time: t0, Verb: callgroups.VerbRingNoAnswer, GroupID: "sales", Caller: "c1", UserID: "bob", Agent: "bob", Ring: 15 * s},
		member(t0, callgroups.VerbPause, "sales", "ann", "lunch"), member(t0.Add(time.Hour), callgroups.VerbUnpause, "sales", "ann", ""),
	}
	orig := newRig(t, at(7, 18, 0, 0))
	orig.record(entries...)
	var file strings.Builder
	file.WriteString("1796547600|NONE|NONE|NONE|QUEUESTART|\nnot a line\n")
	for _, e := range entries {
		file.WriteString(queuelog.FromEntry(e).String() + "\n")
	}
	again := newRig(t, at(7, 18, 0, 0))
	n, err := again.s.Rebuild(context.Background(), strings.NewReader(file.String()), func(string) (time.Duration, time.Duration) { return sla, short })
	if err != nil {
		t.Fatal(err)
	}
	if n != (Replayed{Lines: len(entries) + 2, Entries: len(entries), Skipped: 2}) {
		t.Errorf("replayed %+v", n)
	}
	if got, want := again.group(t, "sales", t0), orig.group(t, "sales", t0); !reflect.DeepEqual(got, want) {
		t.Errorf("group rebuilt:\n%+v\nwant\n%+v", got, want)
	}
	for _, u := range []string{"ann", "bob"} {
		if got, want := again.agent(t, u, "", t0), orig.agent(t, u, "", t0); !reflect.DeepEqual(got, want) {
			t.Errorf("%s rebuilt:\n%+v\nwant\n%+v", u, got, want)
		}
	}
}
