package carddav_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
	"github.com/pbxagent/pbxagent/testlab/davstandin"
	"github.com/pbxagent/pbxagent/testlab/radicale"
	"github.com/pbxagent/pbxagent/testlab/xandikos"
)

// benchServer is a CardDAV server the benchmark syncs from.
type benchServer struct {
	url, book, user, pass string
	put                   func(b *testing.B, href, card string)
	// logged returns the server's own time per request kind since the
	// last call and the number of requests (nil: the server does not log
	// it).
	logged func() (map[string]float64, int)
}

// BenchmarkCardDAVSync: the first (full) sync of an address book of
// PBXAGENT_CARDDAV_BENCH_CARDS vCards (default 10 000; half vCard 3.0,
// half 4.0) through the sync engine into a phone book on disk, then a
// round after 1 % of them changed. Against Radicale (Debian radicale),
// Xandikos (Debian xandikos: git-backed, sync-collection from a tree diff;
// PBXAGENT_CARDDAV_BENCH_XANDIKOS_CARDS, default 2 000, see below)
// and testlab/davstandin, OUR STAND-IN: go-webdav's carddav.Handler with a
// sync-collection answered from a change log.
//
// Reported per server: full_s, contacts/s, delta_s and delta/full (the
// ratio the target bounds, ≤ 0.05); the delta round split into the time to
// the answer's headers of its requests as the client saw it (d_sync_s,
// d_multiget_s, d_discovery_s) and the rest, ours (d_ours_s: parsing,
// the engine and the store write); for Radicale its own time per request
// from its log (srv_sync_s, srv_multiget_s, srv_discovery_s). Then curl,
// in the same run, asks sync-collection from the token before the changes
// (curl_sync_100_s) and from the current one (curl_sync_0_s: nothing
// changed), and PROPFIND Depth 1 for the ETags (curl_propfind_s).
// PBXAGENT_CARDDAV_BENCH_PROFILE=<dir> writes a CPU profile of each delta
// round there.
func BenchmarkCardDAVSync(b *testing.B) {
	n := envInt("PBXAGENT_CARDDAV_BENCH_CARDS", 10_000)
	// Xandikos finds each card of a multiget by walking the whole book
	// (xandikos/web.py: get_member iterates the store), so a full sync
	// costs it O(n²): its book is smaller.
	nx := envInt("PBXAGENT_CARDDAV_BENCH_XANDIKOS_CARDS", min(n, 2_000))
	cardsOf := func(n int) func(yield func(name, card string) bool) {
		return func(yield func(name, card string) bool) {
			for i := range n {
				if !yield(fmt.Sprintf("c%06d.vcf", i), card(i, "Engineer")) {
					return
				}
			}
		}
	}
	cards := cardsOf(n)
	b.Run("server=radicale", func(b *testing.B) {
		srv := radicale.Start(b, radicale.Options{Users: map[string]string{"alice": "secret"}, LogRequests: true})
		srv.Seed(b, "alice", "book", "Company", cards)
		seen := 0
		bs := benchServer{url: srv.URL, book: "/alice/book/", user: "alice", pass: "secret",
			put: func(b *testing.B, href, c string) { srv.Put(b, "alice", href, c) },
			logged: func() (map[string]float64, int) {
				rs := srv.Requests()
				out := map[string]float64{}
				rs = rs[min(seen, len(rs)):]
				for _, r := range rs {
					out[radicaleKind(r)] += r.Seconds
				}
				seen += len(rs)
				return out, len(rs)
			}}
		// The first request after the cards were written parses every one
		// and fills Radicale's item cache (minutes at 10 000): done once,
		// untimed, as on a server in use.
		t0 := time.Now()
		bs.token(b)
		b.Logf("radicale: first listing (cache build) %.1f s", time.Since(t0).Seconds())
		benchSync(b, n, bs)
	})
	b.Run("server=xandikos", func(b *testing.B) {
		srv := xandikos.Start(b)
		srv.Seed(b, cardsOf(nx))
		benchSync(b, nx, benchServer{url: srv.URL, book: xandikos.Book, user: "alice", pass: "secret",
			put: func(b *testing.B, href, c string) { srv.Put(b, href, c) }})
	})
	b.Run("server=standin", func(b *testing.B) {
		srv := davstandin.Start(b, davstandin.Options{})
		srv.Seed(b, cards)
		benchSync(b, n, benchServer{url: srv.URL, book: srv.Book, user: "alice", pass: "secret",
			put: func(b *testing.B, href, c string) { srv.Put(b, href, c) }})
	})
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// radicaleKind names a Radicale log entry like requestTimes.kind.
func radicaleKind(r radicale.Request) string {
	switch {
	case r.Method == "REPORT" && r.Depth == "0":
		return "sync"
	case r.Method == "REPORT":
		return "multiget"
	case r.Method == "PROPFIND":
		return "discovery"
	}
	return r.Method
}

func benchSync(b *testing.B, n int, bs benchServer) {
	changes := max(n/100, 1)
	rt := &requestTimes{rt: http.DefaultTransport}
	hc := &http.Client{Transport: rt}
	var full, delta time.Duration
	var parts map[string]float64
	var srvParts map[string]float64
	var tokBefore string
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		eng, stop := benchEngine(b, hc)
		raw := map[string]json.RawMessage{}
		for k, v := range map[string]any{"url": bs.url, "username": bs.user, "password": bs.pass} {
			raw[k], _ = json.Marshal(v)
		}
		v, err := eng.Create(context.Background(), dirsync.Input{Type: ptr("carddav"), Name: ptr("bench"), Enabled: ptr(false), Settings: raw})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		t0 := time.Now()
		r, err := eng.SyncNow(context.Background(), v.ID, dirsync.SyncOptions{})
		full += time.Since(t0)
		b.StopTimer()
		if err != nil || r.Result != dirsync.ResultOK || r.Synced != n {
			b.Fatalf("first sync: %+v %v", r, err)
		}
		tokBefore = bs.token(b) // the book's token now, for curl below
		for k := range changes {
			c := k*(n/changes) + i%max(n/changes, 1)
			bs.put(b, fmt.Sprintf("%sc%06d.vcf", bs.book, c), card(c, fmt.Sprintf("Changed %d/%d", i, k)))
		}
		if bs.logged != nil {
			waitLogged(b, bs, float64(changes+1)) // the PUTs, out of the round's figures
		}
		rt.reset()
		stopProfile := profileRound(b)
		b.StartTimer()
		t0 = time.Now()
		r, err = eng.SyncNow(context.Background(), v.ID, dirsync.SyncOptions{})
		delta += time.Since(t0)
		b.StopTimer()
		stopProfile()
		if err != nil || r.Mode != "delta" || r.Synced != changes || r.Changed != changes {
			b.Fatalf("delta round: %+v %v (want %d read and changed)", r, err, changes)
		}
		parts = rt.take()
		if bs.logged != nil {
			srvParts = waitLogged(b, bs, parts["requests"])
		}
		stop()
	}
	k := float64(b.N)
	b.ReportMetric(full.Seconds()/k, "full_s")
	b.ReportMetric(float64(n)*k/full.Seconds(), "contacts/s")
	b.ReportMetric(delta.Seconds()/k, "delta_s")
	b.ReportMetric(delta.Seconds()/full.Seconds(), "delta/full")
	last := delta.Seconds() / k // the parts are of the last round
	if b.N == 1 {
		http := parts["sync"] + parts["multiget"] + parts["discovery"]
		b.ReportMetric(parts["requests"], "d_requests")
		b.ReportMetric(parts["sync"], "d_sync_s")
		b.ReportMetric(parts["multiget"], "d_multiget_s")
		b.ReportMetric(parts["discovery"], "d_discovery_s")
		b.ReportMetric(last-http, "d_ours_s")
		b.ReportMetric((last-parts["sync"])/(full.Seconds()/k), "delta_no_sync/full")
	}
	for kind, s := range srvParts {
		if kind == "sync" || kind == "multiget" || kind == "discovery" {
			b.ReportMetric(s, "srv_"+kind+"_s")
		}
	}
	// The same requests made with curl, once each, in the same run.
	tokNow := bs.token(b)
	b.ReportMetric(bs.curl(b, "REPORT", "0", syncBody(tokBefore)), "curl_sync_100_s")
	b.ReportMetric(bs.curl(b, "REPORT", "0", syncBody(tokNow)), "curl_sync_0_s")
	b.ReportMetric(bs.curl(b, "PROPFIND", "1", `<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`), "curl_propfind_s")
}

