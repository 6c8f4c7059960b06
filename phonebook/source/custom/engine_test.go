package custom_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/custom"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

// Deletions are handed out once: a delta run that fails after reading them
// loses them, and the periodic full sync (mark-and-sweep) repairs that.
func TestLostDeletionRepairedByFullSync(t *testing.T) {
	sc := &serverClock{now: t0.Add(-time.Hour)}
	svc := contactsvc.New(contactsvc.Options{Now: sc.Now})
	for i := 0; i < 30; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	sc.Add(time.Hour)
	srv := httptest.NewServer(svc)
	defer srv.Close()
	clk := syncfake.NewClock(t0)
	store := syncfake.NewMemStore()
	eng, err := dirsync.NewEngine(store, dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(custom.Type),
		dirsync.WithHTTPClient(srv.Client()), dirsync.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		time.Sleep(time.Millisecond)
	}
	typ, name, off := "custom", "crm", false
	settings := map[string]json.RawMessage{}
	for k, v := range map[string]any{"url": srv.URL, "client_id": "test_id", "client_secret": "test_secret", "page_size": 10} {
		settings[k], _ = json.Marshal(v)
	}
	v, err := eng.Create(ctx, dirsync.Input{Type: &typ, Name: &name, Enabled: &off, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Synced != 30 {
		t.Fatalf("full: %+v", run)
	}
	// Two contacts deleted at the service; the delta run reads the
	// deletions on page 1 and then fails on page 2.
	clk.Advance(time.Hour)
	sc.Add(time.Hour)
	svc.Delete("100004", "100005")
	for i := 10; i < 25; i++ {
		svc.Put(contactsvc.Synthetic(i, "x"))
	}
	svc.Inject(func(r *http.Request) (int, string, bool) {
		return 500, "", r.URL.Path == "/contacts/delta" && r.URL.Query().Get("page") == "2"
	})
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "error" {
		t.Fatalf("failing delta: %+v", run)
	}
	svc.Inject(nil)
	if len(svc.PendingDeletions()) != 0 {
		t.Fatal("the service still has the deletions")
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Mode != "delta" {
		t.Fatalf("next delta: %+v", run)
	}
	if n := len(store.Contacts("crm")); n != 30 {
		t.Fatalf("%d contacts: the lost deletions should still be there before the full sync", n)
	}
	// A week later the full sync sweeps them.
	clk.Advance(7 * 24 * time.Hour)
	run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if run.Result != "ok" || run.Mode != "full" || run.Deleted != 2 {
		t.Fatalf("weekly full: %+v", run)
	}
	if c := store.Contacts("crm"); len(c) != 28 || c["100004"] != nil || c["100012"].FirstName != "First12x" {
		t.Fatalf("after full: %d contacts", len(c))
	}
}
