package carddav_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
	"github.com/pbxagent/pbxagent/testlab/radicale"
)

// noSyncProxy stands in front of Radicale as a server without
// sync-collection (403 supported-report, RFC 3253 §3.6) whose root does not
// answer PROPFIND, so that discovery has to use /.well-known/carddav.
func noSyncProxy(t *testing.T, srv *radicale.Server) (*httptest.Server, *atomic.Int32) {
	target, _ := url.Parse(srv.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	var syncTries atomic.Int32
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch {
		case r.Method == "REPORT" && bytes.Contains(body, []byte("sync-collection")):
			syncTries.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>`)
		case r.URL.Path == "/.well-known/carddav":
			http.Redirect(w, r, "/alice/", http.StatusMovedPermanently)
		case r.Method == "PROPFIND" && r.URL.Path == "/":
			http.Error(w, "no", http.StatusNotFound)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p, &syncTries
}

func TestServerWithoutSyncCollection(t *testing.T) {
	l := newLab(t, 6, nil)
	p, tries := noSyncProxy(t, l.srv)
	raw, _ := json.Marshal(map[string]any{"url": p.URL, "username": "alice", "password": "secret"})
	src, err := carddav.New(raw, dirsync.Env{})
	if err != nil {
		t.Fatal(err)
	}
	sink := syncfake.NewSink()
	res, err := src.Sync(context.Background(), dirsync.Request{Full: true}, sink)
	if err != nil || len(sink.Set) != 6 || tries.Load() == 0 {
		t.Fatalf("full: err %v, %d contacts, %d sync tries", err, len(sink.Set), tries.Load())
	}
	l.srv.Put(t, "alice", "/alice/book/c002.vcf", card(2, "Boss"))
	l.srv.Delete(t, "alice", "/alice/book/c005.vcf")
	sink = syncfake.NewSink()
	if _, err = src.Sync(context.Background(), dirsync.Request{State: res.State}, sink); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sink.Upserts, []string{uid(2)}) || !slices.Equal(sink.Deletes, []string{uid(5)}) {
		t.Fatalf("ETag comparison: upserts %v deletes %v", sink.Upserts, sink.Deletes)
	}
	if strings.Contains(string(res.State), `"t"`) {
		t.Fatalf("a token in the state of a server without sync-collection: %s", res.State)
	}
}