// profileRound writes a CPU profile of the delta round into
// $PBXAGENT_CARDDAV_BENCH_PROFILE/<benchmark>.pprof when that is set (our
// side of the round: the client, the engine, the store; with the stand-in
// also the in-process server).
func profileRound(b *testing.B) func() {
	dir := os.Getenv("PBXAGENT_CARDDAV_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, strings.NewReplacer("/", "_", "=", "-").Replace(b.Name())+".pprof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// waitLogged waits until the server logged want more requests (its log
// reaches the test through a pipe) and returns their time per kind.
func waitLogged(b *testing.B, bs benchServer, want float64) map[string]float64 {
	out := map[string]float64{}
	got := 0
	deadline := time.Now().Add(30 * time.Second)
	for float64(got) < want {
		if time.Now().After(deadline) {
			b.Logf("server logged %d requests of %v", got, want)
			break
		}
		m, k := bs.logged()
		for kind, s := range m {
			out[kind] += s
		}
		if got += k; float64(got) >= want {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	return out
}

func syncBody(tok string) string {
	return `<D:sync-collection xmlns:D="DAV:"><D:sync-token>` + tok + `</D:sync-token>` +
		`<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`
}

var tokenRE = regexp.MustCompile(`<[A-Za-z0-9]*:?sync-token>([^<]+)</[A-Za-z0-9]*:?sync-token>`)

// token runs sync-collection without a token on the book with Go's client
// and returns the book's current token.
func (bs benchServer) token(b *testing.B) string {
	req, _ := http.NewRequestWithContext(context.Background(), "REPORT", bs.url+bs.book, strings.NewReader(syncBody("")))
	req.SetBasicAuth(bs.user, bs.pass)
	req.Header.Set("Depth", "0")
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := tokenRE.FindAllSubmatch(body, -1)
	if resp.StatusCode != http.StatusMultiStatus || len(m) == 0 {
		b.Fatalf("sync-collection: HTTP %d %.300s", resp.StatusCode, body)
	}
	return string(m[len(m)-1][1])
}

// curl times one request with curl (time to the first byte of the
// answer); 0 when curl is not installed.
func (bs benchServer) curl(b *testing.B, method, depth, body string) float64 {
	if _, err := exec.LookPath("curl"); err != nil {
		b.Logf("curl not installed: %v", err)
		return 0
	}
	out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_starttransfer}",
		"-X", method, "-H", "Depth: "+depth, "-H", "Content-Type: application/xml",
		"-u", bs.user+":"+bs.pass, "--data-binary", body, bs.url+bs.book).Output()
	if err != nil {
		b.Fatalf("curl %s: %v", method, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 || f[0] != "207" {
		b.Fatalf("curl %s: %q", method, out)
	}
	s, _ := strconv.ParseFloat(f[1], 64)
	return s
}

// requestTimes is an http.RoundTripper that adds up, per kind of request
// (sync, multiget, discovery), the time from sending it to the answer's
// headers, and counts them ("requests": all; "n_<kind>"; "hrefs": the
// hrefs multigets asked for).
type requestTimes struct {
	rt http.RoundTripper
	mu sync.Mutex
	by map[string]float64
}

func (t *requestTimes) RoundTrip(r *http.Request) (*http.Response, error) {
	kind, hrefs := "discovery", 0
	if r.Method == "REPORT" && r.GetBody != nil {
		if rc, err := r.GetBody(); err == nil {
			body, _ := io.ReadAll(rc)
			rc.Close()
			switch {
			case strings.Contains(string(body), "sync-collection"):
				kind = "sync"
			case strings.Contains(string(body), "addressbook-multiget"):
				kind, hrefs = "multiget", strings.Count(string(body), "<D:href>")
			}
		}
	}
	t0 := time.Now()
	resp, err := t.rt.RoundTrip(r)
	d := time.Since(t0).Seconds()
	t.mu.Lock()
	if t.by == nil {
		t.by = map[string]float64{}
	}
	t.by[kind] += d
	t.by["n_"+kind]++
	t.by["hrefs"] += float64(hrefs)
	t.by["requests"]++
	t.mu.Unlock()
	return resp, err
}

func (t *requestTimes) reset() { t.mu.Lock(); t.by = nil; t.mu.Unlock() }

func (t *requestTimes) take() map[string]float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.by
	t.by = nil
	return m
}

// benchEngine runs an engine over a fresh phone book in a temporary
// directory, its sources using hc.
func benchEngine(b *testing.B, hc *http.Client) (*dirsync.Engine, func()) {
	b.Helper()
	dir := b.TempDir()
	nm, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir + "/db", Numbering: nm.Numbering()})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := dirsync.NewEngine(dirsync.PhonebookStore(st), dirsync.WithDataDir(dir), dirsync.WithTypes(carddav.Type),
		dirsync.WithHTTPClient(hc), dirsync.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		if time.Now().After(deadline) {
			b.Fatal("engine did not start")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	return eng, func() { cancel(); <-done; st.Close() }
}
