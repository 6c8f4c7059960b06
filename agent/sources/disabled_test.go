package sources_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/sources"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
)

// TestSyncDisabledManualTriggersRun: with sync.disabled, no run starts by
// itself (an enabled source never synced stays unsynced, no next run is
// planned), a manual trigger still runs and answers its run, and the
// source's view says why it only syncs when triggered.
func TestSyncDisabledManualTriggersRun(t *testing.T) {
	r := &remote{}
	r.set("1", "2")
	h := newHarness(t, syncfake.NewMemStore(), t.TempDir(), r, syncfake.NewClock(time.Unix(1e9, 0)))
	comp := sources.New(h.eng, sources.Config{Disabled: true})
	srv := httptest.NewServer(comp.Handler())
	t.Cleanup(srv.Close)
	h.srv = srv
	manual := h.create(true)
	code, out := h.do("POST", "/api/v1/sources", map[string]any{"type": "fake", "name": "other", "enabled": true,
		"settings": map[string]any{"url": "http://y"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	idle := out["id"].(string)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- comp.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	waitFor(t, "engine accepts triggers", func() bool {
		code, _ := h.do("POST", "/api/v1/sources/nope/sync", nil)
		return code == http.StatusNotFound
	})

	code, out = h.do("POST", "/api/v1/sources/"+manual+"/sync?wait=1", nil)
	if code != http.StatusOK || out["result"] != dirsync.ResultOK || out["trigger"] != "manual" || out["synced"] != float64(2) {
		t.Fatalf("manual sync with sync.disabled: %d %v", code, out)
	}
	if runs := h.runs(manual); len(runs) != 1 || runs[0].Trigger != "manual" {
		t.Errorf("runs of the triggered source: %+v", runs)
	}
	v, err := h.eng.Get(idle)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Status.Runs) != 0 || v.Status.LastAttempt != (time.Time{}) || !v.Status.NextRun.IsZero() {
		t.Errorf("an enabled source ran or was planned with scheduled syncs off: %+v", v.Status)
	}
	if !slices.Contains(v.Warnings, dirsync.ManualOnlyWarning) {
		t.Errorf("warnings %q lack %q", v.Warnings, dirsync.ManualOnlyWarning)
	}
}
