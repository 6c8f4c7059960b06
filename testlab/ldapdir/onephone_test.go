package ldapdir_test

import (
	"cmp"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/proc"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration { return proc.SelfCPU() }

// BenchmarkOnePhone is one phone's prefix searches on pbxagent alone (no
// slapd): LDAPBENCH_N contacts (default 100 000), 2 000 searches one after
// the other without the result cache, then with it, each reported as p50,
// p99, the server process's CPU per search, the GC cycles it took and what
// it allocated per search (the go-ldap clients, the phones, run in a child
// process, phoneclient_test.go; their CPU is reported as client CPU).
// LDAPBENCH_DATA keeps the store between runs; LDAPBENCH_PHONES (and
// LDAPBENCH_PER, default 3) adds that many phones searching at once on
// each; LDAPBENCH_CPUPROFILE=file profiles the server's side of the
// searches of each (file.pbxagent-nocache, file.pbxagent).
func BenchmarkOnePhone(b *testing.B) {
	n := envInt("LDAPBENCH_N", 100_000)
	qs := queries(4000, n)
	us, uncached := ours(b, n)
	if os.Getenv("LDAPBENCH_SLOW") != "" {
		slowest(b, uncached, qs[2000:], 30)
	}
	b.ResetTimer()
	for range b.N {
		for _, t := range []target{uncached, us} {
			prof := os.Getenv("LDAPBENCH_CPUPROFILE")
			if prof != "" {
				w, err := os.Create(prof + "." + t.name)
				if err != nil {
					b.Fatal(err)
				}
				if err := pprof.StartCPUProfile(w); err != nil {
					b.Fatal(err)
				}
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			r := sequential(b, t, qs[:2000])
			runtime.ReadMemStats(&ms1)
			if prof != "" {
				pprof.StopCPUProfile()
			}
			p99 := pct(r.Latencies, 99)
			progress("%d contacts, one phone, %s: p50 %s p99 %s (%.1f entries/search), CPU %s/search, %d GCs, %.0f KB allocated/search, client CPU %s/search",
				n, t.name, pct(r.Latencies, 50), p99, r.hits(), r.serverCPU(), ms1.NumGC-ms0.NumGC, float64(ms1.TotalAlloc-ms0.TotalAlloc)/2000/1024, r.clientCPU())
			b.ReportMetric(float64(p99.Microseconds())/1000, t.name+"_p99_ms")
		}
		if nPhones := envInt("LDAPBENCH_PHONES", 0); os.Getenv("LDAPBENCH_PHONES") != "" {
			per := envInt("LDAPBENCH_PER", 3)
			for _, t := range []target{uncached, us} {
				r := concurrent(b, t, nPhones, per, qs)
				progress("%d phones × %d searches, %s: %.0f searches/s, p99 %s, %d failed, CPU %s/search, client CPU %s/search",
					nPhones, per, t.name, r.rate(), pct(r.Latencies, 99), r.Failed, r.serverCPU(), r.clientCPU())
			}
		}
	}
}

// slowest prints one phone's k slowest searches and the time of each
// searched again twice: a search slow each time is its own cost, not the
// machine's.
func slowest(b *testing.B, t target, qs []string, k int) {
	type timed struct {
		q string
		d time.Duration
	}
	first := sequential(b, t, qs)
	all := make([]timed, len(qs))
	for i, q := range qs {
		all[i] = timed{q, first.Latencies[i]}
	}
	slices.SortFunc(all, func(a, b timed) int { return cmp.Compare(b.d, a.d) })
	all = all[:min(k, len(all))]
	twice := make([]string, 0, 2*len(all))
	for _, x := range all {
		twice = append(twice, x.q, x.q)
	}
	again := sequential(b, t, twice).Latencies
	for i, x := range all {
		progress("slow: %s %s again %v", x.q, x.d, again[2*i:2*i+2])
	}
}
