package dirsync_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// TestSyncCleansSourceText: a source's text breaking the contact text rule
// (NUL, tab, line feed, invalid UTF-8) is stored cleaned, on the first
// (bulk load) sync and on later ones, instead of failing the round.
func TestSyncCleansSourceText(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir+"/db")
	defer st.Close()
	eng, stop := realEngine(t, st, dir)
	defer stop()
	ctx := context.Background()
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("range"), Name: ptr("hr"), Enabled: ptr(false),
		Settings: map[string]json.RawMessage{"From": json.RawMessage("0"), "To": json.RawMessage("3"), "Name": json.RawMessage(`"A\u0000\t\n"`)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0=A   0", "1=A   1", "2=A   2"}
	for _, round := range []string{"first", "second"} {
		run, err := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
		if err != nil || run.Result != dirsync.ResultOK {
			t.Fatalf("%s sync: %+v %v", round, run, err)
		}
		if got := sourceSet(t, st, "hr"); !slices.Equal(got, want) {
			t.Fatalf("%s sync stored %q, want %q", round, got, want)
		}
	}
	if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: map[string]json.RawMessage{"Name": json.RawMessage(`"B\u0085"`)}}); err != nil {
		t.Fatal(err)
	}
	if run, err := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); err != nil || run.Result != dirsync.ResultOK || run.Changed != 3 {
		t.Fatalf("third sync: %+v %v", run, err)
	}
	if got := sourceSet(t, st, "hr"); !slices.Equal(got, []string{"0=B 0", "1=B 1", "2=B 2"}) {
		t.Fatalf("third sync stored %q", got)
	}
}
