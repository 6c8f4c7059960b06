package carddav_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
	"github.com/pbxagent/pbxagent/testlab/davstandin"
)

// Against the go-webdav stand-in (discovery through go-webdav's handler, a
// sync-collection from a change log): a delta round with a valid token is
// one sync-collection and one multiget of the changed cards only — no
// listing of the book, no ETag comparison, no refetch of what did not
// change; a removed card is deleted without a fetch.
func TestDeltaRoundRequestsOnlyTheChanges(t *testing.T) {
	srv := davstandin.Start(t, davstandin.Options{})
	const n = 250
	srv.Seed(t, func(yield func(name, card string) bool) {
		for i := range n {
			if !yield(fmt.Sprintf("c%03d.vcf", i), card(i, "Engineer")) {
				return
			}
		}
	})
	rt := &requestTimes{rt: http.DefaultTransport}
	raw, _ := json.Marshal(map[string]any{"url": srv.URL, "username": "alice", "password": "secret"})
	src, err := carddav.New(raw, dirsync.Env{HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sink := syncfake.NewSink()
	res, err := src.Sync(ctx, dirsync.Request{Full: true}, sink)
	if err != nil || len(sink.Set) != n {
		t.Fatalf("full: %d contacts, %v", len(sink.Set), err)
	}
	full := rt.take()
	if full["n_sync"] != 1 || full["n_multiget"] != 3 || full["hrefs"] != n {
		t.Fatalf("full run: %v, want one sync-collection and %d hrefs in 3 multigets", full, n)
	}
	changed := []int{3, 77, 201}
	for _, i := range changed {
		srv.Put(t, fmt.Sprintf("%sc%03d.vcf", srv.Book, i), card(i, "Changed"))
	}
	srv.Delete(t, srv.Book+"c010.vcf")
	sink = syncfake.NewSink()
	if _, err := src.Sync(ctx, dirsync.Request{State: res.State}, sink); err != nil {
		t.Fatal(err)
	}
	got := rt.take()
	if got["n_sync"] != 1 || got["n_multiget"] != 1 || got["hrefs"] != float64(len(changed)) {
		t.Fatalf("delta round: %v, want one sync-collection and one multiget of %d hrefs", got, len(changed))
	}
	if len(sink.Set) != len(changed) || len(sink.Deletes) != 1 || sink.Deletes[0] != uid(10) {
		t.Fatalf("delta: upserts %d, deletes %v", len(sink.Set), sink.Deletes)
	}
	for _, i := range changed {
		if c := sink.Set[uid(i)]; c == nil || c.JobTitle != "Changed" {
			t.Fatalf("card %d: %+v", i, c)
		}
	}
}
