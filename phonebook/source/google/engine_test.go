package google_test

import (
	"encoding/json"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/google"
)

func ptr[T any](v T) *T { return &v }

// Through the engine: an expired sync token ends in a full sync that also
// sweeps what was deleted meanwhile.
func TestEngineResyncOnExpiredToken(t *testing.T) {
	f := newFixture(t, google.ModeDirectory, 10, nil)
	store := syncfake.NewMemStore()
	eng, ctx := syncfake.RunEngine(t, store, dirsync.WithTypes(google.Type), dirsync.WithHTTPClient(f.srv.Client()))
	var set map[string]json.RawMessage
	if err := json.Unmarshal(settings(google.ModeDirectory, f.srv.URL, nil), &set); err != nil {
		t.Fatal(err)
	}
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("google"), Name: ptr("workspace"), Enabled: ptr(false), Settings: set})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Settings["service_account_key"]; ok {
		t.Fatal("the key is shown")
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Synced != 10 || run.Mode != "full" {
		t.Fatalf("first: %+v", run)
	}
	f.g.Put(f.coll, f.person(11))
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Mode != "delta" || run.Synced != 1 {
		t.Fatalf("delta: %+v", run)
	}
	f.g.Delete(f.coll, f.id(1))
	f.g.ExpireSyncTokens(f.coll)
	run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if run.Result != "ok" || !run.Resynced || run.Mode != "full" || run.Deleted != 1 {
		t.Fatalf("resync: %+v", run)
	}
	if n := len(store.Contacts("workspace")); n != 10 {
		t.Fatalf("%d contacts", n)
	}
}
