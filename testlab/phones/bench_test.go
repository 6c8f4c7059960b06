package phones_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// benchDuration is how long each load run lasts (PBXAGENT_BENCH_SECONDS).
func benchDuration() time.Duration {
	if s := os.Getenv("PBXAGENT_BENCH_SECONDS"); s != "" {
		if d, err := time.ParseDuration(s + "s"); err == nil && d > 0 {
			return d
		}
	}
	return 3 * time.Second
}

// startReal serves the phone endpoints on loopback as the daemon does (the
// fast lane in front of an http.Server), owned by the benchmark: stopped
// at cleanup.
func startReal(b *testing.B, dir phones.Directory, opts ...phones.Option) (string, *phones.Service) {
	b.Helper()
	svc, err := phones.New(context.Background(), dir, lab.NewMemKV(), append([]phones.Option{phones.WithLogger(discard())}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return serveService(b, svc).URL, svc
}

// BenchmarkYealinkVsNginx: the full Yealink book of 10 000 contacts from
// pbxagent beside nginx serving the same bytes as a static file, both on
// loopback, the full body and the 304 revalidation (each server with its
// own ETag). Goals: full ≥ 0.5× nginx, 304 ≥ 0.9×. Both servers get the
// same load (wrk, connections, duration) in alternating rounds, and the
// same parallelism (nginx workers = GOMAXPROCS). Each run reports
// requests/s and CPU time per request of the server (nginx master and
// workers from /proc; pbxagent = this process, in which only the server
// works during a run); the ratios are pbxagent/nginx for throughput and
// nginx/pbxagent for CPU per request (so ≥ 1 is better for both).
// PBXAGENT_BENCH_RUNS=304 (or full) runs only that half, e.g. to profile;
// PBXAGENT_BENCH_ROUNDS sets the number of rounds (default 3).
// testlab/phones/bench.sh pins the servers and wrk to separate CPUs.
func BenchmarkYealinkVsNginx(b *testing.B) {
	ctx := context.Background()
	base, _ := startReal(b, lab.Synthetic{N: 10000})
	token := registerAt(b, base, `{"mac":"0015654aa937","vendor":"yealink"}`)
	pbxURL := base + "/phonebook/yealink.xml?token=" + token
	resp, err := http.Get(pbxURL)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pbxETag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || len(body) < 100000 {
		b.Fatalf("pbxagent: %d, %d bytes", resp.StatusCode, len(body))
	}
	work := b.TempDir()
	root := filepath.Join(work, "www")
	os.MkdirAll(root, 0o755)
	if err := os.WriteFile(filepath.Join(root, "yealink.xml"), body, 0o644); err != nil {
		b.Fatal(err)
	}
	ng, err := lab.StartNginx(ctx, root, work, runtime.GOMAXPROCS(0))
	if err != nil {
		b.Skip(err)
	}
	defer ng.Stop()
	ngURL := ng.URL + "/yealink.xml"
	resp, err = http.Get(ngURL)
	if err != nil {
		b.Fatal(err)
	}
	ngBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ngETag := resp.Header.Get("ETag")
	if !slices.Equal(ngBody, body) {
		b.Fatal("nginx serves other bytes")
	}
	// The floor: a bare net/http handler in this process answering the same
	// 304 (same header fields as pbxagent's) with no work at all. It shows
	// what net/http and the Go runtime cost next to nginx, apart from
	// anything pbxagent does.
	floorURL := startFloor(b, pbxETag)
	d := benchDuration()
	const conns = 32
	runFull, run304 := true, true
	switch os.Getenv("PBXAGENT_BENCH_RUNS") {
	case "304":
		runFull = false
	case "full":
		run304 = false
	}
	type result struct{ rate, cpuPerReq float64 } // req/s, seconds
	run := func(name, url string, hdr map[string]string, want int) result {
		cpu := lab.SelfCPUTime
		if strings.HasPrefix(name, "nginx") {
			cpu = func() time.Duration { t, _ := ng.CPUTime(); return t }
		}
		c0 := cpu()
		r, err := lab.Load(ctx, url, hdr, conns, d, want)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		used := cpu() - c0
		if r.Errors > 0 {
			b.Fatalf("%s: %d bad answers", name, r.Errors)
		}
		res := result{rate: r.PerSecond, cpuPerReq: used.Seconds() / float64(max(r.Requests, 1))}
		b.Logf("%-14s %9.0f req/s %9s/s %7.2f µs CPU/req (%s, %d conns, %s)", name, res.rate, r.Transfer, res.cpuPerReq*1e6, r.Tool, conns, d)
		return res
	}
	// A sample of each 304 so the load counts the right answers.
	for _, c := range []struct{ url, etag string }{{pbxURL, pbxETag}, {ngURL, ngETag}, {floorURL, pbxETag}} {
		req, _ := http.NewRequest("GET", c.url, nil)
		req.Header.Set("If-None-Match", c.etag)
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != 304 {
			b.Fatalf("%s: no 304 (%v)", c.url, err)
		}
		r.Body.Close()
	}
	b.Logf("load before: %s; GOMAXPROCS %d, nginx workers the same, wrk cpus %q", loadAvg(), runtime.GOMAXPROCS(0), lab.LoadCPUs())
	// Rounds alternate the runs so that noise from other work on a shared
	// machine hits both servers alike; the medians are reported.
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("PBXAGENT_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var fullR, r304, fullC, c304, pf, nf, p3, n3, pfc, nfc, p3c, n3c, fr, fc, f3c []float64
		for round := 0; round < rounds; round++ {
			if runFull {
				ngFull := run("nginx full", ngURL, nil, 200)
				pbxFull := run("pbxagent full", pbxURL, nil, 200)
				fullR, fullC = append(fullR, pbxFull.rate/ngFull.rate), append(fullC, ngFull.cpuPerReq/pbxFull.cpuPerReq)
				pf, nf = append(pf, pbxFull.rate), append(nf, ngFull.rate)
				pfc, nfc = append(pfc, pbxFull.cpuPerReq*1e6), append(nfc, ngFull.cpuPerReq*1e6)
			}
			if run304 {
				ng304 := run("nginx 304", ngURL, map[string]string{"If-None-Match": ngETag}, 304)
				pbx304 := run("pbxagent 304", pbxURL, map[string]string{"If-None-Match": pbxETag}, 304)
				r304, c304 = append(r304, pbx304.rate/ng304.rate), append(c304, ng304.cpuPerReq/pbx304.cpuPerReq)
				p3, n3 = append(p3, pbx304.rate), append(n3, ng304.rate)
				p3c, n3c = append(p3c, pbx304.cpuPerReq*1e6), append(n3c, ng304.cpuPerReq*1e6)
				fl304 := run("net/http 304", floorURL, map[string]string{"If-None-Match": pbxETag}, 304)
				fr, fc = append(fr, fl304.rate/ng304.rate), append(fc, ng304.cpuPerReq/fl304.cpuPerReq)
				f3c = append(f3c, fl304.cpuPerReq*1e6)
			}
		}
		if runFull {
			b.ReportMetric(median(pf), "pbx-full-req/s")
			b.ReportMetric(median(nf), "nginx-full-req/s")
			b.ReportMetric(median(fullR), "full-ratio")
			b.ReportMetric(median(fullC), "full-cpu-ratio")
			b.Logf("full (%d bytes): throughput ratio pbxagent/nginx median %.2f of %.2f (goal ≥ 0.5); CPU/req nginx %.1f µs, pbxagent %.1f µs, ratio median %.2f of %.2f",
				len(body), median(fullR), fullR, median(nfc), median(pfc), median(fullC), fullC)
		}
		if run304 {
			b.ReportMetric(median(p3), "pbx-304-req/s")
			b.ReportMetric(median(n3), "nginx-304-req/s")
			b.ReportMetric(median(r304), "304-ratio")
			b.ReportMetric(median(c304), "304-cpu-ratio")
			b.ReportMetric(median(p3c), "pbx-304-µs-cpu/req")
			b.ReportMetric(median(n3c), "nginx-304-µs-cpu/req")
			b.ReportMetric(median(fr), "floor-304-ratio")
			b.ReportMetric(median(fc), "floor-304-cpu-ratio")
			b.Logf("304: throughput ratio pbxagent/nginx median %.2f of %.2f (goal ≥ 0.9); CPU/req nginx %.1f µs, pbxagent %.1f µs, ratio median %.2f of %.2f",
				median(r304), r304, median(n3c), median(p3c), median(c304), c304)
			b.Logf("304 floor (bare net/http): throughput ratio /nginx median %.2f of %.2f; CPU/req %.1f µs, ratio nginx/floor median %.2f of %.2f; pbxagent (fast lane) %+.1f µs/req against it",
				median(fr), fr, median(f3c), median(fc), fc, median(p3c)-median(f3c))
		}
		b.Logf("load after: %s", loadAvg())
	}
}

// startFloor serves, on loopback, the cheapest possible 304 from net/http:
// the header fields pbxagent's 304 carries and nothing else.
func startFloor(b *testing.B, etag string) string {
	b.Helper()
	hdr := map[string][]string{"Etag": {etag}, "Cache-Control": {"private, no-cache"}, "Vary": {"Accept-Encoding, Accept-Charset"}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wh := w.Header()
		for k, v := range hdr {
			wh[k] = v
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	b.Cleanup(func() { srv.Close(); <-done })
	return "http://" + l.Addr().String() + "/floor"
}

// loadAvg is the first three fields of /proc/loadavg (the uptime figures).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func registerAt(b testing.TB, base, body string) string {
	b.Helper()
	resp, err := http.Post(base+"/api/v1/phones", "application/json", stringsReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var p phones.Phone
	if err := decodeJSON(resp.Body, &p); err != nil || resp.StatusCode != 201 {
		b.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	return p.Token
}

// BenchmarkCiscoSearch1M: Cisco search pages from a 1 000 000-contact
// directory over loopback HTTP, a different term each time (every request
// renders: no cache hit). Reports p50/p99 latency; goal p99 ≤ 2 ms. The
// directory is lab.Synthetic, so this measures pbxagent's phone layer (auth,
// paging, rendering, HTTP), not the store's search.
func BenchmarkCiscoSearch1M(b *testing.B) {
	// A cache too small for any body: every request renders.
	base, _ := startReal(b, lab.Synthetic{N: 1_000_000}, phones.WithCache(1, 1))
	token := registerAt(b, base, `{"mac":"0002fdff2103","vendor":"cisco"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		term := fmt.Sprintf("Person %04d", rng.IntN(1000)) // 1000 matches each
		page := 1 + rng.IntN(3)
		url := fmt.Sprintf("%s/phonebook/cisco.xml?q=%s&page=%d&token=%s", base, urlEscape(term), page, token)
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != 200 || n < 2000 {
			b.Fatalf("status %d, %d bytes: not a full page", resp.StatusCode, n)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	p := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
