package carddav_test

import (
	"encoding/json"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
)

func ptr[T any](v T) *T { return &v }

func jraw(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

// Through the engine: a full run, then a delta run that applies one change
// and one deletion.
func TestEngineFullThenDelta(t *testing.T) {
	l := newLab(t, 10, nil)
	store := syncfake.NewMemStore()
	eng, ctx := syncfake.RunEngine(t, store, dirsync.WithTypes(carddav.Type))
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("carddav"), Name: ptr("dav"), Enabled: ptr(false),
		Settings: map[string]json.RawMessage{"url": jraw(l.srv.URL), "username": jraw("alice"), "password": jraw("secret")}})
	if err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Mode != "full" || run.Synced != 10 {
		t.Fatalf("first: %+v", run)
	}
	l.srv.Put(t, "alice", "/alice/book/c000.vcf", card(0, "Changed"))
	l.srv.Delete(t, "alice", "/alice/book/c009.vcf")
	run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if run.Result != "ok" || run.Mode != "delta" || run.Deleted != 1 || run.Changed != 1 {
		t.Fatalf("delta: %+v", run)
	}
	cs := store.Contacts("dav")
	if len(cs) != 9 || cs[uid(0)] == nil || cs[uid(0)].JobTitle != "Changed" {
		t.Fatalf("%d contacts; %v", len(cs), cs[uid(0)])
	}
}
