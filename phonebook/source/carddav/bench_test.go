package carddav_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
	"github.com/pbxagent/pbxagent/testlab/radicale"
)

// countSink counts what a run streams (a benchmark keeps no contacts).
type countSink struct{ upserts, deletes int }

func (s *countSink) Upsert(context.Context, *phonebook.Contact) error { s.upserts++; return nil }
func (s *countSink) Delete(context.Context, string) error             { s.deletes++; return nil }

// BenchmarkRadicaleSync: the first (full) sync of a Radicale address book
// of PBXAGENT_CARDDAV_BENCH_CARDS vCards (default 10 000; half vCard 3.0,
// half 4.0), then a round after 1 % of them changed (sync-collection and a
// multiget of the changed ones). Reported: full_s, contacts/s, delta_s and
// delta/full, the ratio the target bounds (≤ 0.05). The book is written
// into Radicale's storage folder and listed once before timing, so that
// Radicale's own item cache is built (as on a server in use).
func BenchmarkRadicaleSync(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("PBXAGENT_CARDDAV_BENCH_CARDS")); err == nil && v > 0 {
		n = v
	}
	srv := radicale.Start(b, radicale.Options{Users: map[string]string{"alice": "secret"}})
	srv.Seed(b, "alice", "book", "Company", func(yield func(name, card string) bool) {
		for i := range n {
			if !yield(fmt.Sprintf("c%06d.vcf", i), benchCard(i, "Engineer")) {
				return
			}
		}
	})
	raw, _ := json.Marshal(map[string]any{"url": srv.URL, "username": "alice", "password": "secret"})
	src, err := carddav.New(raw, dirsync.Env{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := src.(dirsync.Tester).Test(ctx, 1); err != nil { // warms Radicale's cache
		b.Fatal(err)
	}
	changes := max(n/100, 1)
	var full, delta time.Duration
	round := 0
	for b.Loop() {
		sink := &countSink{}
		t0 := time.Now()
		res, err := src.Sync(ctx, dirsync.Request{Full: true}, sink)
		if err != nil || sink.upserts != n {
			b.Fatalf("full: %d contacts, %v", sink.upserts, err)
		}
		full += time.Since(t0)
		b.StopTimer()
		round++
		for i := range changes {
			k := i * (n / changes)
			srv.Put(b, "alice", fmt.Sprintf("/alice/book/c%06d.vcf", k), benchCard(k, fmt.Sprintf("Title %d", round)))
		}
		b.StartTimer()
		sink = &countSink{}
		t0 = time.Now()
		if _, err := src.Sync(ctx, dirsync.Request{State: res.State}, sink); err != nil || sink.upserts != changes {
			b.Fatalf("delta: %d contacts, want %d, %v", sink.upserts, changes, err)
		}
		delta += time.Since(t0)
	}
	b.StopTimer()
	// What the server costs for the requests a round is made of, each once.
	listing := func(method, depth, body string) float64 {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/alice/book/", strings.NewReader(body))
		req.SetBasicAuth("alice", "secret")
		req.Header.Set("Depth", depth)
		req.Header.Set("Content-Type", "application/xml")
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusMultiStatus {
			b.Fatalf("%s: %v %v", method, err, resp)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0).Seconds()
	}
	b.ReportMetric(listing("PROPFIND", "1", `<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`), "propfind_etags_s")
	b.ReportMetric(listing("REPORT", "0", `<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`), "sync_initial_s")
	k := float64(round)
	b.ReportMetric(full.Seconds()/k, "full_s")
	b.ReportMetric(float64(n)*k/full.Seconds(), "contacts/s")
	b.ReportMetric(delta.Seconds()/k, "delta_s")
	b.ReportMetric(delta.Seconds()/full.Seconds(), "delta/full")
}

func benchCard(i int, title string) string {
	return card(i, title)
}
