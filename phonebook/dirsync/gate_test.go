package dirsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// TestGateHoldsScheduledRuns: while the gate refuses (a cluster follower),
// a due source does not run; once it allows, the source runs.
func TestGateHoldsScheduledRuns(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir+"/db")
	defer st.Close()
	var closed atomic.Bool
	closed.Store(true)
	asked := make(chan bool, 64)
	gate := func() error {
		c := closed.Load()
		select {
		case asked <- c:
		default:
		}
		if c {
			return errors.New("not the writer")
		}
		return nil
	}
	eng, err := dirsync.NewEngine(dirsync.PhonebookStore(st), dirsync.WithDataDir(dir), dirsync.WithTypes(rangeType), dirsync.WithGate(gate))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-asked // the first pass of the scheduler
	in := func(name string) dirsync.Input {
		return dirsync.Input{Type: ptr("range"), Name: ptr(name), Enabled: ptr(true),
			Settings: map[string]json.RawMessage{"From": json.RawMessage("0"), "To": json.RawMessage("5"), "Name": json.RawMessage(`"A"`)}}
	}
	v, err := eng.Create(ctx, in("hr"))
	if err != nil {
		t.Fatal(err)
	}
	for c := range asked { // the pass the new source woke
		if c {
			break
		}
	}
	if got, _ := eng.Get(v.ID); got.Status != nil && len(got.Status.Runs) > 0 {
		t.Fatalf("a run started through a closed gate: %+v", got.Status.Runs)
	}
	closed.Store(false)
	if _, err := eng.Create(ctx, dirsync.Input{Type: ptr("range"), Name: ptr("poke"), Enabled: ptr(false),
		Settings: map[string]json.RawMessage{"From": json.RawMessage("0"), "To": json.RawMessage("1")}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the source's run once the gate opens", func() bool {
		got, _ := eng.Get(v.ID)
		return got.Status != nil && len(got.Status.Runs) > 0 && got.Status.Runs[0].Result == "ok"
	})
}
