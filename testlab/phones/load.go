package phones

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult is what a load run measured.
type LoadResult struct {
	Requests  int64
	Errors    int64
	Duration  time.Duration
	PerSecond float64
	// Transfer is wrk's "Transfer/sec" figure (e.g. "1.02GB"); empty for
	// the Go loader.
	Transfer string
	Tool     string
}

// Load sends GET url with headers from conns keep-alive connections for d
// and counts the answers with status want. It uses wrk when installed (a
// C load generator costs the machine less than a Go one), else a Go loop.
// With PBXAGENT_BENCH_LOAD_CPUS set (a taskset CPU list, e.g. "1") wrk
// runs pinned to those CPUs, so that every server measured faces the same
// load generator on the same cores.
func Load(ctx context.Context, url string, headers map[string]string, conns int, d time.Duration, want int) (LoadResult, error) {
	if bin, err := exec.LookPath("wrk"); err == nil {
		return wrk(ctx, bin, url, headers, conns, d, want)
	}
	return goLoad(ctx, url, headers, conns, d, want)
}

// LoadCPUs returns the CPU list wrk is pinned to ("" when not pinned).
func LoadCPUs() string { return os.Getenv("PBXAGENT_BENCH_LOAD_CPUS") }

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
var wrkTotal = regexp.MustCompile(`(\d+) requests in`)
var wrkTransfer = regexp.MustCompile(`Transfer/sec:\s+(\S+)`)
var wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)

func wrk(ctx context.Context, bin, url string, headers map[string]string, conns int, d time.Duration, want int) (LoadResult, error) {
	args := []string{"-t", "1", "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", int(d.Seconds()))}
	for k, v := range headers {
		args = append(args, "-H", k+": "+v)
	}
	args = append(args, url)
	if cpus := LoadCPUs(); cpus != "" {
		ts, err := exec.LookPath("taskset")
		if err != nil {
			return LoadResult{}, fmt.Errorf("PBXAGENT_BENCH_LOAD_CPUS=%s: %w", cpus, err)
		}
		args = append([]string{"-c", cpus, bin}, args...)
		bin = ts
	}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return LoadResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return LoadResult{}, fmt.Errorf("wrk output: %s", out)
	}
	r := LoadResult{Duration: d, Tool: "wrk"}
	if cpus := LoadCPUs(); cpus != "" {
		r.Tool = "wrk on cpu " + cpus
	}
	r.PerSecond, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := wrkTotal.FindSubmatch(out); m != nil {
		r.Requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := wrkTransfer.FindSubmatch(out); m != nil {
		r.Transfer = string(m[1])
	}
	if m := wrkNon2xx.FindSubmatch(out); m != nil {
		// wrk counts 2xx and 3xx as success; the caller's status check is
		// done on a sample request instead.
		r.Errors, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if strings.Contains(string(out), "Socket errors") {
		return r, fmt.Errorf("wrk socket errors: %s", out)
	}
	return r, nil
}

func goLoad(ctx context.Context, url string, headers map[string]string, conns int, d time.Duration, want int) (LoadResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						bad.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == want {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	return LoadResult{Requests: ok.Load(), Errors: bad.Load(), Duration: el, PerSecond: float64(ok.Load()) / el.Seconds(), Tool: "go"}, nil
}
