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
	"github.com/pbxagent/pbxagent/testlab/xandikos"
)

// testServer is a CardDAV server with a seeded book.
type testServer struct {
	url, book   string
	put, delete func(t *testing.T, href, card string)
}

// A delta round with a valid token is one sync-collection and one
// multiget of the changed cards only — no listing of the book, no ETag
// comparison, no refetch of what did not change; a removed card is deleted
// without a fetch. Against our go-webdav stand-in (discovery through
// go-webdav's handler, sync-collection from a change log) and Xandikos
// (Debian xandikos: sync-collection from a git tree diff).
func TestDeltaRoundRequestsOnlyTheChanges(t *testing.T) {
	const n = 150 // two multigets of at most 100 in the full run
	cards := func(yield func(name, card string) bool) {
		for i := range n {
			if !yield(fmt.Sprintf("c%03d.vcf", i), card(i, "Engineer")) {
				return
			}
		}
	}
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) testServer
	}{
		{name: "standin", start: func(t *testing.T) testServer {
			s := davstandin.Start(t, davstandin.Options{})
			s.Seed(t, cards)
			return testServer{url: s.URL, book: s.Book,
				put:    func(t *testing.T, h, c string) { s.Put(t, h, c) },
				delete: func(t *testing.T, h, _ string) { s.Delete(t, h) }}
		}},
		{name: "xandikos", start: func(t *testing.T) testServer {
			s := xandikos.Start(t)
			s.Seed(t, cards)
			return testServer{url: s.URL, book: xandikos.Book,
				put:    func(t *testing.T, h, c string) { s.Put(t, h, c) },
				delete: func(t *testing.T, h, _ string) { s.Delete(t, h) }}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t)
			rt := &requestTimes{rt: http.DefaultTransport}
			raw, _ := json.Marshal(map[string]any{"url": srv.url, "username": "alice", "password": "secret"})
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
			if full["n_sync"] != 1 || full["n_multiget"] != 2 || full["hrefs"] != n {
				t.Fatalf("full run: %v, want one sync-collection and %d hrefs in 2 multigets", full, n)
			}
			changed := []int{3, 77, 121}
			for _, i := range changed {
				srv.put(t, fmt.Sprintf("%sc%03d.vcf", srv.book, i), card(i, "Changed"))
			}
			srv.delete(t, srv.book+"c010.vcf", "")
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
		})
	}
}
