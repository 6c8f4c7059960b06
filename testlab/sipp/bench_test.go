package sipp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pbxsip "github.com/pbxagent/pbxagent/sip"
	"github.com/pbxagent/pbxagent/testlab/callertest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkSIPp302 is the SIP benchmark of issue #5 (SIPp usage: https://github.com/SIPp/sipp,
// options -r/-rp/-l/-m, -trace_stat, -trace_rtt in src/sipp.cpp): in one run, SIPp sends
// the same INVITE mix (known, unknown, anonymous, extension numbers) at 2 000 calls/s for 60 s,
// first to a SIPp UAS answering 302 (the baseline), then to pbxagent's redirect server over a
// directory of about 1 M numbers. Goals: ≥ 0.9 × the baseline's achieved rate, 0 failed calls,
// 0 retransmissions, p99 ≤ 4 ms. Reported metrics: rates, ratio, failures, retransmissions,
// percentiles (ms), pbxagent's CPU % (of one core) and max RSS.
//
// Environment: PBXAGENT_SIPP_BENCH_RATE (2000), PBXAGENT_SIPP_BENCH_SECONDS (60),
// PBXAGENT_CID_BENCH_CONTACTS (500000), PBXAGENT_CID_BENCH_CACHE (keep the built directory).
// Skips when sipp is missing (fails with CI=true).
func BenchmarkSIPp302(b *testing.B) {
	requireSIPp(b)
	rate := envInt("PBXAGENT_SIPP_BENCH_RATE", 2000)
	secs := envInt("PBXAGENT_SIPP_BENCH_SECONDS", 60)
	contacts := envInt("PBXAGENT_CID_BENCH_CONTACTS", 500_000)
	ctx := context.Background()

	fix, cleanup := benchDirectory(b, contacts)
	defer cleanup()
	calls := rate * secs
	numbers := fix.Mix(min(calls, 200_000))
	uac := func(addr string) UAC {
		return UAC{Scenario: Scenario("uac302_mix.xml"), Remote: addr, Rate: rate, Calls: calls, Numbers: numbers, Limit: 5000}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		uas, err := StartUAS(ctx, Scenario("uas302.xml"), 0)
		if err != nil {
			b.Fatal(err)
		}
		base, err := Run(ctx, uac(uas.Addr))
		uas.Stop()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("baseline SIPp UAS: %s; response-time buckets (ms) %v", base, base.Repartition)

		addr := startPbxagent(b, fix.Store, nil, nil, pbxsip.WithMissMode(pbxsip.MissRedirect))
		var ru0 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		t0 := time.Now()
		res, err := Run(ctx, uac(addr))
		wall := time.Since(t0)
		var ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		if err != nil {
			b.Fatal(err)
		}
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * 100 / wall
		b.Logf("pbxagent: %s; response-time buckets (ms) %v", res, res.Repartition)
		b.Logf("pbxagent process: cpu=%d%% of one core, rss=%d MiB (directory included; max %d MiB while building it), goroutines at end=%d",
			int(cpu), vmRSS()>>20, ru1.Maxrss/1024, runtime.NumGoroutine())
		ratio := res.Rate / base.Rate
		b.Logf("ratio pbxagent/baseline = %.3f (goal ≥ 0.9); p99 %.0f ms vs baseline %.0f ms (goal ≤ 4 ms)", ratio, res.Percentile(0.99), base.Percentile(0.99))
		b.ReportMetric(base.Rate, "baseline-calls/s")
		b.ReportMetric(res.Rate, "calls/s")
		b.ReportMetric(ratio, "ratio")
		b.ReportMetric(float64(res.Failed), "failed")
		b.ReportMetric(float64(res.Retransmissions), "retrans")
		b.ReportMetric(res.Percentile(0.5), "p50-ms")
		b.ReportMetric(res.Percentile(0.99), "p99-ms")
		b.ReportMetric(res.Percentile(0.999), "p999-ms")
		b.ReportMetric(base.Percentile(0.99), "baseline-p99-ms")
		b.ReportMetric(float64(cpu), "cpu-%")
		b.ReportMetric(float64(vmRSS()>>20), "rss-MiB")
		if res.Failed > 0 || base.Failed > 0 {
			b.Logf("errors (pbxagent): %s", res.Errors)
		}
	}
}

// benchDirectory builds (or, with PBXAGENT_CID_BENCH_CACHE, reuses) the generated directory.
func benchDirectory(b *testing.B, contacts int) (*callertest.Fixture, func()) {
	b.Helper()
	ctx := context.Background()
	if cache := os.Getenv("PBXAGENT_CID_BENCH_CACHE"); cache != "" {
		dir := fmt.Sprintf("%s/cid-%d", cache, contacts)
		if _, err := os.Stat(dir + "/.complete"); err == nil {
			f, err := callertest.Reopen(ctx, dir, contacts)
			if err != nil {
				b.Fatal(err)
			}
			return f, func() { f.Close() }
		}
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := callertest.Open(ctx, dir, contacts)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(dir+"/.complete", nil, 0o644); err != nil {
			b.Fatal(err)
		}
		return f, func() { f.Close() }
	}
	dir := b.TempDir()
	start := time.Now()
	f, err := callertest.Open(ctx, dir, contacts)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("directory: %d numbers built in %v", f.Numbers, time.Since(start).Round(time.Millisecond))
	return f, func() { f.Close() }
}

// vmRSS is the process's resident set size now, in bytes (0 when unknown).
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
