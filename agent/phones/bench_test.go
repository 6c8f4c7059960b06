package phones_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/phones"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// nopWriter is a ResponseWriter that keeps nothing, so benchmarks measure
// the handler.
type nopWriter struct {
	h http.Header
	n int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchService(b testing.TB, n int) (http.Handler, string, string) {
	svc, tok, etag := benchSvc(b, n)
	return svc.PhoneHandler(), tok, etag
}

// benchSvc is benchService's service itself.
func benchSvc(b testing.TB, n int) (*phones.Service, string, string) {
	svc, err := phones.New(context.Background(), lab.Synthetic{N: n}, lab.NewMemKV(), phones.WithLogger(discardLog()))
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	svc.AdminHandler().ServeHTTP(rec, jsonRequest("POST", "/api/v1/phones",
		stringsReader(`{"mac":"0015654aa937","vendor":"yealink","username":"desk-1","password":"pw-desk-1"}`)))
	var p phones.Phone
	decode(rec.Body.Bytes(), &p)
	rec = httptest.NewRecorder()
	svc.PhoneHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/phonebook/yealink.xml?token="+p.Token, nil))
	return svc, p.Token, rec.Header().Get("ETag")
}

// revalidations are the 304 requests of the benchmarks and the allocation
// test: by URL token and by Basic credentials.
func revalidations(tok, etag string) map[string]*http.Request {
	byToken := httptest.NewRequest("GET", "/phonebook/yealink.xml?token="+tok, nil)
	byBasic := httptest.NewRequest("GET", "/phonebook/yealink.xml", nil)
	byBasic.SetBasicAuth("desk-1", "pw-desk-1")
	out := map[string]*http.Request{"token": byToken, "basic": byBasic}
	for _, r := range out {
		r.Header.Set("If-None-Match", etag)
		r.Header.Set("User-Agent", "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37")
	}
	return out
}

// BenchmarkHandler304 is the revalidation path a refreshing fleet hits,
// authenticated by token and by Basic (b.ReportAllocs shows regressions;
// TestHandler304Allocs fails on them).
func BenchmarkHandler304(b *testing.B) {
	h, tok, etag := benchService(b, 10000)
	reqs := revalidations(tok, etag)
	for _, name := range []string{"token", "basic"} {
		b.Run(name, func(b *testing.B) { serveLoop(b, h, reqs[name]) })
	}
}

// TestHandler304Allocs: a 304 (credentials verified before) allocates at
// most 3 objects in the handler: the parsed request and its cache key.
func TestHandler304Allocs(t *testing.T) {
	h, tok, etag := benchService(t, 100)
	for name, req := range revalidations(tok, etag) {
		w := &nopWriter{h: http.Header{}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req) // warms the credential cache
		if rec.Code != http.StatusNotModified {
			t.Fatalf("%s: %d, want 304", name, rec.Code)
		}
		n := testing.AllocsPerRun(200, func() {
			clear(w.h)
			h.ServeHTTP(w, req)
		})
		if n > 3 {
			t.Errorf("%s: %.1f allocations per 304, want ≤ 3", name, n)
		}
	}
}

// BenchmarkHandlerCachedFull is a cached full book (10 000 contacts).
func BenchmarkHandlerCachedFull(b *testing.B) {
	h, tok, _ := benchService(b, 10000)
	serveLoop(b, h, httptest.NewRequest("GET", "/phonebook/yealink.xml?token="+tok, nil))
}

// serveLoop serves req b.N times into a writer that discards the body.
func serveLoop(b *testing.B, h http.Handler, req *http.Request) {
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkHandlerCiscoSearch1M is the handler alone (no network) rendering
// a Cisco search page from a synthetic 1 000 000-contact directory, every
// request a cache miss (a cache too small for any body). Reports p50/p99.
func BenchmarkHandlerCiscoSearch1M(b *testing.B) {
	svc, err := phones.New(context.Background(), lab.Synthetic{N: 1_000_000}, lab.NewMemKV(),
		phones.WithLogger(discardLog()), phones.WithCache(1, 1))
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	svc.AdminHandler().ServeHTTP(rec, jsonRequest("POST", "/api/v1/phones", stringsReader(`{"mac":"0002fdff2103","vendor":"cisco"}`)))
	var p phones.Phone
	decode(rec.Body.Bytes(), &p)
	h := svc.PhoneHandler()
	probe := httptest.NewRecorder()
	h.ServeHTTP(probe, httptest.NewRequest("GET", "/phonebook/cisco.xml?q=Person+0042&token="+p.Token, nil))
	if probe.Code != 200 || !strings.Contains(probe.Body.String(), "Person 0042000") {
		b.Fatalf("probe: %d %.300s", probe.Code, probe.Body)
	}
	lat := make([]time.Duration, 0, b.N)
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", fmt.Sprintf("/phonebook/cisco.xml?q=Person+%04d&page=%d&token=%s", i%1000, 1+i%3, p.Token), nil)
		req.Header.Set("Accept-Charset", "utf-8")
		clear(w.h)
		t0 := time.Now()
		h.ServeHTTP(w, req)
		lat = append(lat, time.Since(t0))
		if w.n < 2000 {
			b.Fatalf("%d bytes: not a full page", w.n)
		}
		w.n = 0
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// laneRevalidations are revalidations's requests as the fast lane reads
// them, with a service whose handler has served them once (so each has a
// ticket).
func laneRevalidations(tb testing.TB, n int) (*phones.Service, map[string]*fastlane.Request) {
	svc, tok, etag := benchSvc(tb, n)
	h := svc.PhoneHandler()
	out := map[string]*fastlane.Request{}
	for name, req := range revalidations(tok, etag) {
		h.ServeHTTP(httptest.NewRecorder(), req) // leaves the ticket
		var head strings.Builder
		head.WriteString("GET " + req.RequestURI + " HTTP/1.1\r\nHost: " + req.Host + "\r\n")
		for _, k := range []string{"Authorization", "If-None-Match", "User-Agent"} {
			if v := req.Header.Get(k); v != "" {
				head.WriteString(k + ": " + v + "\r\n")
			}
		}
		head.WriteString("\r\n")
		r, err := fastlane.ParseRequest([]byte(head.String()), req.RemoteAddr)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = r
	}
	return svc, out
}

// BenchmarkServeFast304 is a revalidation answered in the fast lane.
func BenchmarkServeFast304(b *testing.B) {
	svc, reqs := laneRevalidations(b, 10000)
	for _, name := range []string{"token", "basic"} {
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := svc.ServeFast(buf, reqs[name]); !ok {
					b.Fatal("declined")
				}
			}
		})
	}
}

// TestServeFast304Allocs: a revalidation in the lane allocates nothing.
func TestServeFast304Allocs(t *testing.T) {
	svc, reqs := laneRevalidations(t, 100)
	for name, r := range reqs {
		buf := make([]byte, 0, 1024)
		head, _, ok := svc.ServeFast(buf, r)
		if !ok || !strings.HasPrefix(string(head), "HTTP/1.1 304 ") {
			t.Fatalf("%s: ok=%v %q", name, ok, head)
		}
		if n := testing.AllocsPerRun(200, func() { svc.ServeFast(buf, r) }); n > 0 {
			t.Errorf("%s: %.1f allocations per lane 304, want 0", name, n)
		}
	}
}
