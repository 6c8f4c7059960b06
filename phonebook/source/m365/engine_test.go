package m365_test

import (
	"encoding/json"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/m365"
)

func ptr[T any](v T) *T { return &v }

func raw(s string) json.RawMessage { b, _ := json.Marshal(s); return b }

// Through the engine: a 410 on the stored deltaLink ends in a full sync that
// also sweeps what was deleted meanwhile.
func TestEngineResyncOnGone(t *testing.T) {
	f := newFixture(t, 10, 2, nil)
	store := syncfake.NewMemStore()
	eng, ctx := syncfake.RunEngine(t, store, dirsync.WithTypes(m365.Type), dirsync.WithHTTPClient(f.srv.Client()))
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("m365"), Name: ptr("o365"), Enabled: ptr(false),
		Settings: map[string]json.RawMessage{"tenant_id": raw("contoso"), "client_id": raw("app-id"),
			"client_secret": raw("app-secret"), "graph_url": raw(f.srv.URL + "/v1.0"), "token_url": raw(f.srv.URL + f.g.TokenPath())}})
	if err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Synced != 12 {
		t.Fatalf("first: %+v", run)
	}
	f.g.DeleteUser("u-000001")
	f.g.ExpireDeltaTokens("gone")
	run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if run.Result != "ok" || !run.Resynced || run.Mode != "full" || run.Deleted != 1 {
		t.Fatalf("resync: %+v", run)
	}
	if n := len(store.Contacts("o365")); n != 11 {
		t.Fatalf("%d contacts", n)
	}
}
